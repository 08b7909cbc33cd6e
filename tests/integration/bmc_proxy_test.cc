// End to end: a real coordinator with two registered agents, the lab's BMC
// emulator as the real BMCs, and bmf-bmc-proxy over HTTPS in front of them;
// driven by the real clients (python3-sushy, redfishtool, curl) and bmfctl.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_admin.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;
const std::string kSource = BMF_SOURCE_DIR;
const std::string kProxy = kBuild + "/bmc-proxy/bmf-bmc-proxy";
const std::string kBmfctl = kBuild + "/coordinator/cli/bmfctl";

class BmcProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/redfishtool", X_OK) != 0) GTEST_SKIP() << "redfishtool not installed (scripts/setup.sh installs it)";
    if (run_command("/usr/bin/python3 -c 'import sushy' 2>&1").first != 0) GTEST_SKIP() << "python3-sushy not installed";
    if (access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "curl not installed";
    std::ofstream(path("token")) << "lab-token\n";
    init_coordinator_admin(path("state"));
    coordinator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/coordinator/bmf-coordinator", "--state-dir", path("state"), "--agent-listen",
                                 "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--enrollment-token-file", path("token")},
        dir_.path() / "coordinator.log");
    std::smatch m;
    ASSERT_TRUE(eventually([&] { std::string l = coordinator_->log();
                                 return std::regex_search(l, m, std::regex(R"(agents=127\.0\.0\.1:(\d+) api=127\.0\.0\.1:(\d+))")); },
                           std::chrono::seconds(10)))
        << coordinator_->log();
    const std::string agent_port = m[1];
    api_ = fmt::format("http://127.0.0.1:{}", std::string(m[2]));
    for (const char* machine : {"gpu-node", "cpu-node"}) {
      agents_.push_back(std::make_unique<ChildProcess>(
          std::vector<std::string>{kBuild + "/agent/bmf-agent", "--coordinator", "127.0.0.1:" + agent_port, "--root",
                                   kSource + "/tests/fixtures/" + machine, "--hostname", machine, "--enrollment-token-file",
                                   path("token")},
          dir_.path() / (std::string(machine) + ".log")));
    }
    ASSERT_TRUE(eventually([&] { return node_ids().size() == 2; }, std::chrono::seconds(10))) << coordinator_->log();
    gpu_ = node_ids()["gpu-node"];
    cpu_ = node_ids()["cpu-node"];

    // The "real" BMCs.
    emulator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/tests/lab/bmf-bmc-emulator", "--count", "2"}, dir_.path() / "emulator.log");
    std::vector<std::string> bmc_addr(2), bmc_pw(2);
    ASSERT_TRUE(eventually([&] {
      std::string l = emulator_->log();
      for (int i = 0; i < 2; ++i) {
        if (!std::regex_search(l, m, std::regex(fmt::format(R"(BMC_READY bmc-{} (127\.0\.0\.1:\d+) admin (\S+))", i)))) return false;
        bmc_addr[i] = m[1];
        bmc_pw[i] = m[2];
      }
      return true;
    }, std::chrono::seconds(5))) << emulator_->log();
    bmc_password_ = bmc_pw[0];

    write_secret("bmcs.json", fmt::format(R"({{"bmcs": [
        {{"node_id": {}, "url": "http://{}", "username": "admin", "password": "{}"}},
        {{"node_id": {}, "url": "http://{}", "username": "admin", "password": "{}"}}]}})",
                                          gpu_, bmc_addr[0], bmc_pw[0], cpu_, bmc_addr[1], bmc_pw[1]));
    // Tenants are bmf users: alice in team-a, bob in team-b. The proxy's own file keeps only a break-glass account.
    write_secret("principals.json", fmt::format(R"({{"principals": [
        {{"name": "breakglass", "role": "service", "password_hash": "{}"}}]}})", hash("svc-pw")));
    write_secret("alice.pw", "alpha-pw-1\n");
    write_secret("bob.pw", "beta-pw-1\n");
    for (const std::string& cmd : {std::string("project add team-a"), std::string("project add team-b"),
                                   "user add alice --password-file " + path("alice.pw"), "user add bob --password-file " + path("bob.pw"),
                                   std::string("project member add team-a alice"), std::string("project member add team-b bob"),
                                   std::string("user add bmc-proxy --role service"),
                                   "token create --user bmc-proxy --description bmc-proxy --output-file " + path("proxy.token")}) {
      auto [rc, out] = run_command(fmt::format("{} --coordinator {} {} 2>&1", kBmfctl, api_, cmd));
      ASSERT_EQ(rc, 0) << cmd << ": " << out;
    }
    auto [rc, out] = run_command(fmt::format(
        "cd {} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2>&1", dir_.path().string()));
    ASSERT_EQ(rc, 0) << out;

    lease_a_ = lease(gpu_, "team-a");
    lease(cpu_, "team-b");
    proxy_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kProxy, "--listen", "127.0.0.1:0", "--tls-cert", path("cert.pem"), "--tls-key", path("key.pem"),
                                 "--bmcs", path("bmcs.json"), "--principals", path("principals.json"), "--coordinator", api_,
                                 "--coordinator-token-file", path("proxy.token"),
                                 "--audit-log", path("audit.jsonl"), "--metrics-listen", "127.0.0.1:0"},
        dir_.path() / "proxy.log");
    ASSERT_TRUE(eventually([&] { std::string l = proxy_->log();
                                 return std::regex_search(l, m, std::regex(R"(redfish=https://127\.0\.0\.1:(\d+) metrics=(127\.0\.0\.1:\d+))")); },
                           std::chrono::seconds(10)))
        << proxy_->log();
    proxy_addr_ = "127.0.0.1:" + std::string(m[1]);
    metrics_addr_ = m[2];
    // Ready once the leases arrived from the coordinator.
    ASSERT_TRUE(eventually([&] { return curl("GET", "/redfish/v1/Systems", "alice:alpha-pw-1").find(std::to_string(gpu_)) != std::string::npos; },
                           std::chrono::seconds(10)))
        << proxy_->log();
  }

  std::string path(const std::string& name) { return (dir_.path() / name).string(); }
  void write_secret(const std::string& name, const std::string& text) {
    std::ofstream(path(name)) << text;
    ::chmod(path(name).c_str(), 0600);
  }
  std::string hash(const std::string& pw) {
    auto [rc, out] = run_command(fmt::format("echo '{}' | {} hash-password", pw, kProxy));
    EXPECT_EQ(rc, 0) << out;
    return out.substr(0, out.find('\n'));
  }
  std::map<std::string, std::uint64_t> node_ids() {
    auto [rc, out] = run_command(fmt::format("{} --coordinator {} node list -o json 2>&1", kBmfctl, api_));
    std::map<std::string, std::uint64_t> ids;
    auto doc = nlohmann::json::parse(out, nullptr, false);
    if (rc != 0 || doc.is_discarded()) return ids;
    for (auto& n : doc.value("nodes", nlohmann::json::array())) ids[n["identity"]["hostname"]] = std::stoull(n["id"].get<std::string>());
    return ids;
  }
  std::string lease(std::uint64_t node, const std::string& project) {
    auto [rc, out] = run_command(fmt::format("{} --coordinator {} lease add {} {} 2>&1", kBmfctl, api_, node, project));
    EXPECT_EQ(rc, 0) << out;
    std::smatch m;
    EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(lease (\d+):)"))) << out;
    return m[1];
  }
  // curl through the proxy; returns "<status>\n<body>".
  std::string curl(const std::string& method, const std::string& target, const std::string& user_pw, const std::string& body = {}) {
    auto [rc, out] = run_command(fmt::format("curl -sk -o - -w '\\n%{{http_code}}' -X {} -u '{}' -H 'Content-Type: application/json' {} "
                                             "'https://{}{}' 2>&1",
                                             method, user_pw, body.empty() ? "" : fmt::format("--data '{}'", body), proxy_addr_, target));
    auto nl = out.rfind('\n');
    return nl == std::string::npos ? out : out.substr(nl + 1) + "\n" + out.substr(0, nl);
  }
  std::string run_python(const std::string& script) {
    std::ofstream(path("client.py")) << script;
    // requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a session's own CA file: drop them.
    auto [rc, out] = run_command(fmt::format("env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE /usr/bin/python3 -W ignore {} 2>&1",
                                             path("client.py")));
    EXPECT_EQ(rc, 0) << out;
    return out;
  }

  TempDir dir_;
  std::string api_, proxy_addr_, metrics_addr_, bmc_password_, lease_a_;
  std::uint64_t gpu_ = 0, cpu_ = 0;
  std::unique_ptr<ChildProcess> coordinator_, emulator_, proxy_;
  std::vector<std::unique_ptr<ChildProcess>> agents_;
};

