// AgentServer in-process over real loopback sockets: bad peers get a
// ProtocolError and lose their connection; a good agent on the same server is
// not disturbed.
#include "coordinator/agent_server/agent_server.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/core.h>

#include <cstdlib>

#include "common/proto/agent.pb.h"
#include "common/wire/frame_io.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace asio = boost::asio;
using asio::ip::tcp;

class AgentServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    lifecycle_ = std::make_unique<NodeLifecycle>(*store_, clock_);
    registry_ = std::make_unique<NodeRegistry>(*store_, clock_, *lifecycle_, RegistryConfig{.liveness = {1000, 3}});
    start_server({});
  }

  void start_server(std::optional<TlsFiles> tls, NodeRegistry* registry = nullptr) {
    AgentServerConfig cfg;
    cfg.listen_port = 0;
    cfg.limits.max_payload = 4096;
    cfg.register_timeout_ms = 300;
    cfg.tls = std::move(tls);
    // A second server (TLS) leaves the first running: a server is destroyed only with the test.
    servers_.push_back(std::make_unique<AgentServer>(io_, registry ? *registry : *registry_, *store_, cfg));
    server_ = servers_.back().get();
    auto port = server_->start();
    ASSERT_TRUE(port.ok()) << port.status().to_string();
    port_ = *port;
  }

  // Runs `client` against the server until it finishes (or 5 s pass).
  void run_client(std::function<asio::awaitable<void>(tcp::socket&)> client) {
    bool done = false;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          tcp::socket s(io_);
          co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), asio::use_awaitable);
          co_await client(s);
          done = true;
        },
        asio::detached);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done && std::chrono::steady_clock::now() < until) io_.run_one_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(done);
  }

  static proto::Envelope registration(const std::string& uuid, const std::string& mac = "aa:bb:cc:00:00:01") {
    proto::Envelope env;
    env.mutable_register_()->mutable_identity()->set_system_uuid(uuid);
    env.mutable_register_()->mutable_identity()->add_macs(mac);
    return env;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  asio::io_context io_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  std::unique_ptr<NodeRegistry> registry_;
  std::vector<std::unique_ptr<AgentServer>> servers_;
  AgentServer* server_ = nullptr;
  std::uint16_t port_ = 0;
};

TEST_F(AgentServerTest, OversizedFrame_ProtocolErrorThenClose_GoodAgentUnaffected) {
  tcp::socket good(io_);
  std::uint64_t good_id = 0;
  // A good agent registers and stays connected.
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    EXPECT_TRUE((co_await wire::write_frame(s, registration("uuid-good").SerializeAsString(), {})).ok());
    auto reply = co_await wire::read_frame(s, {});
    proto::Envelope env;
    EXPECT_TRUE(reply.ok() && env.ParseFromString(*reply) && env.has_register_reply());
    good_id = env.register_reply().node_id();
    good = std::move(s);
  });
  ASSERT_NE(good_id, 0u);
  EXPECT_TRUE(server_->connected(good_id));

  // A bad peer announces a frame over the 4096-byte limit.
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    std::string header = "BMF\x01";
    header += std::string("\x00\x01\x00\x00", 4);  // 65536 bytes
    co_await asio::async_write(s, asio::buffer(header), asio::use_awaitable);
    auto reply = co_await wire::read_frame(s, {});
    proto::Envelope env;
    EXPECT_TRUE(reply.ok() && env.ParseFromString(*reply) && env.has_error()) << reply.status().to_string();
    EXPECT_EQ(env.error().code(), "INVALID_ARGUMENT");
    EXPECT_NE(env.error().message().find("exceeds the limit of 4096"), std::string::npos);
    auto after = co_await wire::read_frame(s, {});
    EXPECT_EQ(after.status().code(), StatusCode::kUnavailable) << "server closed the connection";
  });

  // The good agent still heartbeats on its connection.
  run_client([&](tcp::socket&) -> asio::awaitable<void> {
    proto::Envelope hb;
    hb.mutable_heartbeat()->set_node_id(good_id);
    hb.mutable_heartbeat()->set_sequence(7);
    EXPECT_TRUE((co_await wire::write_frame(good, hb.SerializeAsString(), {})).ok());
    auto reply = co_await wire::read_frame(good, {});
    proto::Envelope env;
    EXPECT_TRUE(reply.ok() && env.ParseFromString(*reply) && env.has_heartbeat_ack());
    EXPECT_EQ(env.heartbeat_ack().sequence(), 7u);
  });
  EXPECT_EQ(store_->get_node(good_id)->state, NodeState::kAvailable);
}

