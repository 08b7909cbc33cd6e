#pragma once
// BmcDirectory: how to reach each node's real BMC, keyed by the coordinator's
// node id. Loaded from a JSON file only the service user may read:
//   {"bmcs": [{"node_id": 3, "url": "https://10.0.0.3", "username": "root",
//              "password": "...", "verify_tls": true, "ca_file": "",
//              "system_path": "", "manager_path": ""}]}
// system_path/manager_path (the BMC's own ComputerSystem and Manager URIs) are
// discovered from the BMC's collections when left empty.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace bmf::bmcproxy {

struct BmcEndpoint {
  std::uint64_t node_id = 0;
  std::string base_url;  // scheme://host[:port], no trailing slash
  std::string username;
  std::string password;
  bool verify_tls = true;
  std::string ca_file;
  std::string system_path;
  std::string manager_path;
};

class BmcDirectory {
 public:
  static Result<BmcDirectory> load(const std::string& path);
  // `source` names the input in errors.
  static Result<BmcDirectory> parse(std::string_view json_text, std::string_view source);

  const BmcEndpoint* find(std::uint64_t node_id) const;
  const std::map<std::uint64_t, BmcEndpoint>& all() const { return bmcs_; }

 private:
  std::map<std::uint64_t, BmcEndpoint> bmcs_;
};

}  // namespace bmf::bmcproxy
