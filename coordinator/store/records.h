#pragma once
// The coordinator's stored records: plain structs, independent of protobuf and
// of the storage backend. Mapping to the wire/API types lives in coordinator/api.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock/clock.h"

namespace bmf::coordinator {

enum class NodeState { kEnrolling, kAvailable, kUnreachable };

std::string_view to_string(NodeState state);
std::optional<NodeState> node_state_from_string(std::string_view text);

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
  std::string agent_version;
  std::string secret_sha256;  // hex; the secret itself is never stored
  EpochMs registered_at_ms = 0;
  EpochMs last_seen_ms = 0;
  std::uint32_t registrations = 0;
  std::string peer_address;
};

struct EventRecord {
  std::uint64_t id = 0;
  EpochMs time_ms = 0;
  std::string actor;         // "agent:<node>", "coordinator", "admin:<user>"
  std::uint64_t node_id = 0;  // 0 when not about one node
  std::string kind;          // stable ID, e.g. NODE_REGISTERED
  std::string message;
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
  bool active() const { return ended_at_ms == 0; }
};

struct LeaseList {
  std::uint64_t revision = 0;  // the newest change to any lease
  std::vector<LeaseRecord> leases;
};

struct EventQuery {
  std::uint64_t node_id = 0;  // 0: all nodes
  std::uint32_t limit = 100;  // newest first
};

}  // namespace bmf::coordinator
