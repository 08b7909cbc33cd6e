#pragma once
// CoordinatorSession: keeps one agent connected to its coordinator. It connects
// (plain TCP, or TLS with the coordinator's certificate pinned by SHA-256),
// registers, heartbeats at the interval the coordinator gives, answers commands,
// and on any loss reconnects with jittered exponential backoff, re-registering
// (the coordinator matches it to its existing record). Its protocol state is a
// SessionStateMachine (session_state.h). Everything that may block (collecting the
// inventory listens for LLDP for seconds) runs through `offload`, never on the io
// thread that heartbeats.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/session/backoff.h"
#include "agent/session/session_state.h"
#include "common/proto/agent.pb.h"
#include "common/status/status.h"
#include "common/wire/frame.h"

namespace bmf::agent {

struct SessionConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7420;
  bool tls = false;
  std::string cert_sha256;  // lower-case hex of the coordinator leaf certificate (DER); required with tls
  wire::FrameLimits limits;
  BackoffPolicy backoff;
  std::chrono::milliseconds connect_timeout{5000};
};

class CoordinatorSession {
 public:
  // make_register is called for every (re)connection, so identity changes are picked up.
  using RegisterFactory = std::function<Result<proto::Register>()>;
  // Starts one command; `reply` takes its final result (command_id and done are filled
  // in by the session) and must be called on the io thread, once. Long work (inventory,
  // LLDP, wipe) runs elsewhere and posts its reply back, so heartbeats never wait for it.
  // A result whose session has gone is dropped (the coordinator times the command out).
  using Reply = std::function<void(proto::CommandResult)>;
  using CommandHandler = std::function<void(const proto::Command&, Reply reply)>;
  // Runs a blocking job elsewhere (the agent's worker thread); the session posts the result back.
  using Offload = std::function<void(std::function<void()> job)>;
  CoordinatorSession(boost::asio::io_context& io, SessionConfig config, RegisterFactory make_register,
                     CommandHandler handle_command, Offload offload);
  ~CoordinatorSession();

  void start();
  void stop();  // closes the connection; pending waits end at once
  // Queues an unsolicited inventory report; sent on the live session, or dropped
  // when there is none (the next registration carries a fresh inventory anyway).
  void send_inventory_update(proto::Inventory inventory, std::string reason);
  // Collects (off the io thread) and then sends as above: a link change's re-report.
  void report_inventory(std::function<Result<proto::Inventory>()> collect, std::string reason);
  std::uint64_t node_id() const;
  SessionState state() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bmf::agent
