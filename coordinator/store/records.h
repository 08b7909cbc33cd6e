#pragma once
// The coordinator's stored records: plain structs, independent of protobuf and
// of the storage backend. Mapping to the wire/API types lives in coordinator/api.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock/clock.h"

#include "coordinator/store/event_kind.h"

namespace bmf::coordinator {

// The node lifecycle (docs/node-lifecycle.md). The legal moves are one table,
// node_transition_allowed(); coordinator/lifecycle/NodeLifecycle is the one place
// that moves a node (the Store's reservation and lease calls apply the same table).
enum class NodeState {
  kEnrolling,    // registered, first heartbeat not yet seen
  kInspecting,   // heartbeating; its inventory is being checked
  kAvailable,    // free: hot (powered on, agent heartbeating) or warm (powered off)
  kAllocated,    // reserved for an allocation that is still being fulfilled
  kActive,       // handed over to the project
  kReleasing,    // lease ended: handover leave, ports back to provisioning
  kCleaning,     // power-cycled into discovery, disks being wiped
  kMaintenance,  // taken out by an operator or by a failed step (state_reason says why)
  kFailed,       // hardware failure found by bmf; an operator decides
  kUnreachable,  // a free node whose agent stopped heartbeating while powered on
};
inline constexpr NodeState kAllNodeStates[] = {
    NodeState::kEnrolling, NodeState::kInspecting, NodeState::kAvailable,   NodeState::kAllocated, NodeState::kActive,
    NodeState::kReleasing, NodeState::kCleaning,   NodeState::kMaintenance, NodeState::kFailed,    NodeState::kUnreachable};

std::string_view to_string(NodeState state);
std::optional<NodeState> node_state_from_string(std::string_view text);
// The state machine's table: may a node go from `from` to `to`?
bool node_transition_allowed(NodeState from, NodeState to);

enum class PowerState { kUnknown, kOn, kOff };
std::string_view to_string(PowerState state);
std::optional<PowerState> power_state_from_string(std::string_view text);

// What identifies a machine: what an agent reports and what a node record keeps.
struct NodeIdentity {
  std::string system_uuid;
  std::string serial;
  std::string vendor;
  std::string product;
  std::string bmc_address;
  std::string hostname;
  std::vector<std::string> macs;
};

struct NodeRecord : NodeIdentity {
  std::uint64_t id = 0;  // 0 until stored
  std::string inventory_json = "{}";  // protobuf JSON of InventorySummary
  std::string hardware_json = "{}";   // protobuf JSON of the full Inventory
  NodeState state = NodeState::kEnrolling;
  std::string state_reason;  // why it is in maintenance/failed; the last transition's reason otherwise
  EpochMs state_changed_at_ms = 0;
  PowerState power_state = PowerState::kUnknown;  // as last read back from its BMC (or implied by heartbeats)
  EpochMs power_changed_at_ms = 0;                // when bmf last changed it (a boot is in progress until a heartbeat)
  std::string agent_version;
  std::string secret_sha256;  // hex; the secret itself is never stored
  EpochMs registered_at_ms = 0;
  EpochMs last_seen_ms = 0;
  std::uint32_t registrations = 0;
  std::string peer_address;
  // Bumped by the database whenever hardware_json changes (migration 0014): a parsed inventory
  // can be kept while it stays the same (Store::list_nodes_brief() reads little more).
  std::uint64_t hardware_rev = 0;
};

struct EventRecord {
  std::uint64_t id = 0;
  EpochMs time_ms = 0;
  std::string actor;         // "agent:<node>", "coordinator", "admin:<user>"
  std::uint64_t node_id = 0;  // 0 when not about one node
  EventKind kind = EventKind::kUnknown;  // stored as its stable string, e.g. NODE_REGISTERED
  std::string message;
  std::string project;       // the project it concerns ('' : site-wide, admins only)
};

// A switch bmf manages, and how to reach it. Secrets are referenced by file, never stored.
struct SwitchRecord {
  std::string name;
  std::string address;
  std::uint16_t port = 830;
  std::string username;
  std::string password_file;
  std::string private_key_file;
  std::string known_hosts_file;
  bool trust_on_first_use = false;
  std::string driver = "openconfig";
  std::string network_instance = "default";
  std::string unused_ports = "keep";  // keep | park | shutdown
  std::uint16_t parking_vlan = 0;
  std::string lldp_chassis_id;  // '' : matched by LLDP system name only
};

// The desired configuration of one switch port.
struct SwitchPortRecord {
  std::string switch_name;
  std::string port;
  std::string mode = "access";  // access | trunk | shutdown
  std::uint16_t access_vlan = 0;
  std::uint16_t native_vlan = 0;
  std::vector<std::uint16_t> trunk_vlans;
};

// One project's hold on one node. Active while ended_at_ms == 0.
struct LeaseRecord {
  std::uint64_t id = 0;
  std::uint64_t node_id = 0;
  std::string project;  // the tenant; the BMC proxy matches it to tenant credentials
  std::string owner;    // the user who asked for it
  EpochMs created_at_ms = 0;
  EpochMs ended_at_ms = 0;
  std::uint64_t revision = 0;
  std::uint64_t allocation_id = 0;  // the allocation it was made for (0: a hand-made lease)
  EpochMs ends_at_ms = 0;           // released automatically then (0: held until released)
  bool active() const { return ended_at_ms == 0; }
};

struct LeaseList {
  std::uint64_t revision = 0;  // the newest change to any lease
  std::vector<LeaseRecord> leases;
};

struct EventQuery {
  std::uint64_t node_id = 0;  // 0: all nodes
  std::uint32_t limit = 100;  // newest first
  // When set, only events of these projects (a tenant's view); nullopt: all.
  std::optional<std::vector<std::string>> projects;
};

// ---- Tenancy (migration 0005) ----

enum class UserRole { kMember, kAdmin, kService };
std::string_view to_string(UserRole role);
std::optional<UserRole> user_role_from_string(std::string_view text);

struct UserRecord {
  std::uint64_t id = 0;
  std::string name;
  UserRole role = UserRole::kMember;
  std::string password_hash;  // '' : no password login
  EpochMs created_at_ms = 0;
  std::vector<std::string> projects;  // filled by list/get
};

inline constexpr std::int64_t kUnlimited = -1;

struct ProjectRecord {
  std::uint64_t id = 0;
  std::string name;
  std::int64_t quota_nodes = kUnlimited;
  std::int64_t quota_networks = kUnlimited;
  EpochMs created_at_ms = 0;
  std::vector<std::string> members;  // filled by get/list
  std::int64_t nodes_in_use = 0;     // active leases, filled by get/list
  std::int64_t networks_in_use = 0;  // owned networks, filled by get/list
  struct ClassQuota {
    std::int64_t max_nodes = 0;
    std::int64_t in_use = 0;  // active leases of allocations of that class
  };
  std::map<std::string, ClassQuota> class_quotas;  // filled by get/list
};

enum class TokenKind { kApi, kSession };

struct TokenRecord {
  std::uint64_t id = 0;
  std::uint64_t user_id = 0;
  std::string sha256;  // of the secret; the secret itself is shown once and never stored
  TokenKind kind = TokenKind::kApi;
  std::string description;
  EpochMs created_at_ms = 0;
  EpochMs expires_at_ms = 0;  // 0: never
  EpochMs revoked_at_ms = 0;  // 0: not revoked
};

// ---- Networks (migration 0006) ----

struct NetworkRecord {
  std::uint64_t id = 0;
  std::string name;
  std::string project;  // owner; '' for an imported site network
  std::uint16_t vlan = 0;
  enum class Kind { kTenant, kExternal } kind = Kind::kTenant;
  EpochMs created_at_ms = 0;
  std::vector<std::string> shared_with;  // external networks: the projects that may attach to it
};

// How create_network picks and checks: quota of the owning project, the tenant VLAN pool.
struct NetworkRules {
  std::uint16_t pool_first = 0;  // tenant networks: the VLAN is the lowest free one in [first, last]
  std::uint16_t pool_last = 0;
  std::vector<std::uint16_t> reserved;  // never handed out (parking/provisioning VLANs)
};

// One NIC on one network.
struct AttachmentRecord {
  std::uint64_t node_id = 0;
  std::string nic;
  std::uint64_t network_id = 0;
  bool tagged = false;
  std::string project;
  bool operator==(const AttachmentRecord&) const = default;
};

struct NicPortRecord {
  std::uint64_t node_id = 0;
  std::string nic;
  std::string switch_name;
  std::string port;
};

struct OperationRecord {
  std::uint64_t id = 0;
  std::string kind;
  std::string project;
  std::string target;
  std::string state = "pending";  // pending | running | succeeded | failed
  std::string stage;
  std::string message;
  std::string detail;
  std::string actor;
  EpochMs created_at_ms = 0;
  EpochMs updated_at_ms = 0;
};

// The database half of a network operation, written in one transaction once the
// switches have confirmed: the NICs' new attachments and their ports' new config.
struct NetworkChange {
  std::vector<std::pair<std::uint64_t, std::string>> nics;  // (node, nic) whose attachments are replaced
  std::vector<AttachmentRecord> attachments;                // their attachments afterwards
  std::vector<SwitchPortRecord> ports;                      // desired port config afterwards
};
}  // namespace bmf::coordinator