TEST_F(AgentServerTest, HeartbeatBeforeRegister_RefusedAndNothingStored) {
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    proto::Envelope hb;
    hb.mutable_heartbeat()->set_node_id(1);
    EXPECT_TRUE((co_await wire::write_frame(s, hb.SerializeAsString(), {})).ok());
    auto reply = co_await wire::read_frame(s, {});
    proto::Envelope env;
    EXPECT_TRUE(reply.ok() && env.ParseFromString(*reply) && env.has_error());
    EXPECT_EQ(env.error().code(), "FAILED_PRECONDITION");
  });
  EXPECT_TRUE(store_->list_nodes()->empty());
}

TEST_F(AgentServerTest, GarbagePayload_ReportedAsMalformedProtobuf) {
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    EXPECT_TRUE((co_await wire::write_frame(s, std::string("\xff\xff\xff\xff\xff", 5), {})).ok());
    auto reply = co_await wire::read_frame(s, {});
    proto::Envelope env;
    EXPECT_TRUE(reply.ok() && env.ParseFromString(*reply) && env.has_error());
    EXPECT_NE(env.error().message().find("malformed protobuf"), std::string::npos) << env.error().message();
  });
}

TEST_F(AgentServerTest, AFloodOfGarbage_EachPeerToldWhy_TheLogKeepsAFewLinesNotOnePerPeer) {
  ::testing::internal::CaptureStderr();
  int told = 0;
  for (int i = 0; i < 60; ++i) {
    run_client([&](tcp::socket& s) -> asio::awaitable<void> {
      (void)co_await wire::write_frame(s, std::string("\xff\xff\xff\xff\xff", 5), {});
      auto reply = co_await wire::read_frame(s, {});
      proto::Envelope env;
      if (reply.ok() && env.ParseFromString(*reply) && env.has_error()) ++told;
    });
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(told, 60) << "every bad peer still gets its ProtocolError";
  int lines = 0;
  for (auto at = log.find("AGENT_PROTOCOL_ERROR peer="); at != std::string::npos; at = log.find("AGENT_PROTOCOL_ERROR peer=", at + 1)) ++lines;
  EXPECT_GE(lines, 1);
  EXPECT_LE(lines, 10) << "rate-limited per message ID (10 per 10 s, then counted)";
}

TEST_F(AgentServerTest, RebootReconnect_SameNodeNewSessionWins) {
  std::uint64_t first = 0, second = 0;
  tcp::socket old_conn(io_);
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    EXPECT_TRUE((co_await wire::write_frame(s, registration("uuid-r").SerializeAsString(), {})).ok());
    auto reply = co_await wire::read_frame(s, {});
    proto::Envelope env;
    EXPECT_TRUE(env.ParseFromString(*reply));
    first = env.register_reply().node_id();
    old_conn = std::move(s);
  });
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    EXPECT_TRUE((co_await wire::write_frame(s, registration("uuid-r").SerializeAsString(), {})).ok());
    auto reply = co_await wire::read_frame(s, {});
    proto::Envelope env;
    EXPECT_TRUE(env.ParseFromString(*reply));
    second = env.register_reply().node_id();
    EXPECT_TRUE(env.register_reply().matched_existing());
    auto old = co_await wire::read_frame(old_conn, {});
    EXPECT_EQ(old.status().code(), StatusCode::kUnavailable) << "the stale session was closed";
  });
  EXPECT_EQ(first, second);
  EXPECT_EQ(store_->list_nodes()->size(), 1u);
  // The node is reachable through the new session (closing the old one must not unlist it).
  EXPECT_TRUE(server_->connected(second)) << "the new session is not the node's";
  auto sent = server_->dispatch(second, "ping", "");
  EXPECT_TRUE(sent.ok()) << sent.status().to_string();
}

