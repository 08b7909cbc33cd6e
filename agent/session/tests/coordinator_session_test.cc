// CoordinatorSession against an in-process coordinator speaking the real framing: heartbeats keep
// their interval while a long inventory collection (an LLDP listen) runs, a stop during one ends
// at once, and a lost connection goes through backoff to a new registration.
#include "agent/session/coordinator_session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/async/spawn.h"
#include "common/wire/frame_io.h"

namespace bmf::agent {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Accepts agents, answers Register with `interval_ms`, acks heartbeats and records when they came.
class FakeCoordinator {
 public:
  FakeCoordinator(asio::io_context& io, std::uint32_t interval_ms, std::uint32_t per_ack = 0)
      : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), interval_ms_(interval_ms), per_ack_(per_ack) {
    async::spawn(io_, accept(), "fake coordinator");
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void drop() {  // close the live connection (a coordinator restart, as the agent sees it)
    if (socket_) socket_->close();
  }
  void close() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    drop();
  }

  std::vector<Clock::time_point> heartbeats;
  std::vector<bool> quiet;  // per heartbeat
  bool mute = false;        // stop acking (a coordinator that hangs with its sockets open)
  std::vector<std::string> updates;  // InventoryUpdate reasons
  int registrations = 0;

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      socket_ = std::make_shared<tcp::socket>(std::move(s));
      async::spawn(io_, serve(socket_), "fake coordinator session");
    }
  }
  asio::awaitable<void> serve(std::shared_ptr<tcp::socket> s) {
    for (;;) {
      auto payload = co_await wire::read_frame(*s, {});
      if (!payload.ok()) co_return;
      proto::Envelope in, out;
      if (!in.ParseFromString(*payload)) co_return;
      if (in.has_register_()) {
        ++registrations;
        out.mutable_register_reply()->set_node_id(7);
        out.mutable_register_reply()->set_heartbeat_interval_ms(interval_ms_);
        out.mutable_register_reply()->set_heartbeats_per_ack(per_ack_);
      } else if (in.has_heartbeat()) {
        heartbeats.push_back(Clock::now());
        quiet.push_back(in.heartbeat().quiet());
        if (in.heartbeat().quiet() || mute) continue;
        out.mutable_heartbeat_ack();
      } else if (in.has_inventory_update()) {
        updates.push_back(in.inventory_update().reason());
        continue;
      } else {
        continue;
      }
      if (!(co_await wire::write_frame(*s, out.SerializeAsString(), {})).ok()) co_return;
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::uint32_t interval_ms_;
  std::uint32_t per_ack_;
  std::shared_ptr<tcp::socket> socket_;
};

class CoordinatorSessionTest : public ::testing::Test {
 protected:
  std::unique_ptr<CoordinatorSession> session(std::uint16_t port, std::function<Result<proto::Register>()> make_register = {}) {
    SessionConfig cfg{.host = "127.0.0.1", .port = port};
    cfg.backoff = {std::chrono::milliseconds(20), std::chrono::milliseconds(40)};
    if (!make_register) {
      make_register = [] {
        proto::Register r;
        r.mutable_identity()->set_system_uuid("uuid-1");
        return Result<proto::Register>(r);
      };
    }
    return std::make_unique<CoordinatorSession>(
        io_, cfg, std::move(make_register), [](const proto::Command&, CoordinatorSession::Reply) {},
        [this](std::function<void()> job) { asio::post(worker_, std::move(job)); });
  }
  void run_for(std::chrono::milliseconds d) {
    io_.restart();
    io_.run_for(d);
  }
  template <typename Pred>
  bool run_until(Pred done, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    while (!done() && Clock::now() < end) run_for(std::chrono::milliseconds(10));
    return done();
  }

  asio::io_context io_;
  asio::thread_pool worker_{1};
};

TEST_F(CoordinatorSessionTest, HeartbeatsKeepTheirIntervalWhileAnInventoryCollectionListensForLldp) {
  FakeCoordinator coordinator(io_, 50);
  auto s = session(coordinator.port());
  s->start();
  ASSERT_TRUE(run_until([&] { return coordinator.heartbeats.size() >= 3; }, std::chrono::seconds(5)));
  EXPECT_EQ(s->state(), SessionState::kRegistered);
  // A link change: collecting blocks for 1 s (the LLDP listen) on the worker thread.
  const std::size_t before = coordinator.heartbeats.size();
  const auto t0 = Clock::now();
  s->report_inventory([] {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return Result<proto::Inventory>(proto::Inventory());
  }, "link eth0 up");
  ASSERT_TRUE(run_until([&] { return !coordinator.updates.empty(); }, std::chrono::seconds(5)));
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(900));
  EXPECT_EQ(coordinator.updates.front(), "link eth0 up");
  // Every interval kept during that second: ~20 heartbeats, none more than 3 intervals apart.
  EXPECT_GE(coordinator.heartbeats.size() - before, 15u);
  std::chrono::milliseconds worst{0};
  for (std::size_t i = before; i < coordinator.heartbeats.size(); ++i) {
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(coordinator.heartbeats[i] - coordinator.heartbeats[i - 1]));
  }
  EXPECT_LT(worst.count(), 150) << "longest gap between heartbeats";
  s->stop();
  coordinator.close();
  run_for(std::chrono::milliseconds(100));
}

