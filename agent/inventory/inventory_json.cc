#include "agent/inventory/inventory_json.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace bmf::agent {
namespace {

using nlohmann::ordered_json;

std::string u64(std::uint64_t v) { return std::to_string(v); }  // proto3 JSON: 64-bit ints are strings

ordered_json lldp_json(const proto::LldpNeighbor& l) {
  return {{"chassisId", l.chassis_id()},   {"chassisIdSubtype", l.chassis_id_subtype()},
          {"portId", l.port_id()},         {"portIdSubtype", l.port_id_subtype()},
          {"systemName", l.system_name()}, {"portDescription", l.port_description()},
          {"ttlSeconds", l.ttl_seconds()}};
}

}  // namespace

std::string inventory_to_json(const proto::Inventory& inv, int indent) {
  ordered_json j;
  const auto& s = inv.system();
  j["system"] = {{"vendor", s.vendor()},           {"product", s.product()},         {"serial", s.serial()},
                 {"systemUuid", s.system_uuid()},  {"biosVendor", s.bios_vendor()},  {"biosVersion", s.bios_version()},
                 {"biosDate", s.bios_date()},      {"chassisType", s.chassis_type()}};
  const auto& c = inv.cpu();
  j["cpu"] = {{"model", c.model()}, {"sockets", c.sockets()}, {"cores", c.cores()}, {"threads", c.threads()},
              {"flags", ordered_json(std::vector<std::string>(c.flags().begin(), c.flags().end()))},
              {"numaNodes", c.numa_nodes()}};
  ordered_json dimms = ordered_json::array();
  for (const auto& d : inv.memory().devices()) dimms.push_back({{"locator", d.locator()}, {"sizeBytes", u64(d.size_bytes())}});
  j["memory"] = {{"totalBytes", u64(inv.memory().total_bytes())},
                 {"installedBytes", u64(inv.memory().installed_bytes())},
                 {"devices", dimms}};
  ordered_json disks = ordered_json::array();
  for (const auto& d : inv.disks()) {
    disks.push_back({{"name", d.name()}, {"sizeBytes", u64(d.size_bytes())}, {"rotational", d.rotational()},
                     {"model", d.model()}, {"serial", d.serial()}, {"wwn", d.wwn()}, {"transport", d.transport()}});
  }
  j["disks"] = disks;
  ordered_json nics = ordered_json::array();
  for (const auto& n : inv.nics()) {
    ordered_json o = {{"name", n.name()},           {"mac", n.mac()},       {"driver", n.driver()},
                      {"pciAddress", n.pci_address()}, {"speedMbps", n.speed_mbps()}, {"mtu", n.mtu()},
                      {"carrier", n.carrier()},     {"operstate", n.operstate()}};
    if (n.has_lldp()) o["lldp"] = lldp_json(n.lldp());
    nics.push_back(o);
  }
  j["nics"] = nics;
  ordered_json gpus = ordered_json::array();
  for (const auto& g : inv.gpus()) {
    gpus.push_back({{"pciAddress", g.pci_address()}, {"vendorId", g.vendor_id()}, {"deviceId", g.device_id()},
                    {"vendor", g.vendor()}, {"name", g.name()}, {"numaNode", g.numa_node()}, {"pciClass", g.pci_class()}});
  }
  j["gpus"] = gpus;
  ordered_json rdma = ordered_json::array();
  for (const auto& r : inv.rdma()) {
    ordered_json ports = ordered_json::array();
    for (const auto& p : r.ports()) {
      ordered_json gids = ordered_json::array();
      for (const auto& g : p.gids()) {
        gids.push_back({{"index", g.index()}, {"gid", g.gid()}, {"type", g.type()}, {"netdev", g.netdev()}});
      }
      ports.push_back({{"port", p.port()}, {"state", p.state()}, {"physState", p.phys_state()},
                       {"linkLayer", p.link_layer()}, {"rate", p.rate()}, {"activeMtu", p.active_mtu()},
                       {"gids", gids}, {"netdev", p.netdev()}});
    }
    rdma.push_back({{"name", r.name()}, {"nodeGuid", r.node_guid()}, {"pciAddress", r.pci_address()}, {"ports", ports}});
  }
  j["rdma"] = rdma;
  j["bmc"] = {{"address", inv.bmc().address()}, {"mac", inv.bmc().mac()}, {"source", inv.bmc().source()}};
  j["collectedInUs"] = u64(inv.collected_in_us());
  return j.dump(indent);
}

std::string inventory_to_text(const proto::Inventory& inv) {
  std::string out;
  const auto& s = inv.system();
  out += fmt::format("System:  {} {} serial={} uuid={} chassis={}\n", s.vendor(), s.product(), s.serial(),
                     s.system_uuid(), s.chassis_type());
  out += fmt::format("BIOS:    {} {} ({})\n", s.bios_vendor(), s.bios_version(), s.bios_date());
  const auto& c = inv.cpu();
  out += fmt::format("CPU:     {} x {} — {} cores, {} threads, {} NUMA nodes, flags: {}\n", c.sockets(), c.model(),
                     c.cores(), c.threads(), c.numa_nodes(), fmt::join(c.flags(), " "));
  out += fmt::format("Memory:  {:.1f} GiB usable, {:.1f} GiB installed in {} DIMMs\n",
                     inv.memory().total_bytes() / 1073741824.0, inv.memory().installed_bytes() / 1073741824.0,
                     inv.memory().devices_size());
  for (const auto& d : inv.disks()) {
    out += fmt::format("Disk:    {} {:.1f} GB {} {} {} serial={} wwn={}\n", d.name(), d.size_bytes() / 1e9, d.transport(),
                       d.rotational() ? "hdd" : "ssd", d.model(), d.serial(), d.wwn());
  }
  for (const auto& n : inv.nics()) {
    out += fmt::format("NIC:     {} {} {} pci={} {} Mb/s mtu={} {}", n.name(), n.mac(), n.driver(), n.pci_address(),
                       n.speed_mbps(), n.mtu(), n.operstate());
    if (n.has_lldp()) out += fmt::format(" lldp={}/{} ({})", n.lldp().system_name(), n.lldp().port_id(), n.lldp().chassis_id());
    out += "\n";
  }
  for (const auto& g : inv.gpus()) {
    out += fmt::format("GPU:     {} {} {} [{}:{}] numa={}\n", g.pci_address(), g.vendor(), g.name(), g.vendor_id(),
                       g.device_id(), g.numa_node());
  }
  for (const auto& r : inv.rdma()) {
    for (const auto& p : r.ports()) {
      out += fmt::format("RDMA:    {} port {} {} {} {} {} mtu={} netdev={} gids={}\n", r.name(), p.port(), p.link_layer(),
                         p.state(), p.phys_state(), p.rate(), p.active_mtu(), p.netdev(), p.gids_size());
    }
  }
  out += fmt::format("BMC:     {}\n", inv.bmc().address().empty() ? "unknown" : inv.bmc().address() + " (" + inv.bmc().source() + ")");
  out += fmt::format("Collected in {} us\n", inv.collected_in_us());
  return out;
}

}  // namespace bmf::agent
