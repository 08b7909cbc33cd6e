#include "coordinator/agent_server/agent_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/intrusive/list.hpp>
#include <fmt/core.h>

#include <fcntl.h>
#include <malloc.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/async/spawn.h"
#include "common/log/limiter.h"
#include "common/log/log.h"
#include "common/process/huge_page_heap.h"
#include "common/proto/agent.pb.h"
#include "common/wire/frame.h"
#include "coordinator/agent_server/transport.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class Session;
struct Deadlines;

// Readiness of every agent connection from one epoll set of its own, which the io loop waits on
// as one descriptor. Asio re-arms a descriptor (epoll_ctl) on every wait: here a connection is
// registered once, edge-triggered for reading and writing, and the connections that became
// ready together are handled in one turn. With a batch window, once woken the loop comes back
// for more only after that long (interrupt moderation: at thousands of heartbeats a second the
// process wakes once per window, not once per message; each waits at most the window).
class Poller {
 public:
  Poller(asio::io_context& io, std::chrono::microseconds window, std::function<void(void*)> ready)
      : io_(io), desc_(io), pause_(io), window_(window), ready_(std::move(ready)) {}
  ~Poller() { stop(); }

  Status open() {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return unavailable(fmt::format("epoll_create1: {}", std::strerror(errno)));
    return sleep();
  }
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    pause_.cancel();
    if (desc_.is_open()) (void)desc_.release();  // the waiting handler ends with operation_aborted
    if (epfd_ >= 0) ::close(epfd_);
    epfd_ = -1;
  }
  Status add(int fd, void* who) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = who;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      return unavailable(fmt::format("epoll_ctl add: {}", std::strerror(errno)));
    }
    return ok_status();
  }
  void remove(int fd) {
    epoll_event ev{};
    if (epfd_ >= 0) (void)::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
  }

 private:
  // Nothing was ready: sleep in the io loop until something is. The set is in the io loop's
  // own epoll only while sleeping: a nested epoll set wakes its watcher on every event added
  // to it, which would undo the batch window.
  Status sleep() {
    boost::system::error_code ec;
    if (!desc_.is_open()) desc_.assign(epfd_, ec);
    if (ec) return unavailable(fmt::format("cannot watch the agents' epoll set: {}", ec.message()));
    desc_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& e) {
      if (e || stopped_) return;
      if (window_.count() > 0) (void)desc_.release();
      poll();
    });
    return ok_status();
  }
  // Handles what is ready; with a window, looks again after it, and sleeps only when a look
  // finds nothing.
  void poll() {
    std::array<epoll_event, 256> events;
    const int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 0);
    for (int i = 0; i < n; ++i) ready_(events[i].data.ptr);
    if (stopped_) return;
    if (n == static_cast<int>(events.size())) {  // more are ready: after the io loop's other work
      asio::post(io_, [this] {
        if (!stopped_) poll();
      });
      return;
    }
    // Without a window, or after 100 ms of empty looks: sleep. (Not at the first empty look:
    // adding the set to the io loop's epoll walks all its connections, ~20 us per thousand.)
    empty_looks_ = n > 0 ? 0 : empty_looks_ + 1;
    if (window_.count() == 0 || empty_looks_ * window_ >= std::chrono::milliseconds(100)) {
      empty_looks_ = 0;
      if (Status s = sleep(); !s.ok()) BMF_LOG_ERROR("AGENT_POLLER_FAILED: {}", s.to_string());
      return;
    }
    pause_.expires_after(window_);
    pause_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && !stopped_) poll();
    });
  }

  asio::io_context& io_;
  int epfd_ = -1;
  asio::posix::stream_descriptor desc_;  // epfd_, while sleeping (or always, without a window)
  asio::steady_timer pause_;
  std::chrono::microseconds window_;
  std::function<void(void*)> ready_;
  int empty_looks_ = 0;
  bool stopped_ = false;
};

class AgentServer::Impl {
 public:
  Impl(asio::io_context& io, NodeRegistry& registry, Store& store, AgentServerConfig config);
  ~Impl();

  Result<std::uint16_t> start();
  void stop();

