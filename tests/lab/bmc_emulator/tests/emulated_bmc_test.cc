#include "tests/lab/bmc_emulator/emulated_bmc.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bmf::lab {
namespace {

// "admin:pw" in base64
constexpr const char* kBasic = "Basic YWRtaW46cHc=";

http::Request req(std::string method, std::string target, std::string body = {}, bool auth = true) {
  http::Request r{std::move(method), std::move(target), std::move(body), {}};
  if (auth) r.headers["authorization"] = kBasic;
  return r;
}

std::string header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

class EmulatedBmcTest : public ::testing::Test {
 protected:
  EmulatedBmc bmc{BmcConfig{.id = "bmc-0", .username = "admin", .password = "pw"}};
};

}  // namespace

TEST_F(EmulatedBmcTest, ServiceRoot_UnauthenticatedWithSystemsAndSessionsLinks) {
  auto r = bmc.handle(req("GET", "/redfish/v1/", {}, false));
  ASSERT_EQ(r.status, 200);
  auto doc = nlohmann::json::parse(r.body);
  EXPECT_EQ(doc["Id"], "RootService");
  EXPECT_EQ(doc["Systems"]["@odata.id"], "/redfish/v1/Systems");
  EXPECT_EQ(doc["Links"]["Sessions"]["@odata.id"], "/redfish/v1/SessionService/Sessions");
}

TEST_F(EmulatedBmcTest, NoOrBadCredentials_401WithChallenge) {
  auto r = bmc.handle(req("GET", "/redfish/v1/Systems", {}, false));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(header(r, "WWW-Authenticate").find("Basic"), std::string::npos);
  auto bad = req("GET", "/redfish/v1/Systems", {}, false);
  bad.headers["authorization"] = "Basic YWRtaW46d3Jvbmc=";  // admin:wrong
  EXPECT_EQ(bmc.handle(bad).status, 401);
}

TEST_F(EmulatedBmcTest, Session_TokenWorksUntilDeleted) {
  auto created = bmc.handle(req("POST", "/redfish/v1/SessionService/Sessions", R"({"UserName":"admin","Password":"pw"})", false));
  ASSERT_EQ(created.status, 201);
  std::string token = header(created, "X-Auth-Token"), location = header(created, "Location");
  ASSERT_FALSE(token.empty());
  http::Request get{"GET", "/redfish/v1/Systems/1", "", {{"x-auth-token", token}}};
  EXPECT_EQ(bmc.handle(get).status, 200);
  http::Request del{"DELETE", location, "", {{"x-auth-token", token}}};
  EXPECT_EQ(bmc.handle(del).status, 204);
  EXPECT_EQ(bmc.handle(get).status, 401);
}

TEST_F(EmulatedBmcTest, Reset_ChangesPowerAndCallsHook) {
  std::vector<std::string> calls;
  EmulatedBmc hooked(BmcConfig{.username = "admin", .password = "pw",
                               .on_power_change = [&](const std::string& s, const std::string& st) { calls.push_back(s + ":" + st); }});
  auto r = hooked.handle(req("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", R"({"ResetType":"On"})"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(hooked.power_state(), "On");
  EXPECT_EQ(calls, std::vector<std::string>{"1:On"});
}

TEST_F(EmulatedBmcTest, BadInput_400WithExtendedInfoAndNothingChanged) {
  for (const char* body : {"{not json", R"({"ResetType": 5})", R"({"ResetType":"Explode"})", "{}"}) {
    auto r = bmc.handle(req("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", body));
    EXPECT_EQ(r.status, 400) << body;
    auto doc = nlohmann::json::parse(r.body);
    EXPECT_FALSE(doc["error"]["@Message.ExtendedInfo"][0]["Message"].get<std::string>().empty()) << body;
  }
  auto patch = bmc.handle(req("PATCH", "/redfish/v1/Systems/1", R"({"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Sometimes"}})"));
  EXPECT_EQ(patch.status, 400);
  EXPECT_EQ(bmc.power_state(), "Off");
  EXPECT_EQ(bmc.boot_target(), "None") << "a rejected PATCH changes nothing, not even its valid half";
}

TEST_F(EmulatedBmcTest, Patch_StaleIfMatch_412) {
  auto first = bmc.handle(req("GET", "/redfish/v1/Systems/1"));
  std::string etag = header(first, "ETag");
  auto ok = req("PATCH", "/redfish/v1/Systems/1", R"({"Boot":{"BootSourceOverrideTarget":"Pxe"}})");
  ok.headers["if-match"] = etag;
  EXPECT_EQ(bmc.handle(ok).status, 204);
  EXPECT_EQ(bmc.handle(ok).status, 412) << "the ETag changed with the first PATCH";
}

}  // namespace bmf::lab
