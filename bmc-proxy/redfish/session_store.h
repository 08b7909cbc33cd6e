#pragma once
// SessionStore: Redfish sessions (X-Auth-Token) of the proxy's own principals.
// Tokens are 256-bit random; sessions expire after `idle_timeout` without use;
// each principal holds at most `max_per_principal` (sushy opens a new session
// on every 401/403 and leaks the old one), the least recently used goes first.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bmc-proxy/credentials/tenant_directory.h"

namespace bmf::bmcproxy {

struct Session {
  std::string id;
  std::string token;
  Principal principal;
  std::chrono::steady_clock::time_point last_used;
  // For a bmf user: the secret they logged in with (memory only), so every use
  // re-checks their access with the coordinator's cache rules.
  std::string secret;
};

class SessionStore {
 public:
  using Clock = std::chrono::steady_clock;
  explicit SessionStore(std::chrono::seconds idle_timeout = std::chrono::minutes(30), std::size_t max_per_principal = 64)
      : idle_timeout_(idle_timeout), max_per_principal_(max_per_principal) {}

  Session create(const Principal& principal, Clock::time_point now = Clock::now(), std::string secret = {});
  // The session owning `token` (refreshing its idle timer), if it is alive.
  std::optional<Session> use(const std::string& token, Clock::time_point now = Clock::now());
  // Sessions of one principal, by id.
  std::vector<Session> of(const std::string& principal) const;
  // Deletes the principal's own session; false when it has no such session.
  bool remove(const std::string& principal, const std::string& id);
  std::size_t size() const { return by_token_.size(); }

 private:
  void expire(Clock::time_point now);

  std::chrono::seconds idle_timeout_;
  std::size_t max_per_principal_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, Session> by_token_;
};

}  // namespace bmf::bmcproxy
