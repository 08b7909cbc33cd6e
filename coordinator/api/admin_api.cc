#include "coordinator/api/admin_api.h"

#include <fmt/format.h>

#include <charconv>

#include "common/http/query.h"
#include "coordinator/allocation/hardware_class.h"
#include "coordinator/api/api_util.h"
#include "coordinator/mapping/lease_proto.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/mapping/switch_proto.h"
#include "coordinator/mapping/tenancy_proto.h"

namespace bmf::coordinator {
namespace {

int http_status(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    default: return 500;
  }
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash);
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || p != s.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  return out;
}

// nullopt: no match; otherwise the decoded captures.
std::optional<std::vector<std::string>> match(std::string_view pattern, const std::vector<std::string_view>& path) {
  auto want = split_path(pattern);
  if (want.size() != path.size()) return std::nullopt;
  std::vector<std::string> params;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 1 && want[i].front() == '{') {
      auto decoded = percent_decode(path[i]);
      if (!decoded || decoded->empty()) return std::nullopt;
      params.push_back(std::move(*decoded));
    } else if (want[i] != path[i]) {
      return std::nullopt;
    }
  }
  return params;
}

}  // namespace

ApiResponse error_response(const Status& status, std::string details) {
  proto::ApiError err;
  err.set_code(std::string(to_string(status.code())));
  err.set_message(status.message());
  err.set_details(std::move(details));
  ApiResponse res{http_status(status.code()), to_json(err)};
  if (res.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"bmf\"");
  return res;
}

