// The live link dump: a hand-framed dump parsed exactly, and this machine's
// links checked against what iproute2 (`ip -j link`) reports.
#include "agent/inventory/link_source.h"

#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

namespace bmf::agent {
namespace {

class DumpBuilder {
 public:
  DumpBuilder& link(int index, unsigned short type, const char* name, std::vector<std::uint8_t> mac, std::uint32_t mtu,
                    std::uint8_t operstate, std::uint8_t carrier) {
    std::vector<std::uint8_t> attrs;
    add(attrs, IFLA_IFNAME, name, std::strlen(name) + 1);
    if (!mac.empty()) add(attrs, IFLA_ADDRESS, mac.data(), mac.size());
    add(attrs, IFLA_MTU, &mtu, sizeof mtu);
    add(attrs, IFLA_OPERSTATE, &operstate, 1);
    add(attrs, IFLA_CARRIER, &carrier, 1);
    const std::size_t len = NLMSG_LENGTH(sizeof(ifinfomsg)) + attrs.size();
    std::vector<std::uint8_t> msg(NLMSG_ALIGN(len), 0);
    auto* nh = reinterpret_cast<nlmsghdr*>(msg.data());
    nh->nlmsg_len = static_cast<std::uint32_t>(len);
    nh->nlmsg_type = RTM_NEWLINK;
    auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(nh));
    ifi->ifi_index = index;
    ifi->ifi_type = type;
    std::memcpy(reinterpret_cast<char*>(ifi) + NLMSG_ALIGN(sizeof(ifinfomsg)), attrs.data(), attrs.size());
    buf.insert(buf.end(), msg.begin(), msg.end());
    return *this;
  }
  DumpBuilder& done() {
    nlmsghdr nh{};
    nh.nlmsg_len = NLMSG_LENGTH(sizeof(int));
    nh.nlmsg_type = NLMSG_DONE;
    std::vector<std::uint8_t> msg(NLMSG_ALIGN(nh.nlmsg_len), 0);
    std::memcpy(msg.data(), &nh, sizeof nh);
    buf.insert(buf.end(), msg.begin(), msg.end());
    return *this;
  }
  std::vector<std::uint8_t> buf;

 private:
  static void add(std::vector<std::uint8_t>& out, unsigned short type, const void* data, std::size_t n) {
    std::vector<std::uint8_t> a(RTA_ALIGN(RTA_LENGTH(n)), 0);
    auto* rta = reinterpret_cast<rtattr*>(a.data());
    rta->rta_type = type;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(n));
    std::memcpy(RTA_DATA(rta), data, n);
    out.insert(out.end(), a.begin(), a.end());
  }
};

TEST(ParseLinkDump, ReadsEveryFieldAndStopsAtDone) {
  DumpBuilder b;
  b.link(1, ARPHRD_LOOPBACK, "lo", {0, 0, 0, 0, 0, 0}, 65536, 0, 1)
      .link(7, ARPHRD_ETHER, "ens1f0np0", {0x94, 0x6d, 0xae, 0x8f, 0x30, 0xa0}, 9000, 6, 1)
      .link(9, ARPHRD_ETHER, "eno2", {0xb0, 0x7b, 0x25, 0xde, 0x1a, 0x11}, 1500, 2, 0);
  std::vector<Link> links;
  auto first = parse_link_dump(b.buf.data(), b.buf.size(), links);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(*first) << "no NLMSG_DONE yet: read on";
  DumpBuilder tail;
  tail.done();
  EXPECT_TRUE(*parse_link_dump(tail.buf.data(), tail.buf.size(), links));
  ASSERT_EQ(links.size(), 3u);
  EXPECT_TRUE(links[0].loopback);
  EXPECT_EQ(links[0].operstate, "unknown");
  EXPECT_EQ(links[1].name, "ens1f0np0");
  EXPECT_EQ(links[1].mac, "94:6d:ae:8f:30:a0");
  EXPECT_EQ(links[1].mtu, 9000u);
  EXPECT_EQ(links[1].operstate, "up");
  EXPECT_TRUE(links[1].carrier);
  EXPECT_TRUE(links[1].ethernet);
  EXPECT_EQ(links[1].ifindex, 7);
  EXPECT_EQ(links[2].operstate, "down");
  EXPECT_FALSE(links[2].carrier);
}

TEST(ParseLinkDump, ErrorsAndGarbage) {
  std::vector<std::uint8_t> err(NLMSG_ALIGN(NLMSG_LENGTH(sizeof(nlmsgerr))), 0);
  auto* nh = reinterpret_cast<nlmsghdr*>(err.data());
  nh->nlmsg_len = NLMSG_LENGTH(sizeof(nlmsgerr));
  nh->nlmsg_type = NLMSG_ERROR;
  static_cast<nlmsgerr*>(NLMSG_DATA(nh))->error = -EPERM;
  std::vector<Link> links;
  auto r = parse_link_dump(err.data(), err.size(), links);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(std::strerror(EPERM)), std::string::npos);
  std::vector<std::uint8_t> junk = {1, 2, 3, 4, 5, 6, 7};
  EXPECT_FALSE(*parse_link_dump(junk.data(), junk.size(), links));
  EXPECT_TRUE(links.empty());
}

// This machine, two ways: the agent's own rtnetlink dump and iproute2's.
TEST(NetlinkLinkSource, AgreesWithIproute2) {
  FILE* p = ::popen("ip -j link show 2>/dev/null", "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char chunk[4096];
  while (std::size_t n = std::fread(chunk, 1, sizeof chunk, p)) text.append(chunk, n);
  ::pclose(p);
  auto ip = nlohmann::json::parse(text, nullptr, false);
  if (ip.is_discarded() || !ip.is_array()) GTEST_SKIP() << "iproute2 `ip -j` unavailable";
  NetlinkLinkSource source;
  auto links = source.list_links();
  ASSERT_TRUE(links.ok()) << links.status().to_string();
  std::map<std::string, Link> by_name;
  for (auto& l : *links) by_name[l.name] = l;
  ASSERT_EQ(by_name.size(), ip.size());
  for (const auto& e : ip) {
    const std::string name = e["ifname"];
    ASSERT_TRUE(by_name.count(name)) << name;
    const Link& l = by_name[name];
    EXPECT_EQ(l.ifindex, e["ifindex"].get<int>()) << name;
    EXPECT_EQ(l.mtu, e["mtu"].get<std::uint32_t>()) << name;
    if (e.contains("address")) EXPECT_EQ(l.mac, e["address"].get<std::string>()) << name;
    std::string state = e.value("operstate", "UNKNOWN");
    for (auto& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(l.operstate, state) << name;
    EXPECT_EQ(l.loopback, e.value("link_type", "") == "loopback") << name;
    EXPECT_EQ(l.ethernet, e.value("link_type", "") == "ether") << name;
  }
}

}  // namespace
}  // namespace bmf::agent
