#pragma once
// co_spawn that never loses an exception (asio::detached drops it silently): an exception that
// escapes the coroutine is logged with its context and `on_error` runs (close the connection,
// restart the loop, ...). Use it instead of asio::detached everywhere.
#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <functional>
#include <string>
#include <utility>

#include "common/log/log.h"

namespace bmf::async {

template <typename Executor, typename Awaitable>
void spawn(Executor&& ex, Awaitable&& coroutine, std::string context, std::function<void()> on_error = {}) {
  boost::asio::co_spawn(std::forward<Executor>(ex), std::forward<Awaitable>(coroutine),
                        [context = std::move(context), on_error = std::move(on_error)](std::exception_ptr e) {
                          if (!e) return;
                          try {
                            std::rethrow_exception(e);
                          } catch (const std::exception& x) {
                            BMF_LOG_ERROR("COROUTINE_FAILED {}: {}", context, x.what());
                          } catch (...) {
                            BMF_LOG_ERROR("COROUTINE_FAILED {}: an exception that is not a std::exception", context);
                          }
                          if (on_error) on_error();
                        });
}

}  // namespace bmf::async
