#include "agent/inventory/ipmi_lan.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <linux/ipmi.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bmf::agent {
namespace {

constexpr std::uint8_t kNetFnTransport = 0x0C;
constexpr std::uint8_t kGetLanConfigParameters = 0x02;
constexpr std::uint8_t kParamIpAddress = 3;
constexpr std::uint8_t kParamIpSource = 4;
constexpr std::uint8_t kParamMac = 5;

// Parameter data of a successful reply (after completion code and parameter revision).
Result<std::vector<std::uint8_t>> lan_parameter(IpmiChannel& ipmi, int channel, std::uint8_t parameter, std::size_t size) {
  BMF_ASSIGN_OR_RETURN(auto reply, ipmi.call(kNetFnTransport, kGetLanConfigParameters,
                                             {static_cast<std::uint8_t>(channel & 0x0f), parameter, 0, 0}));
  if (reply.empty()) return unavailable("empty IPMI reply");
  if (reply[0] != 0) return not_found(fmt::format("completion code {:#04x}", reply[0]));
  if (reply.size() < 2 + size) return unavailable(fmt::format("LAN parameter {} reply too short ({} bytes)", parameter, reply.size()));
  return std::vector<std::uint8_t>(reply.begin() + 2, reply.begin() + 2 + static_cast<long>(size));
}

}  // namespace

Result<std::optional<BmcLan>> read_bmc_lan(IpmiChannel& ipmi) {
  // Vendors put the LAN channel at 1 (most), 2 (HPE) or 8; channels 12-15 are reserved/system.
  for (int channel = 1; channel <= 11; ++channel) {
    auto mac = lan_parameter(ipmi, channel, kParamMac, 6);
    if (!mac.ok()) {
      if (mac.status().code() == StatusCode::kNotFound) continue;  // not a LAN channel
      return mac.status();
    }
    BmcLan lan;
    lan.channel = channel;
    for (std::size_t i = 0; i < 6; ++i) lan.mac += fmt::format("{}{:02x}", i ? ":" : "", (*mac)[i]);
    if (auto ip = lan_parameter(ipmi, channel, kParamIpAddress, 4); ip.ok()) {
      const auto& b = *ip;
      if (b[0] || b[1] || b[2] || b[3]) lan.address = fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
    }
    if (auto src = lan_parameter(ipmi, channel, kParamIpSource, 1); src.ok()) {
      static constexpr const char* kSources[] = {"unspecified", "static", "dhcp", "bios", "other"};
      const unsigned s = (*src)[0] & 0x0f;
      lan.ip_source = s < 5 ? kSources[s] : "other";
    }
    return std::optional<BmcLan>(lan);
  }
  return std::optional<BmcLan>();
}

Result<std::unique_ptr<DevIpmiChannel>> DevIpmiChannel::open(const std::string& device, int timeout_ms) {
  int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENXIO || errno == ENODEV) return not_found(fmt::format("{}: no IPMI device", device));
    return unavailable(fmt::format("{}: {}", device, std::strerror(errno)));
  }
  return std::unique_ptr<DevIpmiChannel>(new DevIpmiChannel(fd, timeout_ms));
}

DevIpmiChannel::~DevIpmiChannel() { ::close(fd_); }

Result<std::vector<std::uint8_t>> DevIpmiChannel::call(std::uint8_t netfn, std::uint8_t cmd, std::vector<std::uint8_t> data) {
  ipmi_system_interface_addr bmc{};
  bmc.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
  bmc.channel = IPMI_BMC_CHANNEL;
  bmc.lun = 0;
  ipmi_req req{};
  req.addr = reinterpret_cast<unsigned char*>(&bmc);
  req.addr_len = sizeof(bmc);
  req.msgid = next_msgid_++;
  req.msg.netfn = netfn;
  req.msg.cmd = cmd;
  req.msg.data = data.data();
  req.msg.data_len = static_cast<unsigned short>(data.size());
  if (::ioctl(fd_, IPMICTL_SEND_COMMAND, &req) < 0) return unavailable(fmt::format("IPMI send: {}", std::strerror(errno)));
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, timeout_ms_);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Status(StatusCode::kDeadlineExceeded, "the BMC did not answer over IPMI");
    std::vector<std::uint8_t> buf(IPMI_MAX_MSG_LENGTH);
    ipmi_addr from{};
    ipmi_recv recv{};
    recv.addr = reinterpret_cast<unsigned char*>(&from);
    recv.addr_len = sizeof(from);
    recv.msg.data = buf.data();
    recv.msg.data_len = static_cast<unsigned short>(buf.size());
    if (::ioctl(fd_, IPMICTL_RECEIVE_MSG_TRUNC, &recv) < 0) return unavailable(fmt::format("IPMI receive: {}", std::strerror(errno)));
    if (recv.msgid != req.msgid) continue;  // a stale reply to an earlier, timed-out request
    buf.resize(recv.msg.data_len);
    return buf;
  }
}

}  // namespace bmf::agent
