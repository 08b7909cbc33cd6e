// Many clients at once: 40 HTTP clients on their own threads ask a real HTTP server
// (the coordinator's handler over the real services) for 2 nodes each out of 60, at the
// same moment. Every node is given at most once, the requests that could not be served
// get a clear 409, and the database agrees with what the clients were told.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "common/http/http_server.h"
#include "coordinator/api/lease_watch.h"
#include "coordinator/api/tests/api_fixture.h"
#include "coordinator/cli/http_client.h"

namespace bmf::coordinator {
namespace {

class ConcurrentAllocationsTest : public ApiFixture {};

TEST_F(ConcurrentAllocationsTest, FortyClientsAtOnce_NoNodeTwice_TheRestRefusedClearly) {
  for (int i = 0; i < 60; ++i) add_node(fmt::format("c-{:02}", i), {{"eth0", fmt::format("Ethernet{}", i + 1)}});
  boost::asio::io_context io(1);
  LeaseWatch watch(io);
  http::HttpServer server(io, {}, admin_http_handler(*api_, watch));
  const std::uint16_t port = *server.start();
  std::thread loop([&] { io.run(); });

  constexpr int kClients = 40;
  std::atomic<int> ready{0};
  std::vector<std::thread> clients;
  std::vector<cli::HttpResult> answers(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      ++ready;
      while (ready.load() < kClients) std::this_thread::yield();  // all start together
      cli::Endpoint ep{"127.0.0.1", std::to_string(port)};
      auto r = cli::http_request(ep, "POST", "/api/v1/allocations", R"({"project":"team-a","count":2})", std::chrono::seconds(30),
                                 alice_token_);
      answers[c] = r.ok() ? *r : cli::HttpResult{-1, r.status().to_string()};
    });
  }
  for (auto& t : clients) t.join();
  boost::asio::post(io, [&] {
    server.stop();
    io.stop();
  });
  loop.join();

  std::set<std::string> given;
  int created = 0, refused = 0;
  for (const auto& a : answers) {
    if (a.status == 201) {
      ++created;
      proto::Allocation got;
      ASSERT_TRUE(from_json(a.body, got).ok()) << a.body;
      EXPECT_EQ(got.state(), "ready");
      for (const auto& n : got.nodes()) EXPECT_TRUE(given.insert(std::to_string(n)).second) << "node " << n << " given twice";
    } else {
      ++refused;
      EXPECT_EQ(a.status, 409) << a.body;
      EXPECT_NE(a.body.find("not enough nodes"), std::string::npos) << a.body;
    }
  }
  EXPECT_EQ(created, 30) << "60 nodes, 2 each";
  EXPECT_EQ(refused, kClients - 30);
  EXPECT_EQ(given.size(), 60u);
  auto leases = store_->list_leases(true);
  EXPECT_EQ(leases->leases.size(), 60u) << "the database holds exactly what the clients were told";
}

}  // namespace
}  // namespace bmf::coordinator
