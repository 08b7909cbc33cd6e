#pragma once
// CoordinatorUsers: tenants log in to the proxy as their bmf user (password or
// API token as the Basic/session password). The coordinator checks the secret
// (POST /api/v1/auth/check with the proxy's service token) and names the user's
// projects; the proxy reaches exactly the nodes those projects lease.
//
// A verified login is cached (keyed by a process-secret HMAC of user+secret, never
// the secret itself) only while the coordinator's lease/access revision is
// unchanged and for at most `max_age`: removing a user from a project, revoking a
// token or removing a user moves that revision, which the lease long-poll
// delivers at once, so access is gone within one long-poll round trip.
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bmc-proxy/credentials/tenant_directory.h"
#include "bmc-proxy/leases/lease_table.h"
#include "common/http/curl_client.h"

namespace bmf::bmcproxy {
using http::CurlMultiClient;
using http::HttpCall;
using http::HttpReply;
using http::HttpClientOptions;

struct CoordinatorUsersConfig {
  std::string coordinator_url = "http://127.0.0.1:7421";
  std::string service_token;  // the proxy's own API token (a bmf user with the service role)
  std::chrono::seconds max_age{60};
};

// The coordinator's /api/v1/auth/check answer (Whoami) as a principal.
Result<Principal> parse_whoami(std::string_view json_text);

class CoordinatorUsers {
 public:
  using Done = std::function<void(Result<Principal>)>;
  CoordinatorUsers(CurlMultiClient& http, const LeaseTable& leases, CoordinatorUsersConfig config);
  ~CoordinatorUsers();

  // UNAUTHENTICATED for bad credentials, UNAVAILABLE when the coordinator cannot say.
  void authenticate(const std::string& user, const std::string& secret, Done done);
  std::size_t cached() const { return cache_.size(); }

 private:
  using Key = std::array<unsigned char, 32>;
  struct Entry {
    Principal principal;
    std::uint64_t revision = 0;
    std::chrono::steady_clock::time_point checked_at;
  };
  Key key_of(const std::string& user, const std::string& secret) const;

  CurlMultiClient& http_;
  const LeaseTable& leases_;
  CoordinatorUsersConfig config_;
  Key process_key_{};
  std::map<Key, Entry> cache_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace bmf::bmcproxy
