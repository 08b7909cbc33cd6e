#include "coordinator/agent_server/agent_server.h"

#include <boost/asio/co_spawn.hpp>
#include "common/async/spawn.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>

#include <deque>
#include <map>
#include <optional>
#include <set>

#include "common/log/limiter.h"
#include "common/log/log.h"
#include "common/proto/agent.pb.h"
#include "common/wire/frame_io.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// What the server needs to know about a session, whatever its stream type.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void send(const proto::Envelope& envelope) = 0;
  virtual void close() = 0;
  // Called by drain() with the outcome of this session's queued message.
  virtual void handled(Status status) = 0;
};

class AgentServer::Impl {
 public:
  Impl(asio::io_context& io, NodeRegistry& registry, Store& store, AgentServerConfig config)
      : io_(io), registry_(registry), store_(store), config_(std::move(config)), acceptor_(io) {}

  Result<std::uint16_t> start();
  void stop();

  asio::io_context& io_;
  NodeRegistry& registry_;
  Store& store_;
  AgentServerConfig config_;
  tcp::acceptor acceptor_;
  std::optional<asio::ssl::context> tls_;
  std::set<std::shared_ptr<SessionBase>> sessions_;
  std::map<std::uint64_t, std::weak_ptr<SessionBase>> by_node_;
  std::vector<std::function<void(const AgentEvent&)>> listeners_;
  void publish(const AgentEvent& e) {
    if (draining_) return deferred_.push_back(e);  // after the batch is on disk
    for (const auto& l : listeners_) l(e);
  }
  std::uint64_t next_command_ = 1;
  bool stopping_ = false;

  // Group commit: agent messages are handled in batches, one per turn of the io loop: every
  // message read in this turn is queued, and one posted drain() handles them all inside one store
  // batch (a registration storm writes each page once per batch, not once per agent). Answers go
  // out only after the batch is committed (the sessions' writers run after drain() returns);
  // events are published after it too, so listeners write outside the batch.
  void enqueue(std::shared_ptr<SessionBase> session, bool writes, std::function<Status()> work) {
    writers_ += writes;
    pending_.push_back({std::move(session), std::move(work)});
    if (drain_posted_) return;
    drain_posted_ = true;
    asio::post(io_, [this] { drain(); });
  }
  void drain();
  bool idle() const { return pending_.empty(); }

 private:
  struct Pending {
    std::shared_ptr<SessionBase> session;
    std::function<Status()> work;  // handles one message; an error fails that session
  };
  std::vector<Pending> pending_;
  std::vector<AgentEvent> deferred_;
  bool drain_posted_ = false;
  bool draining_ = false;
  std::size_t writers_ = 0;  // queued messages that write (all but heartbeats)

 public:

 private:
  asio::awaitable<void> accept_loop();
};

namespace {

template <typename Stream>
tcp::socket::lowest_layer_type& lowest(Stream& s) {
  return s.lowest_layer();
}

template <typename Stream>
class Session final : public SessionBase {
 public:
  Session(AgentServer::Impl& server, Stream stream, std::string peer)
      : server_(server),
        stream_(std::move(stream)),
        peer_(std::move(peer)),
        wake_(server.io_),
        watchdog_(server.io_),
        reader_wake_(server.io_) {}

  void start() {
    deadline_ = Clock::now() + std::chrono::milliseconds(server_.config_.register_timeout_ms);
    auto self = std::static_pointer_cast<Session>(shared_from_this());
    async::spawn(server_.io_, self->watch(), "agent session watchdog peer=" + peer_, [self] { self->close(); });
    asio::co_spawn(server_.io_, self->read_loop(), [self](std::exception_ptr e) {
      if (e) BMF_LOG_ERROR("AGENT_SESSION_CRASHED peer={}", self->peer_);
      // After fail() the writer closes once the ProtocolError frame is out.
      if (e || !self->closing_) self->close();
    });
    async::spawn(server_.io_, self->write_loop(), "agent session writer peer=" + peer_, [self] { self->close(); });
  }

  void send(const proto::Envelope& envelope) override {
    if (closed_) return;
    outbox_.push_back(envelope.SerializeAsString());
    wake_.cancel_one();
  }

  void handled(Status status) override {
    handled_ = std::move(status);
    reader_wake_.cancel();
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    lowest(stream_).shutdown(tcp::socket::shutdown_both, ec);
    lowest(stream_).close(ec);
    wake_.cancel();
    watchdog_.cancel();
    reader_wake_.cancel();
    if (node_id_ != 0) {
      auto it = server_.by_node_.find(node_id_);
      if (it != server_.by_node_.end() && it->second.lock().get() == this) server_.by_node_.erase(it);
    }
    server_.sessions_.erase(shared_from_this());
  }

