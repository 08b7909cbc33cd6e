#include "bmc-proxy/redfish/uri_mapping.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

namespace bmf::bmcproxy {

using nlohmann::json;

namespace {

// `uri` is `prefix` or below it ("/Systems/1" covers "/Systems/1/Bios", not "/Systems/10").
bool under(std::string_view uri, std::string_view prefix) {
  if (prefix.empty() || uri.substr(0, prefix.size()) != prefix) return false;
  return uri.size() == prefix.size() || uri[prefix.size()] == '/' || uri[prefix.size()] == '#';
}

void rewrite(json& v, const NodeUris& uris) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (!s.empty() && s[0] == '/') v = to_proxy_uri(s, uris);
  } else if (v.is_object() || v.is_array()) {
    for (auto& child : v) rewrite(child, uris);
  }
}

}  // namespace

std::string proxy_system_uri(std::uint64_t node_id) { return fmt::format("/redfish/v1/Systems/{}", node_id); }
std::string proxy_manager_uri(std::uint64_t node_id) { return fmt::format("/redfish/v1/Managers/{}", node_id); }

std::string to_proxy_uri(std::string_view uri, const NodeUris& uris) {
  if (under(uri, uris.bmc_system)) return proxy_system_uri(uris.node_id) + std::string(uri.substr(uris.bmc_system.size()));
  if (under(uri, uris.bmc_manager)) return proxy_manager_uri(uris.node_id) + std::string(uri.substr(uris.bmc_manager.size()));
  return std::string(uri);
}

std::string rewrite_bmc_body(std::string_view body, const NodeUris& uris, bool resource_is_root) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return std::string(body);
  rewrite(doc, uris);
  if (resource_is_root && doc.is_object() && doc.contains("Id")) doc["Id"] = std::to_string(uris.node_id);
  return doc.dump();
}

}  // namespace bmf::bmcproxy
