#include <gtest/gtest.h>

#include "netconf/drivers/openconfig_driver.h"

namespace bmf::netconf {

TEST(OpenConfigEditXml, AccessTrunkShutdownAndVlans) {
  ChangeSet c;
  c.ports["Ethernet1"] = {.mode = PortConfig::Mode::kAccess, .access_vlan = 10};
  c.ports["Ethernet2"] = {.mode = PortConfig::Mode::kTrunk, .native_vlan = 1, .trunk_vlans = {10, 20}};
  c.ports["Ethernet3"] = {.mode = PortConfig::Mode::kShutdown};
  c.ensure_vlans = {30};
  std::string xml = openconfig_edit_xml(c, {.network_instance = "DEFAULT"});
  EXPECT_NE(xml.find(R"(<interfaces xmlns="http://openconfig.net/yang/interfaces">)"), std::string::npos);
  EXPECT_NE(xml.find(R"(<name>Ethernet1</name><config><enabled>true</enabled></config><ethernet xmlns="http://openconfig.net/yang/interfaces/ethernet"><switched-vlan xmlns="http://openconfig.net/yang/vlan"><config xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="replace"><interface-mode>ACCESS</interface-mode><access-vlan>10</access-vlan></config>)"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<interface-mode>TRUNK</interface-mode><native-vlan>1</native-vlan><trunk-vlans>10</trunk-vlans><trunk-vlans>20</trunk-vlans>"),
            std::string::npos);
  EXPECT_NE(xml.find("<name>Ethernet3</name><config><enabled>false</enabled></config></interface>"), std::string::npos);
  EXPECT_NE(xml.find(R"(<network-instances xmlns="http://openconfig.net/yang/network-instance"><network-instance><name>DEFAULT</name><vlans><vlan><vlan-id>30</vlan-id>)"),
            std::string::npos);
}

TEST(OpenConfigEditXml, PortNamesAreEscapedNotInjected) {
  ChangeSet c;
  c.ports["Eth<evil/>&"] = {.mode = PortConfig::Mode::kAccess, .access_vlan = 10};
  std::string xml = openconfig_edit_xml(c, {});
  EXPECT_NE(xml.find("<name>Eth&lt;evil/&gt;&amp;</name>"), std::string::npos) << xml;
}

TEST(ParseOpenConfigPorts, PrefixedServerReply) {
  const char* data = R"(<oc-if:interfaces xmlns:oc-if="http://openconfig.net/yang/interfaces">
    <oc-if:interface><oc-if:name>Ethernet1</oc-if:name><oc-if:config><oc-if:enabled>true</oc-if:enabled></oc-if:config>
      <oc-eth:ethernet xmlns:oc-eth="http://openconfig.net/yang/interfaces/ethernet"><oc-vlan:switched-vlan xmlns:oc-vlan="http://openconfig.net/yang/vlan">
        <oc-vlan:config><oc-vlan:interface-mode>ACCESS</oc-vlan:interface-mode><oc-vlan:access-vlan>20</oc-vlan:access-vlan></oc-vlan:config>
      </oc-vlan:switched-vlan></oc-eth:ethernet></oc-if:interface>
    <oc-if:interface><oc-if:name>Ethernet2</oc-if:name>
      <oc-eth:ethernet xmlns:oc-eth="http://openconfig.net/yang/interfaces/ethernet"><oc-vlan:switched-vlan xmlns:oc-vlan="http://openconfig.net/yang/vlan">
        <oc-vlan:config><oc-vlan:interface-mode>TRUNK</oc-vlan:interface-mode><oc-vlan:trunk-vlans>10</oc-vlan:trunk-vlans><oc-vlan:trunk-vlans>20</oc-vlan:trunk-vlans></oc-vlan:config>
      </oc-vlan:switched-vlan></oc-eth:ethernet></oc-if:interface></oc-if:interfaces>)";
  auto ports = parse_openconfig_ports(data);
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ((*ports)["Ethernet1"], (PortConfig{.mode = PortConfig::Mode::kAccess, .access_vlan = 20}));
  EXPECT_EQ((*ports)["Ethernet2"], (PortConfig{.mode = PortConfig::Mode::kTrunk, .trunk_vlans = {10, 20}}));
  EXPECT_FALSE(parse_openconfig_ports("<interfaces><interface>").ok());
}

TEST(ValidateChangeSet, VlanRangeAndNames) {
  ChangeSet c;
  c.ports["Ethernet1"] = {.mode = PortConfig::Mode::kAccess, .access_vlan = 4095};
  EXPECT_EQ(validate_change_set(c).code(), StatusCode::kInvalidArgument);
  c.ports["Ethernet1"].access_vlan = 4094;
  EXPECT_TRUE(validate_change_set(c).ok());
  c.ensure_vlans = {0};
  EXPECT_FALSE(validate_change_set(c).ok());
}

}  // namespace bmf::netconf

namespace bmf::netconf {
namespace {

TEST(OpenConfigEditXml, VlansCreatedAndRemovedInTheNamedInstance) {
  ChangeSet c;
  c.ensure_vlans = {100};
  c.remove_vlans = {200};
  const std::string xml = openconfig_edit_xml(c, {.network_instance = "DEFAULT"});
  EXPECT_NE(xml.find("<network-instance><name>DEFAULT</name>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<vlan-id>100</vlan-id><config><vlan-id>100</vlan-id><name>bmf-100</name>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("nc:operation=\"remove\"><vlan-id>200</vlan-id></vlan>"), std::string::npos) << xml;
  c.remove_vlans = {100};
  EXPECT_FALSE(validate_change_set(c).ok()) << "created and removed at once";
}

TEST(ParseOpenConfigVlans, InstancesAndTheirVlans) {
  auto parsed = parse_openconfig_vlans(
      "<data xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ni:network-instances "
      "xmlns:ni=\"http://openconfig.net/yang/network-instance\"><ni:network-instance><ni:name>DEFAULT</ni:name><ni:vlans>"
      "<ni:vlan><ni:vlan-id>1</ni:vlan-id></ni:vlan><ni:vlan><ni:vlan-id>10</ni:vlan-id></ni:vlan></ni:vlans>"
      "</ni:network-instance></ni:network-instances></data>");
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ((*parsed)["DEFAULT"], (std::vector<std::uint16_t>{1, 10}));
  EXPECT_FALSE(parse_openconfig_vlans("<data><unclosed>").ok());
}

}  // namespace
}  // namespace bmf::netconf