 private:
  // Sends a ProtocolError, then closes once it is written (or after 1 s).
  void fail(const Status& status) {
    BMF_LOG_WARN_LIMITED("AGENT_PROTOCOL_ERROR", "AGENT_PROTOCOL_ERROR peer={} node={}: {}", peer_, node_id_, status.to_string());
    proto::Envelope env;
    env.mutable_error()->set_code(std::string(to_string(status.code())));
    env.mutable_error()->set_message(status.message());
    send(env);
    closing_ = true;
    deadline_ = Clock::now() + std::chrono::seconds(1);
    wake_.cancel_one();
    watchdog_.cancel_one();
  }

  // Sleeps until the deadline as it was when it fell asleep; a message moves deadline_ without
  // waking it (one timer operation per liveness window, not one per heartbeat).
  asio::awaitable<void> watch() {
    auto self = shared_from_this();  // the frame must keep the session alive
    while (!closed_) {
      watchdog_.expires_at(deadline_);
      boost::system::error_code ec;
      co_await watchdog_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (closed_) break;
      if (Clock::now() >= deadline_) {
        BMF_LOG_WARN_LIMITED("AGENT_SESSION_TIMEOUT", "AGENT_SESSION_TIMEOUT peer={} node={}: {}", peer_, node_id_,
                     node_id_ == 0 ? "no Register in time" : "no message within the liveness window");
        close();
      }
    }
  }

  asio::awaitable<void> write_loop() {
    auto self = shared_from_this();
    while (!closed_) {
      if (outbox_.empty()) {
        if (closing_) {
          close();
          break;
        }
        wake_.expires_at(Clock::time_point::max());
        boost::system::error_code ec;
        co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      std::string payload = std::move(outbox_.front());
      outbox_.pop_front();
      Status s = co_await wire::write_frame(stream_, payload, server_.config_.limits);
      if (!s.ok()) {
        BMF_LOG_INFO("AGENT_DISCONNECTED peer={} node={}: write failed: {}", peer_, node_id_, s.message());
        close();
      }
    }
  }

  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      boost::system::error_code ec;
      co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        BMF_LOG_WARN_LIMITED("AGENT_TLS_HANDSHAKE_FAILED", "AGENT_TLS_HANDSHAKE_FAILED peer={}: {}", peer_, ec.message());
        close();
        co_return;
      }
    }
    while (!closed_ && !closing_) {
      auto payload = co_await wire::read_frame(stream_, server_.config_.limits);
      if (closed_) break;
      if (!payload.ok()) {
        if (payload.status().code() == StatusCode::kUnavailable) {
          BMF_LOG_INFO("AGENT_DISCONNECTED peer={} node={}: {}", peer_, node_id_, payload.status().message());
          close();
        } else {
          fail(payload.status());
        }
        break;
      }
      auto env = std::make_shared<proto::Envelope>();
      if (!env->ParseFromString(*payload)) {
        fail(invalid_argument(fmt::format("malformed protobuf payload ({} bytes)", payload->size())));
        break;
      }
      // Handled in this turn's batch; the next frame is read only after it (order is kept). A
      // heartbeat while nothing else is queued is handled at once (it writes nothing but memory).
      handled_.reset();
      const bool writes = env->body_case() != proto::Envelope::kHeartbeat;
      if (!writes && server_.idle()) {
        handled_ = handle(*env);
      } else {
        server_.enqueue(self, writes, [this, env] { return closed_ ? ok_status() : handle(*env); });
      }
      while (!handled_ && !closed_) {
        reader_wake_.expires_at(Clock::time_point::max());
        boost::system::error_code ec;
        co_await reader_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (closed_) break;
      if (!handled_->ok()) {
        fail(*handled_);
        break;
      }
      const auto& live = server_.registry_.liveness();
      deadline_ = Clock::now() +
                  std::chrono::milliseconds(std::uint64_t{live.heartbeat_interval_ms} * (live.missed_heartbeats + 1));
    }
  }

