#include "agent/inventory/inventory_json.h"

#include <fmt/format.h>

#include "agent/inventory/json_writer.h"

namespace bmf::agent {
namespace {
// "10.1.2.3 mac 94:6d:.. (ipmi)", "no address mac .. (ipmi)" or "unknown".
std::string bmc_summary(const proto::BmcInfo& bmc) {
  if (bmc.source().empty()) return "unknown";
  return fmt::format("{}{}{} ({})", bmc.address().empty() ? "no address" : bmc.address(), bmc.mac().empty() ? "" : " mac ",
                     bmc.mac(), bmc.source());
}
}  // namespace

namespace {

std::string u64(std::uint64_t v) { return std::to_string(v); }  // proto3 JSON: 64-bit ints are strings

}  // namespace

std::string inventory_to_json(const proto::Inventory& inv, int indent) {
  JsonWriter j(indent);
  j.begin_object();
  const auto& s = inv.system();
  j.begin_object("system")
      .field("vendor", s.vendor())
      .field("product", s.product())
      .field("serial", s.serial())
      .field("systemUuid", s.system_uuid())
      .field("biosVendor", s.bios_vendor())
      .field("biosVersion", s.bios_version())
      .field("biosDate", s.bios_date())
      .field("chassisType", s.chassis_type())
      .end_object();
  const auto& c = inv.cpu();
  j.begin_object("cpu").field("model", c.model()).field("sockets", c.sockets()).field("cores", c.cores());
  j.field("threads", c.threads()).begin_array("flags");
  for (const auto& f : c.flags()) j.value(f);
  j.end_array().field("numaNodes", c.numa_nodes()).end_object();
  j.begin_object("memory").field("totalBytes", u64(inv.memory().total_bytes()));
  j.field("installedBytes", u64(inv.memory().installed_bytes())).begin_array("devices");
  for (const auto& d : inv.memory().devices()) {
    j.begin_object().field("locator", d.locator()).field("sizeBytes", u64(d.size_bytes())).end_object();
  }
  j.end_array().end_object();
  j.begin_array("disks");
  for (const auto& d : inv.disks()) {
    j.begin_object().field("name", d.name()).field("sizeBytes", u64(d.size_bytes())).field("rotational", d.rotational());
    j.field("model", d.model()).field("serial", d.serial()).field("wwn", d.wwn()).field("transport", d.transport()).end_object();
  }
  j.end_array().begin_array("nics");
  for (const auto& n : inv.nics()) {
    j.begin_object().field("name", n.name()).field("mac", n.mac()).field("driver", n.driver());
    j.field("pciAddress", n.pci_address()).field("speedMbps", n.speed_mbps()).field("mtu", n.mtu());
    j.field("carrier", n.carrier()).field("operstate", n.operstate());
    if (n.has_lldp()) {
      const auto& l = n.lldp();
      j.begin_object("lldp").field("chassisId", l.chassis_id()).field("chassisIdSubtype", l.chassis_id_subtype());
      j.field("portId", l.port_id()).field("portIdSubtype", l.port_id_subtype()).field("systemName", l.system_name());
      j.field("portDescription", l.port_description()).field("ttlSeconds", l.ttl_seconds()).end_object();
    }
    j.end_object();
  }
  j.end_array().begin_array("gpus");
  for (const auto& g : inv.gpus()) {
    j.begin_object().field("pciAddress", g.pci_address()).field("vendorId", g.vendor_id()).field("deviceId", g.device_id());
    j.field("vendor", g.vendor()).field("name", g.name()).field("numaNode", g.numa_node()).field("pciClass", g.pci_class());
    j.end_object();
  }
  j.end_array().begin_array("rdma");
  for (const auto& r : inv.rdma()) {
    j.begin_object().field("name", r.name()).field("nodeGuid", r.node_guid()).field("pciAddress", r.pci_address());
    j.begin_array("ports");
    for (const auto& p : r.ports()) {
      j.begin_object().field("port", p.port()).field("state", p.state()).field("physState", p.phys_state());
      j.field("linkLayer", p.link_layer()).field("rate", p.rate()).field("activeMtu", p.active_mtu()).begin_array("gids");
      for (const auto& g : p.gids()) {
        j.begin_object().field("index", g.index()).field("gid", g.gid()).field("type", g.type()).field("netdev", g.netdev());
        j.end_object();
      }
      j.end_array().field("netdev", p.netdev()).end_object();
    }
    j.end_array().end_object();
  }
  j.end_array();
  j.begin_object("bmc").field("address", inv.bmc().address()).field("mac", inv.bmc().mac()).field("source", inv.bmc().source());
  j.end_object().field("collectedInUs", u64(inv.collected_in_us())).end_object();
  return j.str();
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
  out += fmt::format("BMC:     {}\n", bmc_summary(inv.bmc()));
  out += fmt::format("Collected in {} us\n", inv.collected_in_us());
  return out;
}

}  // namespace bmf::agent
