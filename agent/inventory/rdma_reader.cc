// RDMA devices (InfiniBand and RoCE) under /sys/class/infiniband, per the
// kernel's sysfs-class-infiniband ABI.
#include <charconv>

#include "agent/inventory/parse.h"
#include "agent/inventory/readers.h"

namespace bmf::agent {
namespace {

bool is_zero_gid(const std::string& gid) { return gid.find_first_not_of("0:") == std::string::npos; }

std::uint32_t to_u32(const std::string& s) {
  std::uint32_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

std::vector<proto::RdmaDevice> read_rdma(const RootFs& fs) {
  std::vector<proto::RdmaDevice> devices;
  for (const auto& name : fs.list("/sys/class/infiniband")) {
    const std::string base = "/sys/class/infiniband/" + name;
    proto::RdmaDevice dev;
    dev.set_name(name);
    dev.set_node_guid(fs.read_line(base + "/node_guid"));
    dev.set_pci_address(fs.link_name(base + "/device"));
    for (const auto& port_name : fs.list(base + "/ports")) {
      const std::string pbase = base + "/ports/" + port_name;
      auto* port = dev.add_ports();
      port->set_port(to_u32(port_name));
      port->set_state(strip_numeric_prefix(fs.read_line(pbase + "/state")));
      port->set_phys_state(strip_numeric_prefix(fs.read_line(pbase + "/phys_state")));
      port->set_link_layer(fs.read_line(pbase + "/link_layer"));
      port->set_rate(fs.read_line(pbase + "/rate"));
      for (const auto& index : fs.list(pbase + "/gids")) {
        std::string gid = fs.read_line(pbase + "/gids/" + index);
        if (gid.empty() || is_zero_gid(gid)) continue;
        auto* g = port->add_gids();
        g->set_index(to_u32(index));
        g->set_gid(gid);
        g->set_type(fs.read_line(pbase + "/gid_attrs/types/" + index));
        g->set_netdev(fs.read_line(pbase + "/gid_attrs/ndevs/" + index));
        if (port->netdev().empty()) port->set_netdev(g->netdev());
      }
      std::sort(port->mutable_gids()->begin(), port->mutable_gids()->end(),
                [](const auto& a, const auto& b) { return a.index() < b.index(); });
      if (port->netdev().empty()) {
        auto nets = fs.list(base + "/device/net");
        if (!nets.empty()) port->set_netdev(nets.front());
      }
      // sysfs has no active MTU; for RoCE the kernel derives it from the netdev MTU.
      if (port->link_layer() == "Ethernet" && !port->netdev().empty()) {
        port->set_active_mtu(roce_active_mtu(to_u32(fs.read_line("/sys/class/net/" + port->netdev() + "/mtu"))));
      }
    }
    devices.push_back(std::move(dev));
  }
  return devices;
}

}  // namespace bmf::agent
