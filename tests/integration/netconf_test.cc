// NETCONF client, OpenConfig driver and cross-switch transactions against real
// netconfd + sshd switches (tests/peers/netconfd_peer.h).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "netconf/client/netconf_session.h"
#include "netconf/client/switch_connection.h"
#include "netconf/drivers/port_plan.h"
#include "netconf/drivers/openconfig_driver.h"
#include "netconf/transaction/switch_transaction.h"
#include "netconf/transport/ssh_channel.h"
#include "tests/peers/netconfd_peer.h"

namespace bmf::netconf {
namespace {

using testing::NetconfdPeer;

class NetconfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NetconfdPeer::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    sw1_ = std::make_unique<NetconfdPeer>(48);
  }

  SshTarget target(const NetconfdPeer& sw, bool write_known_hosts = true) {
    SshTarget t;
    t.port = sw.port();
    t.user = NetconfdPeer::kUser;
    t.password = NetconfdPeer::kPassword;
    t.known_hosts_file = sw.dir() + "/known_hosts";
    t.timeout = std::chrono::seconds(30);  // netconfd is single-threaded and slow on a loaded CI machine
    if (write_known_hosts) std::ofstream(t.known_hosts_file) << sw.known_hosts_line();
    return t;
  }

  std::unique_ptr<NetconfSession> connect(const NetconfdPeer& sw) {
    auto channel = SshChannel::open(target(sw));
    EXPECT_TRUE(channel.ok()) << channel.status().to_string() << sw.logs();
    if (!channel.ok()) return nullptr;
    auto session = NetconfSession::open(std::move(channel).value());
    EXPECT_TRUE(session.ok()) << session.status().to_string();
    return session.ok() ? std::move(session).value() : nullptr;
  }

  static ChangeSet access(std::initializer_list<int> ports, std::uint16_t vlan) {
    ChangeSet c;
    for (int p : ports) c.ports[fmt::format("Ethernet{}", p)] = {.mode = PortConfig::Mode::kAccess, .access_vlan = vlan};
    return c;
  }

  std::unique_ptr<NetconfdPeer> sw1_;
};

TEST_F(NetconfTest, Hello_ChunkedFramingAndCapabilities) {
  auto s = connect(*sw1_);
  ASSERT_TRUE(s);
  EXPECT_GT(s->session_id(), 0u);
  EXPECT_EQ(s->framing(), Framing::kChunked);  // both sides offer base:1.1
  EXPECT_TRUE(s->has_capability("urn:ietf:params:netconf:capability:candidate"));
  EXPECT_TRUE(s->has_capability("urn:ietf:params:netconf:capability:confirmed-commit"));
  EXPECT_TRUE(s->close_session().ok());
}

TEST_F(NetconfTest, HostKey_UnknownRefusedUnlessTofuThenPinned) {
  auto t = target(*sw1_, /*write_known_hosts=*/false);
  std::filesystem::remove(t.known_hosts_file);
  auto refused = SshChannel::open(t);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("trust-on-first-use is off"), std::string::npos);
  t.trust_on_first_use = true;
  ASSERT_TRUE(SshChannel::open(t).ok());  // recorded
  t.trust_on_first_use = false;
  ASSERT_TRUE(SshChannel::open(t).ok()) << "the recorded key now matches";
  // A different switch answering on the same address is refused.
  NetconfdPeer impostor(1);
  std::string lines = sw1_->known_hosts_line();  // sw1's keys, claimed for the impostor's address
  const std::string from = fmt::format("]:{} ", sw1_->port()), to = fmt::format("]:{} ", impostor.port());
  for (auto p = lines.find(from); p != std::string::npos; p = lines.find(from)) lines.replace(p, from.size(), to);
  std::ofstream(t.known_hosts_file) << lines;
  t.port = impostor.port();
  auto mismatch = SshChannel::open(t);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("does not match"), std::string::npos)
      << mismatch.status().message() << "\n" << lines;
}

