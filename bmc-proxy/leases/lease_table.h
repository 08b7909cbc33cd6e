#pragma once
// LeaseTable: which project holds which node right now, as the coordinator last
// said. A tenant's requests are checked against it on every call; when it has
// not been confirmed for `stale_after` the proxy stops serving tenants (fails
// closed) until the coordinator answers again.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace bmf::bmcproxy {

struct LeaseSnapshot {
  std::uint64_t revision = 0;
  std::map<std::uint64_t, std::string> project_of_node;  // active leases only
};

// Parses the coordinator's LeaseList JSON (protobuf mapping: 64-bit ids are strings).
Result<LeaseSnapshot> parse_lease_list(std::string_view json_text);

class LeaseTable {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LeaseTable(std::chrono::milliseconds stale_after = std::chrono::seconds(30)) : stale_after_(stale_after) {}

  void replace(LeaseSnapshot snapshot, Clock::time_point now = Clock::now());
  // The coordinator answered but nothing changed.
  void confirm(Clock::time_point now = Clock::now()) { confirmed_at_ = now; }

  bool fresh(Clock::time_point now = Clock::now()) const {
    return confirmed_at_ && now - *confirmed_at_ <= stale_after_;
  }
  std::optional<std::string> holder(std::uint64_t node_id) const;
  std::vector<std::uint64_t> nodes_of(std::string_view project) const;
  std::uint64_t revision() const { return snapshot_.revision; }
  std::size_t size() const { return snapshot_.project_of_node.size(); }
  std::optional<Clock::time_point> confirmed_at() const { return confirmed_at_; }

 private:
  std::chrono::milliseconds stale_after_;
  LeaseSnapshot snapshot_;
  std::optional<Clock::time_point> confirmed_at_;
};

}  // namespace bmf::bmcproxy
