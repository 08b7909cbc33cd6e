#pragma once
// NetworkService: networks as objects and NICs on them.
//  - create (a tenant network: the lowest free VLAN of the site pool), import (an
//    existing provider VLAN that named projects may use), delete (refused while a
//    NIC is on it; its VLAN returns to the pool);
//  - attach/detach a node's NIC (by name or MAC) to networks: the NIC's switch port
//    comes from the admin's port map, else from what the agent heard over LLDP;
//  - every change that touches switch ports is ONE journaled operation: all
//    affected ports on all switches in one cross-switch transaction, then the
//    database in one Store transaction. A failure anywhere leaves every switch and
//    the database as before, and the operation says which switch failed and why.
// Operations run one at a time, in order, each planned against the database as it
// is when its turn comes. Everything here runs on the io thread.
#include <deque>
#include <functional>
#include <optional>

#include "common/clock/clock.h"
#include "common/proto/inventory.pb.h"
#include "coordinator/networks/switch_applier.h"
#include "coordinator/store/store.h"
#include "coordinator/tenancy/tenancy_service.h"

namespace bmf::coordinator {

struct NetworkConfig {
  std::uint16_t pool_first = 100;   // tenant VLAN pool
  std::uint16_t pool_last = 3999;
};

struct AttachRequest {
  std::uint64_t node_id = 0;
  std::string nic;        // name or MAC
  std::string network;    // id or name
  bool trunk = false;     // tagged on a trunk (else untagged: access)
  std::string native;     // with trunk: the untagged network of the trunk (id or name)
  std::string project;    // disambiguates a network name; default: the node's lease's project
};

struct DetachRequest {
  std::uint64_t node_id = 0;
  std::string nic;
  std::string network;  // empty: every network of the NIC
};

class NetworkService {
 public:
  NetworkService(Store& store, const Clock& clock, SwitchApplier& applier, NetworkConfig config = {});

  Result<NetworkRecord> create(const Principal& by, const std::string& project, const std::string& name);
  Result<NetworkRecord> import(const Principal& by, const std::string& name, std::uint16_t vlan,
                               const std::vector<std::string>& shared_with);
  Status remove(const Principal& by, const std::string& ref, const std::string& project);
  Result<std::vector<NetworkRecord>> list(const Principal& by);
  // A network as `by` may be shown it: an imported one's shared_with names only their projects.
  static NetworkRecord scoped(const Principal& by, NetworkRecord n);
  // By id, or by name within `project` (or the caller's projects, then site networks). NOT_FOUND when not visible.
  Result<NetworkRecord> find(const Principal& by, const std::string& ref, const std::string& project);
  bool visible(const Principal& by, const NetworkRecord& n) const;

  // The project holding an active lease on the node ('' when none).
  Result<std::string> lease_project(std::uint64_t node_id);
  // NOT_FOUND unless `by` is an admin or holds the node through one of its projects.
  Status check_node_visible(const Principal& by, std::uint64_t node_id);

  Result<OperationRecord> attach(const Principal& by, const AttachRequest& request);
  Result<OperationRecord> detach(const Principal& by, const DetachRequest& request);
  // Every NIC of the node back to the provisioning network (a lease ended). nullopt: nothing was attached.
  Result<std::optional<OperationRecord>> release_node(const std::string& actor, std::uint64_t node_id);
  // The same for several nodes, in one operation.
  Result<std::optional<OperationRecord>> release_nodes(const std::string& actor, const std::vector<std::uint64_t>& nodes);
  // The switch port of a node's NIC (name or MAC): the port map, else LLDP. FAILED_PRECONDITION when unknown.
  struct NicPort {
    std::string nic;
    std::string switch_name;
    std::string port;
  };
  // Where NICs are cabled, for many nodes at once: the port maps and switches read once.
  class PortLocator {
   public:
    PortLocator(std::vector<NicPortRecord> overrides, std::vector<SwitchRecord> switches);
    // The admin's port map, else the LLDP neighbour; FAILED_PRECONDITION naming the fix.
    Result<NicPort> locate(std::uint64_t node_id, const proto::Nic& nic) const;

   private:
    std::map<std::pair<std::uint64_t, std::string>, NicPortRecord> overrides_;
    std::vector<SwitchRecord> switches_;
  };
  Result<PortLocator> port_locator();
  Result<NicPort> nic_port(std::uint64_t node_id, const std::string& nic);
  // Called on the io thread whenever an operation ends (succeeded or failed).
  void on_finished(std::function<void(const OperationRecord&)> hook) { finished_hooks_.push_back(std::move(hook)); }
  // Admin override of a NIC's switch port (empty switch: back to LLDP).
  Status set_port(const Principal& by, std::uint64_t node_id, const std::string& nic, const std::string& switch_name,
                  const std::string& port);
  // Attachment of several NICs in one operation (the bench's 144 ports; a GPU node's rails).
  Result<OperationRecord> attach_many(const Principal& by, const std::vector<AttachRequest>& requests);

  Result<OperationRecord> operation(const Principal& by, std::uint64_t id);
  // Operations a previous process left pending/running are failed with a reason (start-up step).
  // Fails operations a previous process left unfinished; how many there were (their switches may
  // hold a change the database does not: the caller syncs them).
  Result<std::size_t> recover();
  std::size_t queued() const { return queue_.size() + (busy_ ? 1 : 0); }
  static constexpr std::size_t kMaxBatch = 64;  // operations per switch transaction

 private:
  using Planner = std::function<Result<std::vector<NicChange>>()>;
  struct Job {
    OperationRecord op;
    Planner plan;
  };
  struct NicRef {
    std::string name;
    std::string switch_name;
    std::string port;
  };
  // `locator`: one read of the port maps and switches shared by many NICs (else read here).
  Result<NicRef> resolve_nic(std::uint64_t node_id, const std::string& nic, const PortLocator* locator = nullptr);
  Result<std::vector<NicChange>> plan_attach(const Principal& by, const std::vector<AttachRequest>& requests);
  Result<std::vector<NicChange>> plan_detach(const DetachRequest& request, bool all_nics);
  Result<OperationRecord> start(OperationRecord op, Planner plan);
  void pump();
  // Queued operations that touch disjoint NICs and ports go to the switches together: one
  // NETCONF transaction per switch for all of them (each keeps its own row and its own
  // database commit). A switch refusing it fails every operation of the batch.
  struct Planned {
    Job job;
    std::vector<NicChange> nics;
  };
  void finish(Job job, PortPlan plan, std::vector<NicChange> nics, ApplyOutcome outcome);
  // The part of a batch's plan that one operation's NICs are.
  static PortPlan part_of(const PortPlan& whole, const std::vector<NicChange>& nics);
  void fail(OperationRecord& op, const std::string& message, const std::string& detail = {});

  Store& store_;
  const Clock& clock_;
  SwitchApplier& applier_;
  NetworkConfig config_;
  std::deque<Job> queue_;
  bool busy_ = false;
  bool solo_ = false;  // the next round plans one operation alone (its batch did not plan as a whole)
  std::vector<std::function<void(const OperationRecord&)>> finished_hooks_;
  void notify(const OperationRecord& op) {
    for (auto& h : finished_hooks_) h(op);
  }
};

}  // namespace bmf::coordinator
