#include "agent/session/coordinator_session.h"
#include "agent/session/heartbeat_policy.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>
#include <openssl/x509.h>

#include <deque>
#include <optional>

#include "common/async/spawn.h"
#include "common/crypto/cert_pin.h"
#include "common/log/log.h"
#include "common/wire/frame_io.h"

namespace bmf::agent {
namespace asio = boost::asio;
using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

class CoordinatorSession::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, SessionConfig config, RegisterFactory make_register, CommandHandler handle_command, Offload offload)
      : io_(io),
        config_(std::move(config)),
        make_register_(std::move(make_register)),
        handle_command_(std::move(handle_command)),
        offload_(std::move(offload)),
        timer_(io),
        restart_(io),
        rng_(std::random_device{}()) {}

  void start() {
    // run() reconnects by itself; should it ever end by an exception, start it again a second later.
    async::spawn(io_, run(), "coordinator session", [this] {
      restart_.expires_after(std::chrono::seconds(1));
      restart_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) start();
      });
    });
  }

  void send_inventory_update(proto::Inventory inventory, std::string reason) {
    if (!wake_current_ || !machine_.registered()) return;  // not registered on a live session
    proto::Envelope env;
    *env.mutable_inventory_update()->mutable_hardware() = std::move(inventory);
    env.mutable_inventory_update()->set_reason(std::move(reason));
    outbox_.push_back(std::move(env));
    wake_current_->cancel_one();
  }

  void report_inventory(std::function<Result<proto::Inventory>()> collect, std::string reason) {
    offload_([self = shared_from_this(), collect = std::move(collect), reason = std::move(reason)]() mutable {
      auto inv = collect();  // the worker thread: an LLDP listen may take seconds
      asio::post(self->io_, [self, inv = std::move(inv), reason = std::move(reason)]() mutable {
        if (!inv.ok()) {
          BMF_LOG_WARN("AGENT_INVENTORY_FAILED {}: {}", reason, inv.status().to_string());
          return;
        }
        BMF_LOG_INFO("AGENT_INVENTORY_CHANGED {}", reason);
        self->send_inventory_update(std::move(inv).value(), std::move(reason));
      });
    });
  }

  void stop() {
    stopped_ = true;
    if (machine_.state() != SessionState::kStopped) (void)machine_.transition(SessionState::kStopped, "asked to stop");
    timer_.cancel();
    if (pending_wait_) pending_wait_->cancel();
    if (close_current_) close_current_();
  }

  SessionState state() const { return machine_.state(); }
  std::uint64_t node_id_ = 0;

 private:
  // Moves the state machine; false (and the session ends) when stop() came first.
  bool to(SessionState next, std::string_view why) {
    if (stopped_) return false;
    return machine_.transition(next, why).ok();
  }

  // Runs `work` through offload_ and resumes here with its result; empty when the session was
  // stopped meanwhile (the job finishes on its own; its result is dropped).
  template <typename T>
  asio::awaitable<std::optional<T>> off_io(std::function<T()> work) {
    struct Shared {
      explicit Shared(asio::io_context& io) : done(io, SteadyClock::time_point::max()) {}
      std::optional<T> result;
      asio::steady_timer done;
    };
    auto shared = std::make_shared<Shared>(io_);
    offload_([shared, work = std::move(work), &io = io_]() mutable {
      T r = work();
      asio::post(io, [shared, r = std::move(r)]() mutable {
        shared->result = std::move(r);
        shared->done.cancel();
      });
    });
    pending_wait_ = &shared->done;
    boost::system::error_code ec;
    if (!stopped_) co_await shared->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    pending_wait_ = nullptr;
    co_return std::move(shared->result);
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    std::uint32_t attempt = 0;
    while (!stopped_) {
      if (!to(SessionState::kConnecting, fmt::format("{}:{}, collecting the registration", config_.host, config_.port))) break;
      // The inventory (with its LLDP listen) is collected before connecting, off this thread.
      // A named function, not a temporary in the co_await expression (GCC 12 frees such temporaries early).
      std::function<Result<proto::Register>()> collect = [self] { return self->make_register_(); };
      std::optional<Result<proto::Register>> reg = co_await off_io<Result<proto::Register>>(std::move(collect));
      if (stopped_ || !reg) break;
      Status s;
      if (!reg->ok()) {
        s = reg->status();
      } else if (config_.tls) {  // Not a ?: expression: GCC 12 miscompiles co_await inside the conditional operator.
        s = co_await serve_tls(std::move(reg->value()));
      } else {
        s = co_await serve_plain(std::move(reg->value()));
      }
      if (stopped_) break;
      if (machine_.registered()) attempt = 0;
      auto delay = backoff_delay(config_.backoff, attempt++, rng_);
      if (!to(SessionState::kBackoff, fmt::format("{}:{}: {}; retrying in {} ms", config_.host, config_.port, s.to_string(),
                                                   delay.count()))) {
        break;
      }
      timer_.expires_after(delay);
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<Result<tcp::socket>> connect() {
    tcp::resolver resolver(io_);
    boost::system::error_code ec;
    auto endpoints = co_await resolver.async_resolve(config_.host, std::to_string(config_.port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return unavailable(fmt::format("resolve {}: {}", config_.host, ec.message()));
    tcp::socket socket(io_);
    close_current_ = [&socket] {
      boost::system::error_code ignored;
      socket.close(ignored);
    };
    asio::steady_timer guard(io_);
    guard.expires_after(config_.connect_timeout);
    guard.async_wait([&socket](boost::system::error_code e) {
      if (!e) {
        boost::system::error_code ignored;
        socket.close(ignored);
      }
    });
    co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, ec));
    guard.cancel();
    close_current_ = nullptr;
    if (ec) co_return unavailable(fmt::format("connect: {}", ec.message()));
    socket.set_option(tcp::no_delay(true), ec);
    co_return std::move(socket);
  }

  asio::awaitable<Status> serve_plain(proto::Register reg) {
    auto socket = co_await connect();
    if (!socket.ok()) co_return socket.status();
    co_return co_await serve(*socket, std::move(reg));
  }

  asio::awaitable<Status> serve_tls(proto::Register reg) {
    auto socket = co_await connect();
    if (!socket.ok()) co_return socket.status();
    if (!to(SessionState::kHandshaking, "TLS, pinned certificate")) co_return unavailable("stopped");
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    asio::ssl::stream<tcp::socket> stream(std::move(*socket), ctx);
    std::string seen;
    // Pinning: the coordinator's own leaf certificate is the trust anchor, so a
    // self-signed certificate works and a CA-issued impostor does not.
    stream.set_verify_mode(asio::ssl::verify_peer);
    stream.set_verify_callback([this, &seen](bool, asio::ssl::verify_context& vc) {
      X509_STORE_CTX* store = vc.native_handle();
      if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
      seen = crypto::certificate_sha256(X509_STORE_CTX_get_current_cert(store));
      return !config_.cert_sha256.empty() && seen == config_.cert_sha256;
    });
    boost::system::error_code ec;
    close_current_ = [&stream] {
      boost::system::error_code ignored;
      stream.lowest_layer().close(ignored);
    };
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    close_current_ = nullptr;
    if (ec) {
      if (!seen.empty() && seen != config_.cert_sha256) {
        co_return permission_denied(
            fmt::format("coordinator certificate sha256 {} does not match the pinned {}", seen, config_.cert_sha256));
      }
      co_return unavailable(fmt::format("TLS handshake: {}", ec.message()));
    }
    co_return co_await serve(stream, std::move(reg));
  }

  // Register, then one loop that owns all writes (heartbeats and command
  // results) while a reader coroutine queues what arrives.
  template <typename Stream>
  asio::awaitable<Status> serve(Stream& stream, proto::Register reg) {
    auto close = [&stream] {
      boost::system::error_code ignored;
      stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
      stream.lowest_layer().close(ignored);
    };
    close_current_ = close;
    if (!to(SessionState::kRegistering, "sending Register")) {
      close_current_ = nullptr;
      close();
      co_return unavailable("stopped");
    }
    proto::Envelope env;
    *env.mutable_register_() = std::move(reg);
    Status s = co_await wire::write_frame(stream, env.SerializeAsString(), config_.limits);
    if (!s.ok()) co_return s;

    std::deque<proto::Envelope> inbox;
    Status reader_status;
    bool reader_done = false;
    asio::steady_timer wake(io_);
    async::spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          for (;;) {
            auto payload = co_await wire::read_frame(stream, config_.limits);
            proto::Envelope in;
            if (!payload.ok()) {
              reader_status = payload.status();
              break;
            }
            if (!in.ParseFromString(*payload)) {
              reader_status = invalid_argument("malformed protobuf payload from coordinator");
              break;
            }
            inbox.push_back(std::move(in));
            wake.cancel_one();
          }
          reader_done = true;
          wake.cancel_one();
        },
        "session reader", [&] {
          // The reader died by an exception: the session ends (and reconnects) instead of hanging.
          reader_status = Status(StatusCode::kInternal, "the session reader failed");
          reader_done = true;
          wake.cancel_one();
        });

    Status result;
    HeartbeatPolicy policy;
    std::uint64_t sequence = 0;
    auto deadline = SteadyClock::now() + std::chrono::seconds(10);  // for RegisterReply
    auto heard = SteadyClock::now();                                // last message from the coordinator
    auto next_heartbeat = SteadyClock::time_point::max();
    outbox_.clear();
    while (result.ok()) {
      if (machine_.registered()) wake_current_ = &wake;
      while (result.ok() && !outbox_.empty()) {
        proto::Envelope out = std::move(outbox_.front());
        outbox_.pop_front();
        result = co_await wire::write_frame(stream, out.SerializeAsString(), config_.limits);
      }
      if (!result.ok()) break;
      while (result.ok() && !inbox.empty()) {
        proto::Envelope in = std::move(inbox.front());
        inbox.pop_front();
        result = co_await handle(stream, in, policy, next_heartbeat, heard, deadline);
      }
      if (!result.ok()) break;
      if (reader_done) {
        result = reader_status;
        break;
      }
      auto now = SteadyClock::now();
      if (now >= deadline) {
        result = unavailable(machine_.registered() ? "no answer from coordinator within the liveness window"
                                                   : "no RegisterReply within 10 s");
        break;
      }
      if (now >= next_heartbeat) {
        proto::Envelope hb;
        hb.mutable_heartbeat()->set_node_id(node_id_);
        hb.mutable_heartbeat()->set_state(proto::AGENT_STATE_IDLE);
        hb.mutable_heartbeat()->mutable_health()->set_ok(true);
        hb.mutable_heartbeat()->set_sequence(++sequence);
        hb.mutable_heartbeat()->set_quiet(
            !policy.wants_ack(std::chrono::duration_cast<std::chrono::milliseconds>(now - heard)));
        result = co_await wire::write_frame(stream, hb.SerializeAsString(), config_.limits);
        next_heartbeat = now + policy.interval;
        continue;
      }
      if (!outbox_.empty()) continue;  // queued while handling the inbox (a command's reply)
      wake.expires_at(std::min(deadline, next_heartbeat));
      boost::system::error_code ec;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    close_current_ = nullptr;
    wake_current_ = nullptr;
    close();
    // Let the reader coroutine observe the close before `stream` goes away: it wakes us when done.
    while (!reader_done) {
      wake.expires_at(SteadyClock::time_point::max());
      boost::system::error_code ec;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return result;
  }

  template <typename Stream>
  asio::awaitable<Status> handle(Stream& stream, const proto::Envelope& in, HeartbeatPolicy& policy,
                                 SteadyClock::time_point& next_heartbeat, SteadyClock::time_point& heard,
                                 SteadyClock::time_point& deadline) {
    if (machine_.registered()) {  // anything the coordinator says shows it is alive
      heard = SteadyClock::now();
      deadline = heard + policy.silence_limit();
    }
    switch (in.body_case()) {
      case proto::Envelope::kRegisterReply: {
        const auto& r = in.register_reply();
        node_id_ = r.node_id();
        policy.interval = std::chrono::milliseconds(std::max<std::uint32_t>(r.heartbeat_interval_ms(), 10));
        policy.heartbeats_per_ack = r.heartbeats_per_ack();
        if (!to(SessionState::kRegistered, fmt::format("node={} heartbeat={}ms per_ack={} matched_existing={}", node_id_,
                                                       policy.interval.count(), policy.per_ack(), r.matched_existing()))) {
          co_return unavailable("stopped");
        }
        next_heartbeat = heard = SteadyClock::now();
        deadline = heard + policy.silence_limit();
        co_return ok_status();
      }
      case proto::Envelope::kHeartbeatAck:
        if (!machine_.registered()) co_return invalid_argument("HeartbeatAck before RegisterReply");
        co_return ok_status();
      case proto::Envelope::kCommand: {
        if (!machine_.registered()) co_return invalid_argument("Command before RegisterReply");
        const auto& cmd = in.command();
        proto::Envelope ack;
        ack.mutable_command_result()->set_command_id(cmd.command_id());
        ack.mutable_command_result()->set_done(false);
        ack.mutable_command_result()->set_success(true);
        Status acked = co_await wire::write_frame(stream, ack.SerializeAsString(), config_.limits);
        if (!acked.ok()) co_return acked;
        BMF_LOG_INFO("AGENT_COMMAND_STARTED id={} kind={}", cmd.command_id(), cmd.kind());
        handle_command_(cmd, [weak = weak_from_this(), id = cmd.command_id(), kind = cmd.kind()](proto::CommandResult r) {
          auto self = weak.lock();
          if (!self) return;
          r.set_command_id(id);
          r.set_done(true);
          BMF_LOG_INFO("AGENT_COMMAND id={} kind={} success={}: {}", id, kind, r.success(), r.message());
          if (!self->wake_current_) {
            BMF_LOG_WARN("AGENT_COMMAND_RESULT_DROPPED id={}: no live session", id);
            return;
          }
          proto::Envelope done;
          *done.mutable_command_result() = std::move(r);
          self->outbox_.push_back(std::move(done));
          self->wake_current_->cancel_one();
        });
        co_return ok_status();
      }
      case proto::Envelope::kError:
        co_return Status(StatusCode::kUnavailable,
                         fmt::format("coordinator refused: {} {}", in.error().code(), in.error().message()));
      default:
        co_return invalid_argument(fmt::format("unexpected message kind {} from coordinator", int(in.body_case())));
    }
  }

  asio::io_context& io_;
  SessionConfig config_;
  RegisterFactory make_register_;
  CommandHandler handle_command_;
  Offload offload_;
  SessionStateMachine machine_;
  asio::steady_timer timer_;
  asio::steady_timer restart_;  // after run() failed by an exception
  std::mt19937_64 rng_;
  std::function<void()> close_current_;
  boost::asio::steady_timer* wake_current_ = nullptr;  // the live session's wake-up timer
  std::deque<proto::Envelope> outbox_;                // unsolicited messages for the live session
  asio::steady_timer* pending_wait_ = nullptr;         // an off_io wait in progress (stop() ends it)
  bool stopped_ = false;
};

CoordinatorSession::CoordinatorSession(asio::io_context& io, SessionConfig config, RegisterFactory make_register,
                                       CommandHandler handle_command, Offload offload)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(make_register), std::move(handle_command),
                                   std::move(offload))) {}
CoordinatorSession::~CoordinatorSession() = default;
void CoordinatorSession::start() { impl_->start(); }
void CoordinatorSession::stop() { impl_->stop(); }
void CoordinatorSession::send_inventory_update(proto::Inventory inventory, std::string reason) {
  impl_->send_inventory_update(std::move(inventory), std::move(reason));
}
void CoordinatorSession::report_inventory(std::function<Result<proto::Inventory>()> collect, std::string reason) {
  impl_->report_inventory(std::move(collect), std::move(reason));
}
std::uint64_t CoordinatorSession::node_id() const { return impl_->node_id_; }
SessionState CoordinatorSession::state() const { return impl_->state(); }

}  // namespace bmf::agent
