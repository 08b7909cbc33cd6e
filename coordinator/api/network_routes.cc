// AdminApi: /api/v1/networks and NIC attachments; the rules live in NetworkService.
#include <fmt/core.h>

#include "common/http/query.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/api/api_util.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/mapping/switch_proto.h"
#include "coordinator/mapping/tenancy_proto.h"

namespace bmf::coordinator {
ApiResponse AdminApi::network_operation(const Result<OperationRecord>& op) {
  if (!op.ok()) return error_response(op.status());
  // 202 while it runs; the operation already says failed/succeeded when no switch was involved.
  return {op->state == "succeeded" || op->state == "failed" ? 200 : 202, to_json(to_proto(*op))};
}

namespace {
// A network as `who` may see it (NetworkService::scoped), with its ports: the NICs on it of
// nodes their projects hold.
proto::Network network_view(const NetworkRecord& n, const Principal& who, const std::vector<AttachmentRecord>& attachments) {
  proto::Network out = to_proto(NetworkService::scoped(who, n));
  for (const auto& a : attachments) {
    if (a.network_id != n.id || (!who.admin() && !who.member_of(a.project))) continue;
    auto* p = out.add_ports();
    p->set_node_id(a.node_id);
    p->set_nic(a.nic);
    p->set_tagged(a.tagged);
  }
  return out;
}
}  // namespace

ApiResponse AdminApi::list_networks(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  std::string project, name;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    if (key == "project") project = value;
    else if (key == "name") name = value;
    else if (!key.empty()) return error_response(invalid_argument(fmt::format("unknown query parameter '{}' (project, name)", key)));
  }
  auto list = networks_->list(ctx.who);
  if (!list.ok()) return error_response(list.status());
  auto attachments = store_.list_attachments();
  if (!attachments.ok()) return error_response(attachments.status());
  proto::NetworkList out;
  for (const auto& n : *list) {
    if (!project.empty() && n.project != project) continue;
    if (!name.empty() && n.name != name) continue;
    *out.add_networks() = network_view(n, ctx.who, *attachments);
  }
  return {200, to_json(out)};
}

ApiResponse AdminApi::create_network(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  auto body = body_as<proto::Network>(ctx.request, "Network");
  if (!body.ok()) return error_response(body.status());
  Result<NetworkRecord> made = invalid_argument("kind must be tenant or external");
  if (body->kind() == "external") {
    // Importing a provider VLAN is the site's call, not a tenant's.
    if (!ctx.who.admin()) return error_response(not_found("no such endpoint: importing networks is for admins"));
    if (!body->project().empty()) return error_response(invalid_argument("an imported network belongs to the site; list projects in shared_with"));
    if (body->vlan() > 65535) return error_response(invalid_argument(fmt::format("VLAN {} is outside 1..4094", body->vlan())));
    made = networks_->import(ctx.who, body->name(), static_cast<std::uint16_t>(body->vlan()),
                             {body->shared_with().begin(), body->shared_with().end()});
  } else if (body->kind().empty() || body->kind() == "tenant") {
    if (body->vlan() != 0) return error_response(invalid_argument("a tenant network takes its VLAN from the site pool; do not give one"));
    if (body->project().empty()) return error_response(invalid_argument("project is required"));
    made = networks_->create(ctx.who, body->project(), body->name());
  }
  if (!made.ok()) return error_response(made.status());
  return {201, to_json(to_proto(*made))};
}

ApiResponse AdminApi::get_network(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  std::string project;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    if (key == "project") project = value;
    else if (!key.empty()) return error_response(invalid_argument(fmt::format("unknown query parameter '{}' (project)", key)));
  }
  auto n = networks_->find(ctx.who, ctx.params[0], project);
  if (!n.ok()) return error_response(n.status());
  auto attachments = store_.list_attachments();
  if (!attachments.ok()) return error_response(attachments.status());
  return {200, to_json(network_view(*n, ctx.who, *attachments))};
}

ApiResponse AdminApi::delete_network(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  std::string project;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    if (key == "project") project = value;
    else if (!key.empty()) return error_response(invalid_argument(fmt::format("unknown query parameter '{}' (project)", key)));
  }
  if (Status s = networks_->remove(ctx.who, ctx.params[0], project); !s.ok()) return error_response(s);
  return {204, ""};
}

ApiResponse AdminApi::attach_nic(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  auto id = parse_id(ctx.params[0], "node id");
  if (!id.ok()) return error_response(id.status());
  auto body = body_as<proto::AttachNic>(ctx.request, "AttachNic");
  if (!body.ok()) return error_response(body.status());
  if (body->network().empty()) return error_response(invalid_argument("network is required"));
  return network_operation(networks_->attach(ctx.who, {.node_id = *id, .nic = ctx.params[1], .network = body->network(),
                                                       .trunk = body->trunk(), .native = body->native(), .project = body->project()}));
}

ApiResponse AdminApi::attach_batch(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  auto body = body_as<proto::AttachmentBatch>(ctx.request, "AttachmentBatch");
  if (!body.ok()) return error_response(body.status());
  if (body->items_size() == 0 || body->items_size() > 10'000) return error_response(invalid_argument("give 1 to 10000 items"));
  std::vector<AttachRequest> requests;
  for (const auto& item : body->items()) {
    if (item.node_id() == 0 || item.nic().empty() || item.attach().network().empty()) {
      return error_response(invalid_argument("every item needs node_id, nic and attach.network"));
    }
    requests.push_back({.node_id = item.node_id(), .nic = item.nic(), .network = item.attach().network(),
                        .trunk = item.attach().trunk(), .native = item.attach().native(), .project = item.attach().project()});
  }
  return network_operation(networks_->attach_many(ctx.who, requests));
}

ApiResponse AdminApi::detach_nic(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  auto id = parse_id(ctx.params[0], "node id");
  if (!id.ok()) return error_response(id.status());
  auto body = body_as<proto::DetachNic>(ctx.request, "DetachNic");
  if (!body.ok()) return error_response(body.status());
  return network_operation(networks_->detach(ctx.who, {.node_id = *id, .nic = ctx.params[1], .network = body->network()}));
}

ApiResponse AdminApi::map_nic_port(RouteContext& ctx) {
  if (!networks_) return error_response(unavailable("networks are not available in this process"));
  auto id = parse_id(ctx.params[0], "node id");
  if (!id.ok()) return error_response(id.status());
  auto body = body_as<proto::NicPortMap>(ctx.request, "NicPortMap");
  if (!body.ok()) return error_response(body.status());
  if (Status s = networks_->set_port(ctx.who, *id, ctx.params[1], body->switch_name(), body->port()); !s.ok()) {
    return error_response(s);
  }
  return {200, to_json(*body)};
}

}  // namespace bmf::coordinator
