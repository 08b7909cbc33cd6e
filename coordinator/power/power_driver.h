#pragma once
// Power and boot of nodes, through bmf-bmc-proxy: the coordinator never holds a BMC
// credential. It calls the proxy's Redfish as a bmf service user (HTTPS, the user's
// API token as the password), for the nodes the proxy maps as /redfish/v1/Systems/{node}.
//
// Real BMCs answer in 1-10 s and sometimes not at all, so:
//   - calls run on libcurl multi on the io loop (no thread waits on a BMC);
//   - one action at a time per node (the rest queue), any number of nodes at once;
//   - only idempotent calls are retried (GET, the Boot PATCH); a Reset never is: when its
//     answer is lost the state is read back to learn whether it happened;
//   - an action is done only when the PowerState read back is the one asked for.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/clock/clock.h"
#include "common/status/status.h"
#include "coordinator/store/records.h"

namespace bmf::http {
class CurlMultiClient;
}

namespace bmf::coordinator {

enum class PowerAction {
  kOn,
  kOff,
  kPxeCycle,  // boot from the network once (the discovery image), then restart (or power on when off)
};
std::string_view to_string(PowerAction action);

struct PowerOutcome {
  Status status;                            // OK once the state read back is the one asked for
  PowerState state = PowerState::kUnknown;  // as last read back
  int calls = 0;                            // HTTP calls made (retries included)
  std::int64_t elapsed_ms = 0;
};

class PowerDriver {
 public:
  virtual ~PowerDriver() = default;
  // `done` runs on the io thread exactly once.
  virtual void run(std::uint64_t node, PowerAction action, std::function<void(PowerOutcome)> done) = 0;
};

struct RedfishPowerConfig {
  std::string proxy_url;  // https://HOST:PORT of bmf-bmc-proxy
  std::string username;   // a bmf user with the service role
  std::string token;      // its API token (the Basic auth password), or:
  std::string token_file; // read at each action, so the token may be created after the coordinator starts
  std::string ca_file;    // verify the proxy against this CA ('' : the system store)
  bool verify_tls = true;
  std::chrono::milliseconds call_timeout{30'000};        // one HTTP call
  std::chrono::milliseconds settle_timeout{120'000};     // until the state read back is right
  std::chrono::milliseconds poll_interval{500};          // between read-backs
  int idempotent_attempts = 5;                           // GET, the Boot PATCH, a reset answered 503 (backoff 200 ms doubling)
  long max_connections = 256;                            // to the proxy
};

class RedfishProxyPower final : public PowerDriver {
 public:
  RedfishProxyPower(boost::asio::io_context& io, RedfishPowerConfig config);
  ~RedfishProxyPower() override;
  void run(std::uint64_t node, PowerAction action, std::function<void(PowerOutcome)> done) override;
  std::size_t queued(std::uint64_t node) const;

 private:
  class Job;
  void start_next(std::uint64_t node);
  std::string token() const;

  boost::asio::io_context& io_;
  RedfishPowerConfig config_;
  std::unique_ptr<http::CurlMultiClient> http_;
  struct Pending {
    PowerAction action;
    std::function<void(PowerOutcome)> done;
  };
  std::map<std::uint64_t, std::deque<Pending>> queues_;  // front: running
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The PowerState field of a Redfish ComputerSystem ("On", "Off", "PoweringOn", ...).
PowerState parse_power_state(const std::string& system_json);

}  // namespace bmf::coordinator
