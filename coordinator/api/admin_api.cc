#include "coordinator/api/admin_api.h"

#include <fmt/core.h>

#include <charconv>

#include "common/http/query.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/mapping/switch_proto.h"

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

Result<std::uint64_t> parse_id(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return invalid_argument(fmt::format("{} must be a positive integer, got '{}'", what, text));
  }
  return v;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

}  // namespace

ApiResponse error_response(const Status& status, std::string details) {
  proto::ApiError err;
  err.set_code(std::string(to_string(status.code())));
  err.set_message(status.message());
  err.set_details(std::move(details));
  return {http_status(status.code()), to_json(err)};
}

ApiResponse AdminApi::handle(const ApiRequest& req) {
  std::string_view target = req.target;
  std::string_view path = target.substr(0, target.find('?'));
  const bool get = req.method == "GET";

  if (path == "/healthz" && get) return {200, R"({"status":"ok"})"};
  if (path == "/api/v1/nodes" && get) return list_nodes();
  if (path == "/api/v1/events" && get) return list_events(target);
  std::string_view rest = path;
  if (path == "/api/v1/switches" || consume(rest, "/api/v1/switches/")) return switch_route(req, path == "/api/v1/switches" ? "" : rest);
  if (path == "/api/v1/leases") return lease_route(req, "");
  if (consume(rest, "/api/v1/leases/")) return lease_route(req, rest);
  rest = path;
  if (consume(rest, "/api/v1/operations/") && get) {
    if (!switches_) return error_response(not_found("no operations in this process"));
    auto op = switches_->operation(std::string(rest));
    if (!op) return error_response(not_found(fmt::format("operation {} does not exist", rest)));
    return {200, to_json(to_proto(*op))};
  }
  rest = path;
  if (consume(rest, "/api/v1/nodes/")) {
    auto slash = rest.find('/');
    std::string_view id = rest.substr(0, slash);
    std::string_view sub = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    if (sub.empty() && get) return get_node(id);
    if (sub == "/commands" && req.method == "POST") return send_command(id, req.body);
    if (sub.empty() || sub == "/commands") {
      return error_response(invalid_argument(fmt::format("method {} not allowed on {}", req.method, path)));
    }
  }
  return error_response(not_found(fmt::format("no such endpoint: {} {}", req.method, path)));
}

ApiResponse AdminApi::switch_route(const ApiRequest& req, std::string_view rest) {
  const std::string actor = "admin";
  if (rest.empty()) {
    if (req.method != "GET") return error_response(invalid_argument("use GET on /api/v1/switches"));
    auto list = store_.list_switches();
    if (!list.ok()) return error_response(list.status());
    proto::SwitchList out;
    for (const auto& s : *list) *out.add_switches() = to_proto(s);
    return {200, to_json(out)};
  }
  auto slash = rest.find('/');
  std::string name(rest.substr(0, slash));
  std::string_view sub = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (sub.empty() && req.method == "PUT") {
    proto::Switch body;
    if (Status s = from_json(req.body, body); !s.ok()) return error_response(invalid_argument("body is not a Switch"), s.message());
    auto rec = switch_from_proto(body, name);
    if (!rec.ok()) return error_response(rec.status());
    Status saved = store_.save_switch(*rec, {.time_ms = SystemClock().now_ms(), .actor = actor, .kind = "SWITCH_SAVED",
                                             .message = fmt::format("{} at {}:{}", name, rec->address, rec->port)});
    if (!saved.ok()) return error_response(saved);
    return {200, to_json(to_proto(*rec))};
  }
  if (sub.empty() && req.method == "GET") {
    auto sw = store_.get_switch(name);
    if (!sw.ok()) return error_response(sw.status());
    return {200, to_json(to_proto(*sw))};
  }
  if (sub == "/ports" && req.method == "GET") {
    if (auto sw = store_.get_switch(name); !sw.ok()) return error_response(sw.status());
    auto ports = store_.list_switch_ports(name);
    if (!ports.ok()) return error_response(ports.status());
    proto::SwitchPortList out;
    for (const auto& p : *ports) *out.add_ports() = to_proto(p);
    return {200, to_json(out)};
  }
  std::string_view port = sub;
  if (consume(port, "/ports/") && req.method == "PUT") {
    proto::SwitchPort body;
    if (Status s = from_json(req.body, body); !s.ok()) return error_response(invalid_argument("body is not a SwitchPort"), s.message());
    auto rec = switch_port_from_proto(body, name, std::string(port));
    if (!rec.ok()) return error_response(rec.status());
    if (auto sw = store_.get_switch(name); !sw.ok()) return error_response(sw.status());
    Status saved = store_.save_switch_port(*rec, {.time_ms = SystemClock().now_ms(), .actor = actor, .kind = "SWITCH_PORT_SAVED",
                                                  .message = fmt::format("{} {}: {}", name, rec->port,
                                                                              body.ShortDebugString())});
    if (!saved.ok()) return error_response(saved);
    return {200, to_json(to_proto(*rec))};
  }
  if (sub == "/sync" && req.method == "POST") {
    if (!switches_) return error_response(unavailable("switch operations are not available in this process"));
    auto id = switches_->start_sync(name);
    if (!id.ok()) return error_response(id.status());
    return {202, to_json(to_proto(*switches_->operation(*id)))};
  }
  return error_response(not_found(fmt::format("no such endpoint: {} {}", req.method, req.target)));
}

ApiResponse AdminApi::list_nodes() {
  auto nodes = store_.list_nodes();
  if (!nodes.ok()) return error_response(nodes.status());
  proto::NodeList list;
  for (const auto& n : *nodes) *list.add_nodes() = to_proto(n);
  return {200, to_json(list)};
}

ApiResponse AdminApi::get_node(std::string_view id_text) {
  auto id = parse_id(id_text, "node id");
  if (!id.ok()) return error_response(id.status());
  auto node = store_.get_node(*id);
  if (!node.ok()) return error_response(node.status());
  return {200, to_json(to_proto(*node))};
}

ApiResponse AdminApi::list_events(std::string_view target) {
  EventQuery q;
  for (const auto& [kv, key, value, has_value] : http::query_params(target)) {
    if (key == "node") {
      auto id = parse_id(value, "node");
      if (!id.ok()) return error_response(id.status());
      q.node_id = *id;
    } else if (key == "limit") {
      auto n = parse_id(value, "limit");
      if (!n.ok() || *n > 1000) return error_response(invalid_argument("limit must be between 1 and 1000"));
      q.limit = static_cast<std::uint32_t>(*n);
    } else if (!key.empty()) {
      return error_response(invalid_argument(fmt::format("unknown query parameter '{}'", key)));
    }
  }
  auto events = store_.list_events(q);
  if (!events.ok()) return error_response(events.status());
  proto::EventList list;
  for (const auto& e : *events) *list.add_events() = to_proto(e);
  return {200, to_json(list)};
}

ApiResponse AdminApi::send_command(std::string_view id_text, const std::string& body) {
  auto id = parse_id(id_text, "node id");
  if (!id.ok()) return error_response(id.status());
  proto::Command cmd;
  if (Status s = from_json(body, cmd); !s.ok()) {
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

}  // namespace bmf::coordinator
