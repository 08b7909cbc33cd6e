#include "common/metrics/prometheus.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace bmf::metrics {
namespace {

TEST(Registry, CountersHistogramsAndScrapeGauges_InTheTextFormat) {
  Registry r;
  r.describe("bmf_things_total", "counter", "Things.");
  r.count("bmf_things_total", {{"kind", "a\"b"}});
  r.count("bmf_things_total", {{"kind", "a\"b"}}, 2);
  r.observe("bmf_step_seconds", {{"stage", "reserved"}}, 0.003);
  r.observe("bmf_step_seconds", {{"stage", "reserved"}}, 0.2);
  int scrapes = 0;
  r.on_scrape([&](Registry& g) {
    ++scrapes;
    g.gauge("bmf_nodes", {{"state", "available"}}, 7);
  });
  const std::string text = r.exposition();
  EXPECT_EQ(scrapes, 1);
  EXPECT_NE(text.find("# HELP bmf_things_total Things.\n# TYPE bmf_things_total counter\nbmf_things_total{kind=\"a\\\"b\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bmf_step_seconds_bucket{stage=\"reserved\",le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("bmf_step_seconds_bucket{stage=\"reserved\",le=\"0.25\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("bmf_step_seconds_bucket{stage=\"reserved\",le=\"+Inf\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("bmf_step_seconds_count{stage=\"reserved\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP bmf_nodes bmf_nodes\n# TYPE bmf_nodes gauge\nbmf_nodes{state=\"available\"} 7\n"), std::string::npos) << text;
  EXPECT_EQ(r.counter_value("bmf_things_total", {{"kind", "a\"b"}}), 3);
}

TEST(Registry, PromtoolAcceptsTheOutput) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed (prometheus package)";
  Registry r;
  r.describe("bmf_x_total", "counter", "X.");
  r.count("bmf_x_total", {{"a", "1"}});
  r.describe("bmf_y_seconds", "histogram", "Y.");
  r.observe("bmf_y_seconds", {}, 1.5);
  r.describe("bmf_z", "gauge", "Z.");
  r.on_scrape([](Registry& g) { g.gauge("bmf_z", {}, 1); });
  const std::string file = ::testing::TempDir() + "/metrics.txt";
  std::ofstream(file) << r.exposition();
  EXPECT_EQ(std::system(("promtool check metrics < " + file + " >/dev/null 2>&1").c_str()), 0);
}

}  // namespace
}  // namespace bmf::metrics