TEST_F(CoordinatorSessionTest, StopDuringASlowRegistrationCollection_EndsAtOnce) {
  FakeCoordinator coordinator(io_, 50);
  std::atomic<bool> collecting{false};
  auto s = session(coordinator.port(), [&] {
    collecting = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a 1.5 s LLDP wait
    proto::Register r;
    r.mutable_identity()->set_system_uuid("uuid-1");
    return Result<proto::Register>(r);
  });
  s->start();
  ASSERT_TRUE(run_until([&] { return collecting.load(); }, std::chrono::seconds(2)));
  EXPECT_EQ(s->state(), SessionState::kConnecting);
  const auto t0 = Clock::now();
  s->stop();
  io_.restart();
  coordinator.close();
  io_.run();  // returns when nothing is left: the session must not wait for the collection
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(500));
  EXPECT_EQ(s->state(), SessionState::kStopped);
  EXPECT_EQ(coordinator.registrations, 0);
  worker_.join();
}

TEST_F(CoordinatorSessionTest, SparseAcks_EveryThirdBeatAsks_AndTheSessionHolds) {
  FakeCoordinator coordinator(io_, 40, 3);
  auto s = session(coordinator.port());
  s->start();
  ASSERT_TRUE(run_until([&] { return coordinator.heartbeats.size() >= 15; }, std::chrono::seconds(5)));
  int asked = 0;
  for (bool q : coordinator.quiet) asked += q ? 0 : 1;
  // Beats 3, 6, 9, ... ask (a late beat may shift one by a beat, never skip asking for long).
  EXPECT_GE(asked, 4);
  EXPECT_LE(asked, 6);
  EXPECT_TRUE(coordinator.quiet[0]) << "the RegisterReply was just heard";
  EXPECT_EQ(coordinator.registrations, 1) << "the session was given up while acks were sparse";
  EXPECT_EQ(s->state(), SessionState::kRegistered);
  s->stop();
  coordinator.close();
  run_for(std::chrono::milliseconds(100));
}

TEST_F(CoordinatorSessionTest, CoordinatorStopsAnswering_EveryBeatAsks_GivenUpAfterFivePerAckIntervals) {
  FakeCoordinator coordinator(io_, 40, 3);
  auto s = session(coordinator.port());
  s->start();
  ASSERT_TRUE(run_until([&] { return coordinator.heartbeats.size() >= 4; }, std::chrono::seconds(5)));
  coordinator.mute = true;
  const std::size_t muted_at = coordinator.heartbeats.size();
  const auto t0 = Clock::now();
  ASSERT_TRUE(run_until([&] { return coordinator.registrations == 2; }, std::chrono::seconds(5)));
  const auto gave_up = Clock::now() - t0;
  // Silence limit: (3 + 2) x 40 ms after the last ack, which came at most one interval before the mute.
  EXPECT_GE(gave_up, std::chrono::milliseconds(150));
  EXPECT_LT(gave_up, std::chrono::milliseconds(1000));
  int asked_while_muted = 0;
  for (std::size_t i = muted_at; i < coordinator.quiet.size(); ++i) asked_while_muted += coordinator.quiet[i] ? 0 : 1;
  EXPECT_GE(asked_while_muted, 2) << "unanswered, the agent keeps asking before it gives up";
  s->stop();
  coordinator.close();
  run_for(std::chrono::milliseconds(100));
}

TEST_F(CoordinatorSessionTest, LostConnection_BackoffThenRegistersAgain) {
  FakeCoordinator coordinator(io_, 50);
  auto s = session(coordinator.port());
  s->start();
  ASSERT_TRUE(run_until([&] { return s->state() == SessionState::kRegistered; }, std::chrono::seconds(5)));
  EXPECT_EQ(s->node_id(), 7u);
  coordinator.drop();
  ASSERT_TRUE(run_until([&] { return coordinator.registrations == 2 && s->state() == SessionState::kRegistered; },
                        std::chrono::seconds(5)));
  s->stop();
  coordinator.close();
  run_for(std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace bmf::agent
