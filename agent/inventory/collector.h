#pragma once
// Collects the full inventory from every reader (and LLDP when asked).
#include <chrono>

#include "agent/inventory/link_source.h"
#include "agent/inventory/root_fs.h"
#include "common/proto/inventory.pb.h"

namespace bmf::agent {

struct CollectOptions {
  // How long to listen for LLDP on NICs that are up; 0 skips LLDP (fixtures, tests).
  std::chrono::milliseconds lldp_wait{0};
};

Result<proto::Inventory> collect_inventory(const RootFs& fs, LinkSource& links, const CollectOptions& options);

// The LinkSource that tells the truth for this root: netlink on a live host,
// whose /sys/class/net may belong to another network namespace; sysfs otherwise.
std::unique_ptr<LinkSource> link_source_for(const RootFs& fs);

}  // namespace bmf::agent
