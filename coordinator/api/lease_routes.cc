// AdminApi: /api/v1/leases. A lease is what the BMC proxy and the switch
// isolation act on: project P holds node N until the lease ends. When it ends,
// the node's NICs go back to the provisioning network in one operation.
#include <fmt/core.h>

#include "common/http/query.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/api/api_util.h"
#include "coordinator/mapping/lease_proto.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {

ApiResponse AdminApi::list_leases(RouteContext& ctx) {
  bool all = false;
  std::string project;
  std::uint64_t node = 0;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    const bool number = !value.empty() && value.size() < 21 && value.find_first_not_of("0123456789") == std::string::npos;
    if (key == "all" && (value == "true" || value == "false")) all = value == "true";
    else if ((key == "after_revision" || key == "wait_ms") && number) continue;  // long-poll, see lease_watch.h
    else if (key == "project" && !value.empty()) project = value;
    else if (key == "node" && number) node = std::stoull(std::string(value));
    else {
      return error_response(invalid_argument(
          fmt::format("bad query parameter '{}' (all=true|false, project=P, node=N, after_revision=N, wait_ms=N)", kv)));
    }
  }
  auto list = store_.list_leases(!all);
  if (!list.ok()) return error_response(list.status());
  list->revision = lease_revision();
  std::erase_if(list->leases, [&](const LeaseRecord& l) {
    return (!ctx.who.service() && !ctx.who.member_of(l.project)) || (!project.empty() && l.project != project) ||
           (node != 0 && l.node_id != node);
  });
  return {200, to_json(to_proto(*list))};
}

ApiResponse AdminApi::create_lease(RouteContext& ctx) {
  proto::Lease body;
  if (Status s = from_json(ctx.request.body, body); !s.ok()) return error_response(invalid_argument("body is not a Lease"), s.message());
  auto lease = lease_from_proto(body);
  if (!lease.ok()) return error_response(lease.status());
  lease->created_at_ms = clock_.now_ms();
  if (body.duration_s() < 0 || body.duration_s() > 10LL * 365 * 86400) {
    return error_response(invalid_argument("duration_s must be between 0 (held until released) and 10 years"));
  }
  if (body.duration_s() > 0) lease->ends_at_ms = lease->created_at_ms + body.duration_s() * 1000;
  if (lease->owner.empty()) lease->owner = ctx.who.name;
  Status saved = store_.create_lease(*lease, {.time_ms = lease->created_at_ms, .actor = ctx.who.actor(), .kind = EventKind::kLeaseStarted,
                                              .message = fmt::format("project {} for {}", lease->project, lease->owner)});
  if (!saved.ok()) return error_response(saved);
  lease_changed();
  return {201, to_json(to_proto(*lease))};
}

ApiResponse AdminApi::end_lease(RouteContext& ctx) {
  auto id = parse_id(ctx.params[0], "lease id");
  if (!id.ok()) return error_response(id.status());
  const EpochMs now = clock_.now_ms();
  if (allocations_) {
    // The node is released and cleaned (ports back to provisioning first).
    auto ended = allocations_->end_lease(ctx.who, *id);
    if (!ended.ok()) return error_response(ended.status());
    lease_changed();
    return {200, to_json(to_proto(*ended))};
  }
  auto ended = store_.end_lease(*id, now, {.time_ms = now, .actor = ctx.who.actor(), .kind = EventKind::kLeaseEnded,
                                           .message = fmt::format("lease {}", *id)});
  if (!ended.ok()) return error_response(ended.status());
  lease_changed();
  if (networks_) {
    // The node's ports leave the project's networks: back to provisioning, one operation.
    auto op = networks_->release_node(ctx.who.actor(), ended->node_id);
    if (!op.ok()) {
      (void)store_.append_event({.time_ms = now, .actor = "coordinator", .node_id = ended->node_id, .kind = EventKind::kNetworkReleaseFailed,
                                 .message = op.status().to_string(), .project = ended->project});
    }
  }
  return {200, to_json(to_proto(*ended))};
}

}  // namespace bmf::coordinator
