#pragma once
// Small helpers the route files share.
#include <fmt/core.h>

#include <charconv>
#include <string_view>

#include "common/status/status.h"

namespace bmf::coordinator {

inline Result<std::uint64_t> parse_id(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return invalid_argument(fmt::format("{} must be a positive integer, got '{}'", what, text));
  }
  return v;
}

}  // namespace bmf::coordinator
