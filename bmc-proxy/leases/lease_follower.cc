#include "bmc-proxy/leases/lease_follower.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>

#include "common/log/log.h"

namespace bmf::bmcproxy {

LeaseFollower::LeaseFollower(boost::asio::io_context& io, CurlMultiClient& http, LeaseTable& table,
                             LeaseFollowerConfig config)
    : io_(io), http_(http), table_(table), config_(std::move(config)) {
  while (!config_.coordinator_url.empty() && config_.coordinator_url.back() == '/') config_.coordinator_url.pop_back();
}

LeaseFollower::~LeaseFollower() { *alive_ = false; }

void LeaseFollower::start() { poll(); }

void LeaseFollower::poll() {
  HttpCall call;
  // The first call (and any after an error) asks for the list at once.
  call.url = first_ ? config_.coordinator_url + "/api/v1/leases"
                    : fmt::format("{}/api/v1/leases?after_revision={}&wait_ms={}", config_.coordinator_url,
                                  table_.revision(), config_.wait.count());
  call.timeout = config_.wait + std::chrono::seconds(10);
  if (!config_.service_token.empty()) call.headers = {{"Authorization", "Bearer " + config_.service_token}};
  http_.perform(std::move(call), [this, alive = alive_](Result<HttpReply> reply) {
    if (!*alive) return;
    if (!reply.ok() || reply->status != 200) {
      if (!failing_) BMF_LOG_WARN("LEASE_SYNC_FAILED: coordinator {}: {}", config_.coordinator_url,
                   reply.ok() ? fmt::format("HTTP {}", reply->status) : reply.status().message());
      first_ = failing_ = true;
      retry_later();
      return;
    }
    auto snapshot = parse_lease_list(reply->body);
    if (!snapshot.ok()) {
      if (!failing_) BMF_LOG_WARN("LEASE_SYNC_FAILED: coordinator {}: {}", config_.coordinator_url, snapshot.status().message());
      first_ = failing_ = true;
      retry_later();
      return;
    }
    const bool changed = first_ || snapshot->revision != table_.revision();
    if (changed) {
      BMF_LOG_INFO("LEASES_UPDATED revision={} active={}", snapshot->revision, snapshot->project_of_node.size());
      table_.replace(std::move(*snapshot));
    } else {
      table_.confirm();
    }
    first_ = failing_ = false;
    poll();
  });
}

void LeaseFollower::retry_later() {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, config_.retry);
  timer->async_wait([this, timer, alive = alive_](boost::system::error_code ec) {
    if (!ec && *alive) poll();
  });
}

}  // namespace bmf::bmcproxy