const std::vector<Route>& AdminApi::routes() {
  using A = AdminApi;
  static const std::vector<Route> kRoutes = {
      {"GET", "/healthz", Access::kPublic, &A::healthz},
      {"GET", "/metrics", Access::kPublic, &A::metrics},
      {"POST", "/api/v1/login", Access::kPublic, &A::login},
      {"POST", "/api/v1/session", Access::kPublic, &A::create_session},
      {"GET", "/api/v1/session", Access::kUser, &A::get_session},
      {"DELETE", "/api/v1/session", Access::kUser, &A::end_session},
      {"GET", "/api/v1/whoami", Access::kUser, &A::whoami},
      {"POST", "/api/v1/auth/check", Access::kService, &A::auth_check},
      {"GET", "/api/v1/users", Access::kAdmin, &A::list_users},
      {"POST", "/api/v1/users", Access::kAdmin, &A::create_user},
      {"GET", "/api/v1/users/{name}", Access::kAdmin, &A::get_user},
      {"DELETE", "/api/v1/users/{name}", Access::kAdmin, &A::delete_user},
      {"PUT", "/api/v1/users/{name}/password", Access::kAdmin, &A::set_user_password},
      {"GET", "/api/v1/projects", Access::kUser, &A::list_projects},
      {"POST", "/api/v1/projects", Access::kAdmin, &A::create_project},
      {"GET", "/api/v1/projects/{name}", Access::kUser, &A::get_project},
      {"DELETE", "/api/v1/projects/{name}", Access::kAdmin, &A::delete_project},
      {"PUT", "/api/v1/projects/{name}/quota", Access::kAdmin, &A::set_quota},
      {"PUT", "/api/v1/projects/{name}/members/{user}", Access::kAdmin, &A::add_member},
      {"DELETE", "/api/v1/projects/{name}/members/{user}", Access::kAdmin, &A::remove_member},
      {"GET", "/api/v1/tokens", Access::kUser, &A::list_tokens},
      {"POST", "/api/v1/tokens", Access::kUser, &A::create_token},
      {"DELETE", "/api/v1/tokens/{id}", Access::kUser, &A::revoke_token},
      {"GET", "/api/v1/nodes", Access::kUser, &A::list_nodes},
      {"GET", "/api/v1/nodes/{id}", Access::kUser, &A::get_node},
      {"POST", "/api/v1/nodes/{id}/commands", Access::kAdmin, &A::send_command},
      {"POST", "/api/v1/nodes/{id}/nics/{nic}/attach", Access::kUser, &A::attach_nic},
      {"POST", "/api/v1/nodes/{id}/nics/{nic}/detach", Access::kUser, &A::detach_nic},
      {"PUT", "/api/v1/nodes/{id}/nics/{nic}/port", Access::kAdmin, &A::map_nic_port},
      {"POST", "/api/v1/nodes/{id}/release", Access::kUser, &A::release_node},
      {"POST", "/api/v1/nodes/{id}/maintenance", Access::kAdmin, &A::enter_maintenance},
      {"DELETE", "/api/v1/nodes/{id}/maintenance", Access::kAdmin, &A::leave_maintenance},
      {"GET", "/api/v1/hotpool", Access::kAdmin, &A::get_hotpool},
      {"GET", "/api/v1/allocations/{id}/events", Access::kUser, &A::allocation_events},
      {"PUT", "/api/v1/hotpool/{name}", Access::kAdmin, &A::set_hotpool},
      {"GET", "/api/v1/slurm-clusters", Access::kUser, &A::list_slurm_clusters},
      {"POST", "/api/v1/slurm-clusters", Access::kUser, &A::create_slurm_cluster},
      {"DELETE", "/api/v1/slurm-clusters/{name}", Access::kUser, &A::delete_slurm_cluster},
      {"POST", "/api/v1/slurm-clusters/{name}/resume", Access::kUser, &A::resume_slurm_nodes},
      {"POST", "/api/v1/slurm-clusters/{name}/suspend", Access::kUser, &A::suspend_slurm_nodes},
      {"POST", "/api/v1/attachments", Access::kUser, &A::attach_batch},
      {"GET", "/api/v1/events", Access::kUser, &A::list_events},
      {"GET", "/api/v1/switches", Access::kAdmin, &A::list_switches},
      {"GET", "/api/v1/switches/{name}", Access::kAdmin, &A::get_switch},
      {"PUT", "/api/v1/switches/{name}", Access::kAdmin, &A::put_switch},
      {"GET", "/api/v1/switches/{name}/ports", Access::kAdmin, &A::list_switch_ports},
      {"PUT", "/api/v1/switches/{name}/ports/{port}", Access::kAdmin, &A::put_switch_port},
      {"POST", "/api/v1/switches/{name}/sync", Access::kAdmin, &A::sync_switch},
      {"POST", "/api/v1/switches/{name}/check", Access::kAdmin, &A::check_switch},
      {"GET", "/api/v1/operations/{id}", Access::kUser, &A::get_operation},
      {"GET", "/api/v1/leases", Access::kUser, &A::list_leases},
      {"POST", "/api/v1/leases", Access::kAdmin, &A::create_lease},
      {"POST", "/api/v1/leases/{id}/end", Access::kAdmin, &A::end_lease},
      {"GET", "/api/v1/networks", Access::kUser, &A::list_networks},
      {"POST", "/api/v1/networks", Access::kUser, &A::create_network},
      {"GET", "/api/v1/networks/{ref}", Access::kUser, &A::get_network},
      {"DELETE", "/api/v1/networks/{ref}", Access::kUser, &A::delete_network},
      {"GET", "/api/v1/classes", Access::kUser, &A::list_classes},
      {"PUT", "/api/v1/classes/{name}", Access::kAdmin, &A::save_class},
      {"DELETE", "/api/v1/classes/{name}", Access::kAdmin, &A::delete_class},
      {"GET", "/api/v1/allocations", Access::kUser, &A::list_allocations},
      {"POST", "/api/v1/allocations", Access::kUser, &A::create_allocation},
      {"GET", "/api/v1/allocations/{id}", Access::kUser, &A::get_allocation},
      {"POST", "/api/v1/allocations/{id}/release", Access::kUser, &A::release_allocation},
  };
  return kRoutes;
}

std::uint64_t AdminApi::lease_revision() {
  auto leases = store_.lease_revision();
  auto access = store_.access_revision();
  return (leases.ok() ? *leases : 0) + (access.ok() ? *access : 0);
}

namespace {
// 405 with an Allow header naming the methods the path takes.
ApiResponse method_not_allowed(std::string_view method, std::string_view path, const std::vector<std::string_view>& allowed) {
  ApiResponse res = error_response(invalid_argument(fmt::format("method {} is not allowed on {} (allowed: {})", method, path,
                                                                fmt::join(allowed, ", "))));
  res.status = 405;
  res.headers.emplace_back("Allow", fmt::format("{}", fmt::join(allowed, ", ")));
  return res;
}
}  // namespace

