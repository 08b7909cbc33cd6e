#include "coordinator/cli/node_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace bmf::cli {
namespace {

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

// Columns sized to their widest cell.
std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string state_name(bmf::proto::NodeState state) {
  std::string name = bmf::proto::NodeState_Name(state);
  constexpr std::string_view kPrefix = "NODE_STATE_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::string power_name(bmf::proto::PowerState state) {
  switch (state) {
    case bmf::proto::POWER_STATE_ON: return "on";
    case bmf::proto::POWER_STATE_OFF: return "off";
    default: return "unknown";
  }
}

std::string node_table(const bmf::proto::NodeList& list) {
  std::vector<std::vector<std::string>> rows{
      {"ID", "STATE", "POWER", "HOSTNAME", "VENDOR/PRODUCT", "SERIAL", "CPUS", "MEM", "GPUS", "MACS", "LAST SEEN"}};
  for (const auto& n : list.nodes()) {
    const auto& id = n.identity();
    const auto& inv = n.inventory();
    std::string product = id.vendor().empty() && id.product().empty() ? "-" : id.vendor() + " " + id.product();
    std::string macs = id.macs_size() == 0 ? "-" : id.macs(0);
    if (id.macs_size() > 1) macs += fmt::format(" (+{})", id.macs_size() - 1);
    std::string state = state_name(n.state());
    if (!n.hotpool_tier().empty()) state += " (" + n.hotpool_tier() + ")";
    rows.push_back({std::to_string(n.id()), state, power_name(n.power_state()), or_dash(id.hostname()), product,
                    or_dash(id.serial()), std::to_string(inv.cpu_threads()),
                    fmt::format("{}G", inv.memory_bytes() >> 30), std::to_string(inv.gpu_count()), macs,
                    or_dash(n.last_seen())});
  }
  return render_table(rows);
}

std::string node_details(const bmf::proto::Node& n) {
  const auto& id = n.identity();
  const auto& inv = n.inventory();
  std::vector<std::vector<std::string>> rows{
      {"ID:", std::to_string(n.id())},
      {"State:", state_name(n.state()) + (n.hotpool_tier().empty() ? "" : " (" + n.hotpool_tier() + ")")},
      {"State reason:", or_dash(n.state_reason())},
      {"State since:", or_dash(n.state_changed_at())},
      {"Power:", power_name(n.power_state())},
      {"Agent:", n.agent_connected() ? "connected" : "not connected"},
      {"Classes:", n.classes().empty() ? "-" : fmt::format("{}", fmt::join(n.classes(), ", "))},
      {"Hostname:", or_dash(id.hostname())},
      {"System UUID:", or_dash(id.system_uuid())},
      {"Serial:", or_dash(id.serial())},
      {"Vendor:", or_dash(id.vendor())},
      {"Product:", or_dash(id.product())},
      {"BMC address:", id.bmc_address().empty() ? "unknown" : id.bmc_address()},
      {"MACs:", id.macs().empty() ? "-" : fmt::format("{}", fmt::join(id.macs(), ", "))},
      {"CPU threads:", std::to_string(inv.cpu_threads())},
      {"Memory bytes:", std::to_string(inv.memory_bytes())},
      {"Agent version:", or_dash(n.agent_version())},
      {"Registered at:", or_dash(n.registered_at())},
      {"Registrations:", std::to_string(n.registrations())},
      {"Last seen:", or_dash(n.last_seen())},
      {"Peer address:", or_dash(n.peer_address())},
  };
  std::string out = render_table(rows);
  const auto& hw = n.hardware();
  if (hw.has_system() || hw.nics_size() > 0) out += "\n" + hardware_details(hw);
  return out;
}

std::string hardware_details(const bmf::proto::Inventory& hw) {
  std::vector<std::vector<std::string>> rows;
  const auto& s = hw.system();
  rows.push_back({"BIOS:", fmt::format("{} {} ({})", or_dash(s.bios_vendor()), s.bios_version(), s.bios_date())});
  rows.push_back({"Chassis:", or_dash(s.chassis_type())});
  const auto& c = hw.cpu();
  rows.push_back({"CPU:", fmt::format("{} x {}, {} cores, {} threads, {} NUMA nodes", c.sockets(), or_dash(c.model()),
                                      c.cores(), c.threads(), c.numa_nodes())});
  rows.push_back({"Memory:", fmt::format("{:.1f} GiB ({} DIMMs, {:.1f} GiB installed)", hw.memory().total_bytes() / 1073741824.0,
                                         hw.memory().devices_size(), hw.memory().installed_bytes() / 1073741824.0)});
  const auto& bmc = hw.bmc();
  rows.push_back({"BMC:", bmc.source().empty() ? "unknown"
                          : fmt::format("{}{}{} ({})", bmc.address().empty() ? "no address" : bmc.address(),
                                        bmc.mac().empty() ? "" : " mac ", bmc.mac(), bmc.source())});
  std::string out = render_table(rows);
  std::vector<std::vector<std::string>> nics{{"NIC", "MAC", "DRIVER", "PCI", "SPEED", "MTU", "STATE", "SWITCH PORT (LLDP)"}};
  for (const auto& nic : hw.nics()) {
    std::string lldp = nic.has_lldp() ? fmt::format("{} {} ({})", nic.lldp().system_name(), nic.lldp().port_id(),
                                                    nic.lldp().chassis_id())
                                      : "-";
    nics.push_back({nic.name(), nic.mac(), or_dash(nic.driver()), or_dash(nic.pci_address()),
                    nic.speed_mbps() > 0 ? fmt::format("{}M", nic.speed_mbps()) : "-", std::to_string(nic.mtu()),
                    or_dash(nic.operstate()), lldp});
  }
  out += "\n" + render_table(nics);
  if (hw.disks_size() > 0) {
    std::vector<std::vector<std::string>> disks{{"DISK", "SIZE", "TYPE", "MODEL", "SERIAL", "WWN"}};
    for (const auto& d : hw.disks()) {
      disks.push_back({d.name(), fmt::format("{:.0f} GB", d.size_bytes() / 1e9),
                       d.transport() + (d.rotational() ? "/hdd" : "/ssd"), or_dash(d.model()), or_dash(d.serial()),
                       or_dash(d.wwn())});
    }
    out += "\n" + render_table(disks);
  }
  if (hw.gpus_size() > 0) {
    std::vector<std::vector<std::string>> gpus{{"GPU", "VENDOR", "NAME", "ID", "NUMA"}};
    for (const auto& g : hw.gpus()) {
      gpus.push_back({g.pci_address(), g.vendor(), or_dash(g.name()), g.vendor_id() + ":" + g.device_id(),
                      std::to_string(g.numa_node())});
    }
    out += "\n" + render_table(gpus);
  }
  if (hw.rdma_size() > 0) {
    std::vector<std::vector<std::string>> rdma{{"RDMA", "PORT", "LINK", "STATE", "RATE", "MTU", "NETDEV", "GIDS"}};
    for (const auto& r : hw.rdma()) {
      for (const auto& p : r.ports()) {
        rdma.push_back({r.name(), std::to_string(p.port()), p.link_layer() == "Ethernet" ? "RoCE" : p.link_layer(),
                        p.state() + "/" + p.phys_state(), or_dash(p.rate()), std::to_string(p.active_mtu()),
                        or_dash(p.netdev()), std::to_string(p.gids_size())});
      }
    }
    out += "\n" + render_table(rdma);
  }
  return out;
}

std::string event_table(const bmf::proto::EventList& list) {
  std::vector<std::vector<std::string>> rows{{"ID", "TIME", "NODE", "KIND", "ACTOR", "MESSAGE"}};
  for (const auto& e : list.events()) {
    rows.push_back({std::to_string(e.id()), e.time(), e.node_id() ? std::to_string(e.node_id()) : "-", e.kind(),
                    e.actor(), e.message()});
  }
  return render_table(rows);
}

std::string hotpool_table(const bmf::proto::HotpoolList& list) {
  std::vector<std::vector<std::string>> rows{
      {"CLASS", "HOT", "WARM", "TARGET", "MIN", "MAX", "DEMAND(1h)", "MOVING", "BOOT", "LAST EMPTY"}};
  for (const auto& c : list.classes()) {
    std::string flag = c.hot() + c.powering_on() == 0 && c.total() > 0 ? "  <- EMPTY" : "";
    rows.push_back({c.class_(), std::to_string(c.hot()), std::to_string(c.warm()), std::to_string(c.target()),
                    std::to_string(c.min_hot()), c.max_hot() < 0 ? "-" : std::to_string(c.max_hot()), std::to_string(c.demand()),
                    c.powering_on() + c.powering_off() == 0 ? "-" : fmt::format("+{}/-{}", c.powering_on(), c.powering_off()),
                    c.boot_seconds() > 0 ? fmt::format("{:.1f}s", c.boot_seconds()) : "-",
                    (c.last_empty_at().empty() ? "never" : c.last_empty_at()) + flag});
  }
  return render_table(rows);
}

}  // namespace bmf::cli
