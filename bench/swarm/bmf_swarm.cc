// bmf-swarm: many simulated agents in one process, speaking the real agent protocol (framed
// protobuf over TCP, or TLS with the coordinator's certificate pinned, as production agents do).
// Each agent registers with its own identity, heartbeats at the interval the coordinator gives
// (its first heartbeat at a random point of the first interval, as a fleet that did not boot at
// one instant), times every HeartbeatAck, and on any loss reconnects with the agent's own
// jittered exponential backoff and registers again. Like an agent, it asks for an ack only about
// every RegisterReply.heartbeats_per_ack heartbeats (agent/session/heartbeat_policy.h); the others
// are `quiet` and untimed. One process holds --agents connections:
// spread a site over several processes (bench/agent_scale.sh does), against one coordinator or
// several (--coordinator may be given more than once; agent i uses coordinator i mod count).
//
// Every --report-ms it prints one line, for scripts to read:
//   SWARM t_ms=.. connected=.. registered=.. registrations=.. connects=.. hb=.. quiet=.. acks=.. late=..
//         rtt_p50_us=.. rtt_p99_us=.. rtt_max_us=.. lost=.. failures=.. bad_connections=.. bad_refused=..
// (counters are totals since start; rtt_* are over the last report period; late = acks that came
// more than one interval after their heartbeat).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <openssl/x509.h>

#include <algorithm>
#include <random>

#include "agent/session/backoff.h"
#include "agent/session/heartbeat_policy.h"
#include "common/async/spawn.h"
#include "common/proto/agent.pb.h"
#include "common/crypto/cert_pin.h"
#include "common/wire/frame_io.h"

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::vector<std::string> coordinators;
  int agents = 1000;
  int first = 0;  // identity of the first agent: lets several processes make one site
  bool tls = false;
  std::string cert_sha256;
  int backoff_initial_ms = 250;
  int backoff_max_ms = 30'000;
  int report_ms = 1000;
  int duration_s = 0;  // 0: until SIGTERM
  bool spread = true;
  int bad_clients = 0;  // connections that misbehave, made again and again (see bad_client)
};

struct Stats {
  std::uint64_t connects = 0, registrations = 0, heartbeats = 0, quiet = 0, acks = 0, late = 0, lost = 0, failures = 0;
  std::int64_t connected = 0, registered = 0;
  std::vector<std::uint32_t> rtt_us;  // this period
  std::uint64_t rtt_max_us = 0;
  std::uint64_t bad_connections = 0, bad_refused = 0;  // made / not even accepted
};


