// The web console's side of the API: a password login becomes an HttpOnly, SameSite=Strict
// cookie; writes with the cookie need the CSRF token; logout and expiry end it; the built
// console is served from memory under /ui/ with a strict Content-Security-Policy.
#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "coordinator/api/tests/api_fixture.h"

namespace bmf::coordinator {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string header(const ApiResponse& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

class ConsoleTest : public ApiFixture {
 protected:
  ApiResponse with_cookie(std::string method, std::string target, std::string body = {}, std::string csrf = {}) {
    ApiRequest req{std::move(method), std::move(target), std::move(body), {}};
    req.headers["cookie"] = "theme=dark; " + cookie_ + "; other=1";
    if (!csrf.empty()) req.headers["x-csrf-token"] = csrf;
    return api_->handle(req);
  }
  // Logs alice in; keeps the cookie ("bmf_session=...") and the CSRF token.
  void log_in() {
    auto res = call("", "POST", "/api/v1/session", R"({"user":"alice","password":"alice-password"})");
    ASSERT_EQ(res.status, 200) << res.body;
    const std::string set = header(res, "Set-Cookie");
    ASSERT_THAT(set, HasSubstr("bmf_session=bmfs_"));
    cookie_ = set.substr(0, set.find(';'));
    proto::Session s;
    ASSERT_TRUE(from_json(res.body, s).ok());
    csrf_ = s.csrf_token();
    session_ = s;
    body_ = res.body;
    set_cookie_ = set;
  }
  std::string cookie_, csrf_, body_, set_cookie_;
  proto::Session session_;
};

TEST_F(ConsoleTest, Login_SetsAnHttpOnlyStrictCookie_TheSecretIsNeverInThePage) {
  log_in();
  EXPECT_THAT(set_cookie_, HasSubstr("HttpOnly"));
  EXPECT_THAT(set_cookie_, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(set_cookie_, HasSubstr("Path=/"));
  EXPECT_THAT(set_cookie_, Not(HasSubstr("Secure"))) << "plain http (a lab): a Secure cookie would never come back";
  EXPECT_THAT(body_, Not(HasSubstr(cookie_.substr(cookie_.find('=') + 1)))) << "the page must not see the session secret";
  EXPECT_EQ(session_.who().user(), "alice");
  EXPECT_EQ(session_.who().projects_size(), 1);
  EXPECT_EQ(csrf_.size(), 32u);
  EXPECT_FALSE(session_.expires_at().empty());

  auto again = with_cookie("GET", "/api/v1/session");
  ASSERT_EQ(again.status, 200) << again.body;
  proto::Session s;
  ASSERT_TRUE(from_json(again.body, s).ok());
  EXPECT_EQ(s.csrf_token(), csrf_) << "a reloaded page gets its CSRF token back";
  EXPECT_EQ(with_cookie("GET", "/api/v1/nodes").status, 200);

  api_->set_console({}, true);
  auto tls = call("", "POST", "/api/v1/session", R"({"user":"alice","password":"alice-password"})");
  EXPECT_THAT(header(tls, "Set-Cookie"), HasSubstr("; Secure")) << "over TLS the cookie never travels in clear";
}

TEST_F(ConsoleTest, WrongPassword_401_NoCookie) {
  auto res = call("", "POST", "/api/v1/session", R"({"user":"alice","password":"guess"})");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(header(res, "Set-Cookie"), "");
  auto nobody = call("", "POST", "/api/v1/session", R"({"user":"nobody","password":"guess"})");
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(nobody.body, res.body) << "an unknown user is not told apart";
  EXPECT_EQ(call("", "POST", "/api/v1/session", "{not json").status, 400);
}

TEST_F(ConsoleTest, WritesWithTheCookieNeedTheCsrfToken_BearerCallsDoNot) {
  log_in();
  const std::string body = R"({"project":"team-a","name":"web-net"})";
  auto none = with_cookie("POST", "/api/v1/networks", body);
  EXPECT_EQ(none.status, 403) << none.body;
  EXPECT_THAT(none.body, HasSubstr("X-CSRF-Token"));
  EXPECT_EQ(with_cookie("POST", "/api/v1/networks", body, std::string(32, '0')).status, 403);
  EXPECT_TRUE(store_->list_networks()->empty()) << "a refused write changed nothing";
  auto ok = with_cookie("POST", "/api/v1/networks", body, csrf_);
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(call(alice_token_, "POST", "/api/v1/networks", R"({"project":"team-a","name":"cli-net"})").status, 201);
}

TEST_F(ConsoleTest, Logout_EndsTheSessionAndClearsTheCookie_ExpiryEndsItToo) {
  log_in();
  EXPECT_EQ(with_cookie("DELETE", "/api/v1/session").status, 403) << "logout is a write: CSRF-checked too";
  auto out = with_cookie("DELETE", "/api/v1/session", "", csrf_);
  ASSERT_EQ(out.status, 204) << out.body;
  EXPECT_THAT(header(out, "Set-Cookie"), HasSubstr("Max-Age=0"));
  EXPECT_EQ(with_cookie("GET", "/api/v1/nodes").status, 401);
  EXPECT_EQ(call(alice_token_, "DELETE", "/api/v1/session").status, 404) << "bearer tokens are revoked as tokens";

  log_in();
  clock_.advance_ms(3'600'000 + 1);  // the fixture's session lifetime
  EXPECT_EQ(with_cookie("GET", "/api/v1/session").status, 401);
}

TEST_F(ConsoleTest, StaticConsole_FromMemory_RoutesGetIndex_AssetsCachedForever_StrictCsp) {
  const auto dir = dir_.path() / "console";
  std::filesystem::create_directories(dir / "assets");
  std::ofstream(dir / "index.html") << "<!doctype html><title>bmf</title>";
  std::ofstream(dir / "assets" / "app-1a2b.js") << "console.log('bmf')";
  auto files = StaticFiles::load(dir.string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(files->size(), 2u);
  api_->set_console(std::move(*files), false);

  auto root = call("", "GET", "/");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(header(root, "Location"), "/ui/");
  auto index = call("", "GET", "/ui/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(index.body, HasSubstr("<title>bmf</title>"));
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
  EXPECT_THAT(header(index, "Content-Security-Policy"), HasSubstr("default-src 'self'"));
  EXPECT_THAT(header(index, "Content-Security-Policy"), HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(header(index, "X-Content-Type-Options"), "nosniff");
  auto js = call("", "GET", "/ui/assets/app-1a2b.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_THAT(header(js, "Cache-Control"), HasSubstr("immutable"));
  auto route = call("", "GET", "/ui/allocations/12");
  EXPECT_EQ(route.status, 200) << "a shared link opens the console, which reads the URL";
  EXPECT_THAT(route.body, HasSubstr("<title>bmf</title>"));
  EXPECT_EQ(call("", "GET", "/ui/assets/gone-9999.js").status, 404);
  auto escape = call("", "GET", "/ui/../../etc/passwd");
  EXPECT_THAT(escape.body, Not(HasSubstr("root:")));
  EXPECT_EQ(call("", "POST", "/ui/").status, 405);
  EXPECT_FALSE(StaticFiles::load((dir_.path() / "nothing").string()).ok());
}

TEST_F(ConsoleTest, NoConsoleBuilt_SaysHowToBuildIt) {
  auto res = call("", "GET", "/ui/");
  EXPECT_EQ(res.status, 404);
  EXPECT_THAT(res.body, HasSubstr("scripts/build.sh"));
}

}  // namespace
}  // namespace bmf::coordinator
