#include "common/metrics/prometheus.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace bmf::metrics {
namespace {

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, escape(labels[i].second));
  }
  return out + "}";
}

void Registry::describe(const std::string& name, const std::string& type, const std::string& help) { meta_[name] = {type, help}; }

void Registry::count(const std::string& name, const Labels& labels, double by) { counters_[name][labels] += by; }

void Registry::observe(const std::string& name, const Labels& labels, double seconds) {
  Histogram& h = histograms_[name][labels];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Registry::gauge(const std::string& name, const Labels& labels, double value) { gauges_[name][labels] = value; }

double Registry::counter_value(const std::string& name, const Labels& labels) const {
  auto f = counters_.find(name);
  if (f == counters_.end()) return 0;
  auto s = f->second.find(labels);
  return s == f->second.end() ? 0 : s->second;
}

std::string Registry::exposition() {
  gauges_.clear();
  for (const auto& c : collectors_) c(*this);
  std::set<std::string> names;
  for (const auto& [n, m] : meta_) names.insert(n);
  for (const auto& [n, m] : counters_) names.insert(n);
  for (const auto& [n, m] : histograms_) names.insert(n);
  for (const auto& [n, m] : gauges_) names.insert(n);
  std::string out;
  for (const auto& name : names) {
    auto meta = meta_.find(name);
    const std::string type = meta != meta_.end() ? meta->second.first
                             : counters_.count(name)  ? "counter"
                             : histograms_.count(name) ? "histogram"
                                                       : "gauge";
    out += fmt::format("# HELP {} {}\n", name, meta != meta_.end() ? meta->second.second : name);
    out += fmt::format("# TYPE {} {}\n", name, type);
    if (auto c = counters_.find(name); c != counters_.end()) {
      for (const auto& [labels, v] : c->second) out += fmt::format("{}{} {}\n", name, render_labels(labels), number(v));
    }
    if (auto g = gauges_.find(name); g != gauges_.end()) {
      for (const auto& [labels, v] : g->second) out += fmt::format("{}{} {}\n", name, render_labels(labels), number(v));
    }
    if (auto h = histograms_.find(name); h != histograms_.end()) {
      for (const auto& [labels, hist] : h->second) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
          Labels with = labels;
          with.emplace_back("le", number(kBuckets[i]));
          out += fmt::format("{}_bucket{} {}\n", name, render_labels(with), hist.buckets[i]);
        }
        Labels inf = labels;
        inf.emplace_back("le", "+Inf");
        out += fmt::format("{}_bucket{} {}\n", name, render_labels(inf), hist.count);
        out += fmt::format("{}_sum{} {}\n", name, render_labels(labels), number(hist.sum));
        out += fmt::format("{}_count{} {}\n", name, render_labels(labels), hist.count);
      }
    }
  }
  return out;
}

}  // namespace bmf::metrics
