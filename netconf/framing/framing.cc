#include "netconf/framing/framing.h"

#include <fmt/core.h>

namespace bmf::netconf {

std::string frame_message(std::string_view xml, Framing framing) {
  if (framing == Framing::kEndOfMessage) return std::string(xml) + std::string(kEndOfMessage);
  if (xml.empty()) return "\n##\n";
  return fmt::format("\n#{}\n{}\n##\n", xml.size(), xml);
}

Result<std::optional<std::string>> MessageDecoder::next() {
  return framing_ == Framing::kEndOfMessage ? next_eom() : next_chunked();
}

Result<std::optional<std::string>> MessageDecoder::next_eom() {
  auto end = buffer_.find(kEndOfMessage);
  if (end == std::string::npos) {
    if (buffer_.size() > max_message_) return invalid_argument("NETCONF message exceeds the size limit");
    return std::optional<std::string>{};
  }
  std::string msg = buffer_.substr(0, end);
  buffer_.erase(0, end + kEndOfMessage.size());
  return std::optional<std::string>(std::move(msg));
}

Result<std::optional<std::string>> MessageDecoder::next_chunked() {
  for (;;) {
    // Each chunk header is "\n#<size>\n"; the end of message is "\n##\n".
    if (buffer_.size() - pos_ < 4) return std::optional<std::string>{};
    if (buffer_[pos_] != '\n' || buffer_[pos_ + 1] != '#') {
      return invalid_argument(fmt::format("bad chunk header at byte {}", pos_));
    }
    if (buffer_[pos_ + 2] == '#') {
      if (buffer_[pos_ + 3] != '\n') return invalid_argument("bad end-of-chunks marker");
      std::string msg = std::move(message_);
      message_.clear();
      buffer_.erase(0, pos_ + 4);
      pos_ = 0;
      return std::optional<std::string>(std::move(msg));
    }
    auto nl = buffer_.find('\n', pos_ + 2);
    if (nl == std::string::npos) {
      if (buffer_.size() - pos_ > 12) return invalid_argument("chunk size field too long");
      return std::optional<std::string>{};
    }
    std::string_view digits(buffer_.data() + pos_ + 2, nl - pos_ - 2);
    if (digits.empty() || digits.size() > 10 || digits[0] == '0' ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return invalid_argument(fmt::format("bad chunk size '{}'", digits));
    }
    const std::uint64_t size = std::stoull(std::string(digits));
    if (size > 4294967295ull || message_.size() + size > max_message_) {
      return invalid_argument("NETCONF chunk exceeds the size limit");
    }
    if (buffer_.size() - (nl + 1) < size) return std::optional<std::string>{};
    message_.append(buffer_, nl + 1, size);
    pos_ = nl + 1 + size;
    // Keep the buffer short once chunks are consumed.
    if (pos_ > 65536) {
      buffer_.erase(0, pos_);
      pos_ = 0;
    }
  }
}

}  // namespace bmf::netconf
