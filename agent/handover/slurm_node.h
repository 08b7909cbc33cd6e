#pragma once
// The SLURM handover on the node (commands "slurm-join" and "slurm-leave"): the agent
// runs munged with the cluster's key and a dynamic `slurmd -Z` that fetches its
// configuration from the controller (configless), and calls the join done only when
// slurmctld reports the node idle. Leave drains the node, waits (bounded) for its jobs,
// stops slurmd, deletes the node from slurmctld and stops munged.
// Blocking: runs on the agent's worker thread.
#include <sys/types.h>

#include <chrono>
#include <string>

#include "common/proto/agent.pb.h"
#include "common/status/status.h"

namespace bmf::agent {

struct SlurmPaths {
  std::string state_dir = "/var/lib/bmf-agent";  // munge key and seed, daemon logs
  std::string run_dir = "/run";                   // munge socket (RUN/munge), slurmd's config cache (RUN/slurm/conf)
  std::string munged = "munged";
  std::string slurmd = "slurmd";
  std::string scontrol = "scontrol";
};

class SlurmNode {
 public:
  explicit SlurmNode(SlurmPaths paths) : paths_(std::move(paths)) {}
  ~SlurmNode();

  // Checks the command (INVALID_ARGUMENT naming the field), then joins. The message says
  // how long slurmctld took to see the node idle; an error carries slurmd's last words.
  Result<std::string> join(const proto::SlurmJoin& join);
  Result<std::string> leave(const proto::SlurmLeave& leave);

  // The node's state in slurmctld ("IDLE", "MIXED", "DRAINED"...), from `scontrol show node`.
  Result<std::string> state(const std::string& node_name);
  // "State=IDLE+DYNAMIC_NORM ..." -> "IDLE+DYNAMIC_NORM"; empty when absent.
  static std::string parse_state(const std::string& scontrol_line);

 private:
  std::string munge_socket() const { return paths_.run_dir + "/munge/munge.socket.2"; }
  std::string slurm_conf() const { return paths_.run_dir + "/slurm/conf/slurm.conf"; }
  Status start_munged(const std::string& key);
  void stop_daemons();

  SlurmPaths paths_;
  pid_t munged_ = -1;
  pid_t slurmd_ = -1;
};

}  // namespace bmf::agent
