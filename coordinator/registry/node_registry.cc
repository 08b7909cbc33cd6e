#include "coordinator/registry/node_registry.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/proto/inventory.pb.h"

namespace bmf::coordinator {
namespace {

constexpr std::size_t kMaxFieldLength = 256;
constexpr std::size_t kMaxMacs = 256;
constexpr std::size_t kMaxInventoryBytes = 1024 * 1024;

std::string to_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_mac(const std::string& m) {
  if (m.size() != 17) return false;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (i % 3 == 2 ? m[i] != ':' : !std::isxdigit(static_cast<unsigned char>(m[i]))) return false;
  }
  return true;
}

bool is_placeholder_uuid(const std::string& u) {
  // Boards with unset DMI data report these instead of a real UUID.
  return u.empty() || u.find_first_not_of("0-") == std::string::npos ||
         u.find_first_not_of("f-") == std::string::npos || u == "03000200-0400-0500-0006-000700080009";
}

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

Result<std::string> new_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return internal_error("RAND_bytes failed");
  return hex(bytes.data(), bytes.size());
}

std::string sha256_hex(const std::string& s) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md.data(), &len, EVP_sha256(), nullptr);
  return hex(md.data(), len);
}

bool token_matches(const std::string& expected, const std::string& given) {
  return expected.size() == given.size() && CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

}  // namespace

Status normalize_identity(RegistrationRequest& r) {
  for (auto* field : {&r.system_uuid, &r.serial, &r.vendor, &r.product, &r.bmc_address, &r.hostname,
                      &r.agent_version}) {
    if (field->size() > kMaxFieldLength) {
      return invalid_argument(fmt::format("identity field longer than {} bytes", kMaxFieldLength));
    }
  }
  if (r.inventory_json.size() > kMaxInventoryBytes || r.hardware_json.size() > kMaxInventoryBytes) {
    return invalid_argument("inventory larger than 1 MiB");
  }
  if (r.macs.size() > kMaxMacs) return invalid_argument(fmt::format("more than {} MACs", kMaxMacs));
  r.system_uuid = to_lower(r.system_uuid);
  if (is_placeholder_uuid(r.system_uuid)) r.system_uuid.clear();
  std::vector<std::string> macs;
  for (auto& m : r.macs) {
    std::string mac = to_lower(m);
    if (!is_mac(mac)) return invalid_argument(fmt::format("malformed MAC '{}'", m));
    if (mac != "00:00:00:00:00:00") macs.push_back(std::move(mac));
  }
  std::sort(macs.begin(), macs.end());
  macs.erase(std::unique(macs.begin(), macs.end()), macs.end());
  r.macs = std::move(macs);
  if (r.system_uuid.empty() && r.macs.empty()) {
    return invalid_argument("registration carries neither a usable system UUID nor a MAC");
  }
  return ok_status();
}

std::string inspection_problem(const NodeRecord& node) {
  if (node.hardware_json.empty() || node.hardware_json == "{}") return "";  // a summary-only agent: nothing to check
  proto::Inventory inv;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(node.hardware_json, &inv, options).ok()) return "the inventory does not parse";
  if (inv.ByteSizeLong() == 0) return "";  // no hardware report at all (an identity-only agent)
  if (inv.nics_size() == 0) return "the inventory reports no network interface";
  bool mac = false;
  for (const auto& nic : inv.nics()) mac = mac || !nic.mac().empty();
  if (!mac) return "no network interface reports a MAC address";
  return "";
}

NodeRegistry::NodeRegistry(Store& store, const Clock& clock, NodeLifecycle& lifecycle, RegistryConfig config)
    : store_(store), clock_(clock), lifecycle_(lifecycle), config_(std::move(config)), started_at_ms_(clock.now_ms()) {}

Result<RegistrationOutcome> NodeRegistry::register_node(RegistrationRequest req) {
  if (!config_.enrollment_token.empty() && !token_matches(config_.enrollment_token, req.enrollment_token)) {
    return permission_denied("enrollment token rejected");
  }
  BMF_RETURN_IF_ERROR(normalize_identity(req));
  BMF_ASSIGN_OR_RETURN(auto matches, store_.find_nodes_by_identity(req.system_uuid, req.macs));

  const EpochMs now = clock_.now_ms();
  NodeRecord node;
  RegistrationOutcome out;
  std::string note;
  if (!matches.empty()) {
    BMF_ASSIGN_OR_RETURN(node, store_.get_node(matches.front()));
    out.matched_existing = true;
    if (matches.size() > 1) {
      note = fmt::format("; identity also matched node(s) {}, their shared MACs move to node {}",
                         fmt::format("{}", fmt::join(matches.begin() + 1, matches.end(), ",")), node.id);
    }
  } else {
    node.registered_at_ms = now;
  }
  const std::string known_uuid = node.system_uuid;
  static_cast<NodeIdentity&>(node) = req;  // the agent's report replaces the identity...
  if (node.system_uuid.empty()) node.system_uuid = known_uuid;  // ...but a placeholder UUID never erases a real one
  node.inventory_json = req.inventory_json;
  node.hardware_json = req.hardware_json;
  node.agent_version = req.agent_version;
  node.peer_address = req.peer_address;
  // A new node enrolls; a known one keeps its state (only NodeLifecycle moves it).
  if (!out.matched_existing) node.state = NodeState::kEnrolling;
  node.power_state = PowerState::kOn;  // its agent runs
  node.last_seen_ms = now;
  node.registrations += 1;
  BMF_ASSIGN_OR_RETURN(out.node_secret, new_secret());
  node.secret_sha256 = sha256_hex(out.node_secret);

  EventRecord event{.time_ms = now,
                    .actor = "agent:" + (req.hostname.empty() ? req.peer_address : req.hostname),
                    .kind = out.matched_existing ? EventKind::kNodeReregistered : EventKind::kNodeRegistered,
                    .message = fmt::format("uuid={} serial={} macs={} from {}{}", req.system_uuid, req.serial,
                                           fmt::join(req.macs, ","), req.peer_address, note)};
  BMF_RETURN_IF_ERROR(store_.save_node(node, std::move(event)));
  out.node_id = node.id;
  seen_.erase(node.id);  // not steady: whatever changed while it was away, its next heartbeat reads it
  return out;
}

