// RedfishProxyPower against emulated BMCs speaking Redfish in-process (the proxy in
// front of them is tested in tests/integration; here: the call sequences, read-back,
// retries only where idempotent, one action at a time per node).
#include "coordinator/power/power_driver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include "common/http/http_server.h"
#include "tests/lab/bmc_emulator/emulated_bmc.h"
#include "tests/support/status_matchers.h"

namespace bmf::coordinator {
namespace {

using bmf::testing::IsOk;
using bmf::testing::StatusIs;
using ::testing::HasSubstr;

class PowerDriverTest : public ::testing::Test {
 protected:
  // One emulated BMC per node id, all behind one HTTP server (like the proxy's /redfish/v1/Systems/{node}).
  void SetUp() override {
    for (std::uint64_t node : {7, 8}) {
      bmcs_.emplace(node, std::make_unique<lab::EmulatedBmc>(
                              lab::BmcConfig{.id = "bmc", .system_id = std::to_string(node), .username = "coordinator", .password = "tok"}));
    }
    server_ = std::make_unique<http::HttpServer>(io_, http::HttpServerConfig{}, [this](const http::Request& r) {
      log_.push_back(r.method + " " + r.target);
      if (fail_next_ > 0) {
        --fail_next_;
        return lab::redfish_error(503, "Base.1.0.ServiceTemporarilyUnavailable", "busy");
      }
      if (refuse_resets_ > 0 && r.target.find("Reset") != std::string::npos) {
        --refuse_resets_;
        return lab::redfish_error(503, "Base.1.0.ServiceTemporarilyUnavailable", "busy: not taken");
      }
      for (auto& [node, bmc] : bmcs_) {
        if (r.target.find("/Systems/" + std::to_string(node)) != std::string::npos) {
          http::Response out = bmc->handle(r);
          if (lose_reset_answers_ && r.target.find("Reset") != std::string::npos) {
            return lab::redfish_error(504, "Base.1.0.ServiceTemporarilyUnavailable", "gateway timeout");
          }
          return out;
        }
      }
      return lab::redfish_error(404, "Base.1.0.ResourceMissingAtURI", "no such system");
    });
    auto port = server_->start();
    ASSERT_TRUE(port.ok()) << port.status().to_string();
    proxy_url_ = "http://127.0.0.1:" + std::to_string(*port);
    driver_ = std::make_unique<RedfishProxyPower>(
        io_, RedfishPowerConfig{.proxy_url = proxy_url_ + "/",
                                .username = "coordinator", .token = "tok", .verify_tls = false,
                                .call_timeout = std::chrono::seconds(5), .settle_timeout = std::chrono::milliseconds(600),
                                .poll_interval = std::chrono::milliseconds(50), .idempotent_attempts = 3});
  }

