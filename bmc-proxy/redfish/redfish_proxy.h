#pragma once
// RedfishProxy: the northbound Redfish service tenants and the coordinator use.
// Authenticates (Basic or X-Auth-Token sessions), shows a tenant exactly the
// nodes its project leases right now (everything else is 404, so existence does
// not leak), checks every write, forwards it to the node's BMC through the
// BmcGateway, rewrites the BMC's URIs to the proxy's, audits every action and
// counts every request.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bmc-proxy/audit/audit_log.h"
#include "bmc-proxy/credentials/tenant_directory.h"
#include "bmc-proxy/leases/coordinator_users.h"
#include "bmc-proxy/leases/lease_table.h"
#include "bmc-proxy/metrics/proxy_metrics.h"
#include "bmc-proxy/redfish/bmc_gateway.h"
#include "bmc-proxy/redfish/login_throttle.h"
#include "bmc-proxy/redfish/session_store.h"
#include "common/http/http_server.h"

namespace bmf::bmcproxy {

struct RedfishProxyDeps {
  std::shared_ptr<TenantDirectory> principals;
  SessionStore& sessions;
  LeaseTable& leases;
  BmcGateway& bmcs;
  AuditLog& audit;
  ProxyMetrics& metrics;
  std::string service_uuid;
  // bmf users (checked by the coordinator); null: only the principals file.
  CoordinatorUsers* users = nullptr;
};

class RedfishProxy {
 public:
  explicit RedfishProxy(RedfishProxyDeps deps) : d_(std::move(deps)) {}
  void handle(http::Request request, http::HttpServer::Reply reply);
  void set_principals(std::shared_ptr<TenantDirectory> principals) { d_.principals = std::move(principals); }

  // The nodes `who` may reach now (sorted).
  std::vector<std::uint64_t> visible_nodes(const Principal& who) const;

 private:
  struct Call;
  using CallPtr = std::shared_ptr<Call>;

  void answer(const CallPtr& call, http::Response response);
  using WhoDone = std::function<void(std::optional<Principal>)>;
  // Who the caller is (a session token or Basic credentials); nullopt when no one.
  void authenticate(const CallPtr& call, WhoDone done);
  void login(const CallPtr& call);
  void route_authenticated(const CallPtr& call);
  void sessions(const CallPtr& call, std::string_view rest);
  void collection(const CallPtr& call, const std::string& kind);
  void node_resource(const CallPtr& call, bool system, std::uint64_t node, std::string_view rest);
  void forward(const CallPtr& call, bool system, std::string rest, std::string method, std::string body);
  bool may_reach(const Principal& who, std::uint64_t node) const;

  // Checks a password: the principals file (slow: PBKDF2) for its names, else the
  // coordinator for bmf users; refused unchecked when the caller's address is throttled.
  void check_password(const CallPtr& call, const std::string& user, const std::string& password,
                      std::function<void(Result<Principal>)> done);

  RedfishProxyDeps d_;
  LoginThrottle throttle_;
};

}  // namespace bmf::bmcproxy
