#pragma once
// The BMC's LAN address over IPMI from inside the host: "Get LAN Configuration
// Parameters" (IPMI v2.0 section 23.2, NetFn Transport 0x0C, command 0x02) for
// the IP address (parameter 3), its source (4) and the MAC (5), asked of each
// possible LAN channel through the kernel's ipmi_devintf (/dev/ipmi0).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace bmf::agent {

// One request/response with the local BMC. The reply starts with the
// completion code (0 = success), as the IPMI message layer returns it.
class IpmiChannel {
 public:
  virtual ~IpmiChannel() = default;
  virtual Result<std::vector<std::uint8_t>> call(std::uint8_t netfn, std::uint8_t cmd, std::vector<std::uint8_t> data) = 0;
};

// The kernel interface: ioctl(IPMICTL_SEND_COMMAND), poll, ioctl(IPMICTL_RECEIVE_MSG_TRUNC).
class DevIpmiChannel final : public IpmiChannel {
 public:
  // NOT_FOUND when no IPMI device node exists (no BMC, or ipmi_devintf not loaded).
  static Result<std::unique_ptr<DevIpmiChannel>> open(const std::string& device = "/dev/ipmi0", int timeout_ms = 2000);
  ~DevIpmiChannel() override;
  Result<std::vector<std::uint8_t>> call(std::uint8_t netfn, std::uint8_t cmd, std::vector<std::uint8_t> data) override;

 private:
  DevIpmiChannel(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}
  int fd_;
  int timeout_ms_;
  long next_msgid_ = 1;
};

struct BmcLan {
  int channel = 0;
  std::string address;    // dotted quad; empty when the BMC has none (0.0.0.0)
  std::string mac;        // lower case, colon separated
  std::string ip_source;  // static | dhcp | bios | other | unspecified
};

// The first LAN channel (1..11) that answers with a MAC; nullopt when none does.
Result<std::optional<BmcLan>> read_bmc_lan(IpmiChannel& ipmi);

}  // namespace bmf::agent
