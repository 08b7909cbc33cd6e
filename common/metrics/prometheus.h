#pragma once
// A small Prometheus registry: counters and histograms updated as things happen,
// gauges read when scraped, rendered in the text exposition format (version 0.0.4).
// Not thread-safe: one io thread updates and renders it.
#include <array>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bmf::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Registry {
 public:
  // HELP text and TYPE of a family, written before its samples.
  void describe(const std::string& name, const std::string& type, const std::string& help);
  void count(const std::string& name, const Labels& labels, double by = 1);
  // Seconds, into the default buckets (5 ms .. 5 min).
  void observe(const std::string& name, const Labels& labels, double seconds);
  // Gauges computed at scrape time: the callback adds samples with gauge().
  void on_scrape(std::function<void(Registry&)> collect) { collectors_.push_back(std::move(collect)); }
  void gauge(const std::string& name, const Labels& labels, double value);

  std::string exposition();
  double counter_value(const std::string& name, const Labels& labels) const;

  static constexpr std::array<double, 14> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::map<std::string, std::pair<std::string, std::string>> meta_;  // name -> (type, help)
  std::map<std::string, std::map<Labels, double>> counters_;
  std::map<std::string, std::map<Labels, Histogram>> histograms_;
  std::map<std::string, std::map<Labels, double>> gauges_;  // filled during exposition()
  std::vector<std::function<void(Registry&)>> collectors_;
};

// {a="x",b="y\"z"} with the format's escaping ('' for no labels).
std::string render_labels(const Labels& labels);

}  // namespace bmf::metrics