ApiResponse AdminApi::handle(const ApiRequest& req) {
  const std::string_view target = req.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/" || path == "/ui") {
    ApiResponse res{302, "", {{"Location", "/ui/"}}, "text/plain; charset=utf-8"};
    return res;
  }
  if (path.rfind("/ui/", 0) == 0) {
    if (req.method != "GET" && req.method != "HEAD") return method_not_allowed(req.method, path, {"GET"});
    return console_.serve(path.substr(4));
  }
  const auto segments = split_path(path);
  const Route* route = nullptr;
  std::vector<std::string> params;
  std::vector<std::string_view> allowed;
  for (const auto& r : routes()) {
    auto m = match(r.pattern, segments);
    if (!m) continue;
    if (r.method != req.method) {
      allowed.push_back(r.method);
      continue;
    }
    route = &r;
    params = std::move(*m);
    break;
  }
  const Status no_endpoint = not_found(fmt::format("no such endpoint: {} {}", req.method, path));
  if (!route) {
    if (allowed.empty()) return error_response(no_endpoint);
    return method_not_allowed(req.method, path, allowed);
  }
  Principal who;
  if (route->access != Access::kPublic) {
    const std::string auth = req.header("authorization");
    const std::string cookie = auth.empty() ? session_cookie(req) : "";
    if (auth.rfind("Bearer ", 0) != 0 && cookie.empty()) {
      return error_response(unauthenticated("this call needs `Authorization: Bearer <token>` (bmfctl: --token-file, $BMF_TOKEN or "
                                            "`bmfctl login`) or the web console's session cookie"));
    }
    // A cookie comes with every request the browser makes: a write must also prove it comes from
    // the console's own page (which alone can read the CSRF token), not from another site.
    if (!cookie.empty() && req.method != "GET" && req.method != "HEAD" && req.header("x-csrf-token") != csrf_token(cookie)) {
      ApiResponse res = error_response(Status(StatusCode::kPermissionDenied, "a write with the session cookie needs its X-CSRF-Token header"));
      res.status = 403;
      return res;
    }
    auto principal = tenancy_.authenticate_token(cookie.empty() ? auth.substr(7) : cookie);
    if (!principal.ok()) return error_response(principal.status());
    who = std::move(*principal);
    const bool allowed_role = route->access == Access::kUser || (route->access == Access::kService && who.service()) ||
                              (route->access == Access::kAdmin && who.admin());
    if (!allowed_role) return error_response(no_endpoint);  // 404, never 403: the route's existence is no secret, objects are
  }
  RouteContext ctx{req, who, std::move(params)};
  return (this->*(route->handler))(ctx);
}

ApiResponse AdminApi::healthz(RouteContext&) { return {200, R"({"status":"ok"})"}; }

ApiResponse AdminApi::metrics(RouteContext&) {
  if (!metrics_) return error_response(not_found("no metrics on this coordinator"));
  return {200, metrics_(), {}, "text/plain; version=0.0.4"};
}

// ---- Nodes ----

ApiResponse AdminApi::list_nodes(RouteContext& ctx) {
  std::string state, project, hardware_class;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    if (key == "state") state = value;
    else if (key == "project") project = value;
    else if (key == "class") hardware_class = value;
    else if (!key.empty()) return error_response(invalid_argument(fmt::format("unknown query parameter '{}' (state, project, class)", key)));
  }
  auto classes = store_.list_classes();
  if (!classes.ok()) return error_response(classes.status());
  auto nodes = store_.list_nodes();
  if (!nodes.ok()) return error_response(nodes.status());
  auto leases = store_.list_leases(true);
  if (!leases.ok()) return error_response(leases.status());
  std::map<std::uint64_t, std::string> held;
  for (const auto& l : leases->leases) held[l.node_id] = l.project;
  proto::NodeList list;
  for (const auto& n : *nodes) {
    const std::string& holder = held[n.id];
    if (!ctx.who.admin() && (holder.empty() || !ctx.who.member_of(holder))) continue;
    if (!project.empty() && holder != project) continue;
    if (!state.empty() && to_string(n.state) != state) continue;
    proto::Node node = node_view(n, *classes);
    if (!hardware_class.empty() && std::find(node.classes().begin(), node.classes().end(), hardware_class) == node.classes().end()) {
      continue;
    }
    *list.add_nodes() = std::move(node);
  }
  return {200, to_json(list)};
}

