#pragma once
// LeaseWatch: long-polling for lease changes, so the BMC proxy learns that a
// lease ended within one local round trip instead of one polling interval:
//   GET /api/v1/leases?after_revision=N&wait_ms=M
// answers at once when the lease revision is past N, otherwise when the next
// lease changes or after M ms (with the unchanged list). Runs on the API loop.
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>

#include "common/http/http_server.h"

namespace boost::asio {
class io_context;
}

namespace bmf::coordinator {

class AdminApi;

class LeaseWatch {
 public:
  explicit LeaseWatch(boost::asio::io_context& io) : io_(io) {}
  ~LeaseWatch();
  // Parks `wake` until changed() or `wait` elapses; wake runs exactly once on the loop.
  void wait(std::chrono::milliseconds wait, std::function<void()> wake);
  void changed();
  std::size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter;
  boost::asio::io_context& io_;
  std::list<std::shared_ptr<Waiter>> waiters_;
};

struct LeaseWaitQuery {
  std::uint64_t after_revision = 0;
  std::chrono::milliseconds wait{0};
};
// The long-poll parameters of a GET /api/v1/leases target; nullopt when it has none.
std::optional<LeaseWaitQuery> lease_wait_query(const std::string& target);

// The admin API's HTTP handler: plain requests go straight to `api`; lease
// long-polls are parked on `watch` until there is something new.
http::HttpServer::AsyncHandler admin_http_handler(AdminApi& api, LeaseWatch& watch);

}  // namespace bmf::coordinator
