// AdminApi: login, whoami, users, projects, tokens, and the BMC proxy's login check.
#include <fmt/core.h>

#include "common/http/query.h"
#include "common/crypto/secrets.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/api/api_util.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/mapping/tenancy_proto.h"

namespace bmf::coordinator {
namespace {

proto::Whoami whoami_of(const Principal& p) {
  proto::Whoami out;
  out.set_user(p.name);
  out.set_role(std::string(to_string(p.role)));
  for (const auto& project : p.projects) out.add_projects(project);
  return out;
}


}  // namespace

ApiResponse AdminApi::login(RouteContext& ctx) {
  auto body = body_as<proto::LoginRequest>(ctx.request, "LoginRequest");
  if (!body.ok()) return error_response(body.status());
  auto session = tenancy_.login(body->user(), body->password());
  if (!session.ok()) return error_response(session.status());
  proto::Token out = to_proto(session->record, body->user());
  out.set_secret(session->secret);
  return {200, to_json(out)};
}

std::string AdminApi::csrf_token(const std::string& session_secret) {
  return crypto::sha256_hex("bmf-console-csrf:" + session_secret).substr(0, 32);
}

std::string AdminApi::session_cookie(const ApiRequest& req) {
  // Cookie: a=1; bmf_session=bmfs_...; b=2
  const std::string all = req.header("cookie");
  for (std::size_t at = 0; at < all.size();) {
    std::size_t end = all.find(';', at);
    if (end == std::string::npos) end = all.size();
    std::string_view part(all.data() + at, end - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > kSessionCookie.size() && part.substr(0, kSessionCookie.size()) == kSessionCookie &&
        part[kSessionCookie.size()] == '=') {
      return std::string(part.substr(kSessionCookie.size() + 1));
    }
    at = end + 1;
  }
  return "";
}

// The console logs in here: the session secret goes into an HttpOnly cookie (the page never
// sees it); the reply gives who is logged in and the CSRF token for writes.
ApiResponse AdminApi::create_session(RouteContext& ctx) {
  auto body = body_as<proto::LoginRequest>(ctx.request, "LoginRequest");
  if (!body.ok()) return error_response(body.status());
  auto session = tenancy_.login(body->user(), body->password());
  if (!session.ok()) return error_response(session.status());
  auto who = tenancy_.authenticate_token(session->secret);
  if (!who.ok()) return error_response(who.status());
  proto::Session out;
  *out.mutable_who() = whoami_of(*who);
  out.set_csrf_token(csrf_token(session->secret));
  out.set_expires_at(format_rfc3339(session->record.expires_at_ms));
  ApiResponse res{200, to_json(out)};
  res.headers.emplace_back("Set-Cookie", fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie,
                                                     session->secret, tenancy_.session_ttl_ms() / 1000,
                                                     secure_cookies_ ? "; Secure" : ""));
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

ApiResponse AdminApi::get_session(RouteContext& ctx) {
  proto::Session out;
  *out.mutable_who() = whoami_of(ctx.who);
  if (const std::string cookie = session_cookie(ctx.request); !cookie.empty() && ctx.request.header("authorization").empty()) {
    out.set_csrf_token(csrf_token(cookie));
  }
  ApiResponse res{200, to_json(out)};
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

// Logout ends the cookie's session (bearer tokens are revoked with DELETE /api/v1/tokens/{id}).
ApiResponse AdminApi::end_session(RouteContext& ctx) {
  const std::string cookie = session_cookie(ctx.request);
  if (cookie.empty() || !ctx.request.header("authorization").empty()) {
    return error_response(not_found("no console session in this request (API tokens: DELETE /api/v1/tokens/{id})"));
  }
  if (Status s = tenancy_.logout(cookie); !s.ok()) return error_response(s);
  ApiResponse res{204, ""};
  res.headers.emplace_back("Set-Cookie", fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}", kSessionCookie,
                                                     secure_cookies_ ? "; Secure" : ""));
  return res;
}

ApiResponse AdminApi::whoami(RouteContext& ctx) { return {200, to_json(whoami_of(ctx.who))}; }

ApiResponse AdminApi::auth_check(RouteContext& ctx) {
  auto body = body_as<proto::AuthCheckRequest>(ctx.request, "AuthCheckRequest");
  if (!body.ok()) return error_response(body.status());
  auto p = tenancy_.authenticate_secret(body->user(), body->secret());
  if (!p.ok()) return error_response(p.status());
  return {200, to_json(whoami_of(*p))};
}

ApiResponse AdminApi::list_users(RouteContext&) {
  auto users = store_.list_users();
  if (!users.ok()) return error_response(users.status());
  proto::UserList out;
  for (const auto& u : *users) *out.add_users() = to_proto(u);
  return {200, to_json(out)};
}

ApiResponse AdminApi::create_user(RouteContext& ctx) {
  auto body = body_as<proto::User>(ctx.request, "User");
  if (!body.ok()) return error_response(body.status());
  auto role = user_role_from_string(body->role().empty() ? "member" : body->role());
  if (!role) return error_response(invalid_argument(fmt::format("role must be member, admin or service, got '{}'", body->role())));
  auto user = tenancy_.add_user(ctx.who, body->name(), *role, body->password());
  if (!user.ok()) return error_response(user.status());
  return {201, to_json(to_proto(*user))};
}

ApiResponse AdminApi::get_user(RouteContext& ctx) {
  auto user = store_.get_user(ctx.params[0]);
  if (!user.ok()) return error_response(user.status());
  return {200, to_json(to_proto(*user))};
}

