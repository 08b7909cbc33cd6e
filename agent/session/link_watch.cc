#include "agent/session/link_watch.h"

#include <boost/asio/co_spawn.hpp>
#include "common/async/spawn.h"
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <map>
#include <vector>

namespace bmf::agent {
namespace asio = boost::asio;

namespace {

asio::awaitable<void> watch(LinkMonitor monitor, std::chrono::milliseconds debounce,
                            std::function<void(const std::string&)> on_change) {
  auto executor = co_await asio::this_coro::executor;
  // The descriptor must not close the monitor's fd: LinkMonitor owns it.
  asio::posix::stream_descriptor fd(executor, ::dup(monitor.fd()));
  asio::steady_timer timer(executor);
  std::map<std::string, bool> last_up;
  for (;;) {
    boost::system::error_code ec;
    co_await fd.async_wait(asio::posix::stream_descriptor::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::vector<std::string> changes;
    // Collect a burst (a link flap is several messages) before re-reading the hardware.
    for (auto deadline = std::chrono::steady_clock::now() + debounce;;) {
      for (const auto& e : monitor.drain()) {
        auto it = last_up.find(e.name);
        if (e.removed) {
          last_up.erase(e.name);
          changes.push_back(fmt::format("link {} removed", e.name));
        } else if (it == last_up.end() || it->second != e.up) {
          last_up[e.name] = e.up;
          changes.push_back(fmt::format("link {} {}", e.name, e.up ? "up" : "down"));
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!changes.empty()) on_change(fmt::format("{}", fmt::join(changes, ", ")));
  }
}

}  // namespace

void watch_links(asio::io_context& io, LinkMonitor monitor, std::chrono::milliseconds debounce,
                 std::function<void(const std::string& reason)> on_change) {
  // If it ever fails, link changes are no longer reported: say so (inventory still goes out on reconnect).
  async::spawn(io, watch(std::move(monitor), debounce, std::move(on_change)), "link watch");
}

}  // namespace bmf::agent