  asio::io_context& io_;
  NodeRegistry& registry_;
  Store& store_;
  AgentServerConfig config_;
  tcp::acceptor acceptor_;
  SslCtxPtr tls_;
  std::unordered_set<std::shared_ptr<Session>> sessions_;
  std::unique_ptr<Poller> poller_;
  // A closed session leaves sessions_ but lives until the current handler is over: the poller
  // may hold its pointer in the batch of events it is going through.
  std::vector<std::shared_ptr<Session>> retired_;
  void retire(std::shared_ptr<Session> session) {
    sessions_.erase(session);
    retired_.push_back(std::move(session));
    if (retired_.size() == 1) asio::post(io_, [this] { retired_.clear(); });
  }
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> by_node_;
  std::vector<std::function<void(const AgentEvent&)>> listeners_;
  void publish(const AgentEvent& e) {
    if (draining_) return deferred_.push_back(e);  // after the batch is on disk
    for (const auto& l : listeners_) l(e);
  }
  std::uint64_t next_command_ = 1;
  bool stopping_ = false;
  // Every read lands here first (one io thread): a session keeps only a partial frame.
  std::array<char, 16 * 1024> read_buffer_;

  // Group commit: agent messages are handled in batches, one per turn of the io loop: every
  // message read in this turn is queued, and one posted drain() handles them all inside one store
  // batch (a registration storm writes each page once per batch, not once per agent). Answers go
  // out only after the batch is committed (a session's output waits while draining_ is set);
  // events are published after it too, so listeners write outside the batch.
  void enqueue(std::shared_ptr<Session> session, bool writes, std::function<Status()> work) {
    writers_ += writes;
    pending_.push_back({std::move(session), std::move(work)});
    if (drain_posted_) return;
    drain_posted_ = true;
    asio::post(io_, [this] { drain(); });
  }
  void drain();
  void flush_waiting_output();  // what flush_after_batch() kept, once the batch is over
  bool idle() const { return pending_.empty(); }
  // A session not in the batch was sent something while the batch ran (a command from a
  // listener, say): written once the batch is over.
  void flush_after_batch(std::shared_ptr<Session> session) { flush_after_.push_back(std::move(session)); }
  bool draining() const { return draining_; }

 private:
  struct Pending {
    std::shared_ptr<Session> session;
    std::function<Status()> work;  // handles one message; an error fails that session
  };
  std::vector<Pending> pending_;
  std::vector<AgentEvent> deferred_;
  std::vector<std::shared_ptr<Session>> flush_after_;
  bool drain_posted_ = false;
  bool draining_ = false;
  std::size_t writers_ = 0;  // queued messages that write (all but heartbeats)

  // One timer for every session's deadline (register in time, a message within the liveness
  // window, the last frame out after an error), not one per session.
  asio::steady_timer sweeper_;
  // Connections accepted since freed memory was last handed back to the system (see
  // sweep_deadlines), and when the last one came.
  std::size_t accepted_since_trim_ = 0;
  Clock::time_point last_accept_;
  // After a storm, the heap's resident ranges are collapsed into huge pages on this thread (it
  // copies hundreds of MiB: never on the io thread); stop() ends it between ranges.
  std::thread collapser_;
  std::atomic<bool> collapsing_{false};
  std::atomic<bool> stop_collapse_{false};
  void collapse_heap();
 public:
  std::unique_ptr<Deadlines> deadlines_;
 private:
  void sweep_deadlines();
  void arm_sweeper();
  std::chrono::milliseconds sweep_period() const;
  asio::awaitable<void> accept_loop();
};

namespace {

std::chrono::milliseconds liveness_window(const NodeRegistry& registry) {
  const auto& live = registry.liveness();
  return std::chrono::milliseconds(std::uint64_t{live.heartbeat_interval_ms} * (live.missed_heartbeats + 1));
}

}  // namespace