TEST_F(NetconfTest, PublicKeyAuth_AndWrongPasswordIsUnauthenticated) {
  auto t = target(*sw1_);
  t.password.clear();
  t.private_key_file = sw1_->client_key();
  auto channel = SshChannel::open(t);
  ASSERT_TRUE(channel.ok()) << channel.status().to_string();
  ASSERT_TRUE(NetconfSession::open(std::move(channel).value()).ok());
  t.private_key_file.clear();
  t.password = "wrong";
  EXPECT_EQ(SshChannel::open(t).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(NetconfTest, Driver_EditCommitReadBack_AndNcclientSeesIt) {
  auto s = connect(*sw1_);
  OpenConfigDriver driver(*s, {.network_instance = "DEFAULT"});
  ChangeSet c = access({1, 2, 3}, 10);
  c.ports["Ethernet4"] = {.mode = PortConfig::Mode::kTrunk, .native_vlan = 1, .trunk_vlans = {10, 20}};
  ASSERT_TRUE(driver.prepare(c, {.confirm_timeout = std::chrono::seconds(60), .persist_token = "bmf-t1"}).ok())
      << s->last_errors().size();
  ASSERT_TRUE(driver.confirm().ok());
  auto ports = driver.read_ports();
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ((*ports)["Ethernet1"].access_vlan, 10);
  EXPECT_EQ((*ports)["Ethernet4"], c.ports["Ethernet4"]);
  EXPECT_EQ((*ports)["Ethernet5"].access_vlan, 1);

  // Cross-check with a different client: ncclient (Debian's python3-ncclient).
  auto [rc, out] = testing::run_command(fmt::format(
      "/usr/bin/python3 -c \"from ncclient import manager\n"
      "m = manager.connect(host='127.0.0.1', port={}, username='bmftest', password='bmftest', hostkey_verify=False, "
      "look_for_keys=False, allow_agent=False)\n"
      "print(m.get_config('running').data_xml)\" 2>&1",
      sw1_->port()));
  if (rc != 0 && out.find("No module named") != std::string::npos) GTEST_SKIP() << "python3-ncclient missing";
  ASSERT_EQ(rc, 0) << out;
  auto seen = parse_openconfig_ports(out.substr(out.find("<data")));
  ASSERT_TRUE(seen.ok()) << out.substr(0, 500);
  EXPECT_EQ((*seen)["Ethernet2"].access_vlan, 10);
  EXPECT_EQ((*seen)["Ethernet4"].trunk_vlans, (std::vector<std::uint16_t>{10, 20}));
}

TEST_F(NetconfTest, EditConfig_MergeCreatesDeleteRemovesVlan) {
  auto s = connect(*sw1_);
  auto vlans = [&] { return *s->get_config(Datastore::kRunning, R"(<network-instances xmlns="http://openconfig.net/yang/network-instance"/>)"); };
  ChangeSet c;
  c.ensure_vlans = {30};
  ASSERT_TRUE(s->lock(Datastore::kCandidate).ok());
  ASSERT_TRUE(s->edit_config(Datastore::kCandidate, openconfig_edit_xml(c, {.network_instance = "DEFAULT"})).ok());
  ASSERT_TRUE(s->commit().ok());
  EXPECT_NE(vlans().find("<vlan-id>30</vlan-id>"), std::string::npos);
  const char* remove = R"(<network-instances xmlns="http://openconfig.net/yang/network-instance"><network-instance><name>DEFAULT</name><vlans>)"
                       R"(<vlan xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"><vlan-id>30</vlan-id></vlan>)"
                       R"(</vlans></network-instance></network-instances>)";
  ASSERT_TRUE(s->edit_config(Datastore::kCandidate, remove, {.default_operation = "none"}).ok()) << s->last_errors().size();
  ASSERT_TRUE(s->commit().ok());
  EXPECT_EQ(vlans().find("<vlan-id>30</vlan-id>"), std::string::npos);
  EXPECT_NE(vlans().find("<vlan-id>20</vlan-id>"), std::string::npos) << "only VLAN 30 was deleted";
  ASSERT_TRUE(s->unlock(Datastore::kCandidate).ok());
}

TEST_F(NetconfTest, Driver_PortsAndTheirVlansInOneConfirmedCommit_ThenVlanRemoved) {
  auto s = connect(*sw1_);
  OpenConfigDriver driver(*s, {.network_instance = "DEFAULT"});
  ChangeSet c = access({3}, 300);
  c.ensure_vlans = {300};
  ASSERT_TRUE(driver.prepare(c, {.persist_token = "bmf-v1"}).ok()) << s->last_errors().size();
  ASSERT_TRUE(driver.confirm().ok());
  auto vlans = driver.read_vlans();
  ASSERT_TRUE(vlans.ok());
  EXPECT_NE(std::find((*vlans)["DEFAULT"].begin(), (*vlans)["DEFAULT"].end(), 300), (*vlans)["DEFAULT"].end());
  ChangeSet back = access({3}, 20);
  back.ensure_vlans = {20};
  back.remove_vlans = {300};
  ASSERT_TRUE(driver.prepare(back, {.persist_token = "bmf-v2"}).ok());
  ASSERT_TRUE(driver.confirm().ok());
  vlans = driver.read_vlans();
  EXPECT_EQ(std::find((*vlans)["DEFAULT"].begin(), (*vlans)["DEFAULT"].end(), 300), (*vlans)["DEFAULT"].end());
  OpenConfigDriver wrong(*s, {.network_instance = "default"});
  Status st = wrong.prepare(c, {.persist_token = "bmf-v3"});
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.to_string();
  EXPECT_NE(st.message().find("(it has: DEFAULT)"), std::string::npos) << st.message();
}

TEST_F(NetconfTest, ConfirmedCommit_NotConfirmed_RollsBackByItself) {
  auto s = connect(*sw1_);
  OpenConfigDriver driver(*s);
  ASSERT_TRUE(driver.prepare(access({7}, 20), {.confirm_timeout = std::chrono::seconds(2), .persist_token = "bmf-t2"}).ok());
  EXPECT_EQ((*driver.read_ports())["Ethernet7"].access_vlan, 20);
  // netconfd only fires the timer when idle ~1 s: sleep, do not poll.
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  auto other = connect(*sw1_);
  OpenConfigDriver reader(*other);
  EXPECT_EQ((*reader.read_ports())["Ethernet7"].access_vlan, 1) << "the switch reverted the unconfirmed commit";
}

TEST_F(NetconfTest, LockContention_SecondSessionGetsRetryableError) {
  auto holder = connect(*sw1_);
  ASSERT_TRUE(holder->lock(Datastore::kCandidate).ok());
  auto s = connect(*sw1_);
  OpenConfigDriver driver(*s);
  Status st = driver.prepare(access({9}, 10), {.persist_token = "bmf-t3"});
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
  EXPECT_NE(st.message().find("lock-denied"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(fmt::format("session-id={}", holder->session_id())), std::string::npos) << st.message();
  ASSERT_TRUE(holder->unlock(Datastore::kCandidate).ok());
  EXPECT_TRUE(driver.prepare(access({9}, 10), {.persist_token = "bmf-t3"}).ok()) << "retry succeeds once released";
  EXPECT_TRUE(driver.confirm().ok());
}

TEST_F(NetconfTest, InvalidInput_RpcErrorReportedConfigUntouched) {
  auto s = connect(*sw1_);
  auto before = s->get_config(Datastore::kRunning);
  ASSERT_TRUE(before.ok());
  // VLAN 4095 straight to the server (the driver would refuse it before sending).
  ASSERT_TRUE(s->lock(Datastore::kCandidate).ok());
  Status bad = s->edit_config(Datastore::kCandidate, openconfig_edit_xml([] {
    ChangeSet c;
    c.ports["Ethernet1"] = {.mode = PortConfig::Mode::kAccess, .access_vlan = 4095};
    return c;
  }(), {}));
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument) << bad.to_string();
  ASSERT_FALSE(s->last_errors().empty());
  EXPECT_EQ(s->last_errors()[0].tag, "invalid-value");
  EXPECT_EQ(s->last_errors()[0].app_tag, "not-in-range");
  EXPECT_NE(s->last_errors()[0].path.find("access-vlan"), std::string::npos);
  ASSERT_TRUE(s->discard_changes().ok());
  ASSERT_TRUE(s->unlock(Datastore::kCandidate).ok());
  // An unknown port through the driver.
  OpenConfigDriver driver(*s);
  Status unknown = driver.prepare(access({99}, 10), {.persist_token = "bmf-t4"});
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(*s->get_config(Datastore::kRunning), *before);
}

TEST_F(NetconfTest, TwoSwitches_SecondFails_BothLeftAsBefore) {
  NetconfdPeer sw2(48);
  auto s1 = connect(*sw1_);
  auto s2 = connect(sw2);
  auto before1 = s1->get_config(Datastore::kRunning);
  auto before2 = s2->get_config(Datastore::kRunning);
  OpenConfigDriver d1(*s1), d2(*s2);
  std::vector<SwitchChange> changes{{"leaf-1", &d1, access({1, 2}, 10)}, {"leaf-2", &d2, access({1, 99}, 10)}};
  auto report = apply_across_switches(changes, {.confirm_timeout = std::chrono::seconds(60), .persist_token = "bmf-tx"});
  EXPECT_FALSE(report.committed);
  EXPECT_EQ(report.failed_switch, "leaf-2");
  EXPECT_EQ(report.switches[0].result, SwitchOutcome::Result::kRolledBack) << report.switches[0].detail;
  EXPECT_EQ(*s1->get_config(Datastore::kRunning), *before1);
  EXPECT_EQ(*s2->get_config(Datastore::kRunning), *before2);

  // And the same move without the bad port commits on both.
  changes[1].changes = access({1, 2}, 10);
  report = apply_across_switches(changes, {.confirm_timeout = std::chrono::seconds(60), .persist_token = "bmf-tx2"});
  ASSERT_TRUE(report.committed) << report.failure.to_string();
  EXPECT_EQ((*d1.read_ports())["Ethernet2"].access_vlan, 10);
  EXPECT_EQ((*d2.read_ports())["Ethernet2"].access_vlan, 10);
}

TEST_F(NetconfTest, NoCandidate_RunningFallbackAppliesAndRestoresPreRead) {
  NetconfdPeer sw(8, "running");
  auto s = connect(sw);
  ASSERT_TRUE(s);
  ASSERT_FALSE(s->has_capability("urn:ietf:params:netconf:capability:candidate"));
  ASSERT_TRUE(s->has_capability("urn:ietf:params:netconf:capability:writable-running"));
  OpenConfigDriver driver(*s);
  ASSERT_TRUE(driver.prepare(access({1, 2}, 10), {.persist_token = "unused"}).ok()) << s->last_errors().size();
  EXPECT_EQ((*driver.read_ports())["Ethernet1"].access_vlan, 10);
  ASSERT_TRUE(driver.rollback().ok());
  EXPECT_EQ((*driver.read_ports())["Ethernet1"].access_vlan, 1) << "pre-read config written back";
  ASSERT_TRUE(driver.prepare(access({3}, 20), {}).ok());
  ASSERT_TRUE(driver.confirm().ok());
  EXPECT_EQ((*driver.read_ports())["Ethernet3"].access_vlan, 20);
}

TEST_F(NetconfTest, DriftRepair_OneReusedSessionRestoresDatabaseState) {
  SwitchConnection conn(target(*sw1_));
  // What the coordinator's database says: ports 1-2 leased to VLAN 10, the rest parked on VLAN 20.
  std::vector<std::string> all;
  for (int i = 1; i <= 48; ++i) all.push_back(fmt::format("Ethernet{}", i));
  auto desired = desired_ports(all, access({1, 2}, 10).ports, {.parking_vlan = 20});
  ASSERT_TRUE(desired.ok());
  auto s = conn.session();
  ASSERT_TRUE(s.ok());
  OpenConfigDriver driver(**s);
  auto first = drift_repair(*desired, *driver.read_ports());
  EXPECT_EQ(first.ports.size(), 48u);
  ASSERT_TRUE(driver.prepare(first, {.persist_token = "bmf-sync1"}).ok());
  ASSERT_TRUE(driver.confirm().ok());
  // Someone changes port 5 by hand on the switch.
  {
    auto other = connect(*sw1_);
    OpenConfigDriver manual(*other);
    ASSERT_TRUE(manual.prepare(access({5}, 1), {.persist_token = "hand"}).ok());
    ASSERT_TRUE(manual.confirm().ok());
  }
  auto s2 = conn.session();
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(*s2, *s) << "the same session is reused";
  auto drift = drift_repair(*desired, *driver.read_ports());
  ASSERT_EQ(drift.ports.size(), 1u) << "only the drifted port is re-applied";
  EXPECT_EQ(drift.ports.begin()->first, "Ethernet5");
  ASSERT_TRUE(driver.prepare(drift, {.persist_token = "bmf-sync2"}).ok());
  ASSERT_TRUE(driver.confirm().ok());
  EXPECT_TRUE(drift_repair(*desired, *driver.read_ports()).ports.empty());
  EXPECT_EQ(conn.sessions_opened(), 1u);
}

}  // namespace
}  // namespace bmf::netconf