ApiResponse AdminApi::get_node(RouteContext& ctx) {
  const std::string& ref = ctx.params[0];
  auto id = parse_id(ref, "node id");
  if (!id.ok() && ref.find_first_not_of("0123456789") != std::string::npos) {
    // By hostname, among the nodes the caller may see.
    auto nodes = store_.list_nodes();
    if (!nodes.ok()) return error_response(nodes.status());
    std::vector<std::uint64_t> named;
    for (const auto& n : *nodes) {
      if (n.hostname != ref) continue;
      if (networks_ && !networks_->check_node_visible(ctx.who, n.id).ok()) continue;
      if (!networks_ && !ctx.who.admin()) continue;
      named.push_back(n.id);
    }
    if (named.empty()) return error_response(not_found(fmt::format("node {} does not exist", ref)));
    if (named.size() > 1) {
      return error_response(invalid_argument(fmt::format("hostname {} names {} nodes ({}): use the id", ref, named.size(),
                                                         fmt::join(named, ", "))));
    }
    id = named.front();
  }
  if (!id.ok()) return error_response(id.status());
  if (networks_) {
    if (Status s = networks_->check_node_visible(ctx.who, *id); !s.ok()) return error_response(s);
  } else if (!ctx.who.admin()) {
    return error_response(not_found(fmt::format("node {} does not exist", *id)));
  }
  auto node = store_.get_node(*id);
  if (!node.ok()) return error_response(node.status());
  auto classes = store_.list_classes();
  if (!classes.ok()) return error_response(classes.status());
  return {200, to_json(node_view(*node, *classes))};
}

proto::Node AdminApi::node_view(const NodeRecord& n, const std::vector<HardwareClass>& classes) {
  proto::Node out = to_proto(n);
  if (last_seen_) {
    if (auto at = last_seen_(n.id); at && *at > n.last_seen_ms) out.set_last_seen(format_rfc3339(*at));
  }
  for (const auto& c : classes_of(classes, out.hardware())) out.add_classes(c);
  out.set_agent_connected(dispatcher_ && dispatcher_->connected(n.id));
  if (n.state == NodeState::kAvailable && allocations_) {
    // hot: on with its agent up; warm: off; booting: on, its agent not (yet) up.
    out.set_hotpool_tier(allocations_->hot(n) ? "hot" : n.power_state == PowerState::kOn ? "booting" : "warm");
  }
  return out;
}

ApiResponse AdminApi::release_node(RouteContext& ctx) {
  if (!allocations_) return error_response(Status(StatusCode::kUnimplemented, "no allocation service"));
  auto id = parse_id(ctx.params[0], "node id");
  if (!id.ok()) return error_response(id.status());
  auto ended = allocations_->release_node(ctx.who, *id);
  if (!ended.ok()) return error_response(ended.status());
  lease_changed();
  return {200, to_json(to_proto(*ended))};
}

ApiResponse AdminApi::enter_maintenance(RouteContext& ctx) {
  if (!lifecycle_) return error_response(Status(StatusCode::kUnimplemented, "no node lifecycle on this coordinator"));
  auto id = parse_id(ctx.params[0], "node id");
  if (!id.ok()) return error_response(id.status());
  auto body = body_as<proto::MaintenanceRequest>(ctx.request, "MaintenanceRequest");
  if (!body.ok()) return error_response(body.status());
  if (Status s = lifecycle_->enter_maintenance(*id, body->reason(), ctx.who.actor()); !s.ok()) return error_response(s);
  auto node = store_.get_node(*id);
  auto classes = store_.list_classes();
  if (!node.ok() || !classes.ok()) return error_response(!node.ok() ? node.status() : classes.status());
  return {200, to_json(node_view(*node, *classes))};
}

