#pragma once
// Where the agent learns its network links: rtnetlink on a live host (correct
// inside network namespaces, where /sys/class/net shows the host), or a sysfs
// tree under a fixture root for tests.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/inventory/root_fs.h"
#include "common/status/status.h"

namespace bmf::agent {

struct Link {
  std::string name;
  std::string mac;        // lower case, colon separated
  bool ethernet = false;  // ARPHRD_ETHER: a real or virtual Ethernet port
  bool loopback = false;
  std::uint32_t mtu = 0;
  std::string operstate;  // up, down, unknown, ...
  bool carrier = false;
  int ifindex = 0;
};

class LinkSource {
 public:
  virtual ~LinkSource() = default;
  virtual Result<std::vector<Link>> list_links() = 0;
};

// Reads /sys/class/net/*/{address,type,mtu,operstate,carrier} under a RootFs.
class SysfsLinkSource final : public LinkSource {
 public:
  explicit SysfsLinkSource(RootFs fs) : fs_(std::move(fs)) {}
  Result<std::vector<Link>> list_links() override;

 private:
  RootFs fs_;
};

// Dumps links of the current network namespace over NETLINK_ROUTE (an
// RTM_GETLINK dump parsed in place: libnl cost the static agent 144 KB, more
// than the rest of the NIC code, for this one request).
class NetlinkLinkSource final : public LinkSource {
 public:
  Result<std::vector<Link>> list_links() override;
};

// Appends the links in one buffer of RTM_GETLINK dump replies; true once the
// dump's NLMSG_DONE was seen. A netlink error reply becomes its Status.
Result<bool> parse_link_dump(const std::uint8_t* data, std::size_t size, std::vector<Link>& out);

}  // namespace bmf::agent
