#include "bmc-proxy/redfish/bmc_gateway.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

namespace bmf::bmcproxy {

namespace {

HttpCall make_call(const BmcEndpoint& bmc, const BmcRequest& r) {
  HttpCall c;
  c.method = r.method;
  c.url = bmc.base_url + r.path;
  c.body = r.body;
  c.headers = {{"Accept", "application/json"}, {"OData-Version", "4.0"}};
  if (!r.body.empty()) c.headers.emplace_back("Content-Type", "application/json");
  if (!r.if_match.empty()) c.headers.emplace_back("If-Match", r.if_match);
  c.username = bmc.username;
  c.password = bmc.password;
  c.verify_tls = bmc.verify_tls;
  c.ca_file = bmc.ca_file;
  // Reads are retried; power actions are never sent twice, and BMCs can take long to answer them.
  c.max_attempts = r.method == "GET" ? 3 : 1;
  c.timeout = r.method == "GET" ? std::chrono::seconds(10) : std::chrono::seconds(30);
  return c;
}

// The one member of a BMC collection, or an error asking for configuration.
Result<std::string> sole_member(const Result<HttpReply>& reply, const char* what, std::uint64_t node) {
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return unavailable(fmt::format("BMC of node {} answered HTTP {} for its {} collection", node, reply->status, what));
  auto doc = nlohmann::json::parse(reply->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("Members") || !doc["Members"].is_array()) {
    return unavailable(fmt::format("BMC of node {}: its {} collection is not a Redfish collection", node, what));
  }
  const auto& members = doc["Members"];
  if (members.size() != 1 || !members[0].is_object() || !members[0].contains("@odata.id") || !members[0]["@odata.id"].is_string()) {
    return failed_precondition(fmt::format("BMC of node {} lists {} {}; set {}_path for it in the BMC file", node,
                                           members.size(), what, what == std::string("Systems") ? "system" : "manager"));
  }
  std::string uri = members[0]["@odata.id"];
  while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
  return uri;
}

}  // namespace

void BmcGateway::set_directory(std::shared_ptr<const BmcDirectory> directory) {
  directory_ = std::move(directory);
  known_.clear();
  ++generation_;
  auto waiting = std::move(discovering_);
  discovering_.clear();
  for (auto& [node, callbacks] : waiting) {
    for (auto& cb : callbacks) cb(unavailable("the BMC file was reloaded; try again"));
  }
}

void BmcGateway::call(std::uint64_t node_id, BmcRequest request, ReplyCallback done) {
  const BmcEndpoint* bmc = directory_->find(node_id);
  if (!bmc) {
    done(not_found(fmt::format("no BMC is configured for node {}", node_id)));
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  http_.perform(make_call(*bmc, request), [this, started, done = std::move(done)](Result<HttpReply> reply) {
    if (metrics_) metrics_->observe_bmc_call(reply.ok() ? "ok" : "error", std::chrono::steady_clock::now() - started);
    done(std::move(reply));
  });
}

void BmcGateway::resolve(std::uint64_t node_id, UrisCallback done) {
  if (auto it = known_.find(node_id); it != known_.end()) {
    done(it->second);
    return;
  }
  const BmcEndpoint* bmc = directory_->find(node_id);
  if (!bmc) {
    done(not_found(fmt::format("no BMC is configured for node {}", node_id)));
    return;
  }
  if (!bmc->system_path.empty() && !bmc->manager_path.empty()) {
    known_[node_id] = NodeUris{node_id, bmc->system_path, bmc->manager_path};
    done(known_[node_id]);
    return;
  }
  auto& waiters = discovering_[node_id];
  waiters.push_back(std::move(done));
  if (waiters.size() == 1) discover(node_id);
}

void BmcGateway::discover(std::uint64_t node_id) {
  const BmcEndpoint& bmc = *directory_->find(node_id);
  struct Pending {
    NodeUris uris;
    int left = 0;
    Status error;
  };
  auto pending = std::make_shared<Pending>();
  pending->uris = {node_id, bmc.system_path, bmc.manager_path};
  const std::uint64_t generation = generation_;
  auto step = [this, node_id, pending, generation](std::string NodeUris::*field, const char* what) {
    return [this, node_id, pending, generation, field, what](Result<HttpReply> reply) {
      auto uri = sole_member(reply, what, node_id);
      if (uri.ok()) pending->uris.*field = *uri;
      else if (pending->error.ok()) pending->error = uri.status();
      if (--pending->left > 0 || generation != generation_) return;
      finish_discovery(node_id, pending->error.ok() ? Result<NodeUris>(pending->uris) : Result<NodeUris>(pending->error));
    };
  };
  if (bmc.system_path.empty()) ++pending->left;
  if (bmc.manager_path.empty()) ++pending->left;
  if (bmc.system_path.empty()) call(node_id, {.path = "/redfish/v1/Systems"}, step(&NodeUris::bmc_system, "Systems"));
  if (bmc.manager_path.empty()) call(node_id, {.path = "/redfish/v1/Managers"}, step(&NodeUris::bmc_manager, "Managers"));
}

void BmcGateway::finish_discovery(std::uint64_t node_id, Result<NodeUris> result) {
  if (result.ok()) known_[node_id] = *result;
  auto waiters = std::move(discovering_[node_id]);
  discovering_.erase(node_id);
  for (auto& cb : waiters) cb(result);
}

}  // namespace bmf::bmcproxy
