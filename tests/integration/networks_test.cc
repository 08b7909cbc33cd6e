// Networks end to end: a real coordinator, two real agents (fixture machines),
// two real NETCONF switches (netconfd + sshd), driven by bmfctl as an admin and
// as a tenant, read back with a different client (python3-ncclient).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "netconf/client/netconf_session.h"
#include "netconf/drivers/openconfig_driver.h"
#include "netconf/transport/ssh_channel.h"
#include "tests/peers/netconfd_peer.h"
#include "tests/support/coordinator_admin.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;
const std::string kSource = BMF_SOURCE_DIR;

struct SwitchView {
  std::map<std::string, netconf::PortConfig> ports;
  std::vector<std::uint16_t> vlans;  // of network instance DEFAULT
};

class NetworksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NetconfdPeer::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    if (run_command("/usr/bin/python3 -c 'import ncclient' 2>&1").first != 0) GTEST_SKIP() << "python3-ncclient missing";
    leaf1_ = std::make_unique<NetconfdPeer>(8);
    leaf2_ = std::make_unique<NetconfdPeer>(8);
    std::ofstream(path("known_hosts")) << leaf1_->known_hosts_line() << leaf2_->known_hosts_line();
    std::ofstream(path("password")) << NetconfdPeer::kPassword << "\n";
    std::ofstream(path("token")) << "lab-token\n";
    init_coordinator_admin(path("state"));
    coordinator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/coordinator/bmf-coordinator", "--state-dir", path("state"), "--agent-listen", "127.0.0.1:0",
                                 "--api-listen", "127.0.0.1:0", "--enrollment-token-file", path("token"), "--tenant-vlans", "100-199"},
        path("coordinator.log"));
    std::smatch m;
    ASSERT_TRUE(eventually([&] { std::string l = coordinator_->log();
                                 return std::regex_search(l, m, std::regex(R"(agents=127\.0\.0\.1:(\d+) api=127\.0\.0\.1:(\d+))")); },
                           std::chrono::seconds(10))) << coordinator_->log();
    const std::string agent_port = m[1];
    api_ = fmt::format("http://127.0.0.1:{}", std::string(m[2]));
    for (const char* machine : {"gpu-node", "cpu-node"}) {
      agents_.push_back(std::make_unique<ChildProcess>(
          std::vector<std::string>{kBuild + "/agent/bmf-agent", "--coordinator", "127.0.0.1:" + agent_port, "--root",
                                   kSource + "/tests/fixtures/" + machine, "--hostname", machine, "--enrollment-token-file", path("token")},
          path(std::string(machine) + ".log")));
    }
    ASSERT_TRUE(eventually([&] { return node_ids().size() == 2; }, std::chrono::seconds(10))) << coordinator_->log();
    gpu_ = node_ids()["gpu-node"];
    cpu_ = node_ids()["cpu-node"];

    int i = 0;
    for (auto* sw : {leaf1_.get(), leaf2_.get()}) {
      admin(fmt::format("switch add leaf-{} --address 127.0.0.1:{} --user {} --password-file {} --known-hosts {} "
                        "--network-instance DEFAULT --parking-vlan 20",
                        ++i, sw->port(), NetconfdPeer::kUser, path("password"), path("known_hosts")));
    }
    // The fixtures' NICs heard no LLDP here: the admin maps them (the lab issue has lldpd do it).
    admin(fmt::format("node port-map {} eno8303 leaf-1 Ethernet1", gpu_));
    admin(fmt::format("node port-map {} ens1f0np0 leaf-1 Ethernet2", gpu_));
    admin(fmt::format("node port-map {} eno1 leaf-2 Ethernet1", cpu_));
    for (const std::string& cmd : {std::string("project add team-a --quota-networks 3"), std::string("project add team-b"),
                                   std::string("user add alice"), std::string("user add bob"), std::string("project member add team-a alice"),
                                   std::string("project member add team-b bob"),
                                   "token create --user alice --output-file " + path("alice.token"),
                                   "token create --user bob --output-file " + path("bob.token"),
                                   fmt::format("lease add {} team-a", gpu_), fmt::format("lease add {} team-a", cpu_)}) {
      admin(cmd);
    }
  }

  std::string path(const std::string& name) { return (dir_.path() / name).string(); }
  std::pair<int, std::string> bmfctl(const std::string& who, const std::string& args) {
    const std::string token = who == "admin" ? "" : "--token-file " + path(who + ".token");
    return run_command(fmt::format("{}/coordinator/cli/bmfctl --coordinator {} {} {} 2>&1", kBuild, api_, token, args));
  }
  std::string admin(const std::string& args) {
    auto [rc, out] = bmfctl("admin", args);
    EXPECT_EQ(rc, 0) << args << ": " << out << coordinator_->log();
    return out;
  }
  std::map<std::string, std::uint64_t> node_ids() {
    auto [rc, out] = bmfctl("admin", "node list -o json");
    std::map<std::string, std::uint64_t> ids;
    auto doc = nlohmann::json::parse(out, nullptr, false);
    if (rc != 0 || doc.is_discarded()) return ids;
    for (auto& n : doc.value("nodes", nlohmann::json::array())) ids[n["identity"]["hostname"]] = std::stoull(n["id"].get<std::string>());
    return ids;
  }
  // The switch's running config as ncclient (not bmf) reads it.
  SwitchView ncclient_view(const NetconfdPeer& sw) {
    std::ofstream(path("read.py")) << fmt::format(
        "from ncclient import manager\n"
        "m = manager.connect(host='127.0.0.1', port={}, username='bmftest', password='bmftest', hostkey_verify=False, "
        "look_for_keys=False, allow_agent=False, timeout=60)\n"
        "print(m.get_config('running').data_xml)\n",
        sw.port());
    auto [rc, out] = run_command("/usr/bin/python3 " + path("read.py") + " 2>&1");
    EXPECT_EQ(rc, 0) << out;
    SwitchView v;
    const auto at = out.find("<data");
    if (at == std::string::npos) return v;
    v.ports = *netconf::parse_openconfig_ports(out.substr(at));
    v.vlans = (*netconf::parse_openconfig_vlans(out.substr(at)))["DEFAULT"];
    return v;
  }
  static bool has(const std::vector<std::uint16_t>& v, std::uint16_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

  TempDir dir_;
  std::unique_ptr<NetconfdPeer> leaf1_, leaf2_;
  std::unique_ptr<ChildProcess> coordinator_;
  std::vector<std::unique_ptr<ChildProcess>> agents_;
  std::string api_;
  std::uint64_t gpu_ = 0, cpu_ = 0;
};

