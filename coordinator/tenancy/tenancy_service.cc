#include "coordinator/tenancy/tenancy_service.h"

#include <fmt/core.h>

#include <algorithm>

#include "common/crypto/secrets.h"
#include "common/log/log.h"

namespace bmf::coordinator {
namespace {

const Status& denied() {
  static const Status kDenied = unauthenticated("invalid or expired credentials");
  return kDenied;
}

constexpr std::string_view kApiPrefix = "bmf_";
constexpr std::string_view kSessionPrefix = "bmfs_";

}  // namespace

bool Principal::member_of(std::string_view project) const {
  return std::find(projects.begin(), projects.end(), project) != projects.end();
}

Status validate_name(std::string_view what, std::string_view name) {
  auto ok_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'; };
  if (name.empty() || name.size() > 63 || !std::all_of(name.begin(), name.end(), ok_char) || name[0] == '-' ||
      name[0] == '.' || name[0] == '_') {
    return invalid_argument(fmt::format("{} name '{}' must be 1-63 characters of a-z 0-9 . _ -, starting with a letter or digit",
                                        what, name));
  }
  return ok_status();
}

EventRecord TenancyService::event(const Principal& by, EventKind kind, std::string message) const {
  return EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = kind, .message = std::move(message)};
}

Result<Principal> TenancyService::principal_of(std::uint64_t user_id) {
  auto user = store_.get_user_by_id(user_id);
  if (!user.ok()) return user.status().code() == StatusCode::kNotFound ? Result<Principal>(denied()) : user.status();
  return Principal{.user_id = user->id, .name = user->name, .role = user->role, .projects = user->projects};
}

Result<Principal> TenancyService::authenticate_token(const std::string& bearer) {
  if (bearer.rfind(kApiPrefix, 0) != 0 && bearer.rfind(kSessionPrefix, 0) != 0) return denied();
  auto token = store_.find_token(crypto::sha256_hex(bearer));
  if (!token.ok()) return token.status().code() == StatusCode::kNotFound ? Result<Principal>(denied()) : token.status();
  const EpochMs now = clock_.now_ms();
  if (token->revoked_at_ms != 0 || (token->expires_at_ms != 0 && token->expires_at_ms <= now)) return denied();
  return principal_of(token->user_id);
}

Status TenancyService::logout(const std::string& secret) {
  if (secret.rfind(kApiPrefix, 0) != 0 && secret.rfind(kSessionPrefix, 0) != 0) return not_found("no such session");
  auto token = store_.find_token(crypto::sha256_hex(secret));
  if (!token.ok()) return token.status().code() == StatusCode::kNotFound ? not_found("no such session") : token.status();
  if (token->revoked_at_ms != 0) return not_found("no such session");
  BMF_ASSIGN_OR_RETURN(Principal p, principal_of(token->user_id));
  return store_.revoke_token(token->id, clock_.now_ms(), event(p, EventKind::kSessionEnded, fmt::format("token {} (logout)", token->id)));
}

Result<Principal> TenancyService::authenticate_password(const std::string& name, const std::string& password) {
  auto user = store_.get_user(name);
  if (!user.ok() || user->password_hash.empty()) {
    crypto::burn_password_check(password);  // the same cost whether or not the user exists
    if (!user.ok() && user.status().code() != StatusCode::kNotFound) return user.status();
    return denied();
  }
  auto stored = crypto::parse_password_hash(user->password_hash);
  if (!stored.ok()) return data_loss(fmt::format("user {}: stored password hash is unreadable", name));
  if (!crypto::verify_password(password, *stored)) return denied();
  return principal_of(user->id);
}

Result<Principal> TenancyService::authenticate_secret(const std::string& name, const std::string& secret) {
  if (secret.rfind(kApiPrefix, 0) == 0 || secret.rfind(kSessionPrefix, 0) == 0) {
    BMF_ASSIGN_OR_RETURN(Principal p, authenticate_token(secret));
    if (p.name != name) return denied();  // a token only works with its own user name
    return p;
  }
  return authenticate_password(name, secret);
}

Result<IssuedToken> TenancyService::issue(const UserRecord& user, TokenKind kind, const std::string& description,
                                          EpochMs expires_at_ms, const std::string& actor) {
  IssuedToken out;
  out.secret = crypto::random_token(kind == TokenKind::kSession ? kSessionPrefix : kApiPrefix);
  out.record = TokenRecord{.user_id = user.id,
                           .sha256 = crypto::sha256_hex(out.secret),
                           .kind = kind,
                           .description = description,
                           .created_at_ms = clock_.now_ms(),
                           .expires_at_ms = expires_at_ms};
  BMF_RETURN_IF_ERROR(store_.create_token(
      out.record, EventRecord{.time_ms = clock_.now_ms(),
                              .actor = actor,
                              .kind = kind == TokenKind::kSession ? EventKind::kUserLoggedIn : EventKind::kTokenCreated,
                              .message = fmt::format("{} for user {}{}", kind == TokenKind::kSession ? "session" : "API token",
                                                     user.name, description.empty() ? "" : " (" + description + ")")}));
  return out;
}

Result<IssuedToken> TenancyService::login(const std::string& name, const std::string& password) {
  BMF_ASSIGN_OR_RETURN(Principal p, authenticate_password(name, password));
  BMF_ASSIGN_OR_RETURN(UserRecord user, store_.get_user(p.name));
  return issue(user, TokenKind::kSession, "login", clock_.now_ms() + config_.session_ttl_ms, p.actor());
}

