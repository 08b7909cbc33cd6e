#pragma once
// "HOST:PORT" (listen addresses in flags and config files) -> host and port.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/status/status.h"

namespace bmf::http {

inline Status split_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return invalid_argument("expected HOST:PORT, got '" + text + "'");
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);  // [::1]:80
  const std::string digits = text.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(digits) > 65535) {
    return invalid_argument("bad port in '" + text + "'");
  }
  port = static_cast<std::uint16_t>(std::stoul(digits));
  return ok_status();
}

}  // namespace bmf::http
