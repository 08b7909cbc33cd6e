// The cross-switch protocol against recording drivers (the real-switch behaviour
// is covered by tests/integration/netconf_test.cc against netconfd).
#include "netconf/transaction/switch_transaction.h"

#include <gtest/gtest.h>

namespace bmf::netconf {
namespace {

class RecordingDriver : public SwitchDriver {
 public:
  explicit RecordingDriver(std::vector<std::string>& log, std::string name, Status prepare_result = {})
      : log_(log), name_(std::move(name)), prepare_result_(std::move(prepare_result)) {}
  Status prepare(const ChangeSet&, const PrepareOptions&) override {
    log_.push_back(name_ + ":prepare");
    return prepare_result_;
  }
  Status confirm() override {
    log_.push_back(name_ + ":confirm");
    return ok_status();
  }
  Status rollback() override {
    log_.push_back(name_ + ":rollback");
    return ok_status();
  }
  Result<std::map<std::string, PortConfig>> read_ports() override { return std::map<std::string, PortConfig>{}; }
  Result<std::map<std::string, std::vector<std::uint16_t>>> read_vlans() override {
    return std::map<std::string, std::vector<std::uint16_t>>{};
  }

 private:
  std::vector<std::string>& log_;
  std::string name_;
  Status prepare_result_;
};

}  // namespace

TEST(ApplyAcrossSwitches, AllPrepared_ThenAllConfirmed) {
  std::vector<std::string> log;
  RecordingDriver a(log, "a"), b(log, "b");
  std::vector<SwitchChange> changes{{"a", &a, {}}, {"b", &b, {}}};
  auto report = apply_across_switches(changes, {});
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(log, (std::vector<std::string>{"a:prepare", "b:prepare", "a:confirm", "b:confirm"}));
}

TEST(ApplyAcrossSwitches, SecondFails_FirstRolledBackThirdNeverTouched) {
  std::vector<std::string> log;
  RecordingDriver a(log, "a"), b(log, "b", invalid_argument("access-vlan 4095 not in range")), c(log, "c");
  std::vector<SwitchChange> changes{{"leaf-1", &a, {}}, {"leaf-2", &b, {}}, {"leaf-3", &c, {}}};
  auto report = apply_across_switches(changes, {});
  EXPECT_FALSE(report.committed);
  EXPECT_EQ(report.failed_switch, "leaf-2");
  EXPECT_NE(report.failure.message().find("4095"), std::string::npos);
  EXPECT_EQ(log, (std::vector<std::string>{"a:prepare", "b:prepare", "a:rollback"}));
  EXPECT_EQ(report.switches[0].result, SwitchOutcome::Result::kRolledBack);
  EXPECT_EQ(report.switches[2].result, SwitchOutcome::Result::kNotAttempted);
}

}  // namespace bmf::netconf
