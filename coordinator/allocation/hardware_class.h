#pragma once
// Hardware classes: rules over the inventory an agent reports ("8 H100 GPUs, RDMA,
// at least 1 TiB of memory"). A node's classes follow its latest inventory: they
// are computed from it whenever asked, never stored, so they cannot go stale.
#include <string>
#include <vector>

#include "common/proto/inventory.pb.h"
#include "common/status/status.h"
#include "coordinator/store/records.h"

namespace bmf::coordinator {

bool matches(const HardwareClass& hc, const proto::Inventory& inventory);
// The names of the classes `inventory` belongs to.
std::vector<std::string> classes_of(const std::vector<HardwareClass>& classes, const proto::Inventory& inventory);
// INVALID_ARGUMENT naming the field: a name, and limits that make sense.
Status validate_class(const HardwareClass& hc);

}  // namespace bmf::coordinator
