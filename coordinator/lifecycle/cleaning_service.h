#pragma once
// CleaningService: what happens to a node after its lease ends, until it is free again.
//
//   releasing: its ports go back to the provisioning network (one network operation for
//              all the nodes released together);
//   cleaning:  power-cycled into the discovery image (network boot once, through the BMC
//              proxy) and, once its agent has registered from there, its disks wiped
//              (the agent's "wipe" command: discard or zero, verified);
//   then available (hot: on, in discovery). A node that fails any step goes to
//   maintenance with the step and the reason; it is never silently handed out again.
//
// The node's state is the journal: a coordinator restarted mid-way finds releasing and
// cleaning nodes in the database (reconcile()) and runs their steps again; every step is
// idempotent (ports to provisioning, a network boot, a wipe). Runs on the io thread.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "coordinator/agent_server/command_dispatcher.h"
#include "coordinator/lifecycle/node_lifecycle.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/power/power_driver.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

struct CleaningConfig {
  std::string wipe = "off";                // off | discard | zero
  EpochMs boot_timeout_ms = 600'000;       // power cycle -> the agent registers from the discovery image
  EpochMs wipe_timeout_ms = 6 * 3'600'000;  // wipe command -> its result
};

// One step of one node, for whoever released it (an allocation writes its stages from these).
struct CleaningProgress {
  std::uint64_t node = 0;
  std::string step;  // ports | power | booted | wiped | available | maintenance
  bool ok = true;
  std::string detail;
};

class CleaningService {
 public:
  using Listener = std::function<void(const CleaningProgress&)>;
  CleaningService(Store& store, const Clock& clock, NodeLifecycle& lifecycle, NetworkService& networks, PowerDriver* power,
                  CommandDispatcher* agents, CleaningConfig config);

  // Nodes whose leases just ended (releasing) or that an operator sent to cleaning: ports back
  // to provisioning (one operation), then each one cleaned. `listener` hears every step.
  void release(const std::vector<std::uint64_t>& nodes, const std::string& actor, Listener listener = {});
  // Takes up releasing/cleaning nodes nobody works on (a restart, a lease ended by hand) and
  // sends nodes whose step overran its timeout to maintenance. Called every second.
  void reconcile();
  // Released nodes another step still holds (a handover taking them out): not resumed by reconcile().
  void set_held(std::function<bool(std::uint64_t)> held) { held_ = std::move(held); }

  bool busy(std::uint64_t node) const { return jobs_.count(node) > 0; }
  std::size_t in_progress() const { return jobs_.size(); }
  const CleaningConfig& config() const { return config_; }

 private:
  std::function<bool(std::uint64_t)> held_;
  enum class Step { kPorts, kPower, kBooting, kWiping };
  struct Job {
    Step step = Step::kPorts;
    EpochMs deadline_ms = 0;  // kBooting / kWiping
    std::string command_id;   // kWiping
    bool registered = false;  // kPower: the agent came back before the BMC's answer did (a fast reboot)
    std::string actor;
    Listener listener;
    EpochMs started_ms = 0;
  };

  void ports_done(std::uint64_t node, bool ok, const std::string& detail);
  void start_cleaning(std::uint64_t node);
  void booted(std::uint64_t node);
  void wipe(std::uint64_t node);
  void finished(std::uint64_t node, const std::string& detail);
  void to_maintenance(std::uint64_t node, const std::string& why);
  void progress(std::uint64_t node, const std::string& step, bool ok, const std::string& detail);
  void on_agent(const AgentEvent& e);

  Store& store_;
  const Clock& clock_;
  NodeLifecycle& lifecycle_;
  NetworkService& networks_;
  PowerDriver* power_;
  CommandDispatcher* agents_;
  CleaningConfig config_;
  std::map<std::uint64_t, Job> jobs_;
  NodeBriefs cleaning_rows_for_;            // the store's rows cleaning_rows_ was taken from
  std::vector<std::uint64_t> cleaning_rows_;  // nodes releasing or cleaning in them
  std::map<std::uint64_t, std::vector<std::uint64_t>> port_ops_;  // network operation -> its nodes
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 public:
  ~CleaningService() { *alive_ = false; }
};

// The devices the wipe command is given: every disk of the node's last inventory.
std::vector<std::string> wipe_devices(const NodeRecord& node);

}  // namespace bmf::coordinator