// One agent connection, driven by socket readiness: no coroutine, no per-session timer, and no
// buffer while idle (a partial frame or unsent bytes are the only things it keeps). pump() makes
// all the progress it can (handshake, write what is queued, read and handle whole frames) and
// then waits for the poller's on_ready(). The poller is edge-triggered: reads go until the socket
// is drained (a short read, or one that would block), except while a message waits for its
// batch (handled() resumes) or while the peer does not read its answers.
class Session final : public std::enable_shared_from_this<Session>,
                      public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  static constexpr std::size_t kMaxUnsent = 256 * 1024;
  // What a session must do before its deadline; each kind has one fixed delay. kRegister and
  // kFlushError are set once per session: a list per kind in the order the deadlines were set is
  // in deadline order (sweeping reads only the fronts that are due). kMessage is pushed back by
  // every message, thousands a second: moving the session in a list each time would touch its two
  // neighbours' memory, cold at site scale. It sits in a wheel of slots instead, and a message only
  // moves deadline_; the sweep moves a session whose slot has passed to the slot of its deadline
  // (once per liveness window, not once per message), or closes it.
  enum class Due { kRegister, kMessage, kFlushError };

  // `fd`: a connected socket, now this session's (out of Asio's reactor: the poller has it).
  Session(AgentServer::Impl& server, int fd, std::string peer) : server_(server), fd_(fd), peer_(std::move(peer)) {}
  ~Session() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status start() {
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) != 0) {
      return unavailable(fmt::format("cannot make the socket non-blocking: {}", std::strerror(errno)));
    }
    BMF_RETURN_IF_ERROR(server_.poller_->add(fd_, this));
    polled_ = true;
    transport_ = server_.tls_ ? tls_transport(server_.tls_.get(), fd_) : plain_transport(fd_);
    handshaking_ = server_.tls_ != nullptr;
    set_deadline(Due::kRegister);
    pump();
    return ok_status();
  }

  void send(const proto::Envelope& envelope) {
    if (closed_) return;
    const std::size_t size = envelope.ByteSizeLong();
    if (size > server_.config_.limits.max_payload) {
      BMF_LOG_ERROR("AGENT_SEND_TOO_LARGE peer={} node={}: {} bytes over the limit of {}", peer_, node_id_, size,
                    server_.config_.limits.max_payload);
      return;
    }
    const std::size_t at = out_.size();
    out_.resize(at + wire::kHeaderSize + size);
    auto* p = reinterpret_cast<std::uint8_t*>(out_.data() + at);
    wire::write_header(std::span<std::uint8_t, wire::kHeaderSize>(p, wire::kHeaderSize),
                       static_cast<std::uint32_t>(size));
    envelope.SerializeWithCachedSizesToArray(p + wire::kHeaderSize);
    // Inside pump() the output goes at its end (several answers, one write); during a batch,
    // after the commit (handled() pumps). Only writes here: the read buffer is shared, and a
    // listener may send while another session is in the middle of its frames.
    if (server_.draining() && !in_pump_) return server_.flush_after_batch(shared_from_this());
    flush_now();
  }

  // Writes what is queued unless something else will (a pump, the handshake, a blocked write,
  // the end of a batch), and closes once a closing session's last frame is out.
  void flush_now() {
    if (closed_ || in_pump_ || handshaking_ || write_blocked_ || server_.draining()) return;
    auto self = shared_from_this();
    if (out_off_ < out_.size() && !flush()) return;
    if (closing_ && out_off_ >= out_.size()) close();
  }

  // The socket became readable or writable (or hung up): make what progress there is.
  void on_ready() {
    write_blocked_ = false;
    pump();
  }

  void handled(Status status) {
    waiting_ = false;
    if (!closed_ && !status.ok()) fail(status);
    pump();
  }

  // Closes the session if its deadline has passed; false when it has not.
  bool expire_if_due(Clock::time_point now) {
    if (closed_) {
      unlink();
      return true;
    }
    if (now < deadline_) return false;
    if (!closing_) {
      BMF_LOG_WARN_LIMITED("AGENT_SESSION_TIMEOUT", "AGENT_SESSION_TIMEOUT peer={} node={}: {}", peer_, node_id_,
                           handshaking_    ? "no TLS handshake in time"
                           : node_id_ == 0 ? "no Register in time"
                                           : "no message within the liveness window");
    }
    close();
    return true;
  }

  void set_deadline(Due due);
  Clock::time_point deadline() const { return deadline_; }

  void close() {
    if (closed_) return;
    closed_ = true;
    unlink();  // from its deadline list
    if (polled_) server_.poller_->remove(fd_);
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
    transport_.reset();
    in_.clear();
    in_.shrink_to_fit();
    out_.clear();
    out_.shrink_to_fit();
    if (node_id_ != 0) {
      auto it = server_.by_node_.find(node_id_);
      if (it != server_.by_node_.end() && it->second.lock().get() == this) server_.by_node_.erase(it);
    }
    server_.retire(shared_from_this());
  }

 private:
  // Sends a ProtocolError, then closes once it is written (or at the deadline, 1 s).
  void fail(const Status& status) {
    BMF_LOG_WARN_LIMITED("AGENT_PROTOCOL_ERROR", "AGENT_PROTOCOL_ERROR peer={} node={}: {}", peer_, node_id_,
                         status.to_string());
    proto::Envelope env;
    env.mutable_error()->set_code(std::string(to_string(status.code())));
    env.mutable_error()->set_message(status.message());
    const bool was_in_pump = std::exchange(in_pump_, true);  // written by the pump that follows
    send(env);
    in_pump_ = was_in_pump;
    closing_ = true;
    set_deadline(Due::kFlushError);
  }

  void pump() {
    if (closed_ || in_pump_) return;
    auto self = shared_from_this();  // close() drops the server's reference
    in_pump_ = true;
    step();
    in_pump_ = false;
    flush_now();  // the answers step() queued, in one write
  }

  void step() {
    if (handshaking_) {
      IoStep r = transport_->handshake();
      if (r.kind == IoStep::kWantRead || r.kind == IoStep::kWantWrite) return;  // on_ready() goes on
      if (r.kind != IoStep::kDone) {
        BMF_LOG_WARN_LIMITED("AGENT_TLS_HANDSHAKE_FAILED", "AGENT_TLS_HANDSHAKE_FAILED peer={}: {}", peer_,
                             r.kind == IoStep::kClosed ? "the peer closed the connection" : r.error);
        return close();
      }
      handshaking_ = false;
    }
    if (!server_.draining() && !flush()) return;
    while (!closed_ && !closing_ && !waiting_) {
      if (!in_.empty()) {  // frames left behind one that waited for its batch
        const std::size_t before = in_.size();
        take_buffered();
        if (closed_ || in_.size() != before) continue;
      }
      // A peer that sends but does not read is not read until it does (its answers are bounded).
      if (out_.size() - out_off_ > kMaxUnsent) return;  // on_ready() when writable
      IoStep r = transport_->read(server_.read_buffer_);
      switch (r.kind) {
        case IoStep::kDone: break;
        case IoStep::kWantRead:
        case IoStep::kWantWrite: return;  // on_ready() goes on
        case IoStep::kClosed:
          if (!in_.empty()) {
            return fail(data_loss(fmt::format("truncated frame: the stream ended with {} bytes of a frame", in_.size())));
          }
          BMF_LOG_INFO("AGENT_DISCONNECTED peer={} node={}: connection closed by peer", peer_, node_id_);
          return close();
        case IoStep::kError:
          BMF_LOG_INFO("AGENT_DISCONNECTED peer={} node={}: {}", peer_, node_id_, r.error);
          return close();
      }
      std::string_view data(server_.read_buffer_.data(), r.bytes);
      if (!in_.empty()) {  // the rest of a frame begun in an earlier read
        in_.append(data);
        data = in_;
      }
      const std::size_t used = take_frames(data);
      if (closed_) return;
      // Keep what is not handled yet (a partial frame; frames behind one waiting for its batch).
      if (data.data() == in_.data()) {
        in_.erase(0, used);
      } else {
        in_.assign(data.substr(used));
      }
      if (in_.empty() && in_.capacity() > 1024) in_.shrink_to_fit();
      // The socket is drained: wait now rather than read again for an EAGAIN. Bytes that arrive
      // after this read make a new edge in the poller's set.
      if (!r.more && !waiting_ && !closing_ && !closed_) return;  // on_ready() when readable
    }
  }

  // Handles every whole frame at the front of `data` (stops at a message waiting for its batch or
  // at an error); returns the bytes consumed.
  std::size_t take_frames(std::string_view data) {
    std::size_t used = 0;
    while (!closing_ && !closed_ && !waiting_ && data.size() - used >= wire::kHeaderSize) {
      auto header = std::span<const std::uint8_t, wire::kHeaderSize>(
          reinterpret_cast<const std::uint8_t*>(data.data() + used), wire::kHeaderSize);
      auto length = wire::parse_header(header, server_.config_.limits);
      if (!length.ok()) {
        fail(length.status());
        return data.size();
      }
      if (data.size() - used - wire::kHeaderSize < *length) break;
      take_message(data.substr(used + wire::kHeaderSize, *length));
      used += wire::kHeaderSize + *length;
    }
    return used;
  }

  void take_buffered() {
    std::string rest = std::move(in_);
    in_.clear();
    const std::size_t used = take_frames(rest);
    if (!closed_) in_.assign(std::string_view(rest).substr(used));
  }

  void take_message(std::string_view payload) {
    proto::Envelope parsed;
    if (!parsed.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return fail(invalid_argument(fmt::format("malformed protobuf payload ({} bytes)", payload.size())));
    }
    if (node_id_ != 0 || parsed.body_case() == proto::Envelope::kRegister) set_deadline(Due::kMessage);
    // A heartbeat while nothing else is queued is handled at once (it writes nothing but memory);
    // anything else in this turn's batch, and the next frame is handled only after it (order).
    const bool writes = parsed.body_case() != proto::Envelope::kHeartbeat;
    if (!writes && server_.idle()) {
      if (Status s = handle(parsed); !s.ok()) fail(s);
      return;
    }
    waiting_ = true;
    auto env = std::make_shared<proto::Envelope>(std::move(parsed));
    server_.enqueue(shared_from_this(), writes, [this, env] { return closed_ ? ok_status() : handle(*env); });
  }

  // Flushes queued output; false when that closed the session.
  bool flush() {
    if (out_.empty()) {  // the common case: touch nothing more of the session's memory
      write_blocked_ = false;
      return !closed_;
    }
    while (out_off_ < out_.size() && !closed_) {
      IoStep r = transport_->write(std::string_view(out_).substr(out_off_));
      switch (r.kind) {
        case IoStep::kDone: out_off_ += r.bytes; continue;
        case IoStep::kWantWrite:
        case IoStep::kWantRead: write_blocked_ = true; return true;  // on_ready() goes on
        case IoStep::kClosed:
        case IoStep::kError:
          BMF_LOG_INFO("AGENT_DISCONNECTED peer={} node={}: write failed: {}", peer_, node_id_,
                       r.kind == IoStep::kClosed ? "connection closed by peer" : r.error);
          close();
          return false;
      }
    }
    write_blocked_ = false;
    std::string().swap(out_);  // an idle session keeps no buffer (the next answer allocates a hot one)
    out_off_ = 0;
    return !closed_;
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
        BMF_LOG_WARN_LIMITED("AGENT_REPORTED_ERROR", "AGENT_REPORTED_ERROR peer={} node={}: {} {}", peer_, node_id_,
                             env.error().code(), env.error().message());
        return ok_status();
      default: return invalid_argument(fmt::format("unexpected message kind {} from an agent", int(env.body_case())));
    }
  }
  Status on_register(const proto::Register& reg) {
    auto out = server_.registry_.register_node(to_registration_request(reg, peer_));
    if (!out.ok()) return out.status();
    node_id_ = out->node_id;
    // A reboot can leave the old connection half-open; the newest session wins. (Closing the old
    // one takes the node's entry out of by_node_: look it up again after, never hold a reference
    // across close().)
    if (auto old = server_.by_node_[node_id_].lock(); old && old.get() != this) old->close();
    server_.by_node_[node_id_] = weak_from_this();
    BMF_LOG_INFO("NODE_REGISTERED node={} peer={} uuid={} matched_existing={}", node_id_, peer_,
                 reg.identity().system_uuid(), out->matched_existing);
    proto::Envelope env;
    auto* reply = env.mutable_register_reply();
    reply->set_node_id(node_id_);
    reply->set_heartbeat_interval_ms(server_.registry_.liveness().heartbeat_interval_ms);
    reply->set_heartbeats_per_ack(server_.registry_.liveness().heartbeats_per_ack);
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
    if (hb.quiet()) return ok_status();  // the agent heard from us lately (heartbeat_policy.h)
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
  int fd_;
  std::string peer_;
  std::unique_ptr<Transport> transport_;
  std::string in_;   // a frame not yet whole, or frames behind one that waits for its batch
  std::string out_;  // frames not yet written, from out_off_
  std::size_t out_off_ = 0;
  Clock::time_point deadline_;
  Due due_ = Due::kRegister;
  std::uint64_t node_id_ = 0;
  bool handshaking_ = false;
  bool waiting_ = false;  // a message of this session is in the server's batch
  bool in_pump_ = false;
  bool polled_ = false;
  bool write_blocked_ = false;
  bool closing_ = false;  // a ProtocolError is queued; close once it is out
  bool closed_ = false;
};