  PowerOutcome run(std::uint64_t node, PowerAction action) {
    std::optional<PowerOutcome> out;
    driver_->run(node, action, [&](PowerOutcome o) { out = std::move(o); });
    io_.restart();
    while (!out && io_.run_one_for(std::chrono::seconds(10)) > 0) {
    }
    return out.value_or(PowerOutcome{.status = unavailable("no outcome")});
  }
  std::size_t count(const std::string& what) const {
    return std::count_if(log_.begin(), log_.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
  }

  boost::asio::io_context io_;
  std::map<std::uint64_t, std::unique_ptr<lab::EmulatedBmc>> bmcs_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<RedfishProxyPower> driver_;
  std::vector<std::string> log_;
  int fail_next_ = 0;
  int refuse_resets_ = 0;  // this many resets answered 503 without acting (busy BMC)
  std::string proxy_url_;
  bool lose_reset_answers_ = false;
};

TEST_F(PowerDriverTest, On_ResetsThenReadsBackOn) {
  PowerOutcome out = run(7, PowerAction::kOn);
  EXPECT_THAT(out.status, IsOk());
  EXPECT_EQ(out.state, PowerState::kOn);
  EXPECT_EQ(bmcs_[7]->power_state(), "On");
  EXPECT_EQ(bmcs_[8]->power_state(), "Off") << "only node 7";
  EXPECT_EQ(count("POST /redfish/v1/Systems/7/Actions/ComputerSystem.Reset"), 1u);
  EXPECT_GE(count("GET /redfish/v1/Systems/7"), 2u) << "read before, read back after";
}

TEST_F(PowerDriverTest, AlreadyInTheState_NoReset) {
  ASSERT_THAT(run(7, PowerAction::kOff).status, IsOk());
  EXPECT_EQ(count("Reset"), 0u);
  EXPECT_EQ(run(7, PowerAction::kOff).calls, 1);
}

TEST_F(PowerDriverTest, PxeCycle_SetsNetworkBootOnceAndPowersOnOrRestarts) {
  ASSERT_THAT(run(7, PowerAction::kPxeCycle).status, IsOk());
  EXPECT_EQ(bmcs_[7]->boot_target(), "Pxe");
  EXPECT_EQ(bmcs_[7]->power_state(), "On");
  EXPECT_EQ(count("PATCH /redfish/v1/Systems/7"), 1u);
  ASSERT_THAT(run(7, PowerAction::kPxeCycle).status, IsOk());  // on now: a restart
  EXPECT_EQ(count("Reset"), 2u);
}

TEST_F(PowerDriverTest, TransientErrors_RetriedOnlyOnIdempotentCalls) {
  fail_next_ = 2;  // the first GET and its first retry answer 503
  PowerOutcome out = run(7, PowerAction::kOn);
  EXPECT_THAT(out.status, IsOk());
  EXPECT_EQ(bmcs_[7]->power_state(), "On");
  EXPECT_EQ(count("Reset"), 1u);
}

TEST_F(PowerDriverTest, ResetAnswered503_NotTaken_SentAgainAfterReadingTheState) {
  refuse_resets_ = 2;  // the BMC says it did not take the first two
  PowerOutcome out = run(7, PowerAction::kOn);
  EXPECT_THAT(out.status, IsOk());
  EXPECT_EQ(bmcs_[7]->power_state(), "On");
  EXPECT_EQ(count("Reset"), 3u);
  EXPECT_EQ(bmcs_[7]->resets(), 1) << "one power-on, however many asks";
  // A restart refused with 503 is sent again too: it was not done.
  refuse_resets_ = 1;
  ASSERT_THAT(run(7, PowerAction::kPxeCycle).status, IsOk());
  EXPECT_EQ(count("Reset"), 5u);
  EXPECT_EQ(bmcs_[7]->resets(), 2) << "one restart";
  // Refused every time: the attempts are bounded, and the error says what the BMC answered.
  refuse_resets_ = 100;
  PowerOutcome off = run(7, PowerAction::kOff);
  EXPECT_FALSE(off.status.ok());
  EXPECT_THAT(off.status.message(), HasSubstr("ForceOff answered HTTP 503"));
  EXPECT_EQ(count("Reset"), 8u) << "idempotent_attempts (3) at most";
}

TEST_F(PowerDriverTest, LostResetAnswer_SettledByReadingBack_NeverResentTwice) {
  lose_reset_answers_ = true;  // the BMC acts, but the answer is a 504
  PowerOutcome out = run(7, PowerAction::kOn);
  EXPECT_THAT(out.status, IsOk()) << "the state read back says it happened";
  EXPECT_EQ(count("Reset"), 1u);
}

TEST_F(PowerDriverTest, BmcThatNeverGetsThere_DeadlineWithTheStateItSaw) {
  lose_reset_answers_ = true;
  fail_next_ = 0;
  // Reset refused by a BMC that stays off: answer lost AND nothing happens.
  bmcs_[7] = std::make_unique<lab::EmulatedBmc>(lab::BmcConfig{.system_id = "7", .username = "coordinator", .password = "tok"});
  server_->stop();
  server_ = std::make_unique<http::HttpServer>(io_, http::HttpServerConfig{}, [this](const http::Request& r) {
    log_.push_back(r.method + " " + r.target);
    if (r.target.find("Reset") != std::string::npos) return lab::redfish_error(504, "Base.1.0.ServiceTemporarilyUnavailable", "lost");
    return bmcs_[7]->handle(r);
  });
  auto port = server_->start();
  ASSERT_TRUE(port.ok());
  driver_ = std::make_unique<RedfishProxyPower>(
      io_, RedfishPowerConfig{.proxy_url = "http://127.0.0.1:" + std::to_string(*port), .username = "coordinator", .token = "tok",
                              .settle_timeout = std::chrono::milliseconds(300), .poll_interval = std::chrono::milliseconds(50)});
  PowerOutcome out = run(7, PowerAction::kOn);
  EXPECT_THAT(out.status, StatusIs(StatusCode::kDeadlineExceeded));
  EXPECT_THAT(out.status.message(), HasSubstr("power state still off"));
  EXPECT_THAT(out.status.message(), HasSubstr("On answered HTTP 504"));
  EXPECT_EQ(count("Reset"), 1u) << "a reset is never repeated";
}

TEST_F(PowerDriverTest, RefusedCredentials_AreAClearError) {
  driver_ = std::make_unique<RedfishProxyPower>(io_, RedfishPowerConfig{.proxy_url = "http://127.0.0.1:1", .username = "x",
                                                                         .token = "t"});
  PowerOutcome out = run(7, PowerAction::kOn);
  EXPECT_THAT(out.status, StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(out.status.message(), HasSubstr("reading the power state failed"));
}

TEST_F(PowerDriverTest, TokenFile_ReadAtEachAction_SoItMayComeLater) {
  const std::string file = ::testing::TempDir() + "/power-token";
  std::remove(file.c_str());
  driver_ = std::make_unique<RedfishProxyPower>(io_, RedfishPowerConfig{.proxy_url = proxy_url_, .username = "coordinator",
                                                                         .token_file = file});
  PowerOutcome early = run(7, PowerAction::kOn);
  EXPECT_THAT(early.status, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(early.status.message(), HasSubstr("no token for the BMC proxy yet"));
  std::ofstream(file) << "tok\n";
  EXPECT_THAT(run(7, PowerAction::kOn).status, IsOk());
}

TEST_F(PowerDriverTest, OneActionAtATimePerNode_InOrder) {
  std::vector<std::string> order;
  int pending = 3;
  for (auto action : {PowerAction::kOn, PowerAction::kOff, PowerAction::kOn}) {
    driver_->run(7, action, [&, action](PowerOutcome o) {
      order.push_back(fmt::format("{}:{}", to_string(action), to_string(o.state)));
      --pending;
    });
  }
  driver_->run(8, PowerAction::kOn, [&](PowerOutcome) {});
  EXPECT_EQ(driver_->queued(7), 3u);
  EXPECT_EQ(driver_->queued(8), 1u);
  io_.restart();
  while (pending > 0 && io_.run_one_for(std::chrono::seconds(10)) > 0) {
  }
  EXPECT_EQ(order, (std::vector<std::string>{"on:on", "off:off", "on:on"}));
  EXPECT_EQ(driver_->queued(7), 0u);
}

TEST(ParsePowerState, RedfishValues) {
  EXPECT_EQ(parse_power_state(R"({"PowerState":"On"})"), PowerState::kOn);
  EXPECT_EQ(parse_power_state(R"({"PowerState":"Off"})"), PowerState::kOff);
  EXPECT_EQ(parse_power_state(R"({"PowerState":"PoweringOn"})"), PowerState::kUnknown);
  EXPECT_EQ(parse_power_state("not json"), PowerState::kUnknown);
  EXPECT_EQ(parse_power_state(R"({"PowerState":3})"), PowerState::kUnknown);
}

}  // namespace
}  // namespace bmf::coordinator
