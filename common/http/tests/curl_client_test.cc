// CurlMultiClient against real HTTP(S) servers on loopback (the project's Beast
// server running the BMC emulator), in one io_context like the proxy.
#include "common/http/curl_client.h"

#include <boost/asio/io_context.hpp>
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <optional>

#include "common/http/http_server.h"
#include "tests/lab/bmc_emulator/emulated_bmc.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace bmf::http {
namespace {

class HttpClientTest : public ::testing::Test {
 protected:
  std::uint16_t serve(http::HttpServer::Handler handler, http::HttpServerConfig cfg = {}) {
    servers_.push_back(std::make_unique<http::HttpServer>(io_, cfg, std::move(handler)));
    auto port = servers_.back()->start();
    EXPECT_TRUE(port.ok()) << port.status().to_string();
    return port.ok() ? *port : 0;
  }

  // Runs the loop until every started call has answered.
  std::vector<Result<HttpReply>> run(CurlMultiClient& client, std::vector<HttpCall> calls) {
    std::vector<std::optional<Result<HttpReply>>> slots(calls.size());
    std::size_t pending = calls.size();
    for (std::size_t i = 0; i < calls.size(); ++i) {
      client.perform(calls[i], [&, i](Result<HttpReply> r) {
        slots[i].emplace(std::move(r));
        --pending;
      });
    }
    io_.restart();
    while (pending > 0 && io_.run_one_for(std::chrono::seconds(20)) > 0) {
    }
    std::vector<Result<HttpReply>> out;
    for (auto& s : slots) out.push_back(s ? std::move(*s) : Result<HttpReply>(unavailable("no answer")));
    return out;
  }

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<http::HttpServer>> servers_;
};

TEST_F(HttpClientTest, BasicAuthGetAndPostAgainstEmulatedBmc) {
  lab::EmulatedBmc bmc({.username = "root", .password = "s3cret"});
  auto port = serve([&](const http::Request& r) { return bmc.handle(r); });
  CurlMultiClient client(io_);
  const std::string base = fmt::format("http://127.0.0.1:{}", port);
  auto replies = run(client, {{.url = base + "/redfish/v1/Systems/1", .username = "root", .password = "s3cret"},
                              {.url = base + "/redfish/v1/Systems/1", .username = "root", .password = "wrong"}});
  ASSERT_TRUE(replies[0].ok()) << replies[0].status().to_string();
  EXPECT_EQ(replies[0]->status, 200);
  EXPECT_NE(replies[0]->body.find("\"PowerState\""), std::string::npos);
  EXPECT_FALSE(replies[0]->header("etag").empty());
  ASSERT_TRUE(replies[1].ok());
  EXPECT_EQ(replies[1]->status, 401);

  auto reset = run(client, {{.method = "POST",
                             .url = base + "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                             .body = R"({"ResetType":"On"})",
                             .headers = {{"Content-Type", "application/json"}},
                             .username = "root",
                             .password = "s3cret"}});
  ASSERT_TRUE(reset[0].ok());
  EXPECT_LT(reset[0]->status, 300) << reset[0]->body;
  EXPECT_EQ(bmc.power_state(), "On");
}

TEST_F(HttpClientTest, ManyConcurrentCallsOneThreadAllAnswered) {
  std::vector<std::unique_ptr<lab::EmulatedBmc>> bmcs;
  std::vector<HttpCall> calls;
  int arrived = 0;
  for (int i = 0; i < 50; ++i) {
    bmcs.push_back(std::make_unique<lab::EmulatedBmc>(lab::BmcConfig{.username = "u", .password = "p"}));
    auto* raw = bmcs.back().get();
    http::HttpServerConfig cfg;
    cfg.response_delay = std::chrono::milliseconds(200);
    auto port = serve([raw, &arrived](const http::Request& r) { ++arrived; return raw->handle(r); }, cfg);
    for (int k = 0; k < 2; ++k) {
      calls.push_back({.url = fmt::format("http://127.0.0.1:{}/redfish/v1/Systems/1", port), .username = "u", .password = "p"});
    }
  }
  CurlMultiClient client(io_);
  int arrived_at_first_answer = -1;
  std::size_t answered = 0;
  for (auto& c : calls) {
    client.perform(c, [&](Result<HttpReply> r) {
      if (arrived_at_first_answer < 0) arrived_at_first_answer = arrived;
      ++answered;
      EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().to_string());
    });
  }
  while (answered < calls.size() && io_.run_one_for(std::chrono::seconds(20)) > 0) {
  }
  EXPECT_EQ(answered, calls.size());
  // Every BMC had its first request in hand before any answer came back: the
  // calls ran side by side on one thread, not one after another.
  EXPECT_GE(arrived_at_first_answer, 50);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_F(HttpClientTest, IdempotentReadsRetriedOn503WritesNot) {
  int gets = 0, posts = 0;
  auto port = serve([&](const http::Request& r) {
    int& n = r.method == "GET" ? gets : posts;
    return ++n < 3 ? http::Response{.status = 503, .body = "{}"} : http::Response{.status = 200, .body = "{\"ok\":1}"};
  });
  CurlMultiClient client(io_);
  const std::string url = fmt::format("http://127.0.0.1:{}/x", port);
  auto replies = run(client, {{.url = url, .max_attempts = 3, .first_backoff = std::chrono::milliseconds(10)},
                              {.method = "POST", .url = url, .body = "{}", .max_attempts = 3}});
  ASSERT_TRUE(replies[0].ok());
  EXPECT_EQ(replies[0]->status, 200);
  EXPECT_EQ(replies[0]->attempts, 3);
  ASSERT_TRUE(replies[1].ok());
  EXPECT_EQ(replies[1]->status, 503) << "a POST (power action) is never repeated by the client";
  EXPECT_EQ(posts, 1);
}

TEST_F(HttpClientTest, TimeoutAndRefusedConnectionAreErrorsNotHangs) {
  http::HttpServerConfig slow;
  slow.response_delay = std::chrono::milliseconds(2000);
  auto port = serve([](const http::Request&) { return http::Response{}; }, slow);
  // A port nobody listens on: bind one, learn it, close it.
  std::uint16_t dead = 0;
  {
    boost::asio::io_context tmp;
    http::HttpServer s(tmp, {}, [](const http::Request&) { return http::Response{}; });
    dead = *s.start();
    s.stop();
  }
  CurlMultiClient client(io_);
  auto replies = run(client, {{.url = fmt::format("http://127.0.0.1:{}/", port), .timeout = std::chrono::milliseconds(300)},
                              {.url = fmt::format("http://127.0.0.1:{}/", dead)}});
  ASSERT_FALSE(replies[0].ok());
  EXPECT_EQ(replies[0].status().code(), StatusCode::kDeadlineExceeded) << replies[0].status().to_string();
  ASSERT_FALSE(replies[1].ok());
  EXPECT_EQ(replies[1].status().code(), StatusCode::kUnavailable) << replies[1].status().to_string();
}

TEST_F(HttpClientTest, TlsVerifiedAgainstGivenCaOrRefused) {
  testing::TempDir dir;
  auto [rc, out] = testing::run_command(fmt::format(
      "cd {} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2>&1",
      dir.path().string()));
  if (rc != 0) GTEST_SKIP() << "openssl CLI unavailable: " << out;
  http::HttpServerConfig cfg;
  cfg.tls_certificate_file = (dir.path() / "cert.pem").string();
  cfg.tls_private_key_file = (dir.path() / "key.pem").string();
  auto port = serve([](const http::Request&) { return http::Response{.body = "{\"tls\":true}"}; }, cfg);
  CurlMultiClient client(io_);
  const std::string url = fmt::format("https://127.0.0.1:{}/", port);
  auto replies = run(client, {{.url = url},
                              {.url = url, .ca_file = cfg.tls_certificate_file},
                              {.url = url, .verify_tls = false}});
  EXPECT_FALSE(replies[0].ok()) << "a self-signed BMC certificate is refused by default";
  ASSERT_TRUE(replies[1].ok()) << replies[1].status().to_string();
  EXPECT_EQ(replies[1]->body, "{\"tls\":true}");
  ASSERT_TRUE(replies[2].ok()) << replies[2].status().to_string();
}

}  // namespace
}  // namespace bmf::http
