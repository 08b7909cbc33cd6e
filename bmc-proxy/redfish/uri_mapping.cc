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

bool mapped(std::string_view uri, const NodeUris& uris) {
  return under(uri, proxy_system_uri(uris.node_id)) || under(uri, proxy_manager_uri(uris.node_id));
}

// A link ({"@odata.id": "/redfish/v1/..."}) to something the proxy does not serve.
bool foreign_link(const json& v, const NodeUris& uris) {
  if (!v.is_object() || !v.contains("@odata.id") || !v["@odata.id"].is_string()) return false;
  const std::string& id = v["@odata.id"].get_ref<const std::string&>();
  return id.rfind("/redfish/v1/", 0) == 0 && !mapped(id, uris);
}

void strip_foreign_links(json& v, const NodeUris& uris, bool top) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      if (!(top && it.key() == "@odata.id") && foreign_link(it.value(), uris)) {
        it = v.erase(it);
      } else {
        strip_foreign_links(it.value(), uris, false);
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto it = v.begin(); it != v.end();) {
      if (foreign_link(*it, uris)) it = v.erase(it);
      else strip_foreign_links(*it++, uris, false);
    }
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
  strip_foreign_links(doc, uris, true);
  // "@odata.count" companions of trimmed arrays follow their arrays.
  if (doc.is_object() && doc.contains("Links") && doc["Links"].is_object()) {
    for (auto& [key, value] : doc["Links"].items()) {
      if (value.is_array() && doc["Links"].contains(key + "@odata.count")) doc["Links"][key + "@odata.count"] = value.size();
    }
  }
  if (resource_is_root && doc.is_object() && doc.contains("Id")) doc["Id"] = std::to_string(uris.node_id);
  return doc.dump();
}

std::string tenant_manager_view(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::string(body);
  static const char* kShown[] = {"@odata.id", "@odata.type", "@odata.context", "@odata.etag", "Id",     "Name",
                                 "Description", "ManagerType", "Status",       "PowerState",  "VirtualMedia"};
  json out = json::object();
  for (const char* key : kShown) {
    if (doc.contains(key)) out[key] = doc[key];
  }
  if (doc.contains("Links") && doc["Links"].is_object()) {
    json links = json::object();
    for (const char* key : {"ManagerForServers", "ManagerForServers@odata.count"}) {
      if (doc["Links"].contains(key)) links[key] = doc["Links"][key];
    }
    out["Links"] = links;
  }
  return out.dump();
}

}  // namespace bmf::bmcproxy