  Status handle(const proto::Envelope& env) {
    if (node_id_ == 0 && env.body_case() != proto::Envelope::kRegister) {
      return failed_precondition("the first message on a connection must be Register");
    }
    switch (env.body_case()) {
      case proto::Envelope::kRegister: return on_register(env.register_());
      case proto::Envelope::kHeartbeat: return on_heartbeat(env.heartbeat());
      case proto::Envelope::kCommandResult: return on_command_result(env.command_result());
      case proto::Envelope::kInventoryUpdate: {
        const auto& u = env.inventory_update();
        return server_.store_.set_node_hardware(
            node_id_, to_json(u.hardware()),
            EventRecord{.time_ms = SystemClock().now_ms(),
                        .actor = fmt::format("agent:{}", node_id_),
                        .kind = EventKind::kNodeInventoryUpdated,
                        .message = u.reason().substr(0, 200)});
      }
      case proto::Envelope::kError:
        BMF_LOG_WARN_LIMITED("AGENT_REPORTED_ERROR", "AGENT_REPORTED_ERROR peer={} node={}: {} {}", peer_, node_id_, env.error().code(),
                     env.error().message());
        return ok_status();
      default: return invalid_argument(fmt::format("unexpected message kind {} from an agent", int(env.body_case())));
    }
  }

  Status on_register(const proto::Register& reg) {
    auto out = server_.registry_.register_node(to_registration_request(reg, peer_));
    if (!out.ok()) return out.status();
    node_id_ = out->node_id;
    // A reboot can leave the old connection half-open; the newest session wins.
    auto& slot = server_.by_node_[node_id_];
    if (auto old = slot.lock(); old && old.get() != this) old->close();
    slot = weak_from_this();
    BMF_LOG_INFO("NODE_REGISTERED node={} peer={} uuid={} matched_existing={}", node_id_, peer_,
                 reg.identity().system_uuid(), out->matched_existing);
    proto::Envelope env;
    auto* reply = env.mutable_register_reply();
    reply->set_node_id(node_id_);
    reply->set_heartbeat_interval_ms(server_.registry_.liveness().heartbeat_interval_ms);
    reply->set_node_secret(out->node_secret);
    reply->set_matched_existing(out->matched_existing);
    send(env);
    server_.publish(AgentEvent{.kind = AgentEvent::Kind::kRegistered, .node_id = node_id_});
    return ok_status();
  }

  Status on_heartbeat(const proto::Heartbeat& hb) {
    if (hb.node_id() != 0 && hb.node_id() != node_id_) {
      return invalid_argument(fmt::format("heartbeat for node {} on node {}'s connection", hb.node_id(), node_id_));
    }
    BMF_RETURN_IF_ERROR(server_.registry_.heartbeat(node_id_));
    proto::Envelope env;
    env.mutable_heartbeat_ack()->set_sequence(hb.sequence());
    send(env);
    return ok_status();
  }

  Status on_command_result(const proto::CommandResult& r) {
    if (r.done() && r.success() && r.has_hardware()) {
      BMF_RETURN_IF_ERROR(server_.store_.set_node_hardware(
          node_id_, to_json(r.hardware()),
          EventRecord{.time_ms = SystemClock().now_ms(),
                      .actor = fmt::format("agent:{}", node_id_),
                      .kind = EventKind::kNodeInventoryUpdated,
                      .message = fmt::format("command {}: {} GPUs, {} NICs, {} disks", r.command_id(),
                                             r.hardware().gpus_size(), r.hardware().nics_size(),
                                             r.hardware().disks_size())}));
    }
    EventRecord event{.time_ms = SystemClock().now_ms(),
                      .actor = fmt::format("agent:{}", node_id_),
                      .node_id = node_id_,
                      .kind = !r.done() ? EventKind::kCommandAccepted : (r.success() ? EventKind::kCommandSucceeded : EventKind::kCommandFailed),
                      .message = fmt::format("command {}: {}", r.command_id(), r.message())};
    BMF_RETURN_IF_ERROR(server_.store_.append_event(std::move(event)));
    if (r.done()) {
      server_.publish(AgentEvent{.kind = AgentEvent::Kind::kCommandDone, .node_id = node_id_, .command_id = r.command_id(),
                                 .success = r.success(), .message = r.message(), .payload = r.payload()});
    }
    return ok_status();
  }

  AgentServer::Impl& server_;
  Stream stream_;
  std::string peer_;
  asio::steady_timer wake_;
  asio::steady_timer watchdog_;
  asio::steady_timer reader_wake_;  // the reader waits here for its message's batch
  std::optional<Status> handled_;
  Clock::time_point deadline_;
  std::deque<std::string> outbox_;
  std::uint64_t node_id_ = 0;
  bool closing_ = false;
  bool closed_ = false;
};

