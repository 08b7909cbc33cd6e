#pragma once
// The switch-driver contract: a change set ("these ports of this switch to these
// VLANs") applied in two phases so several switches can move together.
//   prepare(): apply and commit provisionally (self-reverting if never confirmed)
//   confirm(): make it permanent;  rollback(): undo a prepared change now.
// Drivers for other models (vendor-native YANG, SSH CLI) implement the same calls.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace bmf::netconf {

struct PortConfig {
  enum class Mode { kAccess, kTrunk, kShutdown };
  Mode mode = Mode::kAccess;
  std::uint16_t access_vlan = 0;             // kAccess
  std::uint16_t native_vlan = 0;             // kTrunk (0: none)
  std::vector<std::uint16_t> trunk_vlans;    // kTrunk
  bool operator==(const PortConfig&) const = default;
};

std::string to_string(const PortConfig& p);

struct ChangeSet {
  std::map<std::string, PortConfig> ports;   // port name -> desired config
  std::vector<std::uint16_t> ensure_vlans;   // VLANs to create if missing
  std::vector<std::uint16_t> remove_vlans;   // VLANs no port needs any more (removed if present)
  bool empty() const { return ports.empty() && ensure_vlans.empty() && remove_vlans.empty(); }
};

// INVALID_ARGUMENT naming the first bad port or VLAN (1..4094, not empty).
Status validate_change_set(const ChangeSet& changes);

struct PrepareOptions {
  std::chrono::seconds confirm_timeout{120};  // the switch reverts by itself if never confirmed
  std::string persist_token;                  // lets another session confirm or cancel
};

class SwitchDriver {
 public:
  virtual ~SwitchDriver() = default;
  virtual Status prepare(const ChangeSet& changes, const PrepareOptions& options) = 0;
  virtual Status confirm() = 0;
  virtual Status rollback() = 0;
  // The switch's current port configuration (running), for verify and drift repair.
  virtual Result<std::map<std::string, PortConfig>> read_ports() = 0;
  // The VLAN ids of each network instance (running), for verify and `switch add` checks.
  virtual Result<std::map<std::string, std::vector<std::uint16_t>>> read_vlans() = 0;
};

}  // namespace bmf::netconf
