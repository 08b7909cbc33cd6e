#include "coordinator/mapping/lease_proto.h"

#include <fmt/core.h>

#include <cctype>

namespace bmf::coordinator {

proto::Lease to_proto(const LeaseRecord& l) {
  proto::Lease p;
  p.set_id(l.id);
  p.set_node_id(l.node_id);
  p.set_project(l.project);
  p.set_owner(l.owner);
  p.set_created_at_ms(l.created_at_ms);
  p.set_ended_at_ms(l.ended_at_ms);
  p.set_active(l.active());
  p.set_revision(l.revision);
  p.set_ends_at_ms(l.ends_at_ms);
  return p;
}

proto::LeaseList to_proto(const LeaseList& list) {
  proto::LeaseList p;
  p.set_revision(list.revision);
  for (const auto& l : list.leases) *p.add_leases() = to_proto(l);
  return p;
}

Result<LeaseRecord> lease_from_proto(const proto::Lease& p) {
  if (p.node_id() == 0) return invalid_argument("node_id is required");
  // The project name ends up in tenant credential files and Redfish audit lines: keep it a plain token.
  if (p.project().empty() || p.project().size() > 64) return invalid_argument("project must be 1-64 characters");
  for (char c : p.project()) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return invalid_argument(fmt::format("project '{}' may only hold letters, digits, '-', '_' and '.'", p.project()));
    }
  }
  return LeaseRecord{.node_id = p.node_id(), .project = p.project(), .owner = p.owner()};
}

}  // namespace bmf::coordinator
