#pragma once
// Framing for the agent <-> coordinator stream.
//
// Every frame is an 8-byte header followed by one serialized Envelope:
//   bytes 0-2  magic "BMF"  (catches a stray HTTP/TLS client on the port at once)
//   byte  3    protocol version (kProtocolVersion)
//   bytes 4-7  payload length, big-endian, at most FrameLimits::max_payload
// The codec is pure (no I/O) so every malformed input can be tested directly;
// frame_io.h drives it over Asio streams.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace bmf::wire {

inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kDefaultMaxPayload = 4 * 1024 * 1024;

struct FrameLimits {
  std::size_t max_payload = kDefaultMaxPayload;
};

// Header + payload. Fails only when the payload itself exceeds the limit.
Result<std::string> encode_frame(std::string_view payload, const FrameLimits& limits = {});

// The header of a frame whose payload has `payload_size` bytes (checked against the limit by the
// caller), for writers that serialize the payload in place behind it.
void write_header(std::span<std::uint8_t, kHeaderSize> header, std::uint32_t payload_size);

// Validates a header; returns the payload length that follows it.
Result<std::uint32_t> parse_header(std::span<const std::uint8_t, kHeaderSize> header,
                                   const FrameLimits& limits = {});

// Incremental decoder for byte streams that arrive in arbitrary pieces.
// After the first error it stays failed: a stream with a bad frame cannot be
// resynchronised safely, so the connection must be closed.
class FrameDecoder {
 public:
  explicit FrameDecoder(FrameLimits limits = {}) : limits_(limits) {}

  void feed(std::string_view bytes);
  // A complete payload, std::nullopt when more bytes are needed, or the error.
  Result<std::optional<std::string>> next();
  // Call at end of stream: an error when a partial frame is left over.
  Status finish() const;
  std::size_t buffered() const { return buffer_.size(); }

 private:
  FrameLimits limits_;
  std::string buffer_;
  Status failed_;
};

}  // namespace bmf::wire
