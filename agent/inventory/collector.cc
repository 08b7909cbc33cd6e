#include "agent/inventory/collector.h"

#include "agent/inventory/readers.h"
#include "agent/lldp/lldp_listener.h"
#include "common/log/log.h"

namespace bmf::agent {

std::unique_ptr<LinkSource> link_source_for(const RootFs& fs) {
  if (fs.is_live()) return std::make_unique<NetlinkLinkSource>();
  return std::make_unique<SysfsLinkSource>(fs);
}

Result<proto::Inventory> collect_inventory(const RootFs& fs, LinkSource& links, const CollectOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  proto::Inventory inv;
  *inv.mutable_system() = read_system(fs);
  *inv.mutable_cpu() = read_cpu(fs);
  *inv.mutable_memory() = read_memory(fs);
  for (auto& d : read_disks(fs)) *inv.add_disks() = std::move(d);
  BMF_ASSIGN_OR_RETURN(auto nics, read_nics(fs, links));
  for (auto& g : read_gpus(fs, PciIdTable::builtin())) *inv.add_gpus() = std::move(g);
  for (auto& r : read_rdma(fs)) *inv.add_rdma() = std::move(r);
  *inv.mutable_bmc() = read_bmc(fs);

  // LLDP is heard on the wire: only on a live host, never for a fixture tree.
  if (fs.is_live() && options.lldp_wait.count() > 0) {
    std::vector<std::string> up;
    for (const auto& n : nics) {
      if (n.operstate() == "up" || n.carrier()) up.push_back(n.name());
    }
    auto heard = listen_lldp(up, options.lldp_wait);
    if (!heard.ok()) {
      BMF_LOG_WARN("LLDP_UNAVAILABLE: {}", heard.status().to_string());
    } else {
      for (auto& n : nics) {
        auto it = heard->find(n.name());
        if (it == heard->end()) continue;
        auto* l = n.mutable_lldp();
        l->set_chassis_id(it->second.chassis_id);
        l->set_chassis_id_subtype(it->second.chassis_id_subtype);
        l->set_port_id(it->second.port_id);
        l->set_port_id_subtype(it->second.port_id_subtype);
        l->set_system_name(it->second.system_name);
        l->set_port_description(it->second.port_description);
        l->set_ttl_seconds(it->second.ttl_seconds);
      }
    }
  }
  for (auto& n : nics) *inv.add_nics() = std::move(n);
  inv.set_collected_in_us(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count()));
  return inv;
}

}  // namespace bmf::agent
