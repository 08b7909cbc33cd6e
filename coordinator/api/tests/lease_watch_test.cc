#include "coordinator/api/lease_watch.h"

#include <boost/asio/io_context.hpp>
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <optional>

#include "coordinator/api/admin_api.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/registry/node_registry.h"
#include "coordinator/store/sqlite_store.h"
#include "coordinator/api/tests/api_fixture.h"

namespace bmf::coordinator {
namespace {

class LeaseWatchTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    node_id_ = add_node("w", {});
    api_->on_lease_change([this] { watch_.changed(); });
    handler_ = admin_http_handler(*api_, watch_);
  }

  // Sends a request as the admin; the reply lands in the returned slot when the loop runs.
  std::shared_ptr<std::optional<http::Response>> send(std::string method, std::string target, std::string body = {},
                                                      std::string token = "admin") {
    auto slot = std::make_shared<std::optional<http::Response>>();
    http::Request req{std::move(method), std::move(target), std::move(body), {}};
    if (!token.empty()) req.headers["authorization"] = "Bearer " + (token == "admin" ? admin_token_ : token);
    handler_(std::move(req), [slot](http::Response r) { *slot = std::move(r); });
    return slot;
  }

  boost::asio::io_context io_;
  LeaseWatch watch_{io_};
  http::HttpServer::AsyncHandler handler_;
  std::uint64_t node_id_ = 0;
};

TEST_F(LeaseWatchTest, LongPollAnswersWhenALeaseChanges) {
  const auto start = api_->lease_revision();
  auto poll = send("GET", fmt::format("/api/v1/leases?after_revision={}&wait_ms=30000", start));
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
  EXPECT_EQ(list.revision(), start + 1);
  ASSERT_EQ(list.leases_size(), 1);
  EXPECT_EQ(list.leases(0).project(), "team-a");

  // A client that is behind gets the answer at once.
  auto behind = send("GET", "/api/v1/leases?after_revision=0&wait_ms=30000");
  EXPECT_TRUE(*behind);
  EXPECT_EQ(watch_.waiting(), 0u);
}

TEST_F(LeaseWatchTest, LongPollTimesOutWithTheUnchangedList) {
  auto poll = send("GET", fmt::format("/api/v1/leases?after_revision={}&wait_ms=50", api_->lease_revision()));
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

TEST_F(LeaseWatchTest, MembershipRemoval_WakesTheLongPoll) {
  auto poll = send("GET", fmt::format("/api/v1/leases?after_revision={}&wait_ms=30000", api_->lease_revision()));
  io_.poll();
  ASSERT_FALSE(*poll);
  auto removed = send("DELETE", "/api/v1/projects/team-a/members/alice");
  ASSERT_TRUE(*removed);
  EXPECT_EQ((*removed)->status, 204);
  io_.poll();
  EXPECT_TRUE(*poll) << "the BMC proxy re-checks logins when access is taken away";
}

TEST_F(LeaseWatchTest, NoToken_Is401AtOnceNotAParkedWait) {
  auto poll = send("GET", fmt::format("/api/v1/leases?after_revision={}&wait_ms=30000", api_->lease_revision()), "", "");
  ASSERT_TRUE(*poll);
  EXPECT_EQ((*poll)->status, 401);
  EXPECT_EQ(watch_.waiting(), 0u);
}

}  // namespace
}  // namespace bmf::coordinator
