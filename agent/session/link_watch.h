#pragma once
// Watches link notifications on the agent's io_context and calls `on_change`
// (debounced) with a reason such as "link ens1f0np0 down" when a link's
// operational state changes, appears or disappears.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "agent/inventory/link_monitor.h"

namespace bmf::agent {

void watch_links(boost::asio::io_context& io, LinkMonitor monitor, std::chrono::milliseconds debounce,
                 std::function<void(const std::string& reason)> on_change);

}  // namespace bmf::agent
