#pragma once
// ProxyMetrics: the proxy's counters in Prometheus text exposition format
// (served on GET /metrics of the metrics listener).
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace bmf::bmcproxy {

class ProxyMetrics {
 public:
  // One northbound request: who, what (e.g. "reset", "get_system"), HTTP status.
  void count_request(const std::string& principal, const std::string& operation, int status);
  // One southbound BMC call: "ok" (any HTTP reply), "error" (transport), and its duration.
  void observe_bmc_call(const std::string& outcome, std::chrono::nanoseconds took);
  // Gauges read when scraped.
  struct Gauge {
    std::string name;
    std::string help;
    double value = 0;
  };
  void set_gauges(std::function<std::vector<Gauge>()> read) { gauges_ = std::move(read); }

  std::string exposition() const;
  std::uint64_t requests(const std::string& principal, const std::string& operation, int status) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> bmc_calls_;
  std::array<std::uint64_t, kBuckets.size()> bucket_counts_{};
  std::uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  std::function<std::vector<Gauge>()> gauges_;
};

}  // namespace bmf::bmcproxy
