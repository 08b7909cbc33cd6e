#pragma once
// AdminApi: the coordinator's HTTP/JSON API as a pure function from request to
// response, so every route is tested without a server. bmfctl, the BMC proxy,
// the SLURM scripts and the web console all use it. docs/api.md documents it.
//
// Routes are one table (admin_api.cc: kRoutes): method, pattern, who may call it,
// handler. Every /api/v1 call carries `Authorization: Bearer <token>` (an API
// token or a login session): 401 without a valid one. A tenant sees only its
// projects' objects; everything else, and every route it may not call, is 404
// (never 403: existence must not leak). A known path with the wrong method is 405
// with an Allow header. Errors have one shape: {"code","message","details"}.
#include <functional>
#include <string>
#include <vector>

#include "common/http/http_message.h"
#include "common/proto/admin.pb.h"
#include "coordinator/agent_server/command_dispatcher.h"
#include "coordinator/allocation/allocation_service.h"
#include "coordinator/api/allocation_streams.h"
#include "coordinator/api/static_files.h"
#include "coordinator/handover/slurm_service.h"
#include "coordinator/hotpool/hotpool_service.h"
#include "coordinator/lifecycle/node_lifecycle.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/store/store.h"
#include "coordinator/switches/switch_operations.h"
#include "coordinator/tenancy/tenancy_service.h"

namespace bmf::coordinator {

using ApiRequest = http::Request;
using ApiResponse = http::Response;

// Who may call a route. kPublic needs no token; kUser any valid token (the handler
// scopes what it shows); kService the BMC proxy's role or an admin; kAdmin admins.
enum class Access { kPublic, kUser, kService, kAdmin };

struct RouteContext {
  const ApiRequest& request;
  const Principal& who;                 // empty for kPublic routes
  std::vector<std::string> params;      // the {captures} of the pattern, in order, %-decoded
};

class AdminApi;
struct Route {
  std::string_view method;
  std::string_view pattern;  // "/api/v1/nodes/{id}"
  Access access;
  ApiResponse (AdminApi::*handler)(RouteContext&);
};

class AdminApi {
 public:
  AdminApi(Store& store, TenancyService& tenancy, NetworkService* networks, CommandDispatcher* dispatcher,
           SwitchOperations* switches, const Clock& clock, AllocationService* allocations = nullptr,
           NodeLifecycle* lifecycle = nullptr, HotpoolService* hotpool = nullptr)
      : store_(store), tenancy_(tenancy), networks_(networks), dispatcher_(dispatcher), switches_(switches), clock_(clock),
        allocations_(allocations), lifecycle_(lifecycle), hotpool_(hotpool) {}

  ApiResponse handle(const ApiRequest& request);
  // Where a node's newest heartbeat is when the database's copy lags (NodeRegistry::last_seen).
  void use_last_seen(std::function<std::optional<EpochMs>(std::uint64_t)> source) { last_seen_ = std::move(source); }
  // Called after every lease or access change (the long-poll wakes its waiters).
  void on_lease_change(std::function<void()> hook) { lease_changed_ = std::move(hook); }
  // The revision a lease long-poll compares against: leases and access changes both count.
  std::uint64_t lease_revision();
  static const std::vector<Route>& routes();
  // Server-sent events of allocations (GET /api/v1/allocations/{id}/events); fed by the caller.
  AllocationStreams& allocation_streams() { return streams_; }
  // The web console under /ui/ ("/" redirects there). Cookies get Secure when the API is TLS.
  void set_console(StaticFiles files, bool secure_cookies) {
    console_ = std::move(files);
    secure_cookies_ = secure_cookies;
  }
  static constexpr std::string_view kSessionCookie = "bmf_session";
  // The CSRF token of a cookie session: derived from its secret, so nothing more is stored.
  static std::string csrf_token(const std::string& session_secret);
  // The bmf_session cookie's value ('' when the request has none).
  static std::string session_cookie(const ApiRequest& req);
  // GET /metrics (Prometheus text); 404 until set.
  void set_metrics(std::function<std::string()> render) { metrics_ = std::move(render); }

