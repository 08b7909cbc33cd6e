#include "coordinator/networks/port_planner.h"

#include <gtest/gtest.h>

namespace bmf::coordinator {
namespace {

using Mode = netconf::PortConfig::Mode;

class PortPlannerTest : public ::testing::Test {
 protected:
  std::map<std::string, SwitchRecord> switches{{"leaf-1", {.name = "leaf-1", .parking_vlan = 20}},
                                               {"leaf-2", {.name = "leaf-2"}}};
  std::map<std::uint64_t, NetworkRecord> networks{
      {1, {.id = 1, .name = "a-net", .project = "a", .vlan = 100}},
      {2, {.id = 2, .name = "rail-1", .project = "a", .vlan = 101}},
      {3, {.id = 3, .name = "storage", .vlan = 30, .kind = NetworkRecord::Kind::kExternal}}};
  AttachmentRecord on(std::uint64_t net, bool tagged = false) { return {.node_id = 1, .nic = "eth0", .network_id = net, .tagged = tagged}; }
};

TEST_F(PortPlannerTest, AccessTrunkAndProvisioningPerNic) {
  std::vector<NicChange> nics{{.node_id = 1, .nic = "eth0", .switch_name = "leaf-1", .port = "Ethernet1", .after = {on(1)}},
                              {.node_id = 1, .nic = "eth1", .switch_name = "leaf-2", .port = "Ethernet1",
                               .after = {on(2, true), on(3, true), on(1)}},
                              {.node_id = 2, .nic = "eth0", .switch_name = "leaf-1", .port = "Ethernet2", .after = {}}};
  auto plan = plan_ports(nics, switches, {}, networks);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  ASSERT_EQ(plan->switches.size(), 2u);
  const auto& leaf1 = plan->switches[0].changes;
  EXPECT_EQ(leaf1.ports.at("Ethernet1"), (netconf::PortConfig{.mode = Mode::kAccess, .access_vlan = 100}));
  EXPECT_EQ(leaf1.ports.at("Ethernet2"), (netconf::PortConfig{.mode = Mode::kAccess, .access_vlan = 20})) << "back to provisioning";
  EXPECT_EQ(leaf1.ensure_vlans, (std::vector<std::uint16_t>{20, 100}));
  const auto& leaf2 = plan->switches[1].changes;
  EXPECT_EQ(leaf2.ports.at("Ethernet1"),
            (netconf::PortConfig{.mode = Mode::kTrunk, .native_vlan = 100, .trunk_vlans = {30, 101}}));
  EXPECT_EQ(plan->port_rows.size(), 3u);
}

TEST_F(PortPlannerTest, NoParkingVlan_PortIsShutDown) {
  auto plan = plan_ports({{.node_id = 1, .nic = "eth0", .switch_name = "leaf-2", .port = "Ethernet3"}}, switches, {}, networks);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->switches[0].changes.ports.at("Ethernet3").mode, Mode::kShutdown);
}

TEST_F(PortPlannerTest, TenantVlanRemovedWhenItsLastPortLeaves_ProviderVlanKept) {
  std::map<std::string, std::vector<SwitchPortRecord>> rows{
      {"leaf-1",
       {{.switch_name = "leaf-1", .port = "Ethernet1", .mode = "trunk", .native_vlan = 100, .trunk_vlans = {30}},
        {.switch_name = "leaf-1", .port = "Ethernet2", .mode = "access", .access_vlan = 101}}}};
  auto plan = plan_ports({{.node_id = 1, .nic = "eth0", .switch_name = "leaf-1", .port = "Ethernet1"}}, switches, rows, networks);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->switches[0].changes.remove_vlans, (std::vector<std::uint16_t>{100})) << "30 is a provider VLAN, 101 still used";
  rows["leaf-1"][1].access_vlan = 100;
  plan = plan_ports({{.node_id = 1, .nic = "eth0", .switch_name = "leaf-1", .port = "Ethernet1"}}, switches, rows, networks);
  EXPECT_TRUE(plan->switches[0].changes.remove_vlans.empty()) << "Ethernet2 still needs 100";
}

TEST_F(PortPlannerTest, TwoUntaggedNetworksOrUnknownSwitch_Refused) {
  auto plan = plan_ports({{.node_id = 1, .nic = "eth0", .switch_name = "leaf-1", .port = "Ethernet1", .after = {on(1), on(2)}}},
                         switches, {}, networks);
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  plan = plan_ports({{.node_id = 1, .nic = "eth0", .switch_name = "spine-9", .port = "Ethernet1"}}, switches, {}, networks);
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
  EXPECT_NE(plan.status().message().find("spine-9"), std::string::npos);
}

}  // namespace
}  // namespace bmf::coordinator
