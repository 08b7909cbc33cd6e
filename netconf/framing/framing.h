#pragma once
// NETCONF message framing over SSH (RFC 6242): end-of-message "]]>]]>" for
// base:1.0 (and for the hellos), chunked framing for base:1.1. Pure, so every
// malformed input is tested directly; the session drives it over a channel.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace bmf::netconf {

enum class Framing { kEndOfMessage, kChunked };

inline constexpr std::string_view kEndOfMessage = "]]>]]>";

std::string frame_message(std::string_view xml, Framing framing);

class MessageDecoder {
 public:
  explicit MessageDecoder(std::size_t max_message = 64 * 1024 * 1024) : max_message_(max_message) {}
  void set_framing(Framing f) { framing_ = f; }
  Framing framing() const { return framing_; }
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // A whole message, nullopt when more bytes are needed, or INVALID_ARGUMENT for bad framing.
  Result<std::optional<std::string>> next();

 private:
  Result<std::optional<std::string>> next_eom();
  Result<std::optional<std::string>> next_chunked();

  Framing framing_ = Framing::kEndOfMessage;
  std::size_t max_message_;
  std::string buffer_;
  std::size_t pos_ = 0;      // chunked: parse position inside buffer_
  std::string message_;      // chunked: data of the message so far
};

}  // namespace bmf::netconf