// The sessions by deadline kind (see Session::Due).
struct Deadlines {
  using List = boost::intrusive::list<Session, boost::intrusive::constant_time_size<false>>;
  std::array<List, 3> lists;  // kMessage's stays empty: see wheel
  std::array<Clock::duration, 3> delays{};
  // kMessage: slot k % wheel.size() holds sessions whose deadline was in slot k when they were put
  // there (slot k: [k * slot, (k + 1) * slot) since the clock's epoch).
  std::vector<List> wheel;
  Clock::duration slot{};
  std::int64_t next_slot = 0;  // the first slot not swept yet

  std::int64_t slot_of(Clock::time_point t) const { return t.time_since_epoch() / slot; }
  List& at(std::int64_t k) { return wheel[static_cast<std::size_t>(k % static_cast<std::int64_t>(wheel.size()))]; }
};

void Session::set_deadline(Due due) {
  auto& d = *server_.deadlines_;
  const auto i = static_cast<std::size_t>(due);
  deadline_ = Clock::now() + d.delays[i];
  if (due == Due::kMessage && due_ == Due::kMessage && is_linked()) return;  // the sweep catches up
  unlink();
  due_ = due;
  (due == Due::kMessage ? d.at(d.slot_of(deadline_)) : d.lists[i]).push_back(*this);
}