TEST_F(BmcProxyTest, Sushy_TenantListsPowersBootsAndMountsOnlyItsNode) {
  auto out = run_python(fmt::format(R"(
import sushy
# Verified against the proxy's certificate, as a tenant would with the provider's CA.
s = sushy.Sushy('https://{0}/redfish/v1', verify='{2}',
                auth=sushy.auth.SessionAuth(username='alice', password='alpha-pw-1'))
systems = s.get_system_collection()
print('members', list(systems.members_identities))
system = systems.get_member(systems.members_identities[0])
print('power', system.power_state)
system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
system.reset_system(sushy.RESET_ON)
system.refresh()
print('after', system.power_state, system.boot.target, system.boot.enabled)
system.reset_system(sushy.RESET_FORCE_OFF)
system.refresh()
print('forced', system.power_state)
system.reset_system(sushy.RESET_ON)
manager = s.get_manager(s.get_manager_collection().members_identities[0])
media = manager.virtual_media.get_member(manager.virtual_media.members_identities[0])
media.insert_media('http://10.0.0.1/discovery.iso')
media.refresh()
print('media', media.image, media.inserted)
try:
    s.get_system('/redfish/v1/Systems/{1}')
    print('FOREIGN NODE VISIBLE')
except sushy.exceptions.ResourceNotFoundError:
    print('foreign 404')
)",
                                    proxy_addr_, cpu_, path("cert.pem")));
  EXPECT_NE(out.find(fmt::format("members ['/redfish/v1/Systems/{}']", gpu_)), std::string::npos) << out;
  EXPECT_NE(out.find("power PowerState.OFF"), std::string::npos) << out;
  EXPECT_NE(out.find("after PowerState.ON BootSource.PXE BootSourceOverrideEnabled.ONCE"), std::string::npos) << out;
  EXPECT_NE(out.find("forced PowerState.OFF"), std::string::npos) << out;
  EXPECT_NE(out.find("media http://10.0.0.1/discovery.iso True"), std::string::npos) << out;
  EXPECT_NE(out.find("foreign 404"), std::string::npos) << out;
  // Real BMC credentials never leave the proxy: not in its log, not in its audit file.
  EXPECT_EQ(proxy_->log().find(bmc_password_), std::string::npos);
  std::ifstream audit(path("audit.jsonl"));
  std::string audit_text((std::istreambuf_iterator<char>(audit)), std::istreambuf_iterator<char>());
  EXPECT_EQ(audit_text.find(bmc_password_), std::string::npos);
  // The real BMC (asked directly, with the real password) really changed.
  auto [rc, direct] = run_command(fmt::format("curl -s -u admin:{} http://{}/redfish/v1/Systems/1", bmc_password_,
                                              std::regex_replace(emulator_->log(), std::regex(R"([\s\S]*BMC_READY bmc-0 (\S+)[\s\S]*)"), "$1")));
  EXPECT_NE(direct.find("\"PowerState\":\"On\""), std::string::npos) << direct;
  // team-b's BMC was never touched.
  EXPECT_NE(curl("GET", fmt::format("/redfish/v1/Systems/{}", cpu_), "bob:beta-pw-1").find("\"PowerState\":\"Off\""), std::string::npos);
}

