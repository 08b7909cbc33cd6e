#include "bmc-proxy/leases/lease_table.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

namespace bmf::bmcproxy {

using nlohmann::json;

namespace {

// proto3 JSON writes uint64 as a string; accept a number too.
std::optional<std::uint64_t> as_u64(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoull(s);
  }
  return std::nullopt;
}

}  // namespace

Result<LeaseSnapshot> parse_lease_list(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_argument("lease list is not a JSON object");
  LeaseSnapshot out;
  if (doc.contains("revision")) {
    auto rev = as_u64(doc["revision"]);
    if (!rev) return invalid_argument("lease list: bad revision");
    out.revision = *rev;
  }
  if (!doc.contains("leases")) return out;  // proto3 JSON omits empty lists
  if (!doc["leases"].is_array()) return invalid_argument("lease list: leases is not an array");
  for (const auto& l : doc["leases"]) {
    const char* node_key = l.is_object() && l.contains("node_id") ? "node_id" : "nodeId";
    if (!l.is_object() || !l.contains(node_key) || !l.contains("project") || !l["project"].is_string()) {
      return invalid_argument("lease list: a lease lacks nodeId or project");
    }
    if (l.contains("active") && !(l["active"].is_boolean() && l["active"].get<bool>())) continue;
    auto node = as_u64(l[node_key]);
    if (!node) return invalid_argument("lease list: bad nodeId");
    out.project_of_node[*node] = l["project"].get<std::string>();
  }
  return out;
}

void LeaseTable::replace(LeaseSnapshot snapshot, Clock::time_point now) {
  snapshot_ = std::move(snapshot);
  confirmed_at_ = now;
}

std::optional<std::string> LeaseTable::holder(std::uint64_t node_id) const {
  auto it = snapshot_.project_of_node.find(node_id);
  if (it == snapshot_.project_of_node.end()) return std::nullopt;
  return it->second;
}

std::vector<std::uint64_t> LeaseTable::nodes_of(std::string_view project) const {
  std::vector<std::uint64_t> out;
  for (const auto& [node, p] : snapshot_.project_of_node) {
    if (p == project) out.push_back(node);
  }
  return out;
}

}  // namespace bmf::bmcproxy
