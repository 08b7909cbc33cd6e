#include "common/redfish/redfish.h"

#include <gtest/gtest.h>

namespace bmf::redfish {

TEST(BasicCredentials, DecodesAndRejects) {
  auto c = basic_credentials("Basic dGVhbS1hOnMzY3JldDp3aXRoOmNvbG9ucw==");  // team-a:s3cret:with:colons
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "team-a");
  EXPECT_EQ(c->second, "s3cret:with:colons");
  auto one_pad = basic_credentials("Basic YTpiYw==");  // a:bc
  ASSERT_TRUE(one_pad);
  EXPECT_EQ(one_pad->second, "bc");
  EXPECT_EQ(basic_credentials("Basic YTpi")->second, "b");  // no padding
  EXPECT_FALSE(basic_credentials(""));
  EXPECT_FALSE(basic_credentials("Bearer abc"));
  EXPECT_FALSE(basic_credentials("Basic !!!!"));
  EXPECT_FALSE(basic_credentials("Basic bm9jb2xvbg=="));  // "nocolon"
  EXPECT_FALSE(basic_credentials("Basic abc"));
}

TEST(RedfishError, ShapeClientsParse) {
  auto r = error(400, msg::kActionParameterNotSupported, "nope", "#/ResetType");
  EXPECT_EQ(r.status, 400);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], msg::kActionParameterNotSupported);
  EXPECT_EQ(body["error"]["@Message.ExtendedInfo"][0]["Message"], "nope");
  EXPECT_EQ(body["error"]["@Message.ExtendedInfo"][0]["RelatedProperties"][0], "#/ResetType");
  auto unauth = error(401, msg::kNoValidSession, "who?");
  bool has_challenge = false;
  for (auto& [k, v] : unauth.headers) has_challenge |= k == "WWW-Authenticate" && v.rfind("Basic realm=", 0) == 0;
  EXPECT_TRUE(has_challenge);
}

}  // namespace bmf::redfish