ApiResponse AdminApi::delete_user(RouteContext& ctx) {
  if (Status s = tenancy_.remove_user(ctx.who, ctx.params[0]); !s.ok()) return error_response(s);
  lease_changed();  // the BMC proxy re-checks its cached logins
  return {204, ""};
}

ApiResponse AdminApi::set_user_password(RouteContext& ctx) {
  auto body = body_as<proto::LoginRequest>(ctx.request, "LoginRequest");
  if (!body.ok()) return error_response(body.status());
  if (Status s = tenancy_.set_password(ctx.who, ctx.params[0], body->password()); !s.ok()) return error_response(s);
  lease_changed();
  return {204, ""};
}

ApiResponse AdminApi::list_projects(RouteContext& ctx) {
  auto projects = store_.list_projects();
  if (!projects.ok()) return error_response(projects.status());
  proto::ProjectList out;
  for (const auto& p : *projects) {
    if (ctx.who.admin() || ctx.who.member_of(p.name)) *out.add_projects() = to_proto(p);
  }
  return {200, to_json(out)};
}

ApiResponse AdminApi::create_project(RouteContext& ctx) {
  auto body = body_as<proto::Project>(ctx.request, "Project");
  if (!body.ok()) return error_response(body.status());
  auto p = tenancy_.add_project(ctx.who, body->name(), body->has_quota_nodes() ? body->quota_nodes() : kUnlimited,
                                body->has_quota_networks() ? body->quota_networks() : kUnlimited);
  if (!p.ok()) return error_response(p.status());
  return {201, to_json(to_proto(*p))};
}

ApiResponse AdminApi::get_project(RouteContext& ctx) {
  if (!ctx.who.admin() && !ctx.who.member_of(ctx.params[0])) {
    return error_response(not_found(fmt::format("project {} does not exist", ctx.params[0])));
  }
  auto p = store_.get_project(ctx.params[0]);
  if (!p.ok()) return error_response(p.status());
  return {200, to_json(to_proto(*p))};
}

ApiResponse AdminApi::delete_project(RouteContext& ctx) {
  if (Status s = tenancy_.remove_project(ctx.who, ctx.params[0]); !s.ok()) return error_response(s);
  lease_changed();
  return {204, ""};
}

ApiResponse AdminApi::set_quota(RouteContext& ctx) {
  auto body = body_as<proto::Project>(ctx.request, "Project");
  if (!body.ok()) return error_response(body.status());
  auto current = store_.get_project(ctx.params[0]);
  if (!current.ok()) return error_response(current.status());
  if (Status s = tenancy_.set_quota(ctx.who, ctx.params[0], body->has_quota_nodes() ? body->quota_nodes() : current->quota_nodes,
                                    body->has_quota_networks() ? body->quota_networks() : current->quota_networks);
      !s.ok()) {
    return error_response(s);
  }
  for (const auto& [cls, max] : body->class_quotas()) {
    if (Status s = tenancy_.set_class_quota(ctx.who, ctx.params[0], cls, max); !s.ok()) return error_response(s);
  }
  auto p = store_.get_project(ctx.params[0]);
  return {200, to_json(to_proto(*p))};
}

ApiResponse AdminApi::add_member(RouteContext& ctx) {
  if (Status s = tenancy_.add_member(ctx.who, ctx.params[1], ctx.params[0]); !s.ok()) return error_response(s);
  lease_changed();
  return {204, ""};
}

ApiResponse AdminApi::remove_member(RouteContext& ctx) {
  if (Status s = tenancy_.remove_member(ctx.who, ctx.params[1], ctx.params[0]); !s.ok()) return error_response(s);
  lease_changed();  // the BMC proxy drops the user's access to that project's nodes
  return {204, ""};
}

ApiResponse AdminApi::list_tokens(RouteContext& ctx) {
  std::string user;
  for (const auto& [kv, key, value, has_value] : http::query_params(ctx.request.target)) {
    if (key == "user") user = value;
    else if (!key.empty()) return error_response(invalid_argument(fmt::format("unknown query parameter '{}' (user)", key)));
  }
  auto tokens = tenancy_.tokens_of(ctx.who, user);
  if (!tokens.ok()) return error_response(tokens.status());
  proto::TokenList out;
  for (const auto& t : *tokens) *out.add_tokens() = to_proto(t, user.empty() ? ctx.who.name : user);
  return {200, to_json(out)};
}

ApiResponse AdminApi::create_token(RouteContext& ctx) {
  auto body = body_as<proto::Token>(ctx.request, "Token");
  if (!body.ok()) return error_response(body.status());
  if (body->ttl_seconds() < 0 || body->ttl_seconds() > 10LL * 365 * 86400) {
    return error_response(invalid_argument("ttl_seconds must be between 0 (never expires) and 10 years"));
  }
  const EpochMs expires = body->ttl_seconds() == 0 ? 0 : clock_.now_ms() + body->ttl_seconds() * 1000;
  auto issued = tenancy_.create_token(ctx.who, body->user(), body->description(), expires);
  if (!issued.ok()) return error_response(issued.status());
  proto::Token out = to_proto(issued->record, body->user().empty() ? ctx.who.name : body->user());
  out.set_secret(issued->secret);
  return {201, to_json(out)};
}

ApiResponse AdminApi::revoke_token(RouteContext& ctx) {
  auto id = parse_id(ctx.params[0], "token id");
  if (!id.ok()) return error_response(id.status());
  if (Status s = tenancy_.revoke_token(ctx.who, *id); !s.ok()) return error_response(s);
  lease_changed();
  return {204, ""};
}

}  // namespace bmf::coordinator
