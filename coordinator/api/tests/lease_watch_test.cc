#include "coordinator/api/lease_watch.h"

#include <boost/asio/io_context.hpp>
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <optional>

#include "coordinator/api/admin_api.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/registry/node_registry.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace {

class LeaseWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    NodeRegistry registry(*store_, clock_, {});
    RegistrationRequest r;
    r.system_uuid = "uuid-w";
    r.macs = {"aa:00:00:00:00:09"};
    node_id_ = registry.register_node(r)->node_id;
    api_ = std::make_unique<AdminApi>(*store_, nullptr);
    api_->on_lease_change([this] { watch_.changed(); });
    handler_ = admin_http_handler(*api_, watch_);
  }

  // Sends a request; the reply lands in the returned slot when the loop runs.
  std::shared_ptr<std::optional<http::Response>> send(std::string method, std::string target, std::string body = {}) {
    auto slot = std::make_shared<std::optional<http::Response>>();
    handler_({std::move(method), std::move(target), std::move(body), {}}, [slot](http::Response r) { *slot = std::move(r); });
    return slot;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'795'463'976'000};
  std::unique_ptr<SqliteStore> store_;
  boost::asio::io_context io_;
  LeaseWatch watch_{io_};
  std::unique_ptr<AdminApi> api_;
  http::HttpServer::AsyncHandler handler_;
  std::uint64_t node_id_ = 0;
};

TEST_F(LeaseWatchTest, LongPollAnswersWhenALeaseChanges) {
  auto poll = send("GET", "/api/v1/leases?after_revision=0&wait_ms=30000");
  io_.poll();
  EXPECT_FALSE(*poll) << "nothing changed yet: the request waits";
  EXPECT_EQ(watch_.waiting(), 1u);

  auto made = send("POST", "/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-a"}})", node_id_));
  ASSERT_TRUE(*made);
  EXPECT_EQ((*made)->status, 201);
  io_.poll();
  ASSERT_TRUE(*poll) << "woken by the new lease";
  proto::LeaseList list;
  ASSERT_TRUE(from_json((*poll)->body, list).ok());
  EXPECT_EQ(list.revision(), 1u);
  ASSERT_EQ(list.leases_size(), 1);
  EXPECT_EQ(list.leases(0).project(), "team-a");

  // A client that is behind gets the answer at once.
  auto behind = send("GET", "/api/v1/leases?after_revision=0&wait_ms=30000");
  EXPECT_TRUE(*behind);
  EXPECT_EQ(watch_.waiting(), 0u);
}

TEST_F(LeaseWatchTest, LongPollTimesOutWithTheUnchangedList) {
  auto poll = send("GET", "/api/v1/leases?after_revision=0&wait_ms=50");
  io_.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(*poll);
  EXPECT_EQ((*poll)->status, 200);
  EXPECT_EQ(watch_.waiting(), 0u);
}

TEST_F(LeaseWatchTest, BadLongPollParametersAre400NotAWait) {
  auto poll = send("GET", "/api/v1/leases?after_revision=x&wait_ms=50");
  ASSERT_TRUE(*poll);
  EXPECT_EQ((*poll)->status, 400);
}

}  // namespace
}  // namespace bmf::coordinator
