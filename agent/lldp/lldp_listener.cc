#include "agent/lldp/lldp_listener.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/log/log.h"

namespace bmf::agent {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// 01:80:c2:00:00:0e, the nearest-bridge group address switches send LLDP to.
constexpr std::array<unsigned char, 6> kLldpMulticast = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};

}  // namespace

Result<std::map<std::string, LldpInfo>> listen_lldp(const std::vector<std::string>& interfaces,
                                                    std::chrono::milliseconds wait) {
  std::vector<Fd> fds;
  std::vector<std::string> names;
  for (const auto& name : interfaces) {
    unsigned ifindex = if_nametoindex(name.c_str());
    if (ifindex == 0) continue;
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(kEthertypeLldp));
    if (fd < 0) {
      if (errno == EPERM || errno == EACCES) return permission_denied("raw LLDP sockets need CAP_NET_RAW");
      return unavailable(fmt::format("AF_PACKET socket: {}", std::strerror(errno)));
    }
    Fd owned(fd);
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(kEthertypeLldp);
    addr.sll_ifindex = static_cast<int>(ifindex);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) continue;
    packet_mreq mreq{};
    mreq.mr_ifindex = static_cast<int>(ifindex);
    mreq.mr_type = PACKET_MR_MULTICAST;
    mreq.mr_alen = kLldpMulticast.size();
    std::memcpy(mreq.mr_address, kLldpMulticast.data(), kLldpMulticast.size());
    (void)::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq));
    fds.push_back(std::move(owned));
    names.push_back(name);
  }

  std::map<std::string, LldpInfo> heard;
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<pollfd> pfds;
  for (const auto& f : fds) pfds.push_back({f.get(), POLLIN, 0});
  while (!pfds.empty() && heard.size() < names.size()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) return unavailable(fmt::format("poll: {}", std::strerror(errno)));
    for (std::size_t i = 0; i < pfds.size(); ++i) {
      if (!(pfds[i].revents & POLLIN)) continue;
      std::array<std::uint8_t, 9216> buf{};
      for (;;) {
        ssize_t got = ::recv(pfds[i].fd, buf.data(), buf.size(), 0);
        if (got <= 0) break;
        auto info = decode_lldp_frame(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(got)));
        if (!info.ok()) {
          BMF_LOG_DEBUG("LLDP_FRAME_SKIPPED ifname={}: {}", names[i], info.status().message());
          continue;
        }
        heard[names[i]] = std::move(info).value();
      }
    }
  }
  return heard;
}

}  // namespace bmf::agent
