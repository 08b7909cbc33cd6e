#include "coordinator/api/lease_watch.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>

#include "coordinator/api/admin_api.h"
#include "common/http/query.h"

namespace bmf::coordinator {
namespace asio = boost::asio;

struct LeaseWatch::Waiter {
  explicit Waiter(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::function<void()> wake;
  bool done = false;
};

LeaseWatch::~LeaseWatch() {
  for (auto& w : waiters_) {
    w->done = true;
    w->timer.cancel();
  }
}

void LeaseWatch::wait(std::chrono::milliseconds wait, std::function<void()> wake) {
  auto w = std::make_shared<Waiter>(io_);
  w->wake = std::move(wake);
  auto it = waiters_.insert(waiters_.end(), w);
  w->timer.expires_after(wait);
  w->timer.async_wait([this, w, it](boost::system::error_code ec) {
    if (ec || w->done) return;  // woken by changed() (which erased it) or shut down
    w->done = true;
    waiters_.erase(it);
    w->wake();
  });
}

void LeaseWatch::changed() {
  auto woken = std::move(waiters_);
  waiters_.clear();
  for (auto& w : woken) {
    if (w->done) continue;
    w->done = true;
    w->timer.cancel();
    // After the API call that changed the lease has been answered.
    asio::post(io_, [w] { w->wake(); });
  }
}

std::optional<LeaseWaitQuery> lease_wait_query(const std::string& target) {
  const auto q = target.find('?');
  if (target.compare(0, q, "/api/v1/leases") != 0 || q == std::string::npos) return std::nullopt;
  LeaseWaitQuery out;
  bool any = false;
  for (const auto& [kv, key, value, has_value] : http::query_params(target)) {
    if (!has_value) continue;
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || p != value.data() + value.size()) return std::nullopt;  // the API reports it
    if (key == "after_revision") out.after_revision = n, any = true;
    if (key == "wait_ms") out.wait = std::chrono::milliseconds(std::min<std::uint64_t>(n, 60'000)), any = true;
  }
  if (!any) return std::nullopt;
  return out;
}

http::HttpServer::AsyncHandler admin_http_handler(AdminApi& api, LeaseWatch& watch) {
  return [&api, &watch](http::Request req, http::HttpServer::Reply reply) {
    auto query = req.method == "GET" ? lease_wait_query(req.target) : std::nullopt;
    // Only a caller with a bearer token may park a wait (the API checks the token on wake-up too).
    if (query && req.header("authorization").rfind("Bearer ", 0) != 0) query.reset();
    if (!query || query->wait.count() == 0 || api.lease_revision() > query->after_revision) {
      reply(api.handle(req));
      return;
    }
    watch.wait(query->wait, [&api, req = std::move(req), reply = std::move(reply)] { reply(api.handle(req)); });
  };
}

}  // namespace bmf::coordinator
