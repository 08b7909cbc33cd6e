// libFuzzer target: what the kernel hands the agent as binary replies: an
// rtnetlink RTM_GETLINK dump buffer, and IPMI replies to Get LAN Configuration
// Parameters. Either must parse or fail cleanly, never read out of bounds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "agent/inventory/ipmi_lan.h"
#include "agent/inventory/link_source.h"

namespace {

// Hands out the input in slices, one per IPMI call.
class FuzzedBmc : public bmf::agent::IpmiChannel {
 public:
  FuzzedBmc(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bmf::Result<std::vector<std::uint8_t>> call(std::uint8_t, std::uint8_t, std::vector<std::uint8_t>) override {
    if (pos_ >= size_) return std::vector<std::uint8_t>{0xCC};
    const std::size_t n = std::min<std::size_t>(data_[pos_] % 16, size_ - pos_ - 1);
    std::vector<std::uint8_t> reply(data_ + pos_ + 1, data_ + pos_ + 1 + n);
    pos_ += 1 + n;
    return reply;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    // Netlink messages are 4-byte aligned in the kernel's buffer: copy to an aligned one.
    std::vector<std::uint32_t> aligned((size - 1 + 3) / 4 + 1);
    std::memcpy(aligned.data(), data + 1, size - 1);
    std::vector<bmf::agent::Link> links;
    (void)bmf::agent::parse_link_dump(reinterpret_cast<const std::uint8_t*>(aligned.data()), size - 1, links);
  } else {
    FuzzedBmc bmc(data + 1, size - 1);
    auto lan = bmf::agent::read_bmc_lan(bmc);
    if (lan.ok() && lan->has_value() && (*lan)->mac.size() != 17) __builtin_trap();  // always six bytes
  }
  return 0;
}
