#include "netconf/drivers/port_plan.h"

#include <gtest/gtest.h>

namespace bmf::netconf {

TEST(DesiredPorts, UnassignedPortsParkedOrShut) {
  std::map<std::string, PortConfig> assigned{{"Ethernet1", {.mode = PortConfig::Mode::kAccess, .access_vlan = 100}}};
  auto parked = desired_ports({"Ethernet1", "Ethernet2"}, assigned, {.parking_vlan = 999});
  ASSERT_TRUE(parked.ok());
  EXPECT_EQ((*parked)["Ethernet1"].access_vlan, 100);
  EXPECT_EQ((*parked)["Ethernet2"].access_vlan, 999);
  auto shut = desired_ports({"Ethernet1", "Ethernet2"}, assigned, {.action = UnusedPortPolicy::Action::kShutdown});
  EXPECT_EQ((*shut)["Ethernet2"].mode, PortConfig::Mode::kShutdown);
}

TEST(DesiredPorts, BadParkingVlanOrUnknownPort_Rejected) {
  EXPECT_FALSE(desired_ports({"Ethernet1"}, {}, {.parking_vlan = 0}).ok());
  EXPECT_FALSE(desired_ports({"Ethernet1"}, {{"Ethernet9", {}}}, {.parking_vlan = 5}).ok());
}

TEST(DriftRepair, OnlyDifferingPorts) {
  std::map<std::string, PortConfig> desired{{"Ethernet1", {.access_vlan = 10}}, {"Ethernet2", {.access_vlan = 20}}};
  std::map<std::string, PortConfig> actual{{"Ethernet1", {.access_vlan = 10}}, {"Ethernet2", {.access_vlan = 1}}};
  auto c = drift_repair(desired, actual);
  ASSERT_EQ(c.ports.size(), 1u);
  EXPECT_EQ(c.ports["Ethernet2"].access_vlan, 20);
  EXPECT_TRUE(drift_repair(desired, desired).ports.empty());
}

}  // namespace bmf::netconf
