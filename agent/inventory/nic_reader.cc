// Network interfaces: the link list from a LinkSource (netlink on a live host),
// driver / PCI address / speed from sysfs.
#include <charconv>

#include "agent/inventory/readers.h"

namespace bmf::agent {

Result<std::vector<proto::Nic>> read_nics(const RootFs& fs, LinkSource& source) {
  BMF_ASSIGN_OR_RETURN(auto links, source.list_links());
  std::vector<proto::Nic> nics;
  for (const Link& l : links) {
    if (l.loopback || !l.ethernet) continue;
    const std::string base = "/sys/class/net/" + l.name;
    proto::Nic n;
    n.set_name(l.name);
    n.set_mac(l.mac);
    n.set_mtu(l.mtu);
    n.set_carrier(l.carrier);
    n.set_operstate(l.operstate);
    n.set_driver(fs.link_name(base + "/device/driver"));
    if (n.driver().empty()) n.set_driver(fs.link_name(base + "/device/../driver"));
    n.set_pci_address(fs.link_name(base + "/device"));
    // speed reads fail (EINVAL) or say -1 without carrier: both mean unknown.
    std::string speed = fs.read_line(base + "/speed");
    int mbps = -1;
    auto [p, ec] = std::from_chars(speed.data(), speed.data() + speed.size(), mbps);
    n.set_speed_mbps(ec == std::errc() && mbps > 0 ? mbps : -1);
    nics.push_back(std::move(n));
  }
  std::sort(nics.begin(), nics.end(), [](const auto& a, const auto& b) { return a.name() < b.name(); });
  return nics;
}

}  // namespace bmf::agent
