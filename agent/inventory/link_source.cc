#include "agent/inventory/link_source.h"

#include <fmt/core.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace bmf::agent {
namespace {

// RFC 2863 operational states as the kernel numbers them (IF_OPER_*), named like `ip link`/sysfs.
std::string operstate_name(unsigned state) {
  static constexpr std::array<const char*, 7> kNames = {"unknown", "notpresent", "down", "lowerlayerdown",
                                                        "testing", "dormant",    "up"};
  return state < kNames.size() ? kNames[state] : "unknown";
}

class NetlinkSocket {
 public:
  NetlinkSocket() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {}
  ~NetlinkSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<bool> parse_link_dump(const std::uint8_t* data, std::size_t size, std::vector<Link>& out) {
  int len = static_cast<int>(size);
  for (auto* nh = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
    if (nh->nlmsg_type == NLMSG_DONE) return true;
    if (nh->nlmsg_type == NLMSG_ERROR) {
      if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return unavailable("truncated netlink error");
      const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(nh))->error;
      if (err == 0) continue;  // an acknowledgement
      return unavailable(fmt::format("netlink link dump: {}", std::strerror(err)));
    }
    if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
    const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(nh));
    Link l;
    l.ifindex = ifi->ifi_index;
    l.ethernet = ifi->ifi_type == ARPHRD_ETHER;
    l.loopback = ifi->ifi_type == ARPHRD_LOOPBACK;
    l.operstate = "unknown";
    int attr_len = static_cast<int>(nh->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg)));
    for (auto* rta = IFLA_RTA(ifi); RTA_OK(rta, attr_len); rta = RTA_NEXT(rta, attr_len)) {
      const auto* payload = static_cast<const std::uint8_t*>(RTA_DATA(rta));
      const std::size_t n = RTA_PAYLOAD(rta);
      switch (rta->rta_type) {
        case IFLA_IFNAME:
          l.name.assign(reinterpret_cast<const char*>(payload), strnlen(reinterpret_cast<const char*>(payload), n));
          break;
        case IFLA_ADDRESS:
          l.mac.clear();
          for (std::size_t i = 0; i < n; ++i) l.mac += fmt::format("{}{:02x}", i ? ":" : "", payload[i]);
          break;
        case IFLA_MTU:
          if (n >= 4) std::memcpy(&l.mtu, payload, 4);
          break;
        case IFLA_OPERSTATE:
          if (n >= 1) l.operstate = operstate_name(payload[0]);
          break;
        case IFLA_CARRIER:
          if (n >= 1) l.carrier = payload[0] != 0;
          break;
        default:
          break;
      }
    }
    if (!l.name.empty()) out.push_back(std::move(l));
  }
  return false;
}

Result<std::vector<Link>> SysfsLinkSource::list_links() {
  if (!fs_.exists("/sys/class/net")) return not_found(fmt::format("cannot list {}", fs_.path("/sys/class/net")));
  std::vector<Link> links;
  for (const auto& name : fs_.list("/sys/class/net")) {
    const std::string base = "/sys/class/net/" + name + "/";
    auto first_line = [&](const char* file) { return fs_.read_line(base + file); };
    Link l;
    l.name = name;
    l.mac = first_line("address");
    for (auto& c : l.mac) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string type = first_line("type");
    l.ethernet = type == std::to_string(ARPHRD_ETHER);
    l.loopback = type == std::to_string(ARPHRD_LOOPBACK);
    l.operstate = first_line("operstate");
    l.carrier = first_line("carrier") == "1";
    std::string mtu = first_line("mtu");
    l.mtu = mtu.empty() ? 0 : static_cast<std::uint32_t>(std::strtoul(mtu.c_str(), nullptr, 10));
    std::string ifindex = first_line("ifindex");
    l.ifindex = ifindex.empty() ? 0 : std::atoi(ifindex.c_str());
    links.push_back(std::move(l));
  }
  return links;
}

Result<std::vector<Link>> NetlinkLinkSource::list_links() {
  NetlinkSocket sock;
  if (sock.fd() < 0) return unavailable(fmt::format("netlink socket: {}", std::strerror(errno)));
  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(sock.fd(), &request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    return unavailable(fmt::format("netlink link dump: {}", std::strerror(errno)));
  }
  std::vector<Link> links;
  std::vector<std::uint8_t> buffer(64 * 1024);
  for (;;) {
    ssize_t n = ::recv(sock.fd(), buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unavailable(fmt::format("netlink link dump: {}", std::strerror(errno)));
    if (n == 0) return unavailable("netlink link dump: socket closed");
    BMF_ASSIGN_OR_RETURN(bool done, parse_link_dump(buffer.data(), static_cast<std::size_t>(n), links));
    if (done) return links;
  }
}

}  // namespace bmf::agent
