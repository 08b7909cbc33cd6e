#include "agent/inventory/link_monitor.h"

#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstring>
#include <vector>

namespace bmf::agent {
namespace {

// One RTM_NEWLINK/RTM_DELLINK message as the kernel frames it.
std::vector<std::uint8_t> link_message(std::uint16_t type, const char* name, unsigned flags) {
  const std::size_t name_len = std::strlen(name) + 1;
  const std::size_t attr_len = RTA_LENGTH(name_len);
  const std::size_t len = NLMSG_LENGTH(sizeof(ifinfomsg)) + RTA_ALIGN(attr_len);
  std::vector<std::uint8_t> buf(NLMSG_ALIGN(len), 0);
  auto* nh = reinterpret_cast<nlmsghdr*>(buf.data());
  nh->nlmsg_len = static_cast<std::uint32_t>(len);
  nh->nlmsg_type = type;
  auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(nh));
  ifi->ifi_flags = flags;
  auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(ifi) + NLMSG_ALIGN(sizeof(ifinfomsg)));
  rta->rta_type = IFLA_IFNAME;
  rta->rta_len = static_cast<unsigned short>(attr_len);
  std::memcpy(RTA_DATA(rta), name, name_len);
  return buf;
}

}  // namespace

TEST(ParseLinkEvents, UpDownAndRemoved) {
  auto buf = link_message(RTM_NEWLINK, "eth0", IFF_UP | IFF_RUNNING);
  auto down = link_message(RTM_NEWLINK, "eth1", IFF_UP);
  auto gone = link_message(RTM_DELLINK, "veth9", 0);
  buf.insert(buf.end(), down.begin(), down.end());
  buf.insert(buf.end(), gone.begin(), gone.end());
  auto events = parse_link_events(buf);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].name, "eth0");
  EXPECT_TRUE(events[0].up);
  EXPECT_FALSE(events[1].up) << "up but not running (no carrier) is down";
  EXPECT_TRUE(events[2].removed);
}

TEST(ParseLinkEvents, TruncatedOrForeignMessages_Ignored) {
  auto buf = link_message(RTM_NEWLINK, "eth0", IFF_UP | IFF_RUNNING);
  EXPECT_TRUE(parse_link_events(std::span(buf).first(10)).empty());
  auto addr = link_message(RTM_NEWADDR, "eth0", 0);
  EXPECT_TRUE(parse_link_events(addr).empty());
}

}  // namespace bmf::agent