TEST_F(NetworksTest, TwoNetworks_PortsOnBothSwitchesInOneOperation_VlansCreatedThenRemoved) {
  auto [rc, out] = bmfctl("alice", "network create team-a frontend");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("on VLAN 100"), std::string::npos) << out;
  std::tie(rc, out) = bmfctl("alice", "network create team-a rail-1");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("on VLAN 101"), std::string::npos) << out;

  // gpu eno8303 (leaf-1) and cpu eno1 (leaf-2) onto frontend: one operation across both switches.
  std::tie(rc, out) = bmfctl("alice", fmt::format("network attach frontend {}:eno8303 {}:eno1", gpu_, cpu_));
  ASSERT_EQ(rc, 0) << out << coordinator_->log();
  EXPECT_NE(out.find("2 port(s) on 2 switch(es) configured"), std::string::npos) << out;
  // The RoCE NIC on the rail network, by MAC, tagged.
  std::tie(rc, out) = bmfctl("alice", fmt::format("node attach {} 94:6d:ae:8f:30:a0 rail-1 --trunk", gpu_));
  ASSERT_EQ(rc, 0) << out;

  auto l1 = ncclient_view(*leaf1_), l2 = ncclient_view(*leaf2_);
  EXPECT_EQ(l1.ports["Ethernet1"], (netconf::PortConfig{.mode = netconf::PortConfig::Mode::kAccess, .access_vlan = 100}));
  EXPECT_EQ(l1.ports["Ethernet2"], (netconf::PortConfig{.mode = netconf::PortConfig::Mode::kTrunk, .trunk_vlans = {101}}));
  EXPECT_EQ(l2.ports["Ethernet1"].access_vlan, 100);
  EXPECT_TRUE(has(l1.vlans, 100) && has(l1.vlans, 101)) << "the VLANs exist where their ports are";
  EXPECT_TRUE(has(l2.vlans, 100));
  EXPECT_FALSE(has(l2.vlans, 101)) << "no port on leaf-2 needs VLAN 101";
  EXPECT_EQ(l1.ports["Ethernet3"].access_vlan, 1) << "other ports untouched";

  // The tenant sees its network with its ports; another tenant does not see it at all.
  std::tie(rc, out) = bmfctl("alice", "network show frontend");
  EXPECT_NE(out.find(fmt::format("node {} eno8303 untagged", gpu_)), std::string::npos) << out;
  std::tie(rc, out) = bmfctl("bob", "network show frontend --project team-a");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("HTTP 404"), std::string::npos) << out;

  // Delete refused while attached; detach (back to provisioning VLAN 20); VLAN 100 leaves the switches.
  std::tie(rc, out) = bmfctl("alice", "network delete frontend");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("still has 2 NIC(s) attached"), std::string::npos) << out;
  ASSERT_EQ(bmfctl("alice", fmt::format("node detach {} eno8303", gpu_)).first, 0);
  ASSERT_EQ(bmfctl("alice", fmt::format("node detach {} eno1 frontend", cpu_)).first, 0);
  l1 = ncclient_view(*leaf1_);
  l2 = ncclient_view(*leaf2_);
  EXPECT_EQ(l1.ports["Ethernet1"].access_vlan, 20);
  EXPECT_EQ(l2.ports["Ethernet1"].access_vlan, 20);
  EXPECT_FALSE(has(l1.vlans, 100));
  EXPECT_FALSE(has(l2.vlans, 100));
  EXPECT_TRUE(has(l1.vlans, 101)) << "rail-1 still has a port on leaf-1";
  ASSERT_EQ(bmfctl("alice", "network delete frontend").first, 0);
  std::tie(rc, out) = bmfctl("alice", "network create team-a frontend-2");
  EXPECT_NE(out.find("on VLAN 100"), std::string::npos) << "a deleted network's VLAN is reusable: " << out;
  ASSERT_EQ(bmfctl("alice", "network create team-a third").first, 0);
  std::tie(rc, out) = bmfctl("alice", "network create team-a one-too-many");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("quota 'networks' of project team-a is 3 and 3 are in use"), std::string::npos) << out;
}

