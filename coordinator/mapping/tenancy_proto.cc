#include "coordinator/mapping/tenancy_proto.h"

namespace bmf::coordinator {

proto::User to_proto(const UserRecord& u) {
  proto::User out;
  out.set_name(u.name);
  out.set_role(std::string(to_string(u.role)));
  for (const auto& p : u.projects) out.add_projects(p);
  out.set_created_at(format_rfc3339(u.created_at_ms));
  return out;  // never the password hash
}

proto::Project to_proto(const ProjectRecord& p) {
  proto::Project out;
  out.set_name(p.name);
  out.set_quota_nodes(p.quota_nodes);
  out.set_quota_networks(p.quota_networks);
  for (const auto& m : p.members) out.add_members(m);
  out.set_nodes_in_use(p.nodes_in_use);
  out.set_networks_in_use(p.networks_in_use);
  for (const auto& [cls, q] : p.class_quotas) {
    (*out.mutable_class_quotas())[cls] = q.max_nodes;
    (*out.mutable_class_in_use())[cls] = q.in_use;
  }
  out.set_created_at(format_rfc3339(p.created_at_ms));
  return out;
}

proto::Token to_proto(const TokenRecord& t, const std::string& user_name) {
  proto::Token out;
  out.set_id(t.id);
  out.set_user(user_name);
  out.set_kind(t.kind == TokenKind::kSession ? "session" : "api");
  out.set_description(t.description);
  out.set_created_at(format_rfc3339(t.created_at_ms));
  out.set_expires_at(format_rfc3339(t.expires_at_ms));
  out.set_revoked_at(format_rfc3339(t.revoked_at_ms));
  return out;  // never the hash
}

proto::Network to_proto(const NetworkRecord& n) {
  proto::Network out;
  out.set_id(n.id);
  out.set_name(n.name);
  out.set_project(n.project);
  out.set_vlan(n.vlan);
  out.set_kind(n.kind == NetworkRecord::Kind::kExternal ? "external" : "tenant");
  for (const auto& p : n.shared_with) out.add_shared_with(p);
  out.set_created_at(format_rfc3339(n.created_at_ms));
  return out;
}

proto::HardwareClass to_proto(const HardwareClass& hc) {
  proto::HardwareClass out;
  out.set_name(hc.name);
  out.set_min_gpus(hc.min_gpus);
  out.set_gpu_model(hc.gpu_model);
  out.set_rdma(hc.rdma);
  out.set_min_memory_gib(hc.min_memory_gib);
  out.set_min_cpus(hc.min_cpus);
  out.set_created_at(format_rfc3339(hc.created_at_ms));
  return out;
}

proto::Allocation to_proto(const AllocationRecord& a) {
  proto::Allocation out;
  out.set_id(a.id);
  out.set_project(a.project);
  out.set_owner(a.owner);
  out.set_class_(a.hardware_class);
  out.set_count(a.count);
  out.set_network(a.network);
  out.set_handover(a.handover);
  out.set_state(a.state);
  out.set_stage(a.stage);
  out.set_message(a.message);
  out.set_operation_id(a.operation_id);
  out.set_created_at(format_rfc3339(a.created_at_ms));
  out.set_updated_at(format_rfc3339(a.updated_at_ms));
  for (const auto& s : a.stages) {
    auto* p = out.add_stages();
    p->set_stage(s.stage);
    p->set_at(format_rfc3339(s.at_ms));
    p->set_elapsed_ms(s.at_ms - a.created_at_ms);
    p->set_detail(s.detail);
  }
  for (auto n : a.nodes) out.add_nodes(n);
  for (const auto& name : a.handover_names) out.add_handover_names(name);
  out.set_handover_target(a.handover_target);
  out.set_ends_at(format_rfc3339(a.ends_at_ms));
  return out;
}

}  // namespace bmf::coordinator