AgentServer::Impl::Impl(asio::io_context& io, NodeRegistry& registry, Store& store, AgentServerConfig config)
    : io_(io),
      registry_(registry),
      store_(store),
      config_(std::move(config)),
      acceptor_(io),
      sweeper_(io),
      deadlines_(std::make_unique<Deadlines>()) {
  deadlines_->delays = {std::chrono::milliseconds(config_.register_timeout_ms), liveness_window(registry_),
                        std::chrono::seconds(1)};
  // One slot per sweep, and enough of them that a deadline never wraps onto a slot not yet swept.
  deadlines_->slot = sweep_period();
  deadlines_->wheel.resize(static_cast<std::size_t>(deadlines_->delays[1] / deadlines_->slot) + 3);
  deadlines_->next_slot = deadlines_->slot_of(Clock::now());
}

std::chrono::milliseconds AgentServer::Impl::sweep_period() const {
  // A quarter of the shortest deadline, between 10 ms and 1 s: a deadline is kept to within that
  // (the liveness window, swept by slots, to within two).
  const auto shortest = std::min(std::chrono::milliseconds(config_.register_timeout_ms), liveness_window(registry_));
  return std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
}

AgentServer::Impl::~Impl() {
  stop_collapse_ = true;
  if (collapser_.joinable()) collapser_.join();
  for (auto& list : deadlines_->lists) list.clear();
  for (auto& list : deadlines_->wheel) list.clear();
  retired_.clear();
  poller_.reset();
}

