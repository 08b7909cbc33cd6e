#include "common/wire/frame.h"

#include <fmt/core.h>

#include <array>
#include <cstring>

namespace bmf::wire {
namespace {
constexpr std::array<std::uint8_t, 3> kMagic = {'B', 'M', 'F'};
}

Result<std::string> encode_frame(std::string_view payload, const FrameLimits& limits) {
  if (payload.size() > limits.max_payload) {
    return invalid_argument(fmt::format("frame payload of {} bytes exceeds the limit of {} bytes",
                                        payload.size(), limits.max_payload));
  }
  std::string out(kHeaderSize, '\0');
  write_header(std::span<std::uint8_t, kHeaderSize>(reinterpret_cast<std::uint8_t*>(out.data()), kHeaderSize),
               static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

void write_header(std::span<std::uint8_t, kHeaderSize> h, std::uint32_t payload_size) {
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  h[3] = kProtocolVersion;
  for (int i = 0; i < 4; ++i) h[4 + i] = static_cast<std::uint8_t>(payload_size >> (8 * (3 - i)));
}

Result<std::uint32_t> parse_header(std::span<const std::uint8_t, kHeaderSize> h, const FrameLimits& limits) {
  if (std::memcmp(h.data(), kMagic.data(), kMagic.size()) != 0) {
    return invalid_argument(fmt::format("bad frame magic {:02x}{:02x}{:02x} (not a bmf agent stream)",
                                        h[0], h[1], h[2]));
  }
  if (h[3] != kProtocolVersion) {
    return failed_precondition(
        fmt::format("unsupported protocol version {} (this build speaks {})", h[3], kProtocolVersion));
  }
  const std::uint32_t n = (std::uint32_t{h[4]} << 24) | (std::uint32_t{h[5]} << 16) |
                          (std::uint32_t{h[6]} << 8) | std::uint32_t{h[7]};
  if (n > limits.max_payload) {
    return invalid_argument(
        fmt::format("frame of {} bytes exceeds the limit of {} bytes", n, limits.max_payload));
  }
  return n;
}

void FrameDecoder::feed(std::string_view bytes) {
  if (failed_.ok()) buffer_.append(bytes);
}

Result<std::optional<std::string>> FrameDecoder::next() {
  if (!failed_.ok()) return failed_;
  if (buffer_.size() < kHeaderSize) return std::optional<std::string>{};
  std::span<const std::uint8_t, kHeaderSize> header(reinterpret_cast<const std::uint8_t*>(buffer_.data()),
                                                    kHeaderSize);
  auto length = parse_header(header, limits_);
  if (!length.ok()) {
    failed_ = length.status();
    buffer_.clear();
    return failed_;
  }
  if (buffer_.size() < kHeaderSize + *length) return std::optional<std::string>{};
  std::string payload = buffer_.substr(kHeaderSize, *length);
  buffer_.erase(0, kHeaderSize + *length);
  return std::optional<std::string>{std::move(payload)};
}

Status FrameDecoder::finish() const {
  if (!failed_.ok()) return failed_;
  if (buffer_.empty()) return ok_status();
  if (buffer_.size() < kHeaderSize) {
    return data_loss(fmt::format("truncated frame: stream ended inside the {}-byte header after {} bytes",
                                 kHeaderSize, buffer_.size()));
  }
  std::span<const std::uint8_t, kHeaderSize> header(reinterpret_cast<const std::uint8_t*>(buffer_.data()),
                                                    kHeaderSize);
  auto length = parse_header(header, limits_);
  return data_loss(fmt::format("truncated frame: got {} of {} payload bytes", buffer_.size() - kHeaderSize,
                               length.ok() ? *length : 0));
}

}  // namespace bmf::wire
