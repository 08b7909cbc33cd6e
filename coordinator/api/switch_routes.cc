// AdminApi: /api/v1/switches (admins only).
#include <fmt/core.h>

#include "coordinator/api/admin_api.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/mapping/switch_proto.h"

namespace bmf::coordinator {

ApiResponse AdminApi::list_switches(RouteContext&) {
  auto list = store_.list_switches();
  if (!list.ok()) return error_response(list.status());
  proto::SwitchList out;
  for (const auto& s : *list) *out.add_switches() = to_proto(s);
  return {200, to_json(out)};
}

ApiResponse AdminApi::get_switch(RouteContext& ctx) {
  auto sw = store_.get_switch(ctx.params[0]);
  if (!sw.ok()) return error_response(sw.status());
  return {200, to_json(to_proto(*sw))};
}

ApiResponse AdminApi::put_switch(RouteContext& ctx) {
  proto::Switch body;
  if (Status s = from_json(ctx.request.body, body); !s.ok()) return error_response(invalid_argument("body is not a Switch"), s.message());
  auto rec = switch_from_proto(body, ctx.params[0]);
  if (!rec.ok()) return error_response(rec.status());
  Status saved = store_.save_switch(*rec, {.time_ms = clock_.now_ms(), .actor = ctx.who.actor(), .kind = EventKind::kSwitchSaved,
                                           .message = fmt::format("{} at {}:{}", rec->name, rec->address, rec->port)});
  if (!saved.ok()) return error_response(saved);
  return {200, to_json(to_proto(*rec))};
}

ApiResponse AdminApi::list_switch_ports(RouteContext& ctx) {
  if (auto sw = store_.get_switch(ctx.params[0]); !sw.ok()) return error_response(sw.status());
  auto ports = store_.list_switch_ports(ctx.params[0]);
  if (!ports.ok()) return error_response(ports.status());
  proto::SwitchPortList out;
  for (const auto& p : *ports) *out.add_ports() = to_proto(p);
  return {200, to_json(out)};
}

ApiResponse AdminApi::put_switch_port(RouteContext& ctx) {
  proto::SwitchPort body;
  if (Status s = from_json(ctx.request.body, body); !s.ok()) return error_response(invalid_argument("body is not a SwitchPort"), s.message());
  auto rec = switch_port_from_proto(body, ctx.params[0], ctx.params[1]);
  if (!rec.ok()) return error_response(rec.status());
  if (auto sw = store_.get_switch(ctx.params[0]); !sw.ok()) return error_response(sw.status());
  Status saved = store_.save_switch_port(*rec, {.time_ms = clock_.now_ms(), .actor = ctx.who.actor(), .kind = EventKind::kSwitchPortSaved,
                                                .message = fmt::format("{} {}: {}", ctx.params[0], rec->port, body.ShortDebugString())});
  if (!saved.ok()) return error_response(saved);
  return {200, to_json(to_proto(*rec))};
}

ApiResponse AdminApi::sync_switch(RouteContext& ctx) {
  if (!switches_) return error_response(unavailable("switch operations are not available in this process"));
  auto op = switches_->start_sync(ctx.params[0], ctx.who.actor());
  if (!op.ok()) return error_response(op.status());
  return {202, to_json(to_proto(*op))};
}

ApiResponse AdminApi::check_switch(RouteContext& ctx) {
  if (!switches_) return error_response(unavailable("switch operations are not available in this process"));
  auto op = switches_->start_check(ctx.params[0], ctx.who.actor());
  if (!op.ok()) return error_response(op.status());
  return {202, to_json(to_proto(*op))};
}

}  // namespace bmf::coordinator