std::string endpoint_string(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

void AgentServer::Impl::drain() {
  drain_posted_ = false;
  std::vector<Pending> batch = std::move(pending_);
  pending_.clear();
  // One lone heartbeat needs no transaction (most of them write nothing).
  const bool batched = writers_ > 0 || batch.size() > 1;
  writers_ = 0;
  Status begun = batched ? store_.begin_batch() : failed_precondition("not batched");
  if (batched && !begun.ok()) {
    BMF_LOG_ERROR("AGENT_BATCH_FAILED begin: {}; handling {} message(s) one by one", begun.to_string(), batch.size());
  }
  draining_ = begun.ok();
  std::vector<Status> results;
  results.reserve(batch.size());
  for (auto& p : batch) results.push_back(p.work());
  draining_ = false;
  if (begun.ok()) {
    if (Status committed = store_.commit_batch(); !committed.ok()) {
      // Nothing of it is on disk: no session may be answered; the agents reconnect and retry.
      BMF_LOG_ERROR("AGENT_BATCH_FAILED commit of {} message(s): {}; their sessions are closed", batch.size(), committed.to_string());
      deferred_.clear();
      for (auto& p : batch) p.session->close();
      return;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].session->handled(std::move(results[i]));
  auto events = std::move(deferred_);
  deferred_.clear();
  for (const auto& e : events) publish(e);
}

Result<std::uint16_t> AgentServer::Impl::start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.listen_address, ec);
  if (ec) return invalid_argument(fmt::format("bad agent listen address '{}'", config_.listen_address));
  if (config_.tls) {
    tls_.emplace(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    // Between heartbeats a session holds no TLS record buffers (~34 KB each otherwise).
    SSL_CTX_set_mode(tls_->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    tls_->use_certificate_chain_file(config_.tls->cert_chain, ec);
    if (ec) return invalid_argument(fmt::format("TLS certificate {}: {}", config_.tls->cert_chain, ec.message()));
    tls_->use_private_key_file(config_.tls->private_key, asio::ssl::context::pem, ec);
    if (ec) return invalid_argument(fmt::format("TLS key {}: {}", config_.tls->private_key, ec.message()));
  }
  tcp::endpoint ep(address, config_.listen_port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable(fmt::format("cannot listen on {}:{}: {}", config_.listen_address, config_.listen_port, ec.message()));
  async::spawn(io_, accept_loop(), fmt::format("agent accept loop on {}:{}", config_.listen_address, config_.listen_port));
  return acceptor_.local_endpoint().port();
}

asio::awaitable<void> AgentServer::Impl::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      BMF_LOG_WARN("AGENT_ACCEPT_FAILED: {}", ec.message());
      continue;  // e.g. EMFILE: keep serving those already connected
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::string peer = endpoint_string(socket);
    std::shared_ptr<SessionBase> session;
    if (tls_) {
      auto s = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(
          *this, asio::ssl::stream<tcp::socket>(std::move(socket), *tls_), peer);
      sessions_.insert(s);
      s->start();
    } else {
      auto s = std::make_shared<Session<tcp::socket>>(*this, std::move(socket), peer);
      sessions_.insert(s);
      s->start();
    }
  }
}

void AgentServer::Impl::stop() {
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  auto sessions = sessions_;
  for (auto& s : sessions) s->close();
}

AgentServer::AgentServer(asio::io_context& io, NodeRegistry& registry, Store& store, AgentServerConfig config)
    : impl_(std::make_unique<Impl>(io, registry, store, std::move(config))) {}
AgentServer::~AgentServer() = default;

Result<std::uint16_t> AgentServer::start() { return impl_->start(); }
void AgentServer::stop() { impl_->stop(); }

Result<std::string> AgentServer::dispatch(std::uint64_t node_id, const std::string& kind,
                                          const std::string& payload) {
  auto it = impl_->by_node_.find(node_id);
  auto session = it == impl_->by_node_.end() ? nullptr : it->second.lock();
  if (!session) return unavailable(fmt::format("node {} has no live agent connection", node_id));
  std::string id = fmt::format("c{}", impl_->next_command_++);
  proto::Envelope env;
  env.mutable_command()->set_command_id(id);
  env.mutable_command()->set_kind(kind);
  env.mutable_command()->set_payload(payload);
  session->send(env);
  return id;
}

void AgentServer::subscribe(std::function<void(const AgentEvent&)> listener) {
  impl_->listeners_.push_back(std::move(listener));
}

bool AgentServer::connected(std::uint64_t node_id) const {
  auto it = impl_->by_node_.find(node_id);
  return it != impl_->by_node_.end() && !it->second.expired();
}

}  // namespace bmf::coordinator
