#pragma once
#include <atomic>
// SwitchSyncer: drift repair. Reads a switch's desired port configuration from
// the Store (on the io thread), then on a worker thread (NETCONF calls block)
// reads the switch's running config, sends only the differing ports in one
// confirmed transaction, and posts the outcome back to the io thread, which
// records it as an audit event. One reused NETCONF session per switch.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <map>
#include <memory>
#include <mutex>

#include "coordinator/store/store.h"
#include "coordinator/switches/switch_operations.h"

namespace bmf::netconf {
class SwitchConnection;
}

namespace bmf::coordinator {

class SwitchSyncer final : public SwitchOperations {
 public:
  SwitchSyncer(boost::asio::io_context& io, Store& store);
  ~SwitchSyncer() override;

  Result<OperationRecord> start_sync(const std::string& switch_name, const std::string& actor) override;
  Result<OperationRecord> start_check(const std::string& switch_name, const std::string& actor) override;
  void stop();
  std::size_t in_flight() const { return in_flight_.load(); }  // syncs and checks queued or running

 private:
  void finish(OperationRecord op, bool ok, const std::string& message);
  Result<OperationRecord> start(const std::string& kind, const std::string& switch_name, const std::string& actor);

  boost::asio::io_context& io_;
  Store& store_;
  boost::asio::thread_pool workers_{1};
  std::atomic<std::size_t> in_flight_{0};
  // Touched only on the worker thread.
  std::map<std::string, std::unique_ptr<netconf::SwitchConnection>> connections_;
};

}  // namespace bmf::coordinator
