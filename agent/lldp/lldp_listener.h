#pragma once
// Listens for LLDP frames on a set of interfaces for a bounded time, using one
// AF_PACKET socket per interface (needs CAP_NET_RAW). Frames that do not decode
// are skipped with a debug log. Returns the last neighbour heard per interface.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "agent/lldp/lldp_decoder.h"
#include "common/status/status.h"

namespace bmf::agent {

// Stops early once every interface has a neighbour. PERMISSION_DENIED when raw
// sockets are not allowed; interfaces that vanish are skipped.
Result<std::map<std::string, LldpInfo>> listen_lldp(const std::vector<std::string>& interfaces,
                                                    std::chrono::milliseconds wait);

}  // namespace bmf::agent