TEST_F(BmcProxyTest, Redfishtool_ListResetIsolationAndBadCredentials) {
  const std::string base = fmt::format("/usr/bin/redfishtool -r {} -S Always", proxy_addr_);
  auto [rc, out] = run_command(fmt::format("{} -u bob -p beta-pw-1 Systems list 2>&1", base));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(fmt::format("/redfish/v1/Systems/{}", cpu_)), std::string::npos) << out;
  EXPECT_EQ(out.find(fmt::format("/redfish/v1/Systems/{}\"", gpu_)), std::string::npos) << out;
  std::tie(rc, out) = run_command(fmt::format("{} -u bob -p beta-pw-1 -A Session Systems -I {} reset ForceOn 2>&1", base, cpu_));
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run_command(fmt::format("{} -u bob -p beta-pw-1 Systems -I {} setBootOverride Once Pxe 2>&1", base, cpu_));
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run_command(fmt::format("{} -u bob -p beta-pw-1 Systems -I {} get 2>&1", base, cpu_));
  EXPECT_NE(out.find("\"PowerState\": \"On\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"BootSourceOverrideTarget\": \"Pxe\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"BootSourceOverrideEnabled\": \"Once\""), std::string::npos) << out;
  // team-b aiming at team-a's node by link: 404, and the node stays off.
  std::tie(rc, out) = run_command(fmt::format("{} -u bob -p beta-pw-1 raw POST /redfish/v1/Systems/{}/Actions/ComputerSystem.Reset "
                                              "--data='{{\"ResetType\":\"On\"}}' 2>&1", base, gpu_));
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("404"), std::string::npos) << out;
  EXPECT_NE(curl("GET", fmt::format("/redfish/v1/Systems/{}", gpu_), "alice:alpha-pw-1").find("\"PowerState\":\"Off\""), std::string::npos);
  std::tie(rc, out) = run_command(fmt::format("{} -u bob -p wrong Systems list 2>&1", base));
  EXPECT_EQ(rc, 5) << out;
  EXPECT_NE(out.find("401"), std::string::npos) << out;
}

