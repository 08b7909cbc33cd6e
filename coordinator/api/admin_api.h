#pragma once
// AdminApi: the coordinator's HTTP/JSON admin API as a pure function from request
// to response, so every route is tested without a server. bmfctl and the web
// console share it. Every error has one shape: {"code","message","details"}.
//
//   GET  /healthz
//   GET  /api/v1/nodes
//   GET  /api/v1/nodes/{id}
//   GET  /api/v1/events[?node={id}&limit={1..1000}]
//   POST /api/v1/nodes/{id}/commands   {"kind":"ping","payload":"<base64>"}
//   GET  /api/v1/switches               PUT /api/v1/switches/{name}   {Switch}
//   GET  /api/v1/switches/{name}/ports  PUT /api/v1/switches/{name}/ports/{port}   {SwitchPort}
//   POST /api/v1/switches/{name}/sync   -> 202 {Operation}
//   GET  /api/v1/operations/{id}
//   GET  /api/v1/leases[?all=true][&after_revision=N&wait_ms=M] -> {LeaseList} (active only unless all;
//        long-poll: see lease_watch.h)
//   POST /api/v1/leases  {"node_id","project","owner"} -> 201 {Lease}
//   POST /api/v1/leases/{id}/end        -> {Lease}
#include <functional>
#include <string>

#include "common/http/http_message.h"
#include "coordinator/agent_server/command_dispatcher.h"
#include "coordinator/switches/switch_operations.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

using ApiRequest = http::Request;
using ApiResponse = http::Response;

class AdminApi {
 public:
  AdminApi(Store& store, CommandDispatcher* dispatcher, SwitchOperations* switches = nullptr)
      : store_(store), dispatcher_(dispatcher), switches_(switches) {}
  ApiResponse handle(const ApiRequest& request);
  // Called after every lease change (the long-poll wakes its waiters).
  void on_lease_change(std::function<void()> hook) { lease_changed_ = std::move(hook); }
  std::uint64_t lease_revision();

 private:
  ApiResponse list_nodes();
  ApiResponse get_node(std::string_view id);
  ApiResponse list_events(std::string_view target);
  ApiResponse send_command(std::string_view id, const std::string& body);
  ApiResponse switch_route(const ApiRequest& req, std::string_view rest);
  ApiResponse lease_route(const ApiRequest& req, std::string_view rest);

  Store& store_;
  CommandDispatcher* dispatcher_;
  SwitchOperations* switches_;
  std::function<void()> lease_changed_;
};

// The error body and HTTP status for a Status.
ApiResponse error_response(const Status& status, std::string details = {});

}  // namespace bmf::coordinator