TEST_F(AgentServerTest, RegisterAndHeartbeatInOneWrite_BothAnsweredInOrder) {
  // The heartbeat arrives behind a Register that waits for its store batch: it is kept and
  // handled after it, without any further byte from the agent.
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    proto::Envelope hb;
    hb.mutable_heartbeat()->set_sequence(41);
    std::string both = *wire::encode_frame(registration("uuid-pipe").SerializeAsString());
    both += *wire::encode_frame(hb.SerializeAsString());
    co_await asio::async_write(s, asio::buffer(both), asio::use_awaitable);
    auto first = co_await wire::read_frame(s, {});
    auto second = co_await wire::read_frame(s, {});
    proto::Envelope a, b;
    EXPECT_TRUE(first.ok() && a.ParseFromString(*first) && a.has_register_reply()) << first.status().to_string();
    EXPECT_TRUE(second.ok() && b.ParseFromString(*second) && b.has_heartbeat_ack()) << second.status().to_string();
    EXPECT_EQ(b.heartbeat_ack().sequence(), 41u);
  });
}

TEST_F(AgentServerTest, QuietHeartbeat_RecordedButNotAcked_AnAskingOneIs) {
  // RegisterReply tells the agent how many heartbeats go per ack; a `quiet` heartbeat keeps the
  // node alive and gets no answer, so the first frame after both is the ack of the second.
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    co_await wire::write_frame(s, registration("uuid-quiet").SerializeAsString(), {});
    auto reply = co_await wire::read_frame(s, {});
    proto::Envelope r;
    EXPECT_TRUE(reply.ok() && r.ParseFromString(*reply) && r.has_register_reply()) << reply.status().to_string();
    EXPECT_EQ(r.register_reply().heartbeats_per_ack(), 3u) << "LivenessPolicy's default";
    const std::uint64_t node = r.register_reply().node_id();
    auto seen = [&]() -> EpochMs {  // memory for a steady node, the row before that
      auto row = store_->get_node(node);
      return std::max(registry_->last_seen(node).value_or(0), row.ok() ? row->last_seen_ms : 0);
    };
    const EpochMs registered_at = seen();
    asio::steady_timer pause(io_, std::chrono::milliseconds(30));
    co_await pause.async_wait(asio::use_awaitable);

    proto::Envelope quiet;
    quiet.mutable_heartbeat()->set_sequence(1);
    quiet.mutable_heartbeat()->set_quiet(true);
    co_await wire::write_frame(s, quiet.SerializeAsString(), {});
    for (int i = 0; i < 100 && seen() == registered_at; ++i) {
      asio::steady_timer poll(io_, std::chrono::milliseconds(10));
      co_await poll.async_wait(asio::use_awaitable);
    }
    EXPECT_GT(registered_at, 0);
    EXPECT_GT(seen(), registered_at) << "the quiet heartbeat was not recorded";

    proto::Envelope asking;
    asking.mutable_heartbeat()->set_sequence(2);
    co_await wire::write_frame(s, asking.SerializeAsString(), {});
    auto next = co_await wire::read_frame(s, {});
    proto::Envelope a;
    EXPECT_TRUE(next.ok() && a.ParseFromString(*next) && a.has_heartbeat_ack()) << next.status().to_string();
    EXPECT_EQ(a.heartbeat_ack().sequence(), 2u) << "the quiet heartbeat was acked";
  });
}

