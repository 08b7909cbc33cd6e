#include "agent/inventory/link_source.h"

#include <fmt/core.h>
#include <net/if_arp.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include <cctype>
#include <cstdlib>

namespace bmf::agent {
namespace {

struct NlSockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct NlCacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};

}  // namespace

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
  std::unique_ptr<nl_sock, NlSockDeleter> sock(nl_socket_alloc());
  if (!sock) return internal_error("nl_socket_alloc failed");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return unavailable(fmt::format("netlink connect: {}", nl_geterror(err)));
  }
  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &raw); err < 0) {
    return unavailable(fmt::format("netlink link dump: {}", nl_geterror(err)));
  }
  std::unique_ptr<nl_cache, NlCacheDeleter> cache(raw);
  std::vector<Link> links;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj; obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    Link l;
    l.name = rtnl_link_get_name(link) ? rtnl_link_get_name(link) : "";
    unsigned arptype = rtnl_link_get_arptype(link);
    l.ethernet = arptype == ARPHRD_ETHER;
    l.loopback = arptype == ARPHRD_LOOPBACK;
    l.mtu = rtnl_link_get_mtu(link);
    l.ifindex = rtnl_link_get_ifindex(link);
    l.carrier = rtnl_link_get_carrier(link) == 1;
    char state[32];
    l.operstate = rtnl_link_operstate2str(rtnl_link_get_operstate(link), state, sizeof(state));
    for (auto& c : l.operstate) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (nl_addr* addr = rtnl_link_get_addr(link)) {
      char buf[64];
      l.mac = nl_addr2str(addr, buf, sizeof(buf));
    }
    links.push_back(std::move(l));
  }
  return links;
}

}  // namespace bmf::agent