namespace bmf::coordinator {

// ---- Hardware classes and allocations (migration 0007) ----

struct HardwareClass {
  std::string name;
  std::uint32_t min_gpus = 0;
  std::string gpu_model;  // substring of the GPU name, case-insensitive
  bool rdma = false;
  std::uint32_t min_memory_gib = 0;
  std::uint32_t min_cpus = 0;
  EpochMs created_at_ms = 0;
};

struct AllocationStage {
  std::string stage;  // requested | reserved | assigned | ready | failed | releasing | released
  EpochMs at_ms = 0;
  std::string detail;
};

struct AllocationRecord {
  std::uint64_t id = 0;
  std::string project;
  std::string owner;
  std::string hardware_class;
  std::uint32_t count = 0;
  std::string network;
  std::string handover = "none";
  std::string state = "running";  // running | ready | failed | releasing | released
  std::string stage;
  std::string message;
  std::uint64_t operation_id = 0;
  EpochMs created_at_ms = 0;
  EpochMs updated_at_ms = 0;
  EpochMs ends_at_ms = 0;  // its leases end then (0: held until released); not stored on the row, on the leases
  std::vector<AllocationStage> stages;  // filled by get/list
  std::vector<std::uint64_t> nodes;     // nodes leased for it (active or not), filled by get/list
  std::vector<std::string> handover_names;  // SLURM elastic mode: the names its nodes join as (empty: bmf names them)
  std::string handover_target;              // the SLURM cluster ('' : none)
};

// Per hardware class: the operator's bounds on the hot tier and what the pool measured.
struct HotpoolRecord {
  std::string hardware_class;
  std::int64_t min_hot = 0;
  std::int64_t max_hot = -1;  // -1: no upper bound
  EpochMs last_empty_at_ms = 0;
  std::int64_t boot_ms = 0;   // measured power-on -> agent registered (moving average; 0: not measured yet)
};

// A project's SLURM cluster (handover "slurm").
struct SlurmClusterRecord {
  std::string name;
  std::string project;
  std::string controller;   // HOST:PORT of slurmctld, as the nodes reach it
  std::string munge_key;    // raw bytes; never leaves the coordinator except to the project's nodes
  std::string partition;
  std::string network;      // where its nodes go when an allocation names no network
  EpochMs created_at_ms = 0;
};

// What liveness needs of a node, and nothing more (heartbeats and the sweep run often at a
// site of thousands of nodes: they never read inventories).
struct NodeLiveness {
  std::uint64_t id = 0;
  NodeState state = NodeState::kEnrolling;
  PowerState power_state = PowerState::kUnknown;
  EpochMs last_seen_ms = 0;
  EpochMs power_changed_at_ms = 0;
};

// A node handed to a SLURM cluster (migration 0012).
struct SlurmMemberRecord {
  std::uint64_t node_id = 0;
  std::string cluster;
  std::string slurm_name;
  std::uint64_t allocation_id = 0;
  bool power_saving = false;  // a State=CLOUD node of the cluster's slurm.conf (elastic mode)
  EpochMs joined_at_ms = 0;
};

}  // namespace bmf::coordinator