TEST_F(NetworksTest, SecondSwitchRefuses_BothSwitchesAndTheDatabaseUnchanged) {
  ASSERT_EQ(bmfctl("alice", "network create team-a frontend").first, 0);
  const auto before1 = ncclient_view(*leaf1_), before2 = ncclient_view(*leaf2_);
  {
    // Someone holds leaf-2's candidate lock (another NMS session): leaf-2 refuses bmf's change.
    netconf::SshTarget t;
    t.port = leaf2_->port();
    t.user = NetconfdPeer::kUser;
    t.password = NetconfdPeer::kPassword;
    t.known_hosts_file = path("known_hosts");
    auto other = std::move(netconf::NetconfSession::open(std::move(netconf::SshChannel::open(t)).value())).value();
    ASSERT_TRUE(other->lock(netconf::Datastore::kCandidate).ok());
    auto [rc, out] = bmfctl("alice", fmt::format("network attach frontend {}:eno8303 {}:eno1", gpu_, cpu_));
    EXPECT_NE(rc, 0);
    EXPECT_NE(out.find("switch leaf-2 failed"), std::string::npos) << out;
    EXPECT_NE(out.find("lock"), std::string::npos) << out;
    EXPECT_NE(out.find("leaf-1: rolled back"), std::string::npos) << out;
  }
  const auto after1 = ncclient_view(*leaf1_), after2 = ncclient_view(*leaf2_);
  EXPECT_EQ(after1.ports, before1.ports) << "leaf-1 was prepared, then rolled back";
  EXPECT_EQ(after1.vlans, before1.vlans);
  EXPECT_EQ(after2.ports, before2.ports);
  auto [rc, out] = bmfctl("alice", "network show frontend -o json");
  EXPECT_NE(out.find("\"ports\":[]"), std::string::npos) << "the database has no attachment: " << out;
  std::tie(rc, out) = bmfctl("admin", "switch ports leaf-1");
  EXPECT_EQ(out.find("Ethernet1"), std::string::npos) << out;
  // With the lock gone the same operation goes through.
  std::tie(rc, out) = bmfctl("alice", fmt::format("network attach frontend {}:eno8303 {}:eno1", gpu_, cpu_));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(ncclient_view(*leaf2_).ports["Ethernet1"].access_vlan, 100);
}

