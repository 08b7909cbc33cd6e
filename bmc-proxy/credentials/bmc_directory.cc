#include "bmc-proxy/credentials/bmc_directory.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>
#include <set>

#include "bmc-proxy/credentials/secret_file.h"

namespace bmf::bmcproxy {

using nlohmann::json;

namespace {

Result<std::string> string_field(const json& entry, const char* key, bool required, const std::string& where) {
  if (!entry.contains(key)) {
    if (required) return invalid_argument(fmt::format("{}: \"{}\" is required", where, key));
    return std::string();
  }
  if (!entry[key].is_string()) return invalid_argument(fmt::format("{}: \"{}\" must be a string", where, key));
  return entry[key].get<std::string>();
}

}  // namespace

Result<BmcDirectory> BmcDirectory::load(const std::string& path) {
  BMF_ASSIGN_OR_RETURN(std::string text, read_secret_file(path));
  return parse(text, path);
}

Result<BmcDirectory> BmcDirectory::parse(std::string_view text, std::string_view source) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return invalid_argument(fmt::format("{}: not valid JSON", source));
  if (!doc.is_object() || !doc.contains("bmcs") || !doc["bmcs"].is_array()) {
    return invalid_argument(fmt::format("{}: expected {{\"bmcs\": [...]}}", source));
  }
  static const std::set<std::string> known = {"node_id",     "url",          "username", "password", "verify_tls",
                                               "ca_file",     "system_path",  "manager_path"};
  BmcDirectory dir;
  std::size_t index = 0;
  for (const auto& entry : doc["bmcs"]) {
    const std::string where = fmt::format("{}: bmcs[{}]", source, index++);
    if (!entry.is_object()) return invalid_argument(where + ": must be an object");
    for (auto& [key, value] : entry.items()) {
      if (!known.count(key)) return invalid_argument(fmt::format("{}: unknown key \"{}\"", where, key));
    }
    BmcEndpoint bmc;
    if (!entry.contains("node_id") || !entry["node_id"].is_number_unsigned() || entry["node_id"].get<std::uint64_t>() == 0) {
      return invalid_argument(where + ": \"node_id\" must be a positive integer");
    }
    bmc.node_id = entry["node_id"].get<std::uint64_t>();
    BMF_ASSIGN_OR_RETURN(bmc.base_url, string_field(entry, "url", true, where));
    BMF_ASSIGN_OR_RETURN(bmc.username, string_field(entry, "username", true, where));
    BMF_ASSIGN_OR_RETURN(bmc.password, string_field(entry, "password", true, where));
    BMF_ASSIGN_OR_RETURN(bmc.ca_file, string_field(entry, "ca_file", false, where));
    BMF_ASSIGN_OR_RETURN(bmc.system_path, string_field(entry, "system_path", false, where));
    BMF_ASSIGN_OR_RETURN(bmc.manager_path, string_field(entry, "manager_path", false, where));
    if (entry.contains("verify_tls")) {
      if (!entry["verify_tls"].is_boolean()) return invalid_argument(where + ": \"verify_tls\" must be true or false");
      bmc.verify_tls = entry["verify_tls"].get<bool>();
    }
    if (bmc.base_url.rfind("https://", 0) != 0 && bmc.base_url.rfind("http://", 0) != 0) {
      return invalid_argument(fmt::format("{}: url must start with https:// or http://, got '{}'", where, bmc.base_url));
    }
    while (!bmc.base_url.empty() && bmc.base_url.back() == '/') bmc.base_url.pop_back();
    for (const std::string* p : {&bmc.system_path, &bmc.manager_path}) {
      if (!p->empty() && p->rfind("/redfish/v1/", 0) != 0) {
        return invalid_argument(fmt::format("{}: '{}' is not a /redfish/v1/ path", where, *p));
      }
    }
    if (!dir.bmcs_.emplace(bmc.node_id, bmc).second) {
      return invalid_argument(fmt::format("{}: node {} is listed twice", where, bmc.node_id));
    }
  }
  return dir;
}

const BmcEndpoint* BmcDirectory::find(std::uint64_t node_id) const {
  auto it = bmcs_.find(node_id);
  return it == bmcs_.end() ? nullptr : &it->second;
}

}  // namespace bmf::bmcproxy