Status NodeRegistry::heartbeat(std::uint64_t node_id) {
  const EpochMs now = clock_.now_ms();
  // The common case (a node found steady before) touches memory only; else one narrow row is
  // read, no inventory.
  if (auto it = seen_.find(node_id); it != seen_.end()) {
    it->second.at = now;  // judged from here; written when the database's copy is too old
    return ok_status();
  }
  BMF_ASSIGN_OR_RETURN(NodeLiveness live, store_.liveness_of(node_id));
  const bool steady =
      live.state != NodeState::kEnrolling && live.state != NodeState::kUnreachable && live.state != NodeState::kInspecting;
  if (steady && live.power_state == PowerState::kOn) {
    seen_[node_id] = Seen{.at = now, .written = live.last_seen_ms};
    return ok_status();
  }
  seen_.erase(node_id);
  BMF_RETURN_IF_ERROR(store_.touch_node(node_id, now));
  if (live.power_state != PowerState::kOn) BMF_RETURN_IF_ERROR(store_.set_power_state(node_id, PowerState::kOn, 0, std::nullopt));
  if (steady) return ok_status();
  BMF_ASSIGN_OR_RETURN(NodeRecord node, store_.get_node(node_id));  // inspection reads the inventory
  if (node.state != NodeState::kInspecting) {
    BMF_RETURN_IF_ERROR(lifecycle_.transition(node_id, NodeState::kInspecting,
                                              node.state == NodeState::kUnreachable ? "heartbeats resumed" : "first heartbeat",
                                              "coordinator", node.state));
  }
  if (std::string problem = inspection_problem(node); !problem.empty()) {
    return lifecycle_.transition(node_id, NodeState::kMaintenance, "inspection: " + problem, "coordinator", NodeState::kInspecting);
  }
  return lifecycle_.transition(node_id, NodeState::kAvailable, "inspected", "coordinator", NodeState::kInspecting);
}

Status NodeRegistry::flush(bool everything) {
  std::vector<std::pair<std::uint64_t, EpochMs>> batch;
  for (const auto& [id, s] : seen_) {
    if (s.at > s.written && (everything || s.at - s.written >= config_.last_seen_write_ms)) batch.emplace_back(id, s.at);
  }
  if (batch.empty()) return ok_status();
  std::sort(batch.begin(), batch.end());  // rows in key order: each page written once
  BMF_RETURN_IF_ERROR(store_.touch_nodes(batch));
  for (const auto& [id, at] : batch) seen_[id].written = at;
  return ok_status();
}

std::optional<EpochMs> NodeRegistry::last_seen(std::uint64_t node_id) const {
  auto it = seen_.find(node_id);
  if (it == seen_.end()) return std::nullopt;
  return it->second.at;
}

Result<int> NodeRegistry::sweep() {
  BMF_RETURN_IF_ERROR(flush());
  const EpochMs now = clock_.now_ms();
  const EpochMs allowed =
      static_cast<EpochMs>(config_.liveness.heartbeat_interval_ms) * config_.liveness.missed_heartbeats;
  // Only free nodes that should be up are expected to heartbeat (one narrow query, no inventories).
  BMF_ASSIGN_OR_RETURN(auto nodes, store_.list_expected_heartbeats());
  int changed = 0;
  for (NodeLiveness n : nodes) {
    if (auto at = last_seen(n.id)) n.last_seen_ms = std::max(n.last_seen_ms, *at);
    EpochMs since = std::max(n.last_seen_ms, started_at_ms_);
    EpochMs limit = allowed;
    // bmf changed (or began to change) its power within the boot timeout: its agent may be
    // booting, or gone with the power while the BMC takes its seconds to confirm an off.
    const bool booting = n.power_changed_at_ms && n.power_changed_at_ms >= n.last_seen_ms;  // not seen since
    if (booting || (n.power_changed_at_ms && now - n.power_changed_at_ms <= config_.liveness.boot_timeout_ms)) {
      since = std::max(since, n.power_changed_at_ms);
      limit = config_.liveness.boot_timeout_ms;
    }
    if (now - since <= limit) continue;
    Status moved = lifecycle_.transition(
        n.id, NodeState::kUnreachable,
        !booting ? fmt::format("no heartbeat for {} ms (limit {} x {} ms)", now - since, config_.liveness.missed_heartbeats,
                               config_.liveness.heartbeat_interval_ms)
                 : fmt::format("no heartbeat {} ms after power-on (boot timeout {} ms)", now - since,
                               config_.liveness.boot_timeout_ms),
        "coordinator", n.state);
    if (moved.ok()) {
      ++changed;
      seen_.erase(n.id);
    }
  }
  return changed;
}

}  // namespace bmf::coordinator
