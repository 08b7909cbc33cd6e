#pragma once
#include <atomic>
// SwitchApplier: sends one operation's change sets to their switches as ONE
// cross-switch transaction (netconf/'s prepare-all-then-confirm), off the io
// thread, and reports back on it. NetconfApplier keeps one NETCONF session per
// switch across operations; a change that fails on a dead session before
// anything was committed is retried once on a fresh one.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/networks/port_planner.h"

namespace bmf::netconf {
class SwitchConnection;
}

namespace bmf::coordinator {

struct ApplyOutcome {
  bool committed = false;
  std::string failed_switch;  // empty when committed
  Status failure;
  std::vector<std::string> lines;  // one per switch: "leaf-1: confirmed (3 ports, +VLAN 100)"
  std::uint64_t sessions_opened = 0;  // NETCONF sessions this operation had to open
};

class SwitchApplier {
 public:
  virtual ~SwitchApplier() = default;
  // `done` runs on the io thread exactly once.
  virtual void apply(std::vector<SwitchWork> work, std::string persist_token, std::function<void(ApplyOutcome)> done) = 0;
};

class NetconfApplier final : public SwitchApplier {
 public:
  explicit NetconfApplier(boost::asio::io_context& io);
  ~NetconfApplier() override;
  void apply(std::vector<SwitchWork> work, std::string persist_token, std::function<void(ApplyOutcome)> done) override;
  void stop();  // waits for the transaction in progress (bounded only by its SSH timeouts)
  // Transactions queued or running (a drain waits for them, within its bound).
  std::size_t in_flight() const { return in_flight_.load(); }

 private:
  ApplyOutcome run(std::vector<SwitchWork>& work, const std::string& persist_token);

  boost::asio::io_context& io_;
  boost::asio::thread_pool worker_{1};
  std::atomic<std::size_t> in_flight_{0};
  // Touched only on the worker thread.
  std::map<std::string, std::unique_ptr<netconf::SwitchConnection>> connections_;
};

}  // namespace bmf::coordinator
