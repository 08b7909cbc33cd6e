#include "agent/inventory/link_monitor.h"

#include <fmt/core.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace bmf::agent {

std::vector<LinkEvent> parse_link_events(std::span<const std::uint8_t> buffer) {
  std::vector<LinkEvent> events;
  const auto* data = buffer.data();
  int len = static_cast<int>(buffer.size());
  for (auto* nh = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(nh, static_cast<unsigned>(len));
       nh = NLMSG_NEXT(nh, len)) {
    if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK) continue;
    if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
    const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(nh));
    LinkEvent e;
    e.removed = nh->nlmsg_type == RTM_DELLINK;
    e.up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
    int attr_len = static_cast<int>(nh->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg)));
    for (auto* rta = IFLA_RTA(ifi); RTA_OK(rta, attr_len); rta = RTA_NEXT(rta, attr_len)) {
      if (rta->rta_type == IFLA_IFNAME && RTA_PAYLOAD(rta) > 0) {
        const char* name = static_cast<const char*>(RTA_DATA(rta));
        e.name.assign(name, strnlen(name, RTA_PAYLOAD(rta)));
      }
    }
    if (!e.name.empty()) events.push_back(std::move(e));
  }
  return events;
}

Result<LinkMonitor> LinkMonitor::open() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return unavailable(fmt::format("netlink socket: {}", std::strerror(errno)));
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    return unavailable(fmt::format("netlink bind RTMGRP_LINK: {}", std::strerror(err)));
  }
  return LinkMonitor(fd);
}

LinkMonitor::~LinkMonitor() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<LinkEvent> LinkMonitor::drain() {
  std::vector<LinkEvent> events;
  std::array<std::uint8_t, 16384> buf{};
  for (;;) {
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) break;  // EAGAIN: drained; ENOBUFS (overrun): the caller re-reads everything anyway
    auto batch = parse_link_events(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    events.insert(events.end(), batch.begin(), batch.end());
  }
  return events;
}

}  // namespace bmf::agent
