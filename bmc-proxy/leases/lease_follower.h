#pragma once
// LeaseFollower: keeps a LeaseTable in step with the coordinator by long-polling
// GET /api/v1/leases?after_revision=N&wait_ms=M: a lease that ends reaches the
// proxy within one local round trip. On errors it retries every second; the
// table turns stale (tenants get 503) if the coordinator stays away.
#include <chrono>
#include <memory>
#include <string>

#include "bmc-proxy/leases/lease_table.h"
#include "common/http/curl_client.h"

namespace bmf::bmcproxy {
using http::CurlMultiClient;
using http::HttpCall;
using http::HttpReply;
using http::HttpClientOptions;

struct LeaseFollowerConfig {
  std::string coordinator_url = "http://127.0.0.1:7421";
  std::string service_token;  // bearer token of the proxy's service user
  std::chrono::milliseconds wait{15'000};
  std::chrono::milliseconds retry{1'000};
};

class LeaseFollower {
 public:
  LeaseFollower(boost::asio::io_context& io, CurlMultiClient& http, LeaseTable& table, LeaseFollowerConfig config);
  ~LeaseFollower();
  void start();

 private:
  void poll();
  void retry_later();

  boost::asio::io_context& io_;
  CurlMultiClient& http_;
  LeaseTable& table_;
  LeaseFollowerConfig config_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool first_ = true;
  bool failing_ = false;  // log the first failure of a streak only
};

}  // namespace bmf::bmcproxy
