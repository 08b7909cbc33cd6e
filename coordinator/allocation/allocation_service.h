#pragma once
// AllocationService: "N nodes of class C for project P", driven through its stages,
// each recorded with its time the moment it is reached (docs/allocation.md):
//
//   requested -> reserved      leases for the user: one Store transaction with the quota
//                              checks, nodes -> allocated (two requests never share a node)
//             -> powering_on   only for warm (powered-off) nodes: network boot into discovery
//                              through the BMC proxy, with the ETA measured for the class;
//                              a node that is not up in time goes to maintenance and is replaced
//             -> assigned      the nodes' ports on the project's network: one network operation
//             -> handing_over  the named handover (slurm, ...) when one is asked for
//             -> ready         nodes -> active
//   or failed: which step, which node, the error, and what was rolled back (the leases end;
//   their nodes are cleaned like any released node).
//   release: releasing (leases end) -> ports_released -> cleaning -> released.
//
// Nodes are chosen among free nodes of the class, hot ones (on, agent heartbeating) first,
// then warm ones; within each, the leaf switches with the most free nodes first, so an
// allocation spans as few leaves as possible. The allocation row and its stages are the
// journal: recover() rolls back allocations a dead process left half-done and resumes
// their releases. Runs on the io thread; the clock is injected.
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "common/proto/inventory.pb.h"

#include "common/clock/clock.h"
#include "coordinator/agent_server/command_dispatcher.h"
#include "coordinator/lifecycle/cleaning_service.h"
#include "coordinator/lifecycle/node_lifecycle.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/power/power_driver.h"
#include "coordinator/store/store.h"
#include "coordinator/tenancy/tenancy_service.h"

namespace bmf::coordinator {

struct AllocationRequest {
  std::string project;
  std::uint32_t count = 0;
  std::string hardware_class;  // '' : any node
  std::string network;         // '' : none
  std::string handover = "none";
  std::int64_t duration_s = 0;  // the leases end by themselves this long from now (0: held until released)
  std::vector<std::string> handover_names;  // the names its nodes take in the handover (SLURM elastic mode); count of them
  std::string handover_target;              // where the handover takes them (its SLURM cluster; prepare fills the default)
};

struct AllocationConfig {
  EpochMs boot_eta_ms = 300'000;      // a warm node's power-on -> agent up, until the class has a measurement
  EpochMs boot_timeout_ms = 600'000;  // after which it goes to maintenance and is replaced
};

// A handover plugs in here (slurm: coordinator/handover). Each call reports once, on the io thread.
struct Handover {
  // At request time: refuse early (e.g. the project has no cluster) and fill defaults (its network).
  std::function<Status(const Principal&, AllocationRequest&)> prepare;
  // The nodes are assigned: hand them over; `done` when every node is in (or the first failure).
  std::function<void(const AllocationRecord&, std::function<void(Status)> done)> join;
  // Before nodes are released (or rolled back after a failed join): take them out again.
  std::function<void(const AllocationRecord&, const std::vector<std::uint64_t>& nodes, std::function<void(Status)> done)> leave;
};

class AllocationService {
 public:
  AllocationService(Store& store, const Clock& clock, NetworkService& networks, NodeLifecycle& lifecycle,
                    CleaningService& cleaning, PowerDriver* power = nullptr, CommandDispatcher* agents = nullptr,
                    AllocationConfig config = {});

  Result<AllocationRecord> request(const Principal& by, const AllocationRequest& request);
  Result<AllocationRecord> release(const Principal& by, std::uint64_t id);
  // A member releases one node of their project (its active lease ends; NOT_FOUND for anyone else's).
  // When it was its allocation's last node, the allocation is released too.
  Result<LeaseRecord> release_node(const Principal& by, std::uint64_t node_id);
  // Ends one lease (a hand-made one, or one node of an allocation); its node is released and cleaned.
  Result<LeaseRecord> end_lease(const Principal& by, std::uint64_t lease_id);
  // Releases every lease past its end time (its whole allocation, or the lease alone); returns how many.
  Result<std::size_t> expire();
  // Boot deadlines of warm nodes being powered on (called every second).
  void tick();
  // At start-up: allocations a previous process left running are rolled back (their step
  // named); releases it left are resumed. Before the first CleaningService::reconcile().
  Status recover();
  Result<AllocationRecord> get(const Principal& by, std::uint64_t id);
  Result<std::vector<AllocationRecord>> list(const Principal& by);

