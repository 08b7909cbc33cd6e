// `bmfctl switch sync`: the coordinator re-applies its database's port VLANs to
// a real NETCONF switch (netconfd + sshd), sending only what drifted.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <regex>

#include "netconf/client/netconf_session.h"
#include "netconf/drivers/openconfig_driver.h"
#include "netconf/transport/ssh_channel.h"
#include "tests/peers/netconfd_peer.h"
#include "tests/support/coordinator_admin.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;

class SwitchSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NetconfdPeer::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    sw_ = std::make_unique<NetconfdPeer>(8);
    std::ofstream(dir_.path() / "known_hosts") << sw_->known_hosts_line();
    std::ofstream(dir_.path() / "password") << NetconfdPeer::kPassword << "\n";
    init_coordinator_admin(dir_.path() / "state");
    coordinator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/coordinator/bmf-coordinator", "--state-dir", (dir_.path() / "state").string(),
                                 "--agent-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"},
        dir_.path() / "coordinator.log");
    std::smatch m;
    std::regex started(R"(api=127\.0\.0\.1:(\d+))");
    ASSERT_TRUE(eventually([&] { std::string l = coordinator_->log(); return std::regex_search(l, m, started); },
                           std::chrono::seconds(10)));
    api_ = std::stoi(m[1]);
  }

  std::pair<int, std::string> bmfctl(const std::string& args) {
    return run_command(fmt::format("{}/coordinator/cli/bmfctl --coordinator http://127.0.0.1:{} {} 2>&1", kBuild, api_, args));
  }

  // A direct NETCONF session to the switch, bypassing the coordinator.
  std::unique_ptr<netconf::NetconfSession> direct_session() {
    netconf::SshTarget t;
    t.port = sw_->port();
    t.user = NetconfdPeer::kUser;
    t.password = NetconfdPeer::kPassword;
    t.known_hosts_file = (dir_.path() / "known_hosts").string();
    t.timeout = std::chrono::seconds(30);
    return std::move(netconf::NetconfSession::open(std::move(netconf::SshChannel::open(t)).value())).value();
  }

  std::map<std::string, netconf::PortConfig> switch_ports() {
    auto s = direct_session();
    netconf::OpenConfigDriver d(*s);
    return *d.read_ports();
  }

  TempDir dir_;
  std::unique_ptr<NetconfdPeer> sw_;
  std::unique_ptr<ChildProcess> coordinator_;
  int api_ = 0;
};

TEST_F(SwitchSyncTest, Sync_AppliesDatabaseThenRepairsOnlyDrift) {
  auto [rc, out] = bmfctl(fmt::format("switch add leaf-1 --address 127.0.0.1:{} --user {} --password-file {} --known-hosts {} "
                                      "--network-instance DEFAULT --unused-ports park --parking-vlan 20",
                                      sw_->port(), NetconfdPeer::kUser, (dir_.path() / "password").string(),
                                      (dir_.path() / "known_hosts").string()));
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(bmfctl("switch port leaf-1 Ethernet1 --access 10").first, 0);
  ASSERT_EQ(bmfctl("switch port leaf-1 Ethernet2 --trunk 10,20 --native 1").first, 0);
  auto [bad_rc, bad] = bmfctl("switch port leaf-1 Ethernet3 --access 5000");
  EXPECT_NE(bad_rc, 0);
  EXPECT_NE(bad.find("accessVlan 5000 is outside 1..4094"), std::string::npos) << bad;

  auto [sync_rc, sync] = bmfctl("switch sync leaf-1");
  ASSERT_EQ(sync_rc, 0) << sync << coordinator_->log();
  EXPECT_NE(sync.find("8 port(s) re-applied"), std::string::npos) << sync;  // 2 leased + 6 parked (seed was VLAN 1)
  auto ports = switch_ports();
  EXPECT_EQ(ports["Ethernet1"].access_vlan, 10);
  EXPECT_EQ(ports["Ethernet2"].trunk_vlans, (std::vector<std::uint16_t>{10, 20}));
  EXPECT_EQ(ports["Ethernet8"].access_vlan, 20) << "unused ports parked, not left on VLAN 1";

  // Someone moves Ethernet1 by hand; sync puts back only that port.
  {
    auto s = direct_session();
    netconf::OpenConfigDriver d(*s);
    netconf::ChangeSet c;
    c.ports["Ethernet1"] = {.mode = netconf::PortConfig::Mode::kAccess, .access_vlan = 1};
    ASSERT_TRUE(d.prepare(c, {.persist_token = "by-hand"}).ok());
    ASSERT_TRUE(d.confirm().ok());
  }
  std::tie(sync_rc, sync) = bmfctl("switch sync leaf-1");
  ASSERT_EQ(sync_rc, 0) << sync;
  EXPECT_NE(sync.find("1 port(s) re-applied: Ethernet1"), std::string::npos) << sync;
  EXPECT_EQ(switch_ports()["Ethernet1"].access_vlan, 10);
  std::tie(sync_rc, sync) = bmfctl("switch sync leaf-1");
  EXPECT_NE(sync.find("in sync"), std::string::npos) << sync;
  auto [ev_rc, events] = bmfctl("events");
  EXPECT_NE(events.find("SWITCH_SYNCED"), std::string::npos);
}

TEST_F(SwitchSyncTest, UnknownSwitchOrBadCredentials_ClearErrors) {
  auto [rc, out] = bmfctl("switch sync nope");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("switch nope does not exist"), std::string::npos) << out;
  std::ofstream(dir_.path() / "wrong") << "wrong\n";
  // switch add connects to check the switch: wrong credentials are said at once.
  std::tie(rc, out) = bmfctl(fmt::format("switch add leaf-2 --address 127.0.0.1:{} --user {} --password-file {} --known-hosts {}",
                                         sw_->port(), NetconfdPeer::kUser, (dir_.path() / "wrong").string(),
                                         (dir_.path() / "known_hosts").string()));
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("authentication"), std::string::npos) << out;
  std::tie(rc, out) = bmfctl("switch sync leaf-2");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("authentication"), std::string::npos) << out;
}

}  // namespace
}  // namespace bmf::testing
