#pragma once
// HotpoolService: per hardware class, a hot tier (free, powered on, agent heartbeating in the
// discovery image: allocatable at once) and a warm tier (free, inspected, powered off: no
// energy spent). reconcile() powers warm nodes on or hot nodes off to meet each class's
// target, through the BMC proxy.
//
// The target follows demand (docs/hotpool.md): the most nodes of the class requested within
// any 10-minute window of the last hour, within the operator's bounds (bmfctl hotpool set
// CLASS --min N --max M). A node in several classes is powered off only when every one of
// them has more hot nodes than its target.
//
// It never races an allocation: it moves only free (available) nodes, the nodes it is
// moving are "busy" to the allocator until their agent is back (or they are off), and an
// allocation that reserves a node first simply wins (the move is not started).
// Never silent: a class whose hot tier runs empty writes HOTPOOL_EMPTY at once (with what
// is left warm and the boot ETA) and its time is kept (last_empty_at, a metric).
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "coordinator/agent_server/command_dispatcher.h"
#include "coordinator/allocation/allocation_service.h"
#include "coordinator/power/power_driver.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

struct HotpoolConfig {
  EpochMs window_ms = 3'600'000;  // demand is looked at over this long
  EpochMs bucket_ms = 600'000;    // in windows this long; the busiest one sets the target
  EpochMs boot_timeout_ms = 600'000;
};

struct HotpoolClassStatus {
  std::string hardware_class;
  std::uint32_t total = 0;  // nodes of the class in any state
  std::uint32_t hot = 0;
  std::uint32_t warm = 0;
  std::uint32_t target = 0;
  std::int64_t min_hot = 0;
  std::int64_t max_hot = -1;
  std::uint32_t demand = 0;  // the busiest window's nodes
  EpochMs last_empty_at_ms = 0;
  std::uint32_t powering_on = 0;
  std::uint32_t powering_off = 0;
  EpochMs boot_ms = 0;
};

// The documented rule: demand within [min, max] (max -1: no bound).
std::uint32_t hot_target(std::uint32_t demand, std::int64_t min_hot, std::int64_t max_hot);
// The busiest `bucket_ms` window's requested nodes of `hardware_class` over the last `window_ms`.
std::uint32_t recent_demand(const std::vector<AllocationRecord>& allocations, const std::string& hardware_class, EpochMs now,
                            EpochMs window_ms, EpochMs bucket_ms);

class HotpoolService {
 public:
  HotpoolService(Store& store, const Clock& clock, AllocationService& allocations, PowerDriver* power, CommandDispatcher* agents,
                 HotpoolConfig config = {});

  Result<std::vector<HotpoolClassStatus>> status();
  Status set_bounds(const std::string& actor, const std::string& hardware_class, std::int64_t min_hot, std::int64_t max_hot);
  // Moves nodes toward each class's target; notes classes that ran empty.
  void reconcile();
  bool busy(std::uint64_t node) const { return moving_.count(node) > 0; }

 private:
  struct Move {
    PowerAction action;
    EpochMs since_ms;
    bool powered = false;  // the BMC confirmed; for kPxeCycle: waiting for the agent
  };
  void start(const NodeRecord& node, PowerAction action, const std::string& why);
  void note_empty(const std::string& hardware_class, std::uint32_t warm);

  Store& store_;
  const Clock& clock_;
  AllocationService& allocations_;
  PowerDriver* power_;
  CommandDispatcher* agents_;
  HotpoolConfig config_;
  std::map<std::uint64_t, Move> moving_;
  std::set<std::string> empty_;  // classes whose hot tier is empty now (an event per emptying)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 public:
  ~HotpoolService() { *alive_ = false; }
};

}  // namespace bmf::coordinator