class Swarm {
 public:
  Swarm(asio::io_context& io, Options o) : io_(io), o_(std::move(o)), tls_ctx_(ssl::context::tls_client), rng_(std::random_device{}()) {
    tls_ctx_.set_options(ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    SSL_CTX_set_mode(tls_ctx_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    for (const auto& c : o_.coordinators) {
      auto colon = c.rfind(':');
      endpoints_.emplace_back(asio::ip::make_address(c.substr(0, colon)), static_cast<std::uint16_t>(std::stoi(c.substr(colon + 1))));
    }
  }

  void start() {
    for (int i = 0; i < o_.agents; ++i) bmf::async::spawn(io_, agent(o_.first + i), "swarm agent");
    for (int i = 0; i < o_.bad_clients; ++i) bmf::async::spawn(io_, bad_client(i), "swarm bad client");
    report_timer_ = std::make_unique<asio::steady_timer>(io_);
    schedule_report();
  }
  void stop() {
    stopping_ = true;
    report_timer_->cancel();
    report();
    io_.stop();
  }

 private:
  template <typename Stream>
  asio::awaitable<bool> registered_session(Stream& stream, int index) {
    bmf::proto::Envelope env;
    auto* reg = env.mutable_register_();
    auto* id = reg->mutable_identity();
    id->set_system_uuid(fmt::format("5e000000-0000-4000-8000-{:012x}", index + 1));
    id->add_macs(fmt::format("02:5e:{:02x}:{:02x}:{:02x}:{:02x}", (index >> 24) & 0xff, (index >> 16) & 0xff, (index >> 8) & 0xff,
                             index & 0xff));
    id->set_hostname(fmt::format("swarm-{:06}", index));
    id->set_serial(fmt::format("SW{:08}", index));
    reg->mutable_inventory()->set_cpu_threads(128);
    reg->mutable_inventory()->set_memory_bytes(std::uint64_t{1} << 40);
    reg->mutable_inventory()->set_nic_count(1);
    reg->mutable_hardware()->mutable_cpu()->set_threads(128);
    reg->mutable_hardware()->mutable_memory()->set_total_bytes(std::uint64_t{1} << 40);
    auto* nic = reg->mutable_hardware()->add_nics();
    nic->set_name("eth0");
    nic->set_mac(id->macs(0));
    reg->set_agent_version("swarm");
    const std::string hello = env.SerializeAsString();
    bmf::Status sent_reg = co_await bmf::wire::write_frame(stream, hello, limits_);
    if (!sent_reg.ok()) co_return false;
    auto reply = co_await bmf::wire::read_frame(stream, limits_);
    bmf::proto::Envelope in;
    if (!reply.ok() || !in.ParseFromString(*reply) || !in.has_register_reply()) co_return false;
    const auto interval = std::chrono::milliseconds(std::max<std::uint32_t>(in.register_reply().heartbeat_interval_ms(), 10));
    const std::uint64_t node = in.register_reply().node_id();
    const bmf::agent::HeartbeatPolicy policy{interval, in.register_reply().heartbeats_per_ack()};
    auto heard = Clock::now();
    ++stats_.registrations;
    ++stats_.registered;
    attempt_[index] = 0;
    asio::steady_timer timer(io_);
    auto next = Clock::now();
    if (o_.spread) next += std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, interval.count())(rng_));
    std::uint64_t seq = 0;
    bool ok = true;
    while (ok && !stopping_) {
      timer.expires_at(next);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      bmf::proto::Envelope hb;
      hb.mutable_heartbeat()->set_node_id(node);
      hb.mutable_heartbeat()->set_state(bmf::proto::AGENT_STATE_IDLE);
      hb.mutable_heartbeat()->mutable_health()->set_ok(true);
      hb.mutable_heartbeat()->set_sequence(++seq);
      const auto sent = Clock::now();
      const bool quiet = !policy.wants_ack(std::chrono::duration_cast<std::chrono::milliseconds>(sent - heard));
      hb.mutable_heartbeat()->set_quiet(quiet);
      const std::string beat = hb.SerializeAsString();
      bmf::Status wrote = co_await bmf::wire::write_frame(stream, beat, limits_);
      if (!wrote.ok()) break;
      ++stats_.heartbeats;
      next += interval;
      if (quiet) {
        ++stats_.quiet;
        continue;
      }
      for (;;) {  // the ack (a command may come first: this agent does not run any)
        auto got = co_await bmf::wire::read_frame(stream, limits_);
        bmf::proto::Envelope ack;
        if (!got.ok() || !ack.ParseFromString(*got)) {
          ok = false;
          break;
        }
        if (!ack.has_heartbeat_ack()) continue;
        const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent);
        ++stats_.acks;
        if (rtt > interval) ++stats_.late;
        stats_.rtt_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(rtt.count(), UINT32_MAX)));
        stats_.rtt_max_us = std::max<std::uint64_t>(stats_.rtt_max_us, rtt.count());
        heard = Clock::now();
        break;
      }
    }
    --stats_.registered;
    co_return true;
  }

  asio::awaitable<void> agent(int index) {
    const tcp::endpoint ep = endpoints_[static_cast<std::size_t>(index) % endpoints_.size()];
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      co_await socket.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
      bool had_session = false;
      if (!ec) {
        ++stats_.connects;
        ++stats_.connected;
        socket.set_option(tcp::no_delay(true), ec);
        if (o_.tls) {
          ssl::stream<tcp::socket> stream(std::move(socket), tls_ctx_);
          stream.set_verify_mode(ssl::verify_peer);
          stream.set_verify_callback([this](bool, ssl::verify_context& vc) {
            X509_STORE_CTX* store = vc.native_handle();
            if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
            return bmf::crypto::certificate_sha256(X509_STORE_CTX_get_current_cert(store)) == o_.cert_sha256;
          });
          co_await stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
          if (!ec) had_session = co_await registered_session(stream, index);
        } else {
          had_session = co_await registered_session(socket, index);
        }
        --stats_.connected;
      }
      if (stopping_) break;
      (had_session ? stats_.lost : stats_.failures) += 1;
      auto delay = bmf::agent::backoff_delay({std::chrono::milliseconds(o_.backoff_initial_ms), std::chrono::milliseconds(o_.backoff_max_ms)},
                                             attempt_[index]++, rng_);
      asio::steady_timer wait(io_, delay);
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // One misbehaving peer on the agent port, by kind (index mod 5): garbage bytes, a header that
  // claims 1 GiB, a truncated frame then close, a valid Register sent one byte every 200 ms, and a
  // connection that never says a word. Each waits for the coordinator to close it, then comes back.
  asio::awaitable<void> bad_client(int index) {
    const tcp::endpoint ep = endpoints_[static_cast<std::size_t>(index) % endpoints_.size()];
    const int kind = index % 5;
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      co_await socket.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        ++stats_.bad_refused;
        asio::steady_timer wait(io_, std::chrono::milliseconds(100));
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      ++stats_.bad_connections;
      if (o_.tls && kind != 0) {  // bad frames inside a good TLS session; kind 0 is garbage instead of TLS
        ssl::stream<tcp::socket> stream(std::move(socket), tls_ctx_);
        stream.set_verify_mode(ssl::verify_none);
        co_await stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) co_await misbehave(stream, kind, index);
      } else {
        co_await misbehave(socket, kind, index);
      }
    }
  }

  template <typename Stream>
  asio::awaitable<void> misbehave(Stream& stream, int kind, int index) {
    boost::system::error_code ec;
    std::string bytes;
    if (kind == 0) {
      for (int i = 0; i < 64; ++i) bytes.push_back(static_cast<char>(rng_() & 0xff));
    } else if (kind == 1) {
      bytes = std::string("BMF\x01\x40\x00\x00\x00", 8);  // 1 GiB payload announced
    } else if (kind == 2) {
      bytes = std::string("BMF\x01\x00\x00\x00\x64", 8) + std::string(10, 'x');  // 100 announced, 10 sent, then silence
    } else if (kind == 3) {
      bmf::proto::Envelope env;
      env.mutable_register_()->mutable_identity()->set_system_uuid(fmt::format("bad-{}", index));
      bytes = *bmf::wire::encode_frame(env.SerializeAsString());
    }
    if (kind == 3) {
      for (char c : bytes) {
        co_await asio::async_write(stream, asio::buffer(&c, 1), asio::redirect_error(asio::use_awaitable, ec));
        if (ec || stopping_) break;
        asio::steady_timer drip(io_, std::chrono::milliseconds(200));
        co_await drip.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    } else if (!bytes.empty()) {
      co_await asio::async_write(stream, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
    }
    char sink[256];
    for (;;) {  // until the coordinator closes it
      co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
  }

  void schedule_report() {
    report_timer_->expires_after(std::chrono::milliseconds(o_.report_ms));
    report_timer_->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      report();
      if (o_.duration_s > 0 && Clock::now() - started_ >= std::chrono::seconds(o_.duration_s)) return stop();
      schedule_report();
    });
  }

  void report() {
    auto& r = stats_.rtt_us;
    std::sort(r.begin(), r.end());
    auto pct = [&](double p) -> std::uint32_t { return r.empty() ? 0 : r[std::min(r.size() - 1, static_cast<std::size_t>(p * r.size()))]; };
    fmt::print("SWARM t_ms={} first={} agents={} connected={} registered={} registrations={} connects={} hb={} quiet={} acks={} late={} "
               "rtt_p50_us={} rtt_p99_us={} rtt_max_us={} lost={} failures={} bad_connections={} bad_refused={}\n",
               std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count(), o_.first, o_.agents,
               stats_.connected, stats_.registered, stats_.registrations, stats_.connects, stats_.heartbeats, stats_.quiet, stats_.acks, stats_.late,
               pct(0.5), pct(0.99), stats_.rtt_max_us, stats_.lost, stats_.failures, stats_.bad_connections, stats_.bad_refused);
    std::fflush(stdout);
    r.clear();
    stats_.rtt_max_us = 0;
  }

  asio::io_context& io_;
  Options o_;
  ssl::context tls_ctx_;
  std::vector<tcp::endpoint> endpoints_;
  bmf::wire::FrameLimits limits_;
  std::mt19937_64 rng_;
  std::unordered_map<int, std::uint32_t> attempt_;
  Stats stats_;
  std::unique_ptr<asio::steady_timer> report_timer_;
  Clock::time_point started_ = Clock::now();
  bool stopping_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"bmf-swarm: simulated bmf agents for scale benchmarks"};
  app.add_option("--coordinator", o.coordinators, "HOST:PORT of a coordinator's agent port (repeat for several)")->required();
  app.add_option("--agents", o.agents, "how many agents this process plays")->check(CLI::Range(0, 19'000))->capture_default_str();
  app.add_option("--bad-clients", o.bad_clients, "misbehaving connections kept up (garbage, huge length, truncated, slow, silent)")
      ->check(CLI::Range(0, 10'000));
  app.add_option("--first", o.first, "index of the first agent's identity")->capture_default_str();
  app.add_flag("--tls", o.tls, "TLS with the coordinator's certificate pinned (--cert-sha256)");
  app.add_option("--cert-sha256", o.cert_sha256, "pinned SHA-256 of the coordinator's certificate (DER), hex");
  app.add_option("--backoff-initial-ms", o.backoff_initial_ms, "first reconnect delay")->capture_default_str();
  app.add_option("--backoff-max-ms", o.backoff_max_ms, "reconnect delay cap")->capture_default_str();
  app.add_option("--report-ms", o.report_ms, "period of the SWARM lines")->check(CLI::Range(50, 600'000))->capture_default_str();
  app.add_option("--duration-s", o.duration_s, "stop after this long (0: at SIGTERM)")->capture_default_str();
  bool no_spread = false;
  app.add_flag("--no-spread", no_spread, "first heartbeat right after registering (not at a random point of the interval)");
  CLI11_PARSE(app, argc, argv);
  o.spread = !no_spread;
  if (o.tls && o.cert_sha256.size() != 64) {
    fmt::print(stderr, "bmf-swarm: --tls needs --cert-sha256 (64 hex digits)\n");
    return 2;
  }
  asio::io_context io(1);
  Swarm swarm(io, o);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) swarm.stop();
  });
  swarm.start();
  io.run();
  return 0;
}
