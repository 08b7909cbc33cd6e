#include "bmc-proxy/redfish/request_checks.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bmc-proxy/redfish/session_store.h"
#include "bmc-proxy/redfish/uri_mapping.h"

namespace bmf::bmcproxy {
namespace {

std::string ok_body(const Checked& c) {
  if (auto* e = std::get_if<RequestError>(&c)) return "ERROR " + e->message_id + ": " + e->message;
  return std::get<std::string>(c);
}

std::string error_id(const Checked& c) {
  auto* e = std::get_if<RequestError>(&c);
  return e ? e->message_id : "no error";
}

TEST(CheckReset, AcceptsSchemaValuesRejectsTheRest) {
  EXPECT_EQ(ok_body(check_reset(R"({"ResetType":"ForceOff"})")), R"({"ResetType":"ForceOff"})");
  EXPECT_EQ(ok_body(check_reset(R"({"ResetType":"On"})")), R"({"ResetType":"On"})");
  EXPECT_EQ(error_id(check_reset(R"({"ResetType":"Explode"})")), "Base.1.8.ActionParameterNotSupported");
  EXPECT_EQ(error_id(check_reset(R"({"ResetType":7})")), "Base.1.8.ActionParameterValueTypeError");
  EXPECT_EQ(error_id(check_reset(R"({})")), "Base.1.8.ActionParameterMissing");
  EXPECT_EQ(error_id(check_reset(R"({"ResetType":"On","Oem":{}})")), "Base.1.8.ActionParameterUnknown");
  EXPECT_EQ(error_id(check_reset(R"({"ResetType":"On")")), "Base.1.8.MalformedJSON");
  EXPECT_EQ(error_id(check_reset("[]")), "Base.1.8.MalformedJSON");
  EXPECT_EQ(error_id(check_reset("")), "Base.1.8.MalformedJSON");
  Checked explode = check_reset(R"({"ResetType":"Explode"})");
  auto* e = std::get_if<RequestError>(&explode);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->property, "#/ResetType");
}

TEST(CheckSystemPatch, OnlyBootOverrideFieldsGoThrough) {
  EXPECT_EQ(ok_body(check_system_patch(
                R"({"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once","BootSourceOverrideMode":"UEFI"}})")),
            R"({"Boot":{"BootSourceOverrideEnabled":"Once","BootSourceOverrideMode":"UEFI","BootSourceOverrideTarget":"Pxe"}})");
  EXPECT_EQ(error_id(check_system_patch(R"({"PowerState":"On"})")), "Base.1.8.PropertyNotWritable");
  EXPECT_EQ(error_id(check_system_patch(R"({"AssetTag":"x"})")), "Base.1.8.PropertyUnknown");
  EXPECT_EQ(error_id(check_system_patch(R"({"Boot":{"BootSourceOverrideTarget":"Mars"}})")), "Base.1.8.PropertyValueNotInList");
  EXPECT_EQ(error_id(check_system_patch(R"({"Boot":{"BootSourceOverrideTarget":1}})")), "Base.1.8.PropertyValueTypeError");
  EXPECT_EQ(error_id(check_system_patch(R"({"Boot":{"BootOrder":["a"]}})")), "Base.1.8.PropertyUnknown");
  EXPECT_EQ(error_id(check_system_patch(R"({"Boot":{}})")), "Base.1.8.PropertyMissing");
  EXPECT_EQ(error_id(check_system_patch(R"({"Boot":"Pxe"})")), "Base.1.8.PropertyMissing");
  EXPECT_EQ(error_id(check_system_patch("{")), "Base.1.8.MalformedJSON");
}

TEST(CheckMedia, ImageMustBeAnHttpUrl) {
  EXPECT_EQ(ok_body(check_insert_media(R"({"Image":"http://10.0.0.1/boot.iso","Inserted":true})")),
            R"({"Image":"http://10.0.0.1/boot.iso","Inserted":true})");
  EXPECT_EQ(error_id(check_insert_media(R"({"Image":"file:///etc/shadow"})")), "Base.1.8.ActionParameterValueFormatError");
  EXPECT_EQ(error_id(check_insert_media(R"({"Image":"http://a/b c"})")), "Base.1.8.ActionParameterValueFormatError");
  EXPECT_EQ(error_id(check_insert_media(R"({"Inserted":true})")), "Base.1.8.ActionParameterMissing");
  EXPECT_EQ(error_id(check_insert_media(R"({"Image":"http://a/b","Inserted":"yes"})")), "Base.1.8.ActionParameterValueTypeError");
  EXPECT_EQ(error_id(check_insert_media(R"({"Image":"http://a/b","Shell":"rm"})")), "Base.1.8.ActionParameterUnknown");
  EXPECT_EQ(ok_body(check_eject_media("")), "{}");
  EXPECT_EQ(ok_body(check_eject_media("{}")), "{}");
  EXPECT_EQ(error_id(check_eject_media(R"({"Image":"x"})")), "Base.1.8.ActionParameterUnknown");
}

TEST(UriMapping, BmcUrisBecomeProxyUrisOnPathBoundaries) {
  NodeUris uris{42, "/redfish/v1/Systems/System.Embedded.1", "/redfish/v1/Managers/iDRAC.Embedded.1"};
  EXPECT_EQ(to_proxy_uri("/redfish/v1/Systems/System.Embedded.1", uris), "/redfish/v1/Systems/42");
  EXPECT_EQ(to_proxy_uri("/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset", uris),
            "/redfish/v1/Systems/42/Actions/ComputerSystem.Reset");
  EXPECT_EQ(to_proxy_uri("/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD", uris), "/redfish/v1/Managers/42/VirtualMedia/CD");
  EXPECT_EQ(to_proxy_uri("/redfish/v1/Systems/System.Embedded.10", uris), "/redfish/v1/Systems/System.Embedded.10");
  EXPECT_EQ(to_proxy_uri("/redfish/v1/Chassis/1", uris), "/redfish/v1/Chassis/1");

  const std::string body = R"({"@odata.id":"/redfish/v1/Systems/System.Embedded.1","Id":"System.Embedded.1",
    "Actions":{"#ComputerSystem.Reset":{"target":"/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset"}},
    "Links":{"ManagedBy":[{"@odata.id":"/redfish/v1/Managers/iDRAC.Embedded.1"}]},"Name":"/not/a/bmc/path"})";
  auto out = nlohmann::json::parse(rewrite_bmc_body(body, uris, true));
  EXPECT_EQ(out["@odata.id"], "/redfish/v1/Systems/42");
  EXPECT_EQ(out["Id"], "42");
  EXPECT_EQ(out["Actions"]["#ComputerSystem.Reset"]["target"], "/redfish/v1/Systems/42/Actions/ComputerSystem.Reset");
  EXPECT_EQ(out["Links"]["ManagedBy"][0]["@odata.id"], "/redfish/v1/Managers/42");
  EXPECT_EQ(out["Name"], "/not/a/bmc/path");
  EXPECT_EQ(rewrite_bmc_body("not json", uris, true), "not json");
}

TEST(UriMapping, LinksToUnmappedBmcResourcesAreDropped) {
  NodeUris uris{42, "/redfish/v1/Systems/System.Embedded.1", "/redfish/v1/Managers/iDRAC.Embedded.1"};
  const std::string body = R"({"@odata.id":"/redfish/v1/Systems/System.Embedded.1",
    "Links":{"Chassis":[{"@odata.id":"/redfish/v1/Chassis/System.Embedded.1"}],"Chassis@odata.count":1,
             "ManagedBy":[{"@odata.id":"/redfish/v1/Managers/iDRAC.Embedded.1"}]},
    "Bios":{"@odata.id":"/redfish/v1/Systems/System.Embedded.1/Bios"},
    "LogServices":{"@odata.id":"/redfish/v1/Managers/iDRAC.Embedded.1/LogServices"}})";
  const std::string out = rewrite_bmc_body(body, uris, true);
  EXPECT_EQ(out.find("Chassis/System.Embedded.1"), std::string::npos) << out;
  EXPECT_EQ(out.find("iDRAC"), std::string::npos) << out;
  auto doc = nlohmann::json::parse(out);
  EXPECT_TRUE(doc["Links"]["Chassis"].empty());
  EXPECT_EQ(doc["Links"]["Chassis@odata.count"], 0);
  EXPECT_EQ(doc["Links"]["ManagedBy"][0]["@odata.id"], "/redfish/v1/Managers/42");
  EXPECT_EQ(doc["Bios"]["@odata.id"], "/redfish/v1/Systems/42/Bios") << "under the mapped system: kept";
}

TEST(UriMapping, TenantManagerViewShowsVirtualMediaNotTheBmcsInternals) {
  const std::string manager = R"({"@odata.id":"/redfish/v1/Managers/42","Id":"42","Name":"Manager","ManagerType":"BMC",
    "CommandShell":{"ServiceEnabled":true,"ConnectTypesSupported":["SSH"]},"DateTime":"2026-12-03T10:00:00Z",
    "NetworkProtocol":{"@odata.id":"/redfish/v1/Managers/42/NetworkProtocol"},"UUID":"abc","FirmwareVersion":"7.00",
    "Actions":{"#Manager.Reset":{"target":"/redfish/v1/Managers/42/Actions/Manager.Reset"}},
    "VirtualMedia":{"@odata.id":"/redfish/v1/Managers/42/VirtualMedia"},
    "Links":{"ManagerForServers":[{"@odata.id":"/redfish/v1/Systems/42"}],"ManagerForChassis":[]}})";
  auto doc = nlohmann::json::parse(tenant_manager_view(manager));
  EXPECT_EQ(doc["VirtualMedia"]["@odata.id"], "/redfish/v1/Managers/42/VirtualMedia");
  EXPECT_EQ(doc["Links"]["ManagerForServers"][0]["@odata.id"], "/redfish/v1/Systems/42");
  for (const char* hidden : {"CommandShell", "DateTime", "NetworkProtocol", "UUID", "FirmwareVersion", "Actions"}) {
    EXPECT_FALSE(doc.contains(hidden)) << hidden;
  }
  EXPECT_FALSE(doc["Links"].contains("ManagerForChassis"));
}

TEST(SessionStore, TokensExpireAndBelongToTheirPrincipal) {
  SessionStore store(std::chrono::seconds(60), 2);
  auto t0 = SessionStore::Clock::now();
  Principal a{"team-a", Role::kTenant}, b{"team-b", Role::kTenant};
  Session s1 = store.create(a, t0);
  EXPECT_EQ(s1.token.size(), 64u);
  ASSERT_TRUE(store.use(s1.token, t0 + std::chrono::seconds(30)));
  EXPECT_EQ(store.use(s1.token, t0 + std::chrono::seconds(30))->principal.name, "team-a");
  EXPECT_FALSE(store.remove("team-b", s1.id)) << "b cannot delete a's session";
  EXPECT_FALSE(store.use(s1.token, t0 + std::chrono::seconds(120))) << "idle timeout";
  EXPECT_FALSE(store.use("short", t0));

  // At most two per principal: the least recently used goes.
  Session x = store.create(a, t0), y = store.create(a, t0 + std::chrono::seconds(1));
  Session z = store.create(a, t0 + std::chrono::seconds(2));
  EXPECT_FALSE(store.use(x.token, t0 + std::chrono::seconds(3)));
  EXPECT_TRUE(store.use(y.token, t0 + std::chrono::seconds(3)));
  EXPECT_TRUE(store.use(z.token, t0 + std::chrono::seconds(3)));
  Session other = store.create(b, t0 + std::chrono::seconds(3));
  EXPECT_EQ(store.of("team-b").size(), 1u);
  EXPECT_TRUE(store.remove("team-b", other.id));
  EXPECT_FALSE(store.use(other.token, t0 + std::chrono::seconds(3)));
}

}  // namespace
}  // namespace bmf::bmcproxy