ApiResponse AdminApi::leave_maintenance(RouteContext& ctx) {
  if (!lifecycle_) return error_response(Status(StatusCode::kUnimplemented, "no node lifecycle on this coordinator"));
  auto id = parse_id(ctx.params[0], "node id");
  if (!id.ok()) return error_response(id.status());
  bool clean = false;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    if (key == "clean") clean = value == "true" || value == "1" || (!has_value);
    else if (!key.empty()) return error_response(invalid_argument(fmt::format("unknown query parameter '{}' (clean)", key)));
  }
  if (Status s = lifecycle_->leave_maintenance(*id, clean, ctx.who.actor()); !s.ok()) return error_response(s);
  auto node = store_.get_node(*id);
  auto classes = store_.list_classes();
  if (!node.ok() || !classes.ok()) return error_response(!node.ok() ? node.status() : classes.status());
  return {200, to_json(node_view(*node, *classes))};
}

ApiResponse AdminApi::get_hotpool(RouteContext&) {
  if (!hotpool_) return error_response(Status(StatusCode::kUnimplemented, "no hotpool on this coordinator"));
  auto status = hotpool_->status();
  if (!status.ok()) return error_response(status.status());
  proto::HotpoolList list;
  for (const auto& s : *status) {
    auto* c = list.add_classes();
    c->set_class_(s.hardware_class);
    c->set_hot(s.hot);
    c->set_warm(s.warm);
    c->set_target(s.target);
    c->set_min_hot(s.min_hot);
    c->set_max_hot(s.max_hot);
    c->set_demand(s.demand);
    if (s.last_empty_at_ms) c->set_last_empty_at(format_rfc3339(s.last_empty_at_ms));
    c->set_powering_on(s.powering_on);
    c->set_powering_off(s.powering_off);
    c->set_boot_seconds(static_cast<double>(s.boot_ms) / 1000);
    c->set_total(s.total);
  }
  return {200, to_json(list)};
}

namespace {
proto::SlurmCluster slurm_view(const SlurmClusterRecord& c) {
  proto::SlurmCluster out;
  out.set_name(c.name);
  out.set_project(c.project);
  out.set_controller(c.controller);
  out.set_partition(c.partition);
  out.set_network(c.network);
  if (c.created_at_ms) out.set_created_at(format_rfc3339(c.created_at_ms));
  return out;
}
}  // namespace

ApiResponse AdminApi::list_slurm_clusters(RouteContext& ctx) {
  if (!slurm_) return error_response(Status(StatusCode::kUnimplemented, "no SLURM handover on this coordinator"));
  auto all = slurm_->list(ctx.who);
  if (!all.ok()) return error_response(all.status());
  proto::SlurmClusterList list;
  for (const auto& c : *all) *list.add_clusters() = slurm_view(c);
  return {200, to_json(list)};
}

ApiResponse AdminApi::create_slurm_cluster(RouteContext& ctx) {
  if (!slurm_) return error_response(Status(StatusCode::kUnimplemented, "no SLURM handover on this coordinator"));
  auto body = body_as<proto::SlurmCluster>(ctx.request, "SlurmCluster");
  if (!body.ok()) return error_response(body.status());
  auto made = slurm_->add(ctx.who, SlurmClusterRecord{.name = body->name(), .project = body->project(), .controller = body->controller(),
                                                      .munge_key = body->munge_key(), .partition = body->partition(),
                                                      .network = body->network()});
  if (!made.ok()) return error_response(made.status());
  return {201, to_json(slurm_view(*made))};
}

ApiResponse AdminApi::delete_slurm_cluster(RouteContext& ctx) {
  if (!slurm_) return error_response(Status(StatusCode::kUnimplemented, "no SLURM handover on this coordinator"));
  if (Status s = slurm_->remove(ctx.who, ctx.params[0]); !s.ok()) return error_response(s);
  return {204, ""};
}

ApiResponse AdminApi::resume_slurm_nodes(RouteContext& ctx) {
  if (!slurm_) return error_response(Status(StatusCode::kUnimplemented, "no SLURM handover on this coordinator"));
  auto body = body_as<proto::SlurmPowerRequest>(ctx.request, "SlurmPowerRequest");
  if (!body.ok()) return error_response(body.status());
  auto a = slurm_->resume(ctx.who, ctx.params[0], {body->nodes().begin(), body->nodes().end()}, body->class_());
  if (!a.ok()) return error_response(a.status());
  return {a->state == "running" ? 202 : 201, to_json(to_proto(*a))};
}

