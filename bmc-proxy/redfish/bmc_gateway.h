#pragma once
// BmcGateway: the only place real BMC credentials are used. Calls a node's BMC
// (its URL, user, password and TLS settings from the BmcDirectory) and learns
// the BMC's own ComputerSystem / Manager URIs once (from the directory or, when
// not configured, from the BMC's single-member collections).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bmc-proxy/credentials/bmc_directory.h"
#include "bmc-proxy/metrics/proxy_metrics.h"
#include "bmc-proxy/redfish/uri_mapping.h"
#include "common/http/curl_client.h"

namespace bmf::bmcproxy {
using http::CurlMultiClient;
using http::HttpCall;
using http::HttpReply;
using http::HttpClientOptions;

struct BmcRequest {
  std::string method = "GET";
  std::string path;  // on the BMC, e.g. /redfish/v1/Systems/1
  std::string body;
  std::string if_match;
};

class BmcGateway {
 public:
  using UrisCallback = std::function<void(Result<NodeUris>)>;
  using ReplyCallback = std::function<void(Result<HttpReply>)>;

  BmcGateway(CurlMultiClient& http, std::shared_ptr<const BmcDirectory> directory, ProxyMetrics* metrics = nullptr)
      : http_(http), directory_(std::move(directory)), metrics_(metrics) {}

  // A reloaded directory (SIGHUP); learned URIs are forgotten.
  void set_directory(std::shared_ptr<const BmcDirectory> directory);
  const BmcDirectory& directory() const { return *directory_; }

  void resolve(std::uint64_t node_id, UrisCallback done);
  void call(std::uint64_t node_id, BmcRequest request, ReplyCallback done);

 private:
  void discover(std::uint64_t node_id);
  void finish_discovery(std::uint64_t node_id, Result<NodeUris> result);

  CurlMultiClient& http_;
  std::shared_ptr<const BmcDirectory> directory_;
  ProxyMetrics* metrics_;
  std::map<std::uint64_t, NodeUris> known_;
  std::map<std::uint64_t, std::vector<UrisCallback>> discovering_;
  std::uint64_t generation_ = 0;  // bumps on reload; stale discoveries are dropped
};

}  // namespace bmf::bmcproxy