TEST_F(BmcProxyTest, LeaseEndRevokesAccessAtOnce) {
  const std::string system = fmt::format("/redfish/v1/Systems/{}", gpu_);
  ASSERT_EQ(curl("GET", system, "alice:alpha-pw-1").substr(0, 3), "200");
  auto [rc, out] = run_command(fmt::format("{} --coordinator {} lease end {} 2>&1", kBmfctl, api_, lease_a_));
  ASSERT_EQ(rc, 0) << out;
  const auto ended = std::chrono::steady_clock::now();
  // The proxy long-polls the coordinator: the very next requests are refused.
  ASSERT_TRUE(eventually([&] { return curl("GET", system, "alice:alpha-pw-1").substr(0, 3) == "404"; }, std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - ended, std::chrono::seconds(1)) << "revoked by the long-poll, not a slow refresh";
  auto reset = curl("POST", system + "/Actions/ComputerSystem.Reset", "alice:alpha-pw-1", R"({"ResetType":"On"})");
  EXPECT_EQ(reset.substr(0, 3), "404") << reset;
  EXPECT_EQ(curl("GET", system, "breakglass:svc-pw").substr(0, 3), "200") << "the service account still reaches it";
  std::ifstream audit(path("audit.jsonl"));
  std::string text((std::istreambuf_iterator<char>(audit)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(fmt::format(R"("action":"reset","detail":"not leased to caller","node_id":{})", gpu_)), std::string::npos) << text;
}

TEST_F(BmcProxyTest, BmfUsers_TokenAsPasswordAndRemovalOrRevocationEndsAccessWithinTheLongPoll) {
  const std::string system = fmt::format("/redfish/v1/Systems/{}", gpu_);
  auto bmfctl = [&](const std::string& args) {
    auto [rc, out] = run_command(fmt::format("{} --coordinator {} {} 2>&1", kBmfctl, api_, args));
    EXPECT_EQ(rc, 0) << args << ": " << out;
    return out;
  };
  // An API token works as the Basic password (scripts need no password), with its own user name only.
  bmfctl("token create --user alice --output-file " + path("alice.token"));
  std::ifstream in(path("alice.token"));
  std::string token;
  std::getline(in, token);
  ASSERT_EQ(curl("GET", system, "alice:" + token).substr(0, 3), "200");
  EXPECT_EQ(curl("GET", system, "bob:" + token).substr(0, 3), "401") << "a token belongs to its user";
  EXPECT_EQ(curl("GET", system, "bob:beta-pw-1").substr(0, 3), "404") << "bob is not in team-a";

  // A Redfish session of alice's (sushy's way), then alice leaves team-a: both lose the node at once.
  auto login = run_command(fmt::format("curl -sk -D - -o /dev/null -X POST -H 'Content-Type: application/json' "
                                       "--data '{{\"UserName\":\"alice\",\"Password\":\"alpha-pw-1\"}}' "
                                       "https://{}/redfish/v1/SessionService/Sessions", proxy_addr_)).second;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(login, m, std::regex(R"(X-Auth-Token: (\w+))", std::regex::icase))) << login;
  const std::string session = m[1];
  auto with_session = [&] {
    return run_command(fmt::format("curl -sk -o /dev/null -w '%{{http_code}}' -H 'X-Auth-Token: {}' https://{}{}", session,
                                   proxy_addr_, system)).second;
  };
  ASSERT_EQ(with_session(), "200");
  bmfctl("project member remove team-a alice");
  const auto removed = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return curl("GET", system, "alice:alpha-pw-1").substr(0, 3) == "404"; }, std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - removed, std::chrono::seconds(2)) << "within the long-poll, not a slow refresh";
  EXPECT_EQ(with_session(), "404") << "the session follows alice's projects too";
  EXPECT_EQ(curl("GET", system, "alice:" + token).substr(0, 3), "404");

  // Back in the project, then the token is revoked: the token stops working, the password still does.
  bmfctl("project member add team-a alice");
  ASSERT_TRUE(eventually([&] { return curl("GET", system, "alice:" + token).substr(0, 3) == "200"; }, std::chrono::seconds(5)));
  auto list = bmfctl("token list --user alice");
  ASSERT_TRUE(std::regex_search(list, m, std::regex(R"(\n(\d+)  alice  api)"))) << list;
  bmfctl(fmt::format("token revoke {}", std::string(m[1])));
  ASSERT_TRUE(eventually([&] { return curl("GET", system, "alice:" + token).substr(0, 3) == "401"; }, std::chrono::seconds(5)));
  EXPECT_EQ(curl("GET", system, "alice:alpha-pw-1").substr(0, 3), "200");
  // Removed user: nothing works any more.
  bmfctl("user remove alice");
  ASSERT_TRUE(eventually([&] { return curl("GET", system, "alice:alpha-pw-1").substr(0, 3) == "401"; }, std::chrono::seconds(5)));
}

