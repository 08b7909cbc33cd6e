#include "bmc-proxy/leases/coordinator_users.h"

#include <fmt/core.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "common/log/log.h"

namespace bmf::bmcproxy {

using nlohmann::json;

Result<Principal> parse_whoami(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("user") || !doc["user"].is_string()) {
    return invalid_argument("coordinator's auth answer is not a Whoami document");
  }
  Principal p;
  p.name = doc["user"];
  const std::string role = doc.value("role", "member");
  // A site admin (or service user) manages the hardware: every BMC, like the service principal.
  p.role = role == "admin" || role == "service" ? Role::kService : Role::kTenant;
  if (doc.contains("projects")) {
    if (!doc["projects"].is_array()) return invalid_argument("coordinator's auth answer: projects is not a list");
    for (const auto& pr : doc["projects"]) {
      if (!pr.is_string()) return invalid_argument("coordinator's auth answer: a project is not a string");
      p.projects.push_back(pr);
    }
  }
  p.from_coordinator = true;
  return p;
}

CoordinatorUsers::CoordinatorUsers(CurlMultiClient& http, const LeaseTable& leases, CoordinatorUsersConfig config)
    : http_(http), leases_(leases), config_(std::move(config)) {
  while (!config_.coordinator_url.empty() && config_.coordinator_url.back() == '/') config_.coordinator_url.pop_back();
  RAND_bytes(process_key_.data(), static_cast<int>(process_key_.size()));
}

CoordinatorUsers::~CoordinatorUsers() { *alive_ = false; }

CoordinatorUsers::Key CoordinatorUsers::key_of(const std::string& user, const std::string& secret) const {
  const std::string msg = user + '\0' + secret;
  Key out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), process_key_.data(), static_cast<int>(process_key_.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out.data(), &len);
  return out;
}

void CoordinatorUsers::authenticate(const std::string& user, const std::string& secret, Done done) {
  const Key key = key_of(user, secret);
  const auto now = std::chrono::steady_clock::now();
  if (auto it = cache_.find(key); it != cache_.end()) {
    if (it->second.revision == leases_.revision() && now - it->second.checked_at < config_.max_age) {
      return done(it->second.principal);
    }
    cache_.erase(it);  // access may have changed since: ask again
  }
  if (config_.service_token.empty()) return done(unavailable("no coordinator token configured: only file principals can log in"));
  json body = {{"user", user}, {"secret", secret}};
  HttpCall call;
  call.method = "POST";
  call.url = config_.coordinator_url + "/api/v1/auth/check";
  call.body = body.dump();
  call.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + config_.service_token}};
  call.timeout = std::chrono::seconds(10);
  const std::uint64_t revision = leases_.revision();
  http_.perform(std::move(call), [this, alive = alive_, key, revision, done = std::move(done)](Result<HttpReply> reply) {
    if (!*alive) return;
    if (!reply.ok()) return done(unavailable("coordinator unreachable: " + reply.status().message()));
    if (reply->status == 401) return done(unauthenticated("invalid user name or password"));
    if (reply->status != 200) {
      BMF_LOG_WARN("COORDINATOR_AUTH_FAILED: coordinator answered HTTP {} to a login check (is the proxy's token a service user's?)",
                   reply->status);
      return done(unavailable(fmt::format("coordinator answered HTTP {}", reply->status)));
    }
    auto p = parse_whoami(reply->body);
    if (!p.ok()) return done(unavailable(p.status().message()));
    // Cached against the revision seen when the check started: a change during the check re-checks next time.
    cache_[key] = Entry{*p, revision, std::chrono::steady_clock::now()};
    done(*p);
  });
}

}  // namespace bmf::bmcproxy
