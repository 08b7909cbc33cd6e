#pragma once
// Small helpers the route files share.
#include <fmt/core.h>

#include <charconv>
#include <string_view>

#include "common/http/http_message.h"
#include "common/status/status.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {

inline Result<std::uint64_t> parse_id(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return invalid_argument(fmt::format("{} must be a positive integer, got '{}'", what, text));
  }
  return v;
}

// The request body as a protobuf message (an empty body is `{}`), or INVALID_ARGUMENT naming it.
template <typename Message>
Result<Message> body_as(const http::Request& req, std::string_view what) {
  Message m;
  if (Status s = from_json(req.body.empty() ? "{}" : req.body, m); !s.ok()) {
    return Status(StatusCode::kInvalidArgument, fmt::format("body is not a {}: {}", what, s.message()));
  }
  return m;
}

}  // namespace bmf::coordinator
