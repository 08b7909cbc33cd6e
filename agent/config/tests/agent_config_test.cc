#include "agent/config/agent_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace bmf::agent {

TEST(ParseAgentConfig, Defaults) {
  auto c = parse_agent_config({}, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mode, AgentConfig::Mode::kRun);
  EXPECT_EQ(c->coordinator, "127.0.0.1:7420");
  EXPECT_EQ(c->root, "/");
}

TEST(ParseAgentConfig, InventoryWithOptionsInBothSpellings) {
  auto c = parse_agent_config({"inventory", "--root", "/fx", "-o", "json", "--lldp-wait-ms=500"}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->mode, AgentConfig::Mode::kInventory);
  EXPECT_EQ(c->root, "/fx");
  EXPECT_EQ(c->output, "json");
  EXPECT_EQ(c->lldp_wait_ms, 500u);
}

TEST(ParseAgentConfig, SysfsRootMeansItsParent) {
  EXPECT_EQ(parse_agent_config({"--sysfs-root", "/a/b/sys"}, nullptr)->root, "/a/b");
  EXPECT_EQ(parse_agent_config({"--sysfs-root", "/sys/"}, nullptr)->root, "/");
}

TEST(ParseAgentConfig, PrecedenceFileThenEnvThenFlags) {
  testing::TempDir dir;
  auto file = (dir.path() / "agent.conf").string();
  std::ofstream(file) << "# bmf agent\ncoordinator = file:1\nhostname = \"from-file\"\ntls = false\n";
  auto c = parse_agent_config({"--config", file}, "env:2");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->coordinator, "env:2");
  EXPECT_EQ(c->hostname, "from-file");
  EXPECT_FALSE(c->tls);
  c = parse_agent_config({"--config", file, "--coordinator", "flag:3"}, "env:2");
  EXPECT_EQ(c->coordinator, "flag:3");
}

TEST(ParseAgentConfig, BadInput_ClearErrorsNamingTheOption) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const auto& [args, message] : std::vector<Case>{
           {{"--coordinator", "nohost"}, "--coordinator: expected HOST:PORT, got 'nohost'"},
           {{"--coordinator", "h:99999"}, "--coordinator: expected HOST:PORT"},
           {{"--lldp-wait-ms", "soon"}, "--lldp-wait-ms: expected a number 0..120000, got 'soon'"},
           {{"--bogus"}, "unknown option --bogus"},
           {{"--root"}, "--root needs a value"},
           {{"--tls=yes"}, "--tls takes no value"},
           {{"--tls"}, "--tls needs --coordinator-cert-sha256"},
           {{"-o", "yaml"}, "--output: 'yaml' is not one of text, json, pb"},
           {{"inventory", "extra"}, "unexpected argument 'extra'"},
           {{"--config", "/nonexistent/agent.conf"}, "--config: cannot read /nonexistent/agent.conf"},
       }) {
    auto c = parse_agent_config(args, nullptr);
    ASSERT_FALSE(c.ok()) << args[0];
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find(message), std::string::npos) << c.status().message();
  }
}

TEST(ParseAgentConfig, BadConfigFileLine_NamesFileAndLine) {
  testing::TempDir dir;
  auto file = (dir.path() / "agent.conf").string();
  std::ofstream(file) << "root = /x\nbackoff-max-ms = lots\n";
  auto c = parse_agent_config({"--config=" + file}, nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("agent.conf:2: --backoff-max-ms"), std::string::npos) << c.status().message();
}

TEST(ParseAgentConfig, HelpListsEveryOption) {
  EXPECT_EQ(parse_agent_config({"inventory", "--help"}, nullptr)->mode, AgentConfig::Mode::kHelp);
  std::string usage = agent_usage();
  for (const char* o : {"--coordinator", "--root", "--lldp-wait-ms", "--tls", "--config"}) {
    EXPECT_NE(usage.find(o), std::string::npos) << o;
  }
}

}  // namespace bmf::agent