namespace {

std::string endpoint_string(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

void AgentServer::Impl::flush_waiting_output() {
  auto waiting = std::move(flush_after_);
  flush_after_.clear();
  for (auto& session : waiting) session->flush_now();
}

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
      flush_waiting_output();  // commands: not about the lost batch
      return;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].session->handled(std::move(results[i]));
  flush_waiting_output();
  auto events = std::move(deferred_);
  deferred_.clear();
  for (const auto& e : events) publish(e);
}

Result<std::uint16_t> AgentServer::Impl::start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.listen_address, ec);
  if (ec) return invalid_argument(fmt::format("bad agent listen address '{}'", config_.listen_address));
  if (config_.tls) {
    std::string error;
    tls_ = make_tls_server_context(config_.tls->cert_chain, config_.tls->private_key, error);
    if (!tls_) return invalid_argument(error);
  }
  tcp::endpoint ep(address, config_.listen_port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable(fmt::format("cannot listen on {}:{}: {}", config_.listen_address, config_.listen_port, ec.message()));
  poller_ = std::make_unique<Poller>(io_, config_.batch_window, [](void* who) { static_cast<Session*>(who)->on_ready(); });
  BMF_RETURN_IF_ERROR(poller_->open());
  async::spawn(io_, accept_loop(), fmt::format("agent accept loop on {}:{}", config_.listen_address, config_.listen_port));
  arm_sweeper();
  return acceptor_.local_endpoint().port();
}

