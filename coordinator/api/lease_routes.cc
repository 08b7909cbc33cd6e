// AdminApi: /api/v1/leases. A lease is what the BMC proxy (and later the
// switch isolation) acts on: project P holds node N until the lease ends.
#include <fmt/core.h>

#include "common/http/query.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/mapping/lease_proto.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {

std::uint64_t AdminApi::lease_revision() {
  auto revision = store_.lease_revision();
  return revision.ok() ? *revision : 0;
}

ApiResponse AdminApi::lease_route(const ApiRequest& req, std::string_view rest) {
  if (rest.empty() && req.method == "GET") {
    bool all = false;
    for (const auto& [kv, key, value, has_value] : http::query_params(req.target)) {
      const bool number = !value.empty() && value.size() < 16 && value.find_first_not_of("0123456789") == std::string::npos;
      if (key == "all" && (value == "true" || value == "false")) all = value == "true";
      else if ((key == "after_revision" || key == "wait_ms") && number) continue;  // long-poll, see lease_watch.h
      else return error_response(invalid_argument(fmt::format("bad query parameter '{}' (all=true|false, after_revision=N, wait_ms=N)", kv)));
    }
    auto list = store_.list_leases(!all);
    if (!list.ok()) return error_response(list.status());
    return {200, to_json(to_proto(*list))};
  }
  if (rest.empty() && req.method == "POST") {
    proto::Lease body;
    if (Status s = from_json(req.body, body); !s.ok()) return error_response(invalid_argument("body is not a Lease"), s.message());
    auto lease = lease_from_proto(body);
    if (!lease.ok()) return error_response(lease.status());
    lease->created_at_ms = SystemClock().now_ms();
    Status saved = store_.create_lease(*lease, {.time_ms = lease->created_at_ms,
                                                .actor = lease->owner.empty() ? "admin" : "admin:" + lease->owner,
                                                .kind = "LEASE_STARTED",
                                                .message = fmt::format("project {}", lease->project)});
    if (!saved.ok()) return error_response(saved);
    if (lease_changed_) lease_changed_();
    return {201, to_json(to_proto(*lease))};
  }
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos && rest.substr(slash) == "/end" && req.method == "POST") {
    std::uint64_t id = 0;
    const std::string id_text(rest.substr(0, slash));
    if (id_text.empty() || id_text.find_first_not_of("0123456789") != std::string::npos || (id = std::stoull(id_text)) == 0) {
      return error_response(invalid_argument(fmt::format("lease id must be a positive integer, got '{}'", id_text)));
    }
    const EpochMs now = SystemClock().now_ms();
    auto ended = store_.end_lease(id, now, {.time_ms = now, .actor = "admin", .kind = "LEASE_ENDED",
                                            .message = fmt::format("lease {}", id)});
    if (!ended.ok()) return error_response(ended.status());
    if (lease_changed_) lease_changed_();
    return {200, to_json(to_proto(*ended))};
  }
  return error_response(invalid_argument(fmt::format("method {} not allowed on {}", req.method, req.target)));
}

}  // namespace bmf::coordinator
