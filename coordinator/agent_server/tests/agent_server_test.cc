// AgentServer in-process over real loopback sockets: bad peers get a
// ProtocolError and lose their connection; a good agent on the same server is
// not disturbed.
#include "coordinator/agent_server/agent_server.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

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
    AgentServerConfig cfg;
    cfg.listen_port = 0;
    cfg.limits.max_payload = 4096;
    server_ = std::make_unique<AgentServer>(io_, *registry_, *store_, cfg);
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

  static proto::Envelope registration(const std::string& uuid) {
    proto::Envelope env;
    env.mutable_register_()->mutable_identity()->set_system_uuid(uuid);
    env.mutable_register_()->mutable_identity()->add_macs("aa:bb:cc:00:00:01");
    return env;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  asio::io_context io_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  std::unique_ptr<NodeRegistry> registry_;
  std::unique_ptr<AgentServer> server_;
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
}

}  // namespace bmf::coordinator