void AgentServer::Impl::arm_sweeper() {
  sweeper_.expires_after(sweep_period());
  sweeper_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    sweep_deadlines();
    arm_sweeper();
  });
}

void AgentServer::Impl::sweep_deadlines() {
  const auto now = Clock::now();
  // A registration storm (a site booting, a coordinator restart) leaves hundreds of MiB of
  // handshake and registration memory free but kept by malloc; once it has been over for 10 s,
  // give it back (one pass over the heap; steady state allocates little).
  if (accepted_since_trim_ >= 1000 && now - last_accept_ >= std::chrono::seconds(10)) {
    BMF_LOG_INFO("AGENT_STORM_OVER connections={} sessions={}: freed memory returned to the system", accepted_since_trim_,
                 sessions_.size());
    accepted_since_trim_ = 0;
    ::malloc_trim(0);
    collapse_heap();
  }
  for (auto& list : deadlines_->lists) {
    while (!list.empty()) {
      auto session = list.front().shared_from_this();  // close() may drop the last reference
      if (!session->expire_if_due(now)) break;       // the rest of this list is due later
    }
  }
  // The wheel's slots that have wholly passed (at most one turn, if the loop was held up).
  auto& d = *deadlines_;
  const std::int64_t current = d.slot_of(now);
  for (std::int64_t k = std::max(d.next_slot, current - static_cast<std::int64_t>(d.wheel.size()) + 1); k < current; ++k) {
    auto& slot = d.at(k);
    while (!slot.empty()) {
      auto session = slot.front().shared_from_this();
      if (session->expire_if_due(now)) continue;  // closed (and so out of the slot)
      session->unlink();
      d.at(d.slot_of(session->deadline())).push_back(*session);  // a later slot: it had messages since
    }
  }
  d.next_slot = std::max(d.next_slot, current);
}

asio::awaitable<void> AgentServer::Impl::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      BMF_LOG_WARN_LIMITED("AGENT_ACCEPT_FAILED", "AGENT_ACCEPT_FAILED: {}", ec.message());
      // e.g. EMFILE: keep serving those already connected, and do not spin on the error.
      asio::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    ++accepted_since_trim_;
    last_accept_ = Clock::now();
    socket.set_option(tcp::no_delay(true), ec);
    std::string peer = endpoint_string(socket);
    const int fd = socket.release(ec);
    if (ec) {
      BMF_LOG_WARN_LIMITED("AGENT_ACCEPT_FAILED", "AGENT_ACCEPT_FAILED: {}", ec.message());
      continue;
    }
    auto session = std::make_shared<Session>(*this, fd, std::move(peer));
    sessions_.insert(session);
    if (Status started = session->start(); !started.ok()) {
      BMF_LOG_WARN_LIMITED("AGENT_ACCEPT_FAILED", "AGENT_ACCEPT_FAILED: {}", started.to_string());
      session->close();
    }
  }
}

void AgentServer::Impl::collapse_heap() {
  if (collapsing_.exchange(true)) return;  // one at a time
  if (collapser_.joinable()) collapser_.join();  // the last one, over
  collapser_ = std::thread([this] {
    const auto t0 = Clock::now();
    Result<HeapCollapse> done = Status(StatusCode::kInternal, "not run");
    try {
      // A range half in memory is worth a huge page: its sessions are touched every heartbeat.
      done = collapse_heap_into_huge_pages(0.5, stop_collapse_);
    } catch (const std::exception& e) {
      done = Status(StatusCode::kInternal, e.what());
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    if (done.ok()) {
      BMF_LOG_INFO("AGENT_HEAP_COLLAPSED ranges={} skipped={} added_mib={} in {} ms: the sessions' memory on huge pages",
                   done->ranges, done->skipped, done->added_bytes >> 20, ms);
    } else {
      BMF_LOG_WARN("AGENT_HEAP_COLLAPSE_FAILED after {} ms: {}; the heap stays on 4 KiB pages", ms, done.status().to_string());
    }
    collapsing_ = false;
  });
}

void AgentServer::Impl::stop() {
  stopping_ = true;
  stop_collapse_ = true;
  if (collapser_.joinable()) collapser_.join();
  boost::system::error_code ec;
  acceptor_.close(ec);
  sweeper_.cancel();
  std::vector<std::shared_ptr<Session>> all(sessions_.begin(), sessions_.end());
  for (auto& s : all) s->close();
  if (poller_) poller_->stop();
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