TEST_F(NetworksTest, LeaseEnd_PortsGoBackToProvisioningAndBadInputIsClear) {
  ASSERT_EQ(bmfctl("alice", "network create team-a frontend").first, 0);
  ASSERT_EQ(bmfctl("alice", fmt::format("network attach frontend {}:eno8303", gpu_)).first, 0);
  ASSERT_EQ(ncclient_view(*leaf1_).ports["Ethernet1"].access_vlan, 100);
  struct Bad { std::string who, args, says; };
  for (const Bad& b : std::vector<Bad>{
           {"bob", fmt::format("node attach {} eno8303 frontend --project team-a", gpu_), "does not exist"},
           {"alice", fmt::format("node attach {} eth9 frontend", gpu_), "no NIC 'eth9'"},
           {"alice", fmt::format("node attach {} eno8403 frontend", gpu_), "no known switch port"},
           {"alice", "network attach frontend 7", "must be NODE:NIC"},
           {"admin", "network import storage --vlan 150", "inside the tenant pool"},
           {"admin", "network import storage --vlan 4095", "outside 1..4094"},
           {"alice", "network import storage --vlan 30", "HTTP 404"}}) {
    auto [rc, out] = bmfctl(b.who, b.args);
    EXPECT_NE(rc, 0) << b.args;
    EXPECT_NE(out.find(b.says), std::string::npos) << b.args << ": " << out;
  }
  auto leases = admin("lease list");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(leases, m, std::regex(fmt::format(R"((\d+)  {}  team-a)", gpu_)))) << leases;
  admin(fmt::format("lease end {}", std::string(m[1])));
  ASSERT_TRUE(eventually([&] { return ncclient_view(*leaf1_).ports["Ethernet1"].access_vlan == 20; }, std::chrono::seconds(20)))
      << coordinator_->log();
  EXPECT_FALSE(has(ncclient_view(*leaf1_).vlans, 100));
  auto events = admin("events --limit 5");
  EXPECT_NE(events.find("NETWORK_CHANGED"), std::string::npos) << events;
}

TEST_F(NetworksTest, SwitchRestarted_TheNextChangeGoesThroughOnAFreshSession) {
  ASSERT_EQ(bmfctl("alice", "network create team-a frontend").first, 0);
  ASSERT_EQ(bmfctl("alice", fmt::format("network attach frontend {}:eno8303", gpu_)).first, 0);
  leaf1_->restart();  // the coordinator's NETCONF session to leaf-1 is now dead
  auto [rc, out] = bmfctl("alice", fmt::format("node attach {} ens1f0np0 frontend", gpu_));
  EXPECT_EQ(rc, 0) << out << coordinator_->log();
  auto l1 = ncclient_view(*leaf1_);
  EXPECT_EQ(l1.ports["Ethernet2"].access_vlan, 100);
  EXPECT_EQ(l1.ports["Ethernet1"].access_vlan, 100) << "the committed config survived the restart";
}

TEST_F(NetworksTest, SwitchAdd_NetworkInstanceTheSwitchDoesNotHaveIsAClearError) {
  auto [rc, out] = bmfctl("admin", fmt::format("switch add leaf-9 --address 127.0.0.1:{} --user {} --password-file {} --known-hosts {} "
                                               "--network-instance default",
                                               leaf1_->port(), NetconfdPeer::kUser, path("password"), path("known_hosts")));
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("network instance 'default' does not exist on the switch (it has: DEFAULT)"), std::string::npos) << out;
  std::tie(rc, out) = bmfctl("admin", "switch add leaf-1 --address 127.0.0.1:" + std::to_string(leaf1_->port()) +
                                          " --user bmftest --password-file " + path("password") + " --known-hosts " + path("known_hosts") +
                                          " --network-instance DEFAULT --parking-vlan 20");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("reachable: 8 ports, network instance DEFAULT"), std::string::npos) << out;
}

}  // namespace
}  // namespace bmf::testing
