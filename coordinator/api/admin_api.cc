#include "coordinator/api/admin_api.h"

#include <fmt/core.h>

#include <charconv>

#include "coordinator/mapping/node_proto.h"

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
  std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
  const bool get = req.method == "GET";

  if (path == "/healthz" && get) return {200, R"({"status":"ok"})"};
  if (path == "/api/v1/nodes" && get) return list_nodes();
  if (path == "/api/v1/events" && get) return list_events(query);
  std::string_view rest = path;
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

ApiResponse AdminApi::list_events(std::string_view query) {
  EventQuery q;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
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
