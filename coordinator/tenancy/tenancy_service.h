#pragma once
// TenancyService: users, projects, memberships, quotas and tokens, and who a
// request is. Every API call is made by a Principal; the routes decide what it
// may see, this service decides who it is:
//   - API tokens ("bmf_" + 64 hex), created per user, shown once, stored as SHA-256,
//     optionally expiring, revocable;
//   - session tokens ("bmfs_..."), from a password login, expiring after session_ttl.
// A token of a removed user, a revoked or an expired token is UNAUTHENTICATED,
// with one message, so a caller learns nothing about which it was.
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/status/status.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

struct Principal {
  std::uint64_t user_id = 0;
  std::string name;
  UserRole role = UserRole::kMember;
  std::vector<std::string> projects;
  bool admin() const { return role == UserRole::kAdmin; }
  // Reads every lease (the BMC proxy) and checks logins; changes nothing.
  bool service() const { return role == UserRole::kService || role == UserRole::kAdmin; }
  bool member_of(std::string_view project) const;
  std::string actor() const { return "user:" + name; }
};

struct IssuedToken {
  TokenRecord record;
  std::string secret;  // shown once
};

struct TenancyConfig {
  EpochMs session_ttl_ms = 12LL * 3600 * 1000;
  int password_iterations = 200'000;
};

// Names of users and projects: 1-63 of [a-z0-9._-], starting with a letter or digit.
Status validate_name(std::string_view what, std::string_view name);

class TenancyService {
 public:
  TenancyService(Store& store, const Clock& clock, TenancyConfig config = {})
      : store_(store), clock_(clock), config_(config) {}

  // Who presents `bearer` (an API or session token).
  Result<Principal> authenticate_token(const std::string& bearer);
  // Who knows this user's password (UNAUTHENTICATED otherwise, same message for unknown users).
  Result<Principal> authenticate_password(const std::string& user, const std::string& password);
  // Either: a token as the password, or the user's password (the BMC proxy's Basic auth).
  Result<Principal> authenticate_secret(const std::string& user, const std::string& secret);
  // Password login: a session token valid for session_ttl.
  Result<IssuedToken> login(const std::string& user, const std::string& password);
  // Ends the session (or API token) whose secret this is; NOT_FOUND when it is unknown or ended.
  Status logout(const std::string& secret);
  EpochMs session_ttl_ms() const { return config_.session_ttl_ms; }

  // The one-time bootstrap (`bmf-coordinator init`): an admin with an API token.
  // FAILED_PRECONDITION when an admin already exists.
  Result<IssuedToken> bootstrap_admin(const std::string& name);

  Result<UserRecord> add_user(const Principal& by, const std::string& name, UserRole role, const std::string& password);
  Status remove_user(const Principal& by, const std::string& name);
  Status set_password(const Principal& by, const std::string& name, const std::string& password);

  Result<ProjectRecord> add_project(const Principal& by, const std::string& name, std::int64_t quota_nodes,
                                    std::int64_t quota_networks);
  Status remove_project(const Principal& by, const std::string& name);
  Status set_quota(const Principal& by, const std::string& project, std::int64_t nodes, std::int64_t networks);
  // Nodes of one hardware class (-1: no such quota).
  Status set_class_quota(const Principal& by, const std::string& project, const std::string& hardware_class, std::int64_t nodes);
  Status add_member(const Principal& by, const std::string& user, const std::string& project);
  Status remove_member(const Principal& by, const std::string& user, const std::string& project);

  // An API token for `user` (a user makes their own; an admin makes anyone's). expires_at 0: never.
  Result<IssuedToken> create_token(const Principal& by, const std::string& user, const std::string& description,
                                   EpochMs expires_at_ms);
  // A user revokes their own tokens; an admin any. NOT_FOUND for someone else's.
  Status revoke_token(const Principal& by, std::uint64_t token_id);
  Result<std::vector<TokenRecord>> tokens_of(const Principal& by, const std::string& user);

 private:
  Result<Principal> principal_of(std::uint64_t user_id);
  Result<IssuedToken> issue(const UserRecord& user, TokenKind kind, const std::string& description, EpochMs expires_at_ms,
                            const std::string& actor);
  EventRecord event(const Principal& by, EventKind kind, std::string message) const;

  Store& store_;
  const Clock& clock_;
  TenancyConfig config_;
};

}  // namespace bmf::coordinator
