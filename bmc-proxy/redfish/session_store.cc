#include "bmc-proxy/redfish/session_store.h"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace bmf::bmcproxy {

Session SessionStore::create(const Principal& principal, Clock::time_point now, std::string secret) {
  expire(now);
  auto mine = of(principal.name);
  if (mine.size() >= max_per_principal_) {
    const Session* oldest = &mine.front();
    for (const auto& s : mine) {
      if (s.last_used < oldest->last_used) oldest = &s;
    }
    by_token_.erase(oldest->token);
  }
  unsigned char raw[32];
  RAND_bytes(raw, sizeof raw);
  std::string token;
  for (unsigned char c : raw) token += fmt::format("{:02x}", c);
  Session s{fmt::format("{}", next_id_++), token, principal, now, std::move(secret)};
  by_token_[token] = s;
  return s;
}

std::optional<Session> SessionStore::use(const std::string& token, Clock::time_point now) {
  if (token.size() != 64) return std::nullopt;
  auto it = by_token_.find(token);
  if (it == by_token_.end()) return std::nullopt;
  if (now - it->second.last_used > idle_timeout_) {
    by_token_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

std::vector<Session> SessionStore::of(const std::string& principal) const {
  std::vector<Session> out;
  for (const auto& [token, s] : by_token_) {
    if (s.principal.name == principal) out.push_back(s);
  }
  return out;
}

bool SessionStore::remove(const std::string& principal, const std::string& id) {
  for (auto it = by_token_.begin(); it != by_token_.end(); ++it) {
    if (it->second.id == id && it->second.principal.name == principal) {
      by_token_.erase(it);
      return true;
    }
  }
  return false;
}

void SessionStore::expire(Clock::time_point now) {
  for (auto it = by_token_.begin(); it != by_token_.end();) {
    it = now - it->second.last_used > idle_timeout_ ? by_token_.erase(it) : std::next(it);
  }
}

}  // namespace bmf::bmcproxy