TEST_F(BmcProxyTest, MalformedRequestsAre400AndMetricsCountThem) {
  const std::string reset = fmt::format("/redfish/v1/Systems/{}/Actions/ComputerSystem.Reset", gpu_);
  auto bad = curl("POST", reset, "alice:alpha-pw-1", R"({"ResetType":"Explode"})");
  EXPECT_EQ(bad.substr(0, 3), "400") << bad;
  EXPECT_NE(bad.find("ActionParameterNotSupported"), std::string::npos) << bad;
  auto junk = curl("POST", reset, "alice:alpha-pw-1", "{not json");
  EXPECT_EQ(junk.substr(0, 3), "400") << junk;
  EXPECT_NE(junk.find("MalformedJSON"), std::string::npos) << junk;
  EXPECT_NE(curl("GET", fmt::format("/redfish/v1/Systems/{}", gpu_), "alice:alpha-pw-1").find("\"PowerState\":\"Off\""), std::string::npos);

  auto [rc, metrics] = run_command(fmt::format("curl -s http://{}/metrics", metrics_addr_));
  ASSERT_EQ(rc, 0);
  EXPECT_NE(metrics.find(R"(bmf_bmc_proxy_requests_total{principal="alice",operation="reset",code="400"} 2)"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("bmf_bmc_proxy_active_leases 2"), std::string::npos) << metrics;
  if (access("/usr/bin/promtool", X_OK) == 0) {
    std::ofstream(path("metrics.txt")) << metrics;
    auto [prc, pout] = run_command(fmt::format("promtool check metrics < {} 2>&1", path("metrics.txt")));
    EXPECT_EQ(prc, 0) << "Prometheus' own linter: " << pout;
  }
}

TEST_F(BmcProxyTest, RefusesSecretsFileOthersCanRead) {
  ::chmod(path("bmcs.json").c_str(), 0644);
  auto [rc, out] = run_command(fmt::format("{} --insecure-http --listen 127.0.0.1:0 --bmcs {} --principals {} "
                                           "--coordinator-token-file {} 2>&1", kProxy, path("bmcs.json"), path("principals.json"),
                                           path("proxy.token")));
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("chmod 600"), std::string::npos) << out;
  std::tie(rc, out) = run_command(fmt::format("{} --bmcs x --coordinator-token-file y 2>&1", kProxy));
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("--tls-cert"), std::string::npos) << out;
}

}  // namespace
}  // namespace bmf::testing