TEST_F(AgentServerTest, LivenessWindow_ATalkingAgentStays_ASilentOneIsClosedInTime) {
  // Heartbeats every 100 ms, 1 may be missed: the window is 200 ms (swept in 50 ms slots). A
  // message only moves the session's deadline; the sweep must still see it (and not close it),
  // and must close the silent one within the window plus two slots.
  NodeRegistry fast(*store_, clock_, *lifecycle_, RegistryConfig{.liveness = {100, 1}});
  start_server({}, &fast);
  using Clock = std::chrono::steady_clock;
  bool talker_done = false, silent_done = false;
  Clock::duration silent_closed_after{};
  int talker_acks = 0;
  auto connect = [&](const std::string& uuid, const std::string& mac) -> asio::awaitable<std::shared_ptr<tcp::socket>> {
    auto s = std::make_shared<tcp::socket>(io_);
    co_await s->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), asio::use_awaitable);
    co_await wire::write_frame(*s, registration(uuid, mac).SerializeAsString(), {});
    auto reply = co_await wire::read_frame(*s, {});
    EXPECT_TRUE(reply.ok()) << reply.status().to_string();
    co_return s;
  };
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    auto s = co_await connect("uuid-talker", "aa:bb:cc:00:00:11");
    for (int i = 1; i <= 15; ++i) {  // 750 ms: almost four windows
      asio::steady_timer gap(io_, std::chrono::milliseconds(50));
      co_await gap.async_wait(asio::use_awaitable);
      proto::Envelope hb;
      hb.mutable_heartbeat()->set_sequence(static_cast<std::uint64_t>(i));
      co_await wire::write_frame(*s, hb.SerializeAsString(), {});
      auto ack = co_await wire::read_frame(*s, {});
      if (!ack.ok()) break;
      ++talker_acks;
    }
    talker_done = true;
  }, asio::detached);
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    auto s = co_await connect("uuid-silent", "aa:bb:cc:00:00:12");
    const auto t0 = Clock::now();
    auto next = co_await wire::read_frame(*s, {});
    EXPECT_FALSE(next.ok()) << "closed, not answered";
    silent_closed_after = Clock::now() - t0;
    silent_done = true;
  }, asio::detached);
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (!(talker_done && silent_done) && Clock::now() < until) io_.run_one_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(talker_done && silent_done);
  EXPECT_EQ(talker_acks, 15) << "a session that talks was closed";
  EXPECT_GE(silent_closed_after, std::chrono::milliseconds(190));
  EXPECT_LT(silent_closed_after, std::chrono::milliseconds(450)) << "window 200 ms + two 50 ms slots, and slack";
}

TEST_F(AgentServerTest, SilentPeer_ClosedAtTheRegisterDeadline) {
  run_client([&](tcp::socket& s) -> asio::awaitable<void> {
    const auto t0 = std::chrono::steady_clock::now();
    auto reply = co_await wire::read_frame(s, {});
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status().to_string();
    EXPECT_GE(waited, std::chrono::milliseconds(250)) << "register_timeout_ms is 300";
    EXPECT_LT(waited, std::chrono::milliseconds(2000));
  });
}

TEST_F(AgentServerTest, Tls_RegisterAndHeartbeat_GarbageInsteadOfAHandshakeClosed) {
  const std::string make_cert = fmt::format(
      "cd {} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=bmf-test "
      "-keyout key.pem -out cert.pem >/dev/null 2>&1",
      dir_.path().string());
  if (std::system(make_cert.c_str()) != 0) GTEST_SKIP() << "openssl CLI unavailable";
  start_server(TlsFiles{(dir_.path() / "cert.pem").string(), (dir_.path() / "key.pem").string()});
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);  // the pin is the agent's business (tested there)
  bool done = false;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        asio::ssl::stream<tcp::socket> s(io_, ctx);
        co_await s.next_layer().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_),
                                              asio::use_awaitable);
        co_await s.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        EXPECT_TRUE((co_await wire::write_frame(s, registration("uuid-tls").SerializeAsString(), {})).ok());
        auto reply = co_await wire::read_frame(s, {});
        proto::Envelope env;
        EXPECT_TRUE(reply.ok() && env.ParseFromString(*reply) && env.has_register_reply()) << reply.status().to_string();
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
          proto::Envelope hb;
          hb.mutable_heartbeat()->set_sequence(seq);
          EXPECT_TRUE((co_await wire::write_frame(s, hb.SerializeAsString(), {})).ok());
          auto ack = co_await wire::read_frame(s, {});
          proto::Envelope a;
          EXPECT_TRUE(ack.ok() && a.ParseFromString(*ack) && a.has_heartbeat_ack()) << ack.status().to_string();
          EXPECT_EQ(a.heartbeat_ack().sequence(), seq);
        }
        // A peer that speaks no TLS: closed, and the server carries on.
        tcp::socket bad(io_);
        co_await bad.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), asio::use_awaitable);
        std::string garbage(64, 'x');
        co_await asio::async_write(bad, asio::buffer(garbage), asio::use_awaitable);
        char byte;
        boost::system::error_code ec;
        std::size_t n = 0;
        do {
          n = co_await bad.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
        } while (!ec && n > 0);  // an alert, then the close
        EXPECT_TRUE(ec) << "the server closed the connection";
        done = true;
      },
      asio::detached);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done && std::chrono::steady_clock::now() < until) io_.run_one_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(done);
  EXPECT_EQ(store_->list_nodes()->size(), 1u);
}

}  // namespace bmf::coordinator
