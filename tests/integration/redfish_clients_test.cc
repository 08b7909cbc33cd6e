// The BMC emulator against the real Redfish clients: Debian's python3-sushy (what
// Ironic uses) and DMTF's redfishtool. Power on runs the emulator's hook.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {
namespace {

class RedfishClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/redfishtool", X_OK) != 0) GTEST_SKIP() << "redfishtool not installed (scripts/setup.sh installs it)";
    if (run_command("/usr/bin/python3 -c 'import sushy' 2>&1").first != 0) GTEST_SKIP() << "python3-sushy not installed";
    hook_log_ = (dir_.path() / "hook.log").string();
    emulator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{std::string(BMF_BUILD_DIR) + "/tests/lab/bmf-bmc-emulator", "--count", "3", "--power-hook",
                                 "echo >>" + hook_log_},
        dir_.path() / "emulator.log");
    std::regex ready(R"(BMC_READY bmc-1 (127\.0\.0\.1:\d+) admin (\S+))");
    std::smatch m;
    ASSERT_TRUE(eventually([&] { std::string l = emulator_->log(); return std::regex_search(l, m, ready); },
                           std::chrono::seconds(5)))
        << emulator_->log();
    address_ = m[1];
    password_ = m[2];
  }

  TempDir dir_;
  std::string hook_log_, address_, password_;
  std::unique_ptr<ChildProcess> emulator_;
};

TEST_F(RedfishClientsTest, Sushy_ListPowerBootResetVirtualMedia) {
  std::ofstream(dir_.path() / "client.py") << fmt::format(R"(
import sushy
s = sushy.Sushy('http://{0}/redfish/v1', auth=sushy.auth.SessionAuth(username='admin', password='{1}'))
systems = s.get_system_collection()
print('members', list(systems.members_identities))
system = systems.get_member(systems.members_identities[0])
print('power', system.power_state)
system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
system.reset_system(sushy.RESET_FORCE_ON)
system.refresh()
print('after', system.power_state, system.boot.target, system.boot.enabled)
manager = s.get_manager(s.get_manager_collection().members_identities[0])
media = manager.virtual_media.get_member(manager.virtual_media.members_identities[0])
media.insert_media('http://10.0.0.1/discovery.iso')
media.refresh()
print('media', media.image, media.inserted)
try:
    system.reset_system('Explode')
except sushy.exceptions.InvalidParameterValueError as e:
    print('refused client-side')
)",
                                                          address_, password_);
  auto [rc, out] = run_command(fmt::format("/usr/bin/python3 {} 2>&1", (dir_.path() / "client.py").string()));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("members ['/redfish/v1/Systems/1']"), std::string::npos) << out;
  EXPECT_NE(out.find("power PowerState.OFF"), std::string::npos) << out;
  EXPECT_NE(out.find("after PowerState.ON BootSource.PXE BootSourceOverrideEnabled.ONCE"), std::string::npos) << out;
  EXPECT_NE(out.find("media http://10.0.0.1/discovery.iso True"), std::string::npos) << out;
  EXPECT_NE(out.find("refused client-side"), std::string::npos) << out;
  std::ifstream in(hook_log_);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "bmc-1 1 On") << "power on ran the hook (the lab boots the node's agent there)";
}

TEST_F(RedfishClientsTest, Redfishtool_ListResetAndBadCredentials) {
  std::string base = fmt::format("/usr/bin/redfishtool -r {} -u admin -S Never", address_);
  auto [rc, out] = run_command(fmt::format("{} -p {} Systems list 2>&1", base, password_));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("/redfish/v1/Systems/1"), std::string::npos) << out;
  std::tie(rc, out) = run_command(fmt::format("{} -p {} -A Session Systems -I 1 reset ForceOn 2>&1", base, password_));
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = run_command(fmt::format("{} -p {} Systems -I 1 get 2>&1", base, password_));
  EXPECT_NE(out.find("\"PowerState\": \"On\""), std::string::npos) << out;
  // PowerCycle is a standard ResetType this BMC does not list in ResetType@Redfish.AllowableValues.
  std::tie(rc, out) = run_command(fmt::format("{} -p {} Systems -I 1 reset PowerCycle 2>&1", base, password_));
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("not supported"), std::string::npos) << out;
  std::tie(rc, out) = run_command(fmt::format("{} -p wrong Systems list 2>&1", base));
  EXPECT_EQ(rc, 5) << out;
  EXPECT_NE(out.find("401"), std::string::npos) << out;
}

}  // namespace
}  // namespace bmf::testing
