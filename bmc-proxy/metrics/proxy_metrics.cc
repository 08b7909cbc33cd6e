#include "bmc-proxy/metrics/proxy_metrics.h"

#include <fmt/core.h>

namespace bmf::bmcproxy {

namespace {

// Label values are principal names and fixed operation names; escape anyway.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void ProxyMetrics::count_request(const std::string& principal, const std::string& operation, int status) {
  ++requests_[{principal, operation, status}];
}

void ProxyMetrics::observe_bmc_call(const std::string& outcome, std::chrono::nanoseconds took) {
  ++bmc_calls_[outcome];
  const double s = std::chrono::duration<double>(took).count();
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (s <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++duration_count_;
  duration_sum_ += s;
}

std::uint64_t ProxyMetrics::requests(const std::string& principal, const std::string& operation, int status) const {
  auto it = requests_.find({principal, operation, status});
  return it == requests_.end() ? 0 : it->second;
}

std::string ProxyMetrics::exposition() const {
  std::string out;
  out += "# HELP bmf_bmc_proxy_requests_total Northbound Redfish requests by principal, operation and HTTP status.\n";
  out += "# TYPE bmf_bmc_proxy_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [principal, operation, status] = key;
    out += fmt::format("bmf_bmc_proxy_requests_total{{principal=\"{}\",operation=\"{}\",code=\"{}\"}} {}\n", label(principal),
                       label(operation), status, n);
  }
  out += "# HELP bmf_bmc_proxy_bmc_calls_total Calls to real BMCs by outcome (ok: any HTTP reply, error: no reply).\n";
  out += "# TYPE bmf_bmc_proxy_bmc_calls_total counter\n";
  for (const auto& [outcome, n] : bmc_calls_) {
    out += fmt::format("bmf_bmc_proxy_bmc_calls_total{{outcome=\"{}\"}} {}\n", label(outcome), n);
  }
  out += "# HELP bmf_bmc_proxy_bmc_call_seconds Duration of calls to real BMCs, retries included.\n";
  out += "# TYPE bmf_bmc_proxy_bmc_call_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    out += fmt::format("bmf_bmc_proxy_bmc_call_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], bucket_counts_[i]);
  }
  out += fmt::format("bmf_bmc_proxy_bmc_call_seconds_bucket{{le=\"+Inf\"}} {}\n", duration_count_);
  out += fmt::format("bmf_bmc_proxy_bmc_call_seconds_sum {}\n", duration_sum_);
  out += fmt::format("bmf_bmc_proxy_bmc_call_seconds_count {}\n", duration_count_);
  if (gauges_) {
    for (const auto& g : gauges_()) {
      out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name, g.value);
    }
  }
  return out;
}

}  // namespace bmf::bmcproxy
