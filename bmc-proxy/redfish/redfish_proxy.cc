#include "bmc-proxy/redfish/redfish_proxy.h"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bmc-proxy/redfish/request_checks.h"
#include "common/log/log.h"
#include "common/redfish/redfish.h"

namespace bmf::bmcproxy {

using nlohmann::json;
namespace msg = redfish::msg;

namespace {

constexpr const char* kRealm = "bmf-bmc-proxy";
constexpr std::string_view kSessions = "/redfish/v1/SessionService/Sessions";

http::Response not_found_at(const std::string& path) {
  return redfish::error(404, msg::kResourceMissingAtUri, fmt::format("The resource at the URI {} was not found.", path));
}

http::Response not_allowed(const std::string& method, const std::string& path) {
  return redfish::error(405, msg::kOperationNotAllowed, fmt::format("{} is not allowed on {}.", method, path));
}

http::Response from_check(const RequestError& e) { return redfish::error(e.status, e.message_id, e.message, e.property); }

bool consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

std::optional<std::uint64_t> node_id_of(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::uint64_t v = std::stoull(std::string(text));
  if (v == 0) return std::nullopt;
  return v;
}

json session_body(const Session& s) {
  return {{"@odata.id", fmt::format("{}/{}", kSessions, s.id)},
          {"@odata.type", "#Session.v1_1_0.Session"},
          {"Id", s.id},
          {"Name", "User Session"},
          {"UserName", s.principal.name}};
}

}  // namespace

struct RedfishProxy::Call {
  http::Request req;
  http::HttpServer::Reply reply;
  std::string path;
  std::optional<Principal> who;
  std::string operation = "other";
  std::uint64_t node = 0;
  std::string detail;
  bool audited = false;  // an action (or a denial) that goes into the audit log
};

void RedfishProxy::handle(http::Request request, http::HttpServer::Reply reply) {
  auto call = std::make_shared<Call>();
  call->req = std::move(request);
  call->reply = std::move(reply);
  std::string path = call->req.target.substr(0, call->req.target.find('?'));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  call->path = path;
  const std::string& method = call->req.method;

  if (path == "/redfish") {
    call->operation = "service_root";
    if (method != "GET") return answer(call, not_allowed(method, path));
    return answer(call, redfish::json_response(200, {{"v1", "/redfish/v1/"}}));
  }
  if (path == "/redfish/v1") {
    call->operation = "service_root";
    if (method != "GET") return answer(call, not_allowed(method, path));
    return answer(call, redfish::json_response(200, {{"@odata.id", "/redfish/v1/"},
                                                     {"@odata.type", "#ServiceRoot.v1_5_0.ServiceRoot"},
                                                     {"Id", "RootService"},
                                                     {"Name", "bmf BMC proxy"},
                                                     {"RedfishVersion", "1.6.0"},
                                                     {"UUID", d_.service_uuid},
                                                     {"Systems", {{"@odata.id", "/redfish/v1/Systems"}}},
                                                     {"Managers", {{"@odata.id", "/redfish/v1/Managers"}}},
                                                     {"Chassis", {{"@odata.id", "/redfish/v1/Chassis"}}},
                                                     {"SessionService", {{"@odata.id", "/redfish/v1/SessionService"}}},
                                                     {"Links", {{"Sessions", {{"@odata.id", std::string(kSessions)}}}}}}));
  }
  if (path == kSessions && method == "POST") return login(call);
  authenticate(call, [this, call](std::optional<Principal> who) {
    call->who = std::move(who);
    if (!call->who) {
      call->operation = "unauthenticated";
      return answer(call, redfish::error(401, msg::kNoValidSession, "Valid credentials are required.", "", kRealm));
    }
    route_authenticated(call);
  });
}

void RedfishProxy::authenticate(const CallPtr& call, WhoDone done) {
  const std::string token = call->req.header("x-auth-token");
  if (!token.empty()) {
    auto session = d_.sessions.use(token);
    if (!session) {
      call->audited = true;
      call->detail = "unknown or expired session token";
      return done(std::nullopt);
    }
    if (!session->principal.from_coordinator || !d_.users) return done(session->principal);
    // A bmf user's access may have changed since the session began (project removed, token revoked).
    const std::string name = session->principal.name;
    return d_.users->authenticate(name, session->secret, [this, call, done, token, name](Result<Principal> who) {
      if (who.ok()) return done(*who);
      call->audited = true;
      call->detail = fmt::format("session of '{}' no longer valid: {}", name.substr(0, 64), who.status().message());
      if (who.status().code() == StatusCode::kUnauthenticated) {
        if (auto s = d_.sessions.use(token)) d_.sessions.remove(s->principal.name, s->id);
      }
      done(std::nullopt);
    });
  }
  const std::string authorization = call->req.header("authorization");
  if (authorization.empty()) return done(std::nullopt);
  auto basic = redfish::basic_credentials(authorization);
  if (!basic) {
    call->audited = true;
    call->detail = "malformed Authorization header";
    return done(std::nullopt);
  }
  check_password(call, basic->first, basic->second, [done](Result<Principal> who) {
    done(who.ok() ? std::optional<Principal>(*who) : std::nullopt);
  });
}

void RedfishProxy::check_password(const CallPtr& call, const std::string& user, const std::string& password,
                                  std::function<void(Result<Principal>)> done) {
  const bool throttled = throttle_.blocked(call->req.peer);
  auto finish = [this, call, user, throttled, done](Result<Principal> who) {
    // A success does not clear the address's streak: a caller holding one valid
    // password must not be able to keep guessing others from the same address.
    if (who.ok()) return done(who);
    call->audited = true;
    if (throttled) {
      call->detail = fmt::format("'{}' refused unchecked: too many failed logins from this address", user.substr(0, 64));
    } else if (who.status().code() == StatusCode::kUnavailable) {
      call->detail = fmt::format("'{}' could not be checked: {}", user.substr(0, 64), who.status().message());
    } else {
      call->detail = fmt::format("bad password for '{}'", user.substr(0, 64));
      throttle_.failed(call->req.peer);
    }
    done(who);
  };
  if (d_.principals->contains(user) || !d_.users) return finish(d_.principals->authenticate(user, password, !throttled));
  if (throttled) return finish(unavailable("too many failed logins; try again later"));
  d_.users->authenticate(user, password, std::move(finish));
}

void RedfishProxy::login(const CallPtr& call) {
  call->operation = "login";
  call->audited = true;
  auto body = json::parse(call->req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("UserName") || !body.contains("Password") ||
      !body["UserName"].is_string() || !body["Password"].is_string()) {
    return answer(call, redfish::error(400, msg::kPropertyMissing, "UserName and Password (strings) are required.", "#/UserName"));
  }
  const std::string user = body["UserName"];
  call->detail = fmt::format("user '{}'", user.substr(0, 64));
  const std::string password = body["Password"];
  check_password(call, user, password, [this, call, password](Result<Principal> who) {
    if (!who.ok()) return answer(call, redfish::error(401, msg::kNoValidSession, "Invalid user name or password.", "", kRealm));
    call->who = *who;
    Session s = d_.sessions.create(*who, SessionStore::Clock::now(), who->from_coordinator ? password : std::string());
    http::Response res = redfish::json_response(201, session_body(s));
    res.headers.emplace_back("X-Auth-Token", s.token);
    res.headers.emplace_back("Location", fmt::format("{}/{}", kSessions, s.id));
    answer(call, std::move(res));
  });
}

void RedfishProxy::route_authenticated(const CallPtr& call) {
  const std::string& method = call->req.method;
  std::string_view rest = call->path;
  if (call->path == "/redfish/v1/SessionService") {
    call->operation = "sessions";
    if (method != "GET") return answer(call, not_allowed(method, call->path));
    return answer(call, redfish::json_response(200, {{"@odata.id", call->path},
                                                     {"@odata.type", "#SessionService.v1_1_6.SessionService"},
                                                     {"Id", "SessionService"},
                                                     {"Name", "Session Service"},
                                                     {"ServiceEnabled", true},
                                                     {"SessionTimeout", 1800},
                                                     {"Sessions", {{"@odata.id", std::string(kSessions)}}}}));
  }
  if (consume(rest, kSessions)) return sessions(call, rest);
  if (call->path == "/redfish/v1/Systems") return collection(call, "Systems");
  if (call->path == "/redfish/v1/Managers") return collection(call, "Managers");
  if (call->path == "/redfish/v1/Chassis") return collection(call, "Chassis");
  const bool system = consume(rest, "/redfish/v1/Systems/");
  if (system || consume(rest, "/redfish/v1/Managers/")) {
    auto slash = rest.find('/');
    auto node = node_id_of(rest.substr(0, slash));
    if (node) return node_resource(call, system, *node, slash == std::string_view::npos ? "" : rest.substr(slash));
  }
  call->operation = "other";
  answer(call, not_found_at(call->path));
}

void RedfishProxy::sessions(const CallPtr& call, std::string_view rest) {
  call->operation = "sessions";
  const std::string& method = call->req.method;
  if (rest.empty()) {
    if (method != "GET") return answer(call, not_allowed(method, call->path));
    json members = json::array();
    for (const auto& s : d_.sessions.of(call->who->name)) members.push_back({{"@odata.id", fmt::format("{}/{}", kSessions, s.id)}});
    return answer(call, redfish::json_response(200, {{"@odata.id", std::string(kSessions)},
                                                     {"@odata.type", "#SessionCollection.SessionCollection"},
                                                     {"Name", "Session Collection"},
                                                     {"Members@odata.count", members.size()},
                                                     {"Members", members}}));
  }
  const std::string id(rest.substr(1));
  if (method == "DELETE") {
    call->operation = "logout";
    call->audited = true;
    if (!d_.sessions.remove(call->who->name, id)) return answer(call, not_found_at(call->path));
    return answer(call, {204, "", {{"OData-Version", "4.0"}}, ""});
  }
  if (method != "GET") return answer(call, not_allowed(method, call->path));
  for (const auto& s : d_.sessions.of(call->who->name)) {
    if (s.id == id) return answer(call, redfish::json_response(200, session_body(s)));
  }
  answer(call, not_found_at(call->path));
}

bool RedfishProxy::may_reach(const Principal& who, std::uint64_t node) const {
  if (!d_.bmcs.directory().find(node)) return false;
  if (who.role == Role::kService) return true;
  auto holder = d_.leases.holder(node);
  return holder && who.member_of(*holder);
}

std::vector<std::uint64_t> RedfishProxy::visible_nodes(const Principal& who) const {
  std::vector<std::uint64_t> out;
  if (who.role == Role::kService) {
    for (const auto& [node, bmc] : d_.bmcs.directory().all()) out.push_back(node);
    return out;
  }
  for (const auto& project : who.projects) {
    for (auto node : d_.leases.nodes_of(project)) {
      if (d_.bmcs.directory().find(node)) out.push_back(node);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RedfishProxy::collection(const CallPtr& call, const std::string& kind) {
  call->operation = "list_" + std::string(kind == "Systems" ? "systems" : kind == "Managers" ? "managers" : "chassis");
  if (call->req.method != "GET") return answer(call, not_allowed(call->req.method, call->path));
  if (call->who->role == Role::kTenant && kind != "Chassis" && !d_.leases.fresh()) {
    return answer(call, redfish::error(503, msg::kServiceTemporarilyUnavailable,
                                       "The proxy cannot confirm leases with the coordinator right now; retry shortly."));
  }
  json members = json::array();
  if (kind != "Chassis") {
    for (auto node : visible_nodes(*call->who)) {
      members.push_back({{"@odata.id", kind == "Systems" ? proxy_system_uri(node) : proxy_manager_uri(node)}});
    }
  }
  const std::string type = kind == "Systems" ? "ComputerSystemCollection.ComputerSystemCollection"
                           : kind == "Managers" ? "ManagerCollection.ManagerCollection"
                                                : "ChassisCollection.ChassisCollection";
  answer(call, redfish::json_response(200, {{"@odata.id", call->path},
                                            {"@odata.type", "#" + type},
                                            {"Name", kind + " Collection"},
                                            {"Members@odata.count", members.size()},
                                            {"Members", members}}));
}

void RedfishProxy::node_resource(const CallPtr& call, bool system, std::uint64_t node, std::string_view rest) {
  const std::string& method = call->req.method;
  call->node = node;
  // What the request is, before deciding whether the caller may do it (metrics and audit name it).
  enum class Kind { kRead, kSetBoot, kReset, kInsert, kEject, kNotAllowed, kNotExposed } kind = Kind::kNotExposed;
  if (system) {
    if (rest.empty() && method == "PATCH") kind = Kind::kSetBoot;
    else if (rest == "/Actions/ComputerSystem.Reset" && method == "POST") kind = Kind::kReset;
    else if (method == "GET") kind = Kind::kRead;  // the system's read-only subtree (Bios, Processors, ...)
    else kind = Kind::kNotAllowed;
    call->operation = kind == Kind::kSetBoot ? "set_boot" : kind == Kind::kReset ? "reset" : rest.empty() ? "get_system" : "read_system";
  } else {
    std::string_view media = rest;
    const bool under_media = consume(media, "/VirtualMedia");
    auto action = media.find("/Actions/");
    if (rest.empty() && method == "GET") kind = Kind::kRead;
    else if (under_media && action == std::string_view::npos && method == "GET") kind = Kind::kRead;
    else if (under_media && media.substr(action == std::string_view::npos ? 0 : action) == "/Actions/VirtualMedia.InsertMedia" && method == "POST") kind = Kind::kInsert;
    else if (under_media && media.substr(action == std::string_view::npos ? 0 : action) == "/Actions/VirtualMedia.EjectMedia" && method == "POST") kind = Kind::kEject;
    else if (rest.empty() || under_media) kind = Kind::kNotAllowed;
    // The rest of a Manager (its network, accounts, logs) is the provider's, never shown.
    call->operation = kind == Kind::kInsert ? "insert_media" : kind == Kind::kEject ? "eject_media"
                      : under_media ? "virtual_media" : "get_manager";
  }
  const bool action = kind == Kind::kSetBoot || kind == Kind::kReset || kind == Kind::kInsert || kind == Kind::kEject;
  call->audited = action;

  if (call->who->role == Role::kTenant && !d_.leases.fresh()) {
    return answer(call, redfish::error(503, msg::kServiceTemporarilyUnavailable,
                                       "The proxy cannot confirm leases with the coordinator right now; retry shortly."));
  }
  if (!may_reach(*call->who, node)) {
    call->audited = true;
    call->detail = "not leased to caller";
    return answer(call, not_found_at(call->path));
  }
  if (kind == Kind::kNotExposed) return answer(call, not_found_at(call->path));
  if (kind == Kind::kNotAllowed) return answer(call, not_allowed(method, call->path));

  Checked checked = std::string();
  if (kind == Kind::kSetBoot) checked = check_system_patch(call->req.body);
  if (kind == Kind::kReset) checked = check_reset(call->req.body);
  if (kind == Kind::kInsert) checked = check_insert_media(call->req.body);
  if (kind == Kind::kEject) checked = check_eject_media(call->req.body);
  if (auto* e = std::get_if<RequestError>(&checked)) {
    call->detail = e->message_id;
    return answer(call, from_check(*e));
  }
  std::string body = std::get<std::string>(checked);
  if (action) call->detail = body;  // the checked parameters (no secrets: media credentials are dropped below)
  if (kind == Kind::kInsert) {
    auto doc = json::parse(body);
    if (doc.contains("Password")) {
      doc["Password"] = "***";
      call->detail = doc.dump();
    }
  }
  forward(call, system, std::string(rest), kind == Kind::kRead ? "GET" : method, kind == Kind::kRead ? "" : body);
}

void RedfishProxy::forward(const CallPtr& call, bool system, std::string rest, std::string method, std::string body) {
  d_.bmcs.resolve(call->node, [this, call, system, rest = std::move(rest), method = std::move(method),
                               body = std::move(body)](Result<NodeUris> uris) mutable {
    if (!uris.ok()) {
      BMF_LOG_WARN("BMC_UNREACHABLE node={}: {}", call->node, uris.status().message());
      return answer(call, redfish::error(503, msg::kServiceTemporarilyUnavailable,
                                         fmt::format("The BMC of node {} cannot be reached right now.", call->node)));
    }
    BmcRequest request{.method = method,
                       .path = (system ? uris->bmc_system : uris->bmc_manager) + rest,
                       .body = std::move(body),
                       .if_match = method == "PATCH" ? call->req.header("if-match") : ""};
    // The System or Manager itself is shown with the node id as its Id (redfishtool finds systems by Id).
    const bool root = rest.empty() && method == "GET";
    d_.bmcs.call(call->node, std::move(request), [this, call, uris = *uris, root, system](Result<HttpReply> reply) {
      if (!reply.ok()) {
        BMF_LOG_WARN("BMC_CALL_FAILED node={}: {}", call->node, reply.status().message());
        const bool timeout = reply.status().code() == StatusCode::kDeadlineExceeded;
        http::Response r = redfish::error(timeout ? 504 : 503, msg::kServiceTemporarilyUnavailable,
                                          fmt::format("The BMC of node {} did not answer.", call->node));
        r.headers.emplace_back("Retry-After", "5");
        return answer(call, std::move(r));
      }
      if (reply->status == 401 || reply->status == 403) {
        // Our credentials for this BMC are wrong: the provider's problem, not the tenant's session.
        BMF_LOG_ERROR("BMC_CREDENTIALS_REJECTED node={} status={}", call->node, reply->status);
        return answer(call, redfish::error(503, msg::kServiceTemporarilyUnavailable,
                                           fmt::format("The proxy cannot log in to the BMC of node {}.", call->node)));
      }
      http::Response out;
      out.status = reply->status;
      out.body = reply->body.empty() ? "" : rewrite_bmc_body(reply->body, uris, root);
      // A tenant sees the Manager trimmed to what it needs (virtual media), never the BMC's internals.
      if (root && !system && call->who->role == Role::kTenant && !out.body.empty()) out.body = tenant_manager_view(out.body);
      out.content_type = reply->body.empty() ? "" : "application/json";
      out.headers.emplace_back("OData-Version", "4.0");
      for (const char* h : {"etag", "allow", "retry-after"}) {
        if (auto v = reply->header(h); !v.empty()) {
          std::string name = h == std::string("etag") ? "ETag" : h == std::string("allow") ? "Allow" : "Retry-After";
          out.headers.emplace_back(name, v);
        }
      }
      if (auto loc = reply->header("location"); !loc.empty() && loc[0] == '/') out.headers.emplace_back("Location", to_proxy_uri(loc, uris));
      answer(call, std::move(out));
    });
  });
}

void RedfishProxy::answer(const CallPtr& call, http::Response response) {
  const std::string who = call->who ? call->who->name : "";
  d_.metrics.count_request(who.empty() ? "-" : who, call->operation, response.status);
  if (call->audited) {
    d_.audit.write({.principal = who,
                    .peer = call->req.peer,
                    .node_id = call->node,
                    .action = call->operation,
                    .detail = call->detail,
                    .status = response.status});
  }
  call->reply(std::move(response));
}

}  // namespace bmf::bmcproxy