  Status save_class(const Principal& by, HardwareClass hc);
  Status remove_class(const Principal& by, const std::string& name);
  void add_handover(const std::string& name, Handover handover) { handovers_[name] = std::move(handover); }
  // Nodes another loop is moving (the hotpool powering them): never chosen.
  void set_busy_check(std::function<bool(std::uint64_t)> busy) { busy_ = std::move(busy); }
  // Called after leases change (the BMC proxy's long-poll).
  void on_lease_change(std::function<void()> hook) { lease_changed_ = std::move(hook); }
  // Called after every stage change (live progress streams, the hotpool).
  void on_change(std::function<void(const AllocationRecord&)> hook) { changed_.push_back(std::move(hook)); }
  // A free node of the class that can be handed over at once: on, and its agent up.
  bool hot(const NodeRecord& node) const;
  // A released node its handover is still taking out (cleaning waits for it).
  bool leaving(std::uint64_t node) const { return leaving_.count(node) > 0; }
  // The node's inventory, parsed once per report (kept while its hardware_rev is unchanged; a brief
  // record's is read from the store on a miss); null when unreadable.
  const proto::Inventory* inventory_of(const NodeRecord& node);
  // inventory_of() of every row, in the rows' order; worked out again only when the store hands
  // back other rows (the loops that run every second look at every node).
  const std::vector<const proto::Inventory*>& inventories_of(const NodeBriefs& briefs);
  // Expected power-on -> agent up for a class (measured, else the configured default).
  EpochMs boot_eta_ms(const std::string& hardware_class);

 private:
  struct Flight {  // an allocation waiting for warm nodes to boot
    std::map<std::uint64_t, EpochMs> booting;  // node -> when its power-on was asked
    EpochMs deadline_ms = 0;
  };

  Result<std::vector<std::uint64_t>> candidates(const std::string& hardware_class, std::string& shortage);
  void stage(AllocationRecord& a, const std::string& name, const std::string& detail, const std::string& state = "",
             std::optional<EventRecord> event = std::nullopt);
  void power_on(AllocationRecord& a, const std::vector<std::uint64_t>& warm);
  void node_up(std::uint64_t allocation, std::uint64_t node);
  void node_not_up(std::uint64_t allocation, std::uint64_t node, const std::string& why);
  void assign(std::uint64_t allocation);
  void network_done(const OperationRecord& op);
  void hand_over(AllocationRecord& a);
  void ready(AllocationRecord& a);
  void fail(AllocationRecord& a, const std::string& step, const std::string& why);
  // The allocation's handover leave for these nodes (none: at once), then `then`.
  void leave_then(const AllocationRecord& a, const std::vector<std::uint64_t>& nodes, std::function<void()> then);
  void track_release(AllocationRecord a, const std::vector<std::uint64_t>& nodes, const std::string& actor);
  void on_agent(const AgentEvent& e);
  void notify(const AllocationRecord& a);

  Store& store_;
  const Clock& clock_;
  NetworkService& networks_;
  NodeLifecycle& lifecycle_;
  CleaningService& cleaning_;
  PowerDriver* power_;
  CommandDispatcher* agents_;
  AllocationConfig config_;
  std::map<std::uint64_t, std::uint64_t> waiting_;  // network operation id -> allocation id
  std::map<std::uint64_t, Flight> flights_;         // allocation id -> its warm nodes booting
  std::map<std::string, Handover> handovers_;
  std::set<std::uint64_t> leaving_;
  std::unordered_map<std::uint64_t, std::pair<std::uint64_t, proto::Inventory>> inventories_;  // node -> (hardware_rev, parsed)
  NodeBriefs listed_for_;  // the rows listed_ is for (held: a new list never reuses its address)
  std::vector<const proto::Inventory*> listed_;
  std::function<bool(std::uint64_t)> busy_;
  std::function<void()> lease_changed_;
  std::vector<std::function<void(const AllocationRecord&)>> changed_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 public:
  ~AllocationService() { *alive_ = false; }
};

}  // namespace bmf::coordinator
