// AdminApi: hardware classes and allocations; the rules live in AllocationService.
#include <fmt/core.h>

#include <set>

#include "coordinator/allocation/hardware_class.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/api/api_util.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/mapping/tenancy_proto.h"

namespace bmf::coordinator {

ApiResponse AdminApi::list_classes(RouteContext&) {
  auto classes = store_.list_classes();
  if (!classes.ok()) return error_response(classes.status());
  auto nodes = store_.list_nodes();
  auto leases = store_.list_leases(true);
  if (!nodes.ok() || !leases.ok()) return error_response(!nodes.ok() ? nodes.status() : leases.status());
  std::set<std::uint64_t> leased;
  for (const auto& l : leases->leases) leased.insert(l.node_id);
  proto::HardwareClassList out;
  for (const auto& hc : *classes) *out.add_classes() = to_proto(hc);
  for (const auto& n : *nodes) {
    proto::Inventory inv;
    if (!from_json(n.hardware_json, inv).ok()) continue;
    for (int i = 0; i < out.classes_size(); ++i) {
      if (!matches((*classes)[static_cast<std::size_t>(i)], inv)) continue;
      auto* c = out.mutable_classes(i);
      c->set_total_nodes(c->total_nodes() + 1);
      if (n.state == NodeState::kAvailable && !leased.count(n.id)) c->set_free_nodes(c->free_nodes() + 1);
    }
  }
  return {200, to_json(out)};
}

ApiResponse AdminApi::save_class(RouteContext& ctx) {
  if (!allocations_) return error_response(unavailable("allocations are not available in this process"));
  auto body = body_as<proto::HardwareClass>(ctx.request, "HardwareClass");
  if (!body.ok()) return error_response(body.status());
  HardwareClass hc{.name = ctx.params[0], .min_gpus = body->min_gpus(), .gpu_model = body->gpu_model(), .rdma = body->rdma(),
                   .min_memory_gib = body->min_memory_gib(), .min_cpus = body->min_cpus()};
  if (Status s = allocations_->save_class(ctx.who, hc); !s.ok()) return error_response(s);
  return {200, to_json(to_proto(hc))};
}

ApiResponse AdminApi::delete_class(RouteContext& ctx) {
  if (!allocations_) return error_response(unavailable("allocations are not available in this process"));
  if (Status s = allocations_->remove_class(ctx.who, ctx.params[0]); !s.ok()) return error_response(s);
  return {204, ""};
}

ApiResponse AdminApi::list_allocations(RouteContext& ctx) {
  if (!allocations_) return error_response(unavailable("allocations are not available in this process"));
  auto list = allocations_->list(ctx.who);
  if (!list.ok()) return error_response(list.status());
  proto::AllocationList out;
  for (const auto& a : *list) *out.add_allocations() = to_proto(a);
  return {200, to_json(out)};
}

ApiResponse AdminApi::create_allocation(RouteContext& ctx) {
  if (!allocations_) return error_response(unavailable("allocations are not available in this process"));
  auto body = body_as<proto::Allocation>(ctx.request, "Allocation");
  if (!body.ok()) return error_response(body.status());
  if (body->project().empty()) return error_response(invalid_argument("project is required"));
  auto a = allocations_->request(ctx.who, {.project = body->project(), .count = body->count(), .hardware_class = body->class_(),
                                           .network = body->network(), .handover = body->handover().empty() ? "none" : body->handover(),
                                           .duration_s = body->duration_s(),
                                           .handover_names = {body->handover_names().begin(), body->handover_names().end()},
                                           .handover_target = body->handover_target()});
  if (!a.ok()) return error_response(a.status());
  return {a->state == "running" ? 202 : 201, to_json(to_proto(*a))};
}

ApiResponse AdminApi::get_allocation(RouteContext& ctx) {
  if (!allocations_) return error_response(unavailable("allocations are not available in this process"));
  auto id = parse_id(ctx.params[0], "allocation id");
  if (!id.ok()) return error_response(id.status());
  auto a = allocations_->get(ctx.who, *id);
  if (!a.ok()) return error_response(a.status());
  return {200, to_json(to_proto(*a))};
}

ApiResponse AdminApi::release_allocation(RouteContext& ctx) {
  if (!allocations_) return error_response(unavailable("allocations are not available in this process"));
  auto id = parse_id(ctx.params[0], "allocation id");
  if (!id.ok()) return error_response(id.status());
  auto a = allocations_->release(ctx.who, *id);
  if (!a.ok()) return error_response(a.status());
  return {200, to_json(to_proto(*a))};
}

ApiResponse AdminApi::allocation_events(RouteContext& ctx) {
  if (!allocations_) return error_response(Status(StatusCode::kUnimplemented, "no allocation service"));
  auto id = parse_id(ctx.params[0], "allocation id");
  if (!id.ok()) return error_response(id.status());
  auto a = allocations_->get(ctx.who, *id);
  if (!a.ok()) return error_response(a.status());
  ApiResponse out{200, "", {}, "text/event-stream"};
  out.stream = std::make_shared<http::ResponseStream>();
  streams_.subscribe(*a, out.stream);
  return out;
}

}  // namespace bmf::coordinator