Result<IssuedToken> TenancyService::bootstrap_admin(const std::string& name) {
  BMF_RETURN_IF_ERROR(validate_name("user", name));
  BMF_ASSIGN_OR_RETURN(auto users, store_.list_users());
  for (const auto& u : users) {
    if (u.role == UserRole::kAdmin) {
      return failed_precondition(fmt::format("an admin ({}) already exists; create more users through the API", u.name));
    }
  }
  UserRecord user{.name = name, .role = UserRole::kAdmin, .created_at_ms = clock_.now_ms()};
  BMF_RETURN_IF_ERROR(store_.create_user(user, EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator-init",
                                                           .kind = EventKind::kUserCreated, .message = name + " (admin, bootstrap)"}));
  return issue(user, TokenKind::kApi, "bootstrap", 0, "coordinator-init");
}

Result<UserRecord> TenancyService::add_user(const Principal& by, const std::string& name, UserRole role,
                                            const std::string& password) {
  BMF_RETURN_IF_ERROR(validate_name("user", name));
  if (!password.empty() && password.size() < 8) return invalid_argument("a password needs at least 8 characters");
  UserRecord user{.name = name, .role = role, .created_at_ms = clock_.now_ms()};
  if (!password.empty()) user.password_hash = crypto::hash_password(password, config_.password_iterations);
  BMF_RETURN_IF_ERROR(store_.create_user(user, event(by, EventKind::kUserCreated, fmt::format("{} ({})", name, to_string(role)))));
  return user;
}

Status TenancyService::remove_user(const Principal& by, const std::string& name) {
  if (name == by.name) return failed_precondition("you cannot remove yourself");
  return store_.delete_user(name, event(by, EventKind::kUserRemoved, name));
}

Status TenancyService::set_password(const Principal& by, const std::string& name, const std::string& password) {
  if (password.size() < 8) return invalid_argument("a password needs at least 8 characters");
  return store_.set_user_password(name, crypto::hash_password(password, config_.password_iterations),
                                  event(by, EventKind::kUserPasswordSet, name));
}

Result<ProjectRecord> TenancyService::add_project(const Principal& by, const std::string& name, std::int64_t quota_nodes,
                                                  std::int64_t quota_networks) {
  BMF_RETURN_IF_ERROR(validate_name("project", name));
  if (quota_nodes < kUnlimited || quota_networks < kUnlimited) return invalid_argument("a quota is a count >= 0, or -1 for unlimited");
  ProjectRecord p{.name = name, .quota_nodes = quota_nodes, .quota_networks = quota_networks, .created_at_ms = clock_.now_ms()};
  BMF_RETURN_IF_ERROR(store_.create_project(p, event(by, EventKind::kProjectCreated, name)));
  return p;
}

Status TenancyService::remove_project(const Principal& by, const std::string& name) {
  return store_.delete_project(name, event(by, EventKind::kProjectRemoved, name));
}

Status TenancyService::set_quota(const Principal& by, const std::string& project, std::int64_t nodes, std::int64_t networks) {
  if (nodes < kUnlimited || networks < kUnlimited) return invalid_argument("a quota is a count >= 0, or -1 for unlimited");
  return store_.set_project_quota(project, nodes, networks,
                                  event(by, EventKind::kProjectQuotaSet, fmt::format("{}: nodes {} networks {}", project, nodes, networks)));
}

Status TenancyService::set_class_quota(const Principal& by, const std::string& project, const std::string& hardware_class,
                                       std::int64_t nodes) {
  BMF_RETURN_IF_ERROR(validate_name("class", hardware_class));
  if (nodes < kUnlimited) return invalid_argument("a quota is a count >= 0, or -1 for none");
  return store_.set_class_quota(project, hardware_class, nodes,
                                event(by, EventKind::kProjectQuotaSet, fmt::format("{}: nodes of class {} {}", project, hardware_class, nodes)));
}

Status TenancyService::add_member(const Principal& by, const std::string& user, const std::string& project) {
  return store_.add_member(user, project, event(by, EventKind::kMemberAdded, fmt::format("{} joined {}", user, project)));
}

Status TenancyService::remove_member(const Principal& by, const std::string& user, const std::string& project) {
  return store_.remove_member(user, project, event(by, EventKind::kMemberRemoved, fmt::format("{} left {}", user, project)));
}

Result<IssuedToken> TenancyService::create_token(const Principal& by, const std::string& user_name,
                                                 const std::string& description, EpochMs expires_at_ms) {
  const std::string name = user_name.empty() ? by.name : user_name;
  if (name != by.name && !by.admin()) return not_found(fmt::format("user {} does not exist", name));
  if (expires_at_ms != 0 && expires_at_ms <= clock_.now_ms()) return invalid_argument("the expiry time is in the past");
  if (description.size() > 200) return invalid_argument("a token description has at most 200 characters");
  BMF_ASSIGN_OR_RETURN(UserRecord user, store_.get_user(name));
  return issue(user, TokenKind::kApi, description, expires_at_ms, by.actor());
}

Status TenancyService::revoke_token(const Principal& by, std::uint64_t token_id) {
  if (!by.admin()) {
    BMF_ASSIGN_OR_RETURN(auto mine, store_.list_tokens(by.user_id));
    if (std::none_of(mine.begin(), mine.end(), [&](const TokenRecord& t) { return t.id == token_id; })) {
      return not_found(fmt::format("token {} does not exist or is already revoked", token_id));
    }
  }
  return store_.revoke_token(token_id, clock_.now_ms(), event(by, EventKind::kTokenRevoked, fmt::format("token {}", token_id)));
}

Result<std::vector<TokenRecord>> TenancyService::tokens_of(const Principal& by, const std::string& user_name) {
  const std::string name = user_name.empty() ? by.name : user_name;
  if (name != by.name && !by.admin()) return not_found(fmt::format("user {} does not exist", name));
  BMF_ASSIGN_OR_RETURN(UserRecord user, store_.get_user(name));
  return store_.list_tokens(user.id);
}

}  // namespace bmf::coordinator