ApiResponse AdminApi::suspend_slurm_nodes(RouteContext& ctx) {
  if (!slurm_) return error_response(Status(StatusCode::kUnimplemented, "no SLURM handover on this coordinator"));
  auto body = body_as<proto::SlurmPowerRequest>(ctx.request, "SlurmPowerRequest");
  if (!body.ok()) return error_response(body.status());
  if (body->nodes().empty()) return error_response(invalid_argument("suspend: no node names"));
  auto done = slurm_->suspend(ctx.who, ctx.params[0], {body->nodes().begin(), body->nodes().end()});
  if (!done.ok()) return error_response(done.status());
  proto::SlurmSuspendReply out;
  for (const auto& m : done->released) {
    auto* r = out.add_released();
    r->set_name(m.slurm_name);
    r->set_node(m.node_id);
    r->set_allocation(m.allocation_id);
  }
  for (const auto& n : done->unknown) out.add_unknown(n);
  return {200, to_json(out)};
}

ApiResponse AdminApi::set_hotpool(RouteContext& ctx) {
  if (!hotpool_) return error_response(Status(StatusCode::kUnimplemented, "no hotpool on this coordinator"));
  auto body = body_as<proto::HotpoolBounds>(ctx.request, "HotpoolBounds");
  if (!body.ok()) return error_response(body.status());
  if (Status s = hotpool_->set_bounds(ctx.who.actor(), ctx.params[0], body->min_hot(), body->has_max_hot() ? body->max_hot() : -1);
      !s.ok()) {
    return error_response(s);
  }
  return get_hotpool(ctx);
}

ApiResponse AdminApi::send_command(RouteContext& ctx) {
  auto id = parse_id(ctx.params[0], "node id");
  if (!id.ok()) return error_response(id.status());
  proto::Command cmd;
  if (Status s = from_json(ctx.request.body, cmd); !s.ok()) {
    return error_response(invalid_argument("request body is not a valid Command"), s.message());
  }
  if (cmd.kind().empty()) return error_response(invalid_argument("command kind is required"));
  auto node = store_.get_node(*id);
  if (!node.ok()) return error_response(node.status());
  if (!dispatcher_) return error_response(unavailable("no agent server in this process"));
  auto command_id = dispatcher_->dispatch(*id, cmd.kind(), cmd.payload());
  if (!command_id.ok()) return error_response(command_id.status());
  cmd.set_command_id(*command_id);
  return {202, to_json(cmd)};
}

ApiResponse AdminApi::list_events(RouteContext& ctx) {
  EventQuery q;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    if (key == "node") {
      auto id = parse_id(value, "node");
      if (!id.ok()) return error_response(id.status());
      q.node_id = *id;
    } else if (key == "limit") {
      auto n = parse_id(value, "limit");
      if (!n.ok() || *n > 1000) return error_response(invalid_argument("limit must be between 1 and 1000"));
      q.limit = static_cast<std::uint32_t>(*n);
    } else if (key == "project") {
      if (!ctx.who.admin() && !ctx.who.member_of(value)) {
        return error_response(not_found(fmt::format("project {} does not exist", value)));
      }
      q.projects = std::vector<std::string>{std::string(value)};
    } else if (!key.empty()) {
      return error_response(invalid_argument(fmt::format("unknown query parameter '{}'", key)));
    }
  }
  if (!ctx.who.admin() && !q.projects) q.projects = ctx.who.projects;
  auto events = store_.list_events(q);
  if (!events.ok()) return error_response(events.status());
  proto::EventList list;
  for (const auto& e : *events) *list.add_events() = to_proto(e);
  return {200, to_json(list)};
}

ApiResponse AdminApi::get_operation(RouteContext& ctx) {
  auto id = parse_id(ctx.params[0], "operation id");
  if (!id.ok()) return error_response(id.status());
  auto op = store_.get_operation(*id);
  if (!op.ok()) return error_response(op.status());
  if (!ctx.who.admin() && (op->project.empty() || !ctx.who.member_of(op->project))) {
    return error_response(not_found(fmt::format("operation {} does not exist", *id)));
  }
  return {200, to_json(to_proto(*op))};
}

}  // namespace bmf::coordinator
