#pragma once
// SlurmService: a project's SLURM clusters and the "slurm" handover.
//   add/list/remove: a project member (or an admin) registers the project's cluster:
//     its controller (HOST:PORT as nodes reach it), its munge key (kept here, sent only
//     to the project's nodes, never shown again), the network its nodes go on.
//   join: every node of the allocation gets a "slurm-join" command (controller, key,
//     node name, its slurmd --conf: CPUs, RealMemory, Features = bmf, class, leaf
//     switch, Gres for GPUs); done when every agent reports its node idle in
//     slurmctld, or at the first failure (naming the node and slurmd's words).
//   leave: "slurm-leave" (drain, bounded wait for jobs, stop slurmd, delete the node).
// Commands are tracked by id from the agents' results; tick() fails what an agent never
// answered (it lost power or its session) after the command's own limit plus a margin.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/status/status.h"
#include "coordinator/agent_server/command_dispatcher.h"
#include "coordinator/allocation/allocation_service.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/store/store.h"
#include "coordinator/tenancy/tenancy_service.h"

namespace bmf::coordinator {

struct SlurmConfig {
  std::uint32_t join_timeout_ms = 60'000;   // per node, until idle in slurmctld
  std::uint32_t drain_timeout_ms = 30'000;  // per node, for its jobs to finish on leave
};

class SlurmService {
 public:
  SlurmService(Store& store, const Clock& clock, NetworkService& networks, AllocationService& allocations,
               CommandDispatcher& agents, SlurmConfig config = {});

  Result<SlurmClusterRecord> add(const Principal& by, SlurmClusterRecord cluster);
  // Visible clusters, munge keys blanked.
  Result<std::vector<SlurmClusterRecord>> list(const Principal& by);
  Status remove(const Principal& by, const std::string& name);

  // Elastic mode (Slurm's ResumeProgram): an allocation of one node per name, handed over as those
  // State=CLOUD nodes of the cluster's slurm.conf. The caller follows the allocation's stages.
  Result<AllocationRecord> resume(const Principal& by, const std::string& cluster, const std::vector<std::string>& names,
                                  const std::string& hardware_class);
  struct Suspended {
    std::vector<SlurmMemberRecord> released;  // their nodes are leaving SLURM and going back to the hotpool
    std::vector<std::string> unknown;          // bmf holds no node under these names
  };
  // Elastic mode (Slurm's SuspendProgram): release the nodes holding these names.
  Result<Suspended> suspend(const Principal& by, const std::string& cluster, const std::vector<std::string>& names);

  // The Handover the allocation service calls (registered as "slurm" by the constructor).
  Handover handover();
  void tick();

  // The node's slurmd --conf line from its inventory (exposed for tests).
  static std::string node_conf(const proto::Inventory& inv, const std::string& hardware_class, const std::string& leaf);
  // The node's SLURM name: its hostname when SLURM accepts it, else bmf-node-<id>.
  static std::string node_name(const NodeRecord& node);

 private:
  struct Batch {
    std::map<std::string, std::uint64_t> commands;  // command id -> node
    std::vector<std::string> failures;
    EpochMs deadline_ms = 0;
    std::function<void(Status)> finish;
  };
  Result<SlurmClusterRecord> cluster_of(const std::string& project);
  Result<SlurmClusterRecord> cluster_named(const std::string& name);
  // The cluster as `by` may see it (NOT_FOUND for another project's, as for none).
  Result<SlurmClusterRecord> named(const Principal& by, const std::string& name);
  void dispatch(const std::vector<std::pair<std::uint64_t, std::string>>& payloads, const std::string& kind,
                EpochMs limit_ms, std::function<void(Status)> finish);
  void on_agent(const AgentEvent& e);
  void settle(const std::shared_ptr<Batch>& b);

  Store& store_;
  const Clock& clock_;
  NetworkService& networks_;
  AllocationService& allocations_;
  CommandDispatcher& agents_;
  SlurmConfig config_;
  std::map<std::string, std::shared_ptr<Batch>> pending_;  // command id -> its batch
};

}  // namespace bmf::coordinator