  // Handlers (public so the route table can name them).
  ApiResponse healthz(RouteContext&);
  ApiResponse metrics(RouteContext&);
  ApiResponse login(RouteContext&);
  ApiResponse create_session(RouteContext&);
  ApiResponse get_session(RouteContext&);
  ApiResponse end_session(RouteContext&);
  ApiResponse whoami(RouteContext&);
  ApiResponse auth_check(RouteContext&);
  ApiResponse list_users(RouteContext&);
  ApiResponse create_user(RouteContext&);
  ApiResponse get_user(RouteContext&);
  ApiResponse delete_user(RouteContext&);
  ApiResponse set_user_password(RouteContext&);
  ApiResponse list_projects(RouteContext&);
  ApiResponse create_project(RouteContext&);
  ApiResponse get_project(RouteContext&);
  ApiResponse delete_project(RouteContext&);
  ApiResponse set_quota(RouteContext&);
  ApiResponse add_member(RouteContext&);
  ApiResponse remove_member(RouteContext&);
  ApiResponse list_tokens(RouteContext&);
  ApiResponse create_token(RouteContext&);
  ApiResponse revoke_token(RouteContext&);
  ApiResponse list_nodes(RouteContext&);
  ApiResponse get_node(RouteContext&);
  ApiResponse send_command(RouteContext&);
  ApiResponse attach_nic(RouteContext&);
  ApiResponse detach_nic(RouteContext&);
  ApiResponse map_nic_port(RouteContext&);
  ApiResponse attach_batch(RouteContext&);
  ApiResponse list_events(RouteContext&);
  ApiResponse list_switches(RouteContext&);
  ApiResponse get_switch(RouteContext&);
  ApiResponse put_switch(RouteContext&);
  ApiResponse list_switch_ports(RouteContext&);
  ApiResponse put_switch_port(RouteContext&);
  ApiResponse sync_switch(RouteContext&);
  ApiResponse check_switch(RouteContext&);
  ApiResponse get_operation(RouteContext&);
  ApiResponse list_leases(RouteContext&);
  ApiResponse create_lease(RouteContext&);
  ApiResponse end_lease(RouteContext&);
  ApiResponse list_networks(RouteContext&);
  ApiResponse create_network(RouteContext&);
  ApiResponse get_network(RouteContext&);
  ApiResponse delete_network(RouteContext&);
  ApiResponse list_classes(RouteContext&);
  ApiResponse save_class(RouteContext&);
  ApiResponse delete_class(RouteContext&);
  ApiResponse list_allocations(RouteContext&);
  ApiResponse create_allocation(RouteContext&);
  ApiResponse get_allocation(RouteContext&);
  ApiResponse release_allocation(RouteContext&);
  ApiResponse allocation_events(RouteContext&);
  ApiResponse release_node(RouteContext&);
  ApiResponse enter_maintenance(RouteContext&);
  ApiResponse leave_maintenance(RouteContext&);
  ApiResponse get_hotpool(RouteContext&);
  ApiResponse list_slurm_clusters(RouteContext&);
  ApiResponse resume_slurm_nodes(RouteContext&);
  ApiResponse suspend_slurm_nodes(RouteContext&);
  ApiResponse create_slurm_cluster(RouteContext&);
  ApiResponse delete_slurm_cluster(RouteContext&);
  ApiResponse set_hotpool(RouteContext&);

 private:
  ApiResponse network_operation(const Result<OperationRecord>& op);
  // The node as the API shows it: classes, agent session, hotpool tier.
  proto::Node node_view(const NodeRecord& n, const std::vector<HardwareClass>& classes);
  void lease_changed() {
    if (lease_changed_) lease_changed_();
  }

  Store& store_;
  TenancyService& tenancy_;
  NetworkService* networks_;
  CommandDispatcher* dispatcher_;
  SwitchOperations* switches_;
  const Clock& clock_;
  AllocationService* allocations_;
  NodeLifecycle* lifecycle_;
  HotpoolService* hotpool_;
  SlurmService* slurm_ = nullptr;

 public:
  void set_slurm(SlurmService* slurm) { slurm_ = slurm; }

 private:
  AllocationStreams streams_;
  StaticFiles console_;
  bool secure_cookies_ = false;
  std::function<std::string()> metrics_;
  std::function<void()> lease_changed_;
  std::function<std::optional<EpochMs>(std::uint64_t)> last_seen_;
};

// The error body and HTTP status for a Status.
ApiResponse error_response(const Status& status, std::string details = {});

}  // namespace bmf::coordinator
