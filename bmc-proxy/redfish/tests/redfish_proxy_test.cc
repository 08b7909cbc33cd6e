// RedfishProxy in one io_context with two real emulated BMCs behind the real
// libcurl southbound: isolation between tenants, lease end, checked writes,
// URI mapping, sessions, audit and metrics.
#include "bmc-proxy/redfish/redfish_proxy.h"

#include <boost/asio/io_context.hpp>
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "tests/lab/bmc_emulator/emulated_bmc.h"
#include "tests/support/temp_dir.h"

namespace bmf::bmcproxy {
namespace {

using nlohmann::json;

std::string basic(const std::string& user, const std::string& password) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = user + ":" + password, out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += i + 1 < in.size() ? k[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? k[n & 63] : '=';
  }
  return "Basic " + out;
}

class RedfishProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Node 1's BMC names its system "1" and manager "bmc-1" (found by discovery);
    // node 2's looks like a Dell (configured paths).
    bmc1_ = std::make_unique<lab::EmulatedBmc>(lab::BmcConfig{.id = "bmc-1", .system_id = "1", .username = "root", .password = "real-1"});
    bmc2_ = std::make_unique<lab::EmulatedBmc>(
        lab::BmcConfig{.id = "iDRAC.Embedded.1", .system_id = "System.Embedded.1", .username = "root", .password = "real-2"});
    const auto p1 = serve(*bmc1_, bmc1_requests_), p2 = serve(*bmc2_, bmc2_requests_);
    auto dir = BmcDirectory::parse(fmt::format(R"({{"bmcs": [
        {{"node_id": 1, "url": "http://127.0.0.1:{}", "username": "root", "password": "real-1"}},
        {{"node_id": 2, "url": "http://127.0.0.1:{}", "username": "root", "password": "real-2",
          "system_path": "/redfish/v1/Systems/System.Embedded.1", "manager_path": "/redfish/v1/Managers/iDRAC.Embedded.1"}}]}})",
                                               p1, p2),
                                   "test");
    ASSERT_TRUE(dir.ok()) << dir.status().to_string();
    auto principals = TenantDirectory::parse(
        fmt::format(R"({{"principals": [{{"name": "team-a", "password_hash": "{}"}}, {{"name": "team-b", "password_hash": "{}"}},
                         {{"name": "coordinator", "role": "service", "password_hash": "{}"}}]}})",
                    hash_password("pw-a", 10'000), hash_password("pw-b", 10'000), hash_password("pw-svc", 10'000)),
        "test");
    ASSERT_TRUE(principals.ok()) << principals.status().to_string();
    audit_path_ = (dir_.path() / "audit.jsonl").string();
    audit_.emplace(std::move(*AuditLog::open(audit_path_)));
    gateway_ = std::make_unique<BmcGateway>(http_, std::make_shared<BmcDirectory>(std::move(*dir)), &metrics_);
    proxy_ = std::make_unique<RedfishProxy>(RedfishProxyDeps{.principals = std::make_shared<TenantDirectory>(std::move(*principals)),
                                                             .sessions = sessions_,
                                                             .leases = leases_,
                                                             .bmcs = *gateway_,
                                                             .audit = *audit_,
                                                             .metrics = metrics_,
                                                             .service_uuid = "00000000-0000-4000-8000-000000000001"});
    leases_.replace({1, {{1, "team-a"}, {2, "team-b"}}});
  }

  std::uint16_t serve(lab::EmulatedBmc& bmc, int& counter) {
    servers_.push_back(std::make_unique<http::HttpServer>(io_, http::HttpServerConfig{}, [&bmc, &counter](const http::Request& r) {
      ++counter;
      return bmc.handle(r);
    }));
    return *servers_.back()->start();
  }

  http::Response call(std::string method, std::string target, std::string auth = {}, std::string body = {},
                      std::map<std::string, std::string> headers = {}, std::string peer = "192.0.2.7") {
    if (!auth.empty()) headers[auth.rfind("Basic ", 0) == 0 ? "authorization" : "x-auth-token"] = auth;
    std::optional<http::Response> out;
    proxy_->handle({std::move(method), std::move(target), std::move(body), std::move(headers), std::move(peer)},
                   [&](http::Response r) { out = std::move(r); });
    io_.restart();
    while (!out && io_.run_one_for(std::chrono::seconds(20)) > 0) {
    }
    EXPECT_TRUE(out) << "no reply";
    return out ? *out : http::Response{0, "", {}, ""};
  }

  static json body(const http::Response& r) { return json::parse(r.body.empty() ? "null" : r.body, nullptr, false); }
  static std::string header(const http::Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return {};
  }
  std::string audit_text() {
    std::ifstream in(audit_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  const std::string a_ = basic("team-a", "pw-a"), b_ = basic("team-b", "pw-b"), svc_ = basic("coordinator", "pw-svc");
  testing::TempDir dir_;
  boost::asio::io_context io_;
  CurlMultiClient http_{io_};
  std::vector<std::unique_ptr<http::HttpServer>> servers_;
  std::unique_ptr<lab::EmulatedBmc> bmc1_, bmc2_;
  int bmc1_requests_ = 0, bmc2_requests_ = 0;
  std::string audit_path_;
  std::optional<AuditLog> audit_;
  ProxyMetrics metrics_;
  LeaseTable leases_;
  SessionStore sessions_;
  std::unique_ptr<BmcGateway> gateway_;
  std::unique_ptr<RedfishProxy> proxy_;
};

TEST_F(RedfishProxyTest, ServiceRootIsOpenEverythingElseNeedsCredentials) {
  auto root = call("GET", "/redfish/v1/");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(body(root)["Systems"]["@odata.id"], "/redfish/v1/Systems");
  EXPECT_EQ(body(root)["Links"]["Sessions"]["@odata.id"], "/redfish/v1/SessionService/Sessions");
  auto anon = call("GET", "/redfish/v1/Systems");
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(header(anon, "WWW-Authenticate"), "Basic realm=\"bmf-bmc-proxy\"");
  EXPECT_EQ(call("GET", "/redfish/v1/Systems", basic("team-a", "wrong")).status, 401);
  EXPECT_EQ(call("GET", "/redfish/v1/Systems", basic("nobody", "pw-a")).status, 401);
  EXPECT_EQ(call("GET", "/redfish/v1/Systems", std::string(64, 'f')).status, 401) << "unknown session token";
  EXPECT_NE(audit_text().find("bad password for 'team-a'"), std::string::npos) << audit_text();
}

TEST_F(RedfishProxyTest, TenantSeesAndActsOnExactlyItsLeasedNodes) {
  auto systems = body(call("GET", "/redfish/v1/Systems", a_));
  ASSERT_EQ(systems["Members"].size(), 1u) << systems;
  EXPECT_EQ(systems["Members"][0]["@odata.id"], "/redfish/v1/Systems/1");
  EXPECT_EQ(systems["Members@odata.count"], 1);

  // Node 2 belongs to team-b: team-a gets 404 for reading and for acting, and its BMC hears nothing.
  const int before = bmc2_requests_;
  EXPECT_EQ(call("GET", "/redfish/v1/Systems/2", a_).status, 404);
  auto reset = call("POST", "/redfish/v1/Systems/2/Actions/ComputerSystem.Reset", a_, R"({"ResetType":"On"})");
  EXPECT_EQ(reset.status, 404);
  EXPECT_EQ(body(reset)["error"]["code"], "Base.1.8.ResourceMissingAtURI");
  EXPECT_EQ(call("GET", "/redfish/v1/Managers/2", a_).status, 404);
  EXPECT_EQ(call("GET", "/redfish/v1/Systems/3", a_).status, 404) << "unknown node looks the same as a foreign one";
  EXPECT_EQ(bmc2_->power_state(), "Off");
  EXPECT_EQ(bmc2_requests_, before);
  EXPECT_NE(audit_text().find(R"("action":"reset","detail":"not leased to caller","node_id":2,"peer":"192.0.2.7","principal":"team-a","status":404)"),
            std::string::npos)
      << audit_text();

  // team-a's own node: power on through the proxy really powers on the BMC.
  auto mine = call("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", a_, R"({"ResetType":"On"})");
  EXPECT_EQ(mine.status, 204) << mine.body;
  EXPECT_EQ(bmc1_->power_state(), "On");
  EXPECT_NE(audit_text().find(R"("action":"reset","detail":"{\"ResetType\":\"On\"}","node_id":1)"), std::string::npos)
      << audit_text();

  // The coordinator's service account reaches every node.
  EXPECT_EQ(body(call("GET", "/redfish/v1/Systems", svc_))["Members"].size(), 2u);
  EXPECT_EQ(metrics_.requests("team-a", "reset", 404), 1u);
  EXPECT_EQ(metrics_.requests("team-a", "reset", 204), 1u);
}

TEST_F(RedfishProxyTest, LeaseEndRevokesAccessOnTheNextRequest) {
  ASSERT_EQ(call("GET", "/redfish/v1/Systems/1", a_).status, 200);
  leases_.replace({2, {{2, "team-b"}}});
  EXPECT_EQ(call("GET", "/redfish/v1/Systems/1", a_).status, 404);
  EXPECT_EQ(call("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", a_, R"({"ResetType":"On"})").status, 404);
  EXPECT_EQ(bmc1_->power_state(), "Off");
  EXPECT_TRUE(body(call("GET", "/redfish/v1/Systems", a_))["Members"].empty());
}

TEST_F(RedfishProxyTest, StaleLeasesFailClosedForTenantsOnly) {
  leases_.replace({1, {{1, "team-a"}}}, LeaseTable::Clock::now() - std::chrono::hours(1));
  auto r = call("GET", "/redfish/v1/Systems/1", a_);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(call("GET", "/redfish/v1/Systems", a_).status, 503);
  EXPECT_EQ(call("GET", "/redfish/v1/Systems/1", svc_).status, 200);
}

TEST_F(RedfishProxyTest, BadRequestsAre400WithExtendedInfoAndReachNoBmc) {
  const int before = bmc1_requests_;
  struct Case { const char* method; const char* path; const char* body; const char* id; };
  for (const Case& c : {Case{"POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", R"({"ResetType":"Explode"})", "Base.1.8.ActionParameterNotSupported"},
                        Case{"POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", R"({"ResetType":"On")", "Base.1.8.MalformedJSON"},
                        Case{"POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", R"({"ResetType":1})", "Base.1.8.ActionParameterValueTypeError"},
                        Case{"PATCH", "/redfish/v1/Systems/1", R"({"Boot":{"BootSourceOverrideTarget":"Mars"}})", "Base.1.8.PropertyValueNotInList"},
                        Case{"PATCH", "/redfish/v1/Systems/1", R"({"PowerState":"On"})", "Base.1.8.PropertyNotWritable"},
                        Case{"POST", "/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia", R"({"Image":"file:///x"})", "Base.1.8.ActionParameterValueFormatError"}}) {
    auto r = call(c.method, c.path, a_, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    auto b = body(r);
    EXPECT_EQ(b["error"]["code"], c.id) << r.body;
    EXPECT_FALSE(b["error"]["@Message.ExtendedInfo"][0]["Message"].get<std::string>().empty());
  }
  EXPECT_EQ(bmc1_requests_, before) << "nothing reached the BMC";
  EXPECT_EQ(bmc1_->power_state(), "Off");
  EXPECT_EQ(bmc1_->boot_target(), "None");
  EXPECT_EQ(call("DELETE", "/redfish/v1/Systems/1", a_).status, 405);
  EXPECT_EQ(call("GET", "/redfish/v1/Managers/1/NetworkProtocol", a_).status, 404) << "the BMC's own settings stay hidden";
}

TEST_F(RedfishProxyTest, BmcUrisAreRewrittenAndEtagsPassThrough) {
  auto sys = call("GET", "/redfish/v1/Systems/2", b_);
  ASSERT_EQ(sys.status, 200) << sys.body;
  auto b = body(sys);
  EXPECT_EQ(b["@odata.id"], "/redfish/v1/Systems/2");
  EXPECT_EQ(b["Id"], "2");
  EXPECT_EQ(b["Actions"]["#ComputerSystem.Reset"]["target"], "/redfish/v1/Systems/2/Actions/ComputerSystem.Reset");
  EXPECT_EQ(b["Links"]["ManagedBy"][0]["@odata.id"], "/redfish/v1/Managers/2");
  const std::string etag = header(sys, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(sys.body.find("/System.Embedded"), std::string::npos) << "no BMC-side URI leaks: " << sys.body;
  EXPECT_EQ(sys.body.find("/iDRAC.Embedded"), std::string::npos) << "no BMC-side URI leaks: " << sys.body;

  const std::string patch = R"({"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}})";
  EXPECT_EQ(call("PATCH", "/redfish/v1/Systems/2", b_, patch, {{"if-match", "W/\"999\""}}).status, 412);
  EXPECT_EQ(bmc2_->boot_target(), "None");
  EXPECT_EQ(call("PATCH", "/redfish/v1/Systems/2", b_, patch, {{"if-match", etag}}).status, 204);
  EXPECT_EQ(bmc2_->boot_target(), "Pxe");

  // Node 1's URIs were discovered from its BMC's collections.
  auto mgr = body(call("GET", "/redfish/v1/Managers/1", a_));
  EXPECT_EQ(mgr["@odata.id"], "/redfish/v1/Managers/1");
  EXPECT_EQ(mgr["VirtualMedia"]["@odata.id"], "/redfish/v1/Managers/1/VirtualMedia");
  auto media = body(call("GET", "/redfish/v1/Managers/1/VirtualMedia", a_));
  ASSERT_EQ(media["Members"].size(), 1u);
  EXPECT_EQ(media["Members"][0]["@odata.id"], "/redfish/v1/Managers/1/VirtualMedia/Cd");
  EXPECT_EQ(call("POST", "/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia", a_,
                 R"({"Image":"http://10.0.0.1/discovery.iso"})").status,
            204);
  EXPECT_EQ(body(call("GET", "/redfish/v1/Managers/1/VirtualMedia/Cd", a_))["Image"], "http://10.0.0.1/discovery.iso");
}

TEST_F(RedfishProxyTest, SessionsLoginUseAndDeleteOnlyTheirOwn) {
  auto bad = call("POST", "/redfish/v1/SessionService/Sessions", "", R"({"UserName":"team-a","Password":"nope"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(call("POST", "/redfish/v1/SessionService/Sessions", "", "{oops").status, 400);
  auto login = call("POST", "/redfish/v1/SessionService/Sessions", "", R"({"UserName":"team-a","Password":"pw-a"})");
  ASSERT_EQ(login.status, 201);
  const std::string token = header(login, "X-Auth-Token"), location = header(login, "Location");
  ASSERT_EQ(token.size(), 64u);
  EXPECT_EQ(location, "/redfish/v1/SessionService/Sessions/" + body(login)["Id"].get<std::string>());
  EXPECT_EQ(call("GET", "/redfish/v1/Systems/1", token).status, 200);
  EXPECT_EQ(call("DELETE", location, b_).status, 404) << "team-b cannot end team-a's session";
  EXPECT_EQ(call("DELETE", location, token).status, 204);
  EXPECT_EQ(call("GET", "/redfish/v1/Systems/1", token).status, 401);
  EXPECT_NE(audit_text().find(R"("action":"login")"), std::string::npos);
  EXPECT_EQ(audit_text().find(token), std::string::npos) << "tokens never reach the audit log";
  EXPECT_EQ(audit_text().find("pw-a"), std::string::npos);
}

TEST_F(RedfishProxyTest, RepeatedBadPasswordsThrottleTheAddressNotTheTenant) {
  ASSERT_EQ(call("GET", "/redfish/v1/Systems", a_).status, 200);  // team-a's password verified once
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call("GET", "/redfish/v1/Systems", basic("team-b", "guess" + std::to_string(i))).status, 401);
  // From this address even team-b's right password is now refused without a check...
  EXPECT_EQ(call("GET", "/redfish/v1/Systems", b_).status, 401);
  EXPECT_NE(audit_text().find("too many failed logins from this address"), std::string::npos) << audit_text();
  // ...but a password already verified still works, and other addresses are unaffected.
  EXPECT_EQ(call("GET", "/redfish/v1/Systems", a_).status, 200);
  EXPECT_EQ(call("GET", "/redfish/v1/Systems", b_, "", {}, "198.51.100.9").status, 200);
  EXPECT_EQ(call("POST", "/redfish/v1/SessionService/Sessions", "", R"({"UserName":"coordinator","Password":"pw-svc"})").status, 401);
}

TEST_F(RedfishProxyTest, UnreachableBmcIs503WithRetryAfter) {
  servers_[0]->stop();
  servers_.erase(servers_.begin());
  auto r = call("GET", "/redfish/v1/Systems/1", a_);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.body.find("127.0.0.1"), std::string::npos) << "the BMC's address is not shown to tenants";
  auto text = metrics_.exposition();
  EXPECT_NE(text.find("bmf_bmc_proxy_bmc_calls_total{outcome=\"error\"}"), std::string::npos) << text;
}

}  // namespace
}  // namespace bmf::bmcproxy
