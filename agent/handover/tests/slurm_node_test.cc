// The node side of the SLURM handover, without a cluster: command checks, the state
// parser, and a slurmd that dies before registering (real munged, a stand-in slurmd
// that prints an error and exits). The join itself runs against a real slurmctld in
// the lab test (tests/lab/lab_story_test.sh).
#include "agent/handover/slurm_node.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::agent {
namespace {

using ::testing::HasSubstr;

TEST(SlurmNodeTest, ParsesTheStateFromScontrolOneLineOutput) {
  EXPECT_EQ(SlurmNode::parse_state("NodeName=node01 Arch=x86_64 CoresPerSocket=2 State=IDLE+DYNAMIC_NORM ThreadsPerCore=1"),
            "IDLE+DYNAMIC_NORM");
  EXPECT_EQ(SlurmNode::parse_state("NodeName=n1 NextState=FOO State=DRAINED Weight=1"), "DRAINED");
  EXPECT_EQ(SlurmNode::parse_state("State=MIXED"), "MIXED");
  EXPECT_EQ(SlurmNode::parse_state("Node node01 not found"), "");
}

TEST(SlurmNodeTest, RefusesBadJoinCommandsNamingTheField) {
  bmf::testing::TempDir dir;
  SlurmNode node({.state_dir = dir.path().string(), .run_dir = dir.path().string()});
  proto::SlurmJoin j;
  j.set_controller("10.10.0.249:6817");
  j.set_munge_key(std::string(64, 'k'));
  j.set_node_name("node01; rm -rf /");
  EXPECT_THAT(node.join(j).status().message(), HasSubstr("node_name"));
  j.set_node_name("node01");
  j.set_controller("nohostport");
  EXPECT_THAT(node.join(j).status().message(), HasSubstr("controller"));
  j.set_controller("10.10.0.249:6817");
  j.set_munge_key("short");
  EXPECT_THAT(node.join(j).status().message(), HasSubstr("munge key"));
}

TEST(SlurmNodeTest, ASlurmdThatExitsFailsTheJoinWithItsOwnWords) {
  if (access("/usr/sbin/munged", X_OK) != 0) GTEST_SKIP() << "munged is not installed (scripts/setup.sh installs it)";
  bmf::testing::TempDir dir;
  const std::string fake = (dir.path() / "slurmd").string();
  std::ofstream(fake) << "#!/bin/sh\necho 'error: Unable to contact slurm controller (connect failure)'\nexit 1\n";
  ::chmod(fake.c_str(), 0755);
  SlurmNode node({.state_dir = (dir.path() / "state").string(), .run_dir = (dir.path() / "run").string(), .slurmd = fake,
                  .scontrol = "/bin/false"});
  proto::SlurmJoin j;
  j.set_cluster("alpha");
  j.set_controller("10.10.0.249:6817");
  j.set_munge_key(std::string(1024, 'k'));
  j.set_node_name("node01");
  j.set_node_conf("RealMemory=1000 Features=bmf");
  j.set_timeout_ms(5000);
  auto r = node.join(j);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("slurmd exited before the node was idle"));
  EXPECT_THAT(r.status().message(), HasSubstr("Unable to contact slurm controller"));
  // The key was written for munged only.
  struct stat st{};
  ASSERT_EQ(::stat((dir.path() / "state" / "munge.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400);
}

TEST(SlurmNodeTest, ElasticJoinResumesTheCloudNode_LeaveKeepsItInSlurm) {
  if (access("/usr/sbin/munged", X_OK) != 0) GTEST_SKIP() << "munged is not installed (scripts/setup.sh installs it)";
  bmf::testing::TempDir dir;
  const std::string slurmd = (dir.path() / "slurmd").string(), scontrol = (dir.path() / "scontrol").string();
  const std::string calls = (dir.path() / "scontrol.calls").string();
  // A slurmd that says how it was started and runs until stopped; an scontrol that logs its calls
  // and reports the node idle.
  std::ofstream(slurmd) << "#!/bin/sh\necho \"args: $*\"\nexec sleep 60\n";
  std::ofstream(scontrol) << "#!/bin/sh\necho \"$*\" >> " << calls << "\necho 'NodeName=alpha-e1 Arch=x86_64 State=IDLE+CLOUD Weight=1'\n";
  ::chmod(slurmd.c_str(), 0755);
  ::chmod(scontrol.c_str(), 0755);
  SlurmNode node({.state_dir = (dir.path() / "state").string(), .run_dir = (dir.path() / "run").string(), .slurmd = slurmd,
                  .scontrol = scontrol});
  proto::SlurmJoin j;
  j.set_cluster("alpha");
  j.set_controller("10.10.0.249:6817");
  j.set_munge_key(std::string(1024, 'k'));
  j.set_node_name("alpha-e1");
  j.set_power_saving(true);
  j.set_timeout_ms(5000);
  auto r = node.join(j);
  ASSERT_THAT(r.status(), bmf::testing::IsOk());
  EXPECT_THAT(*r, HasSubstr("IDLE+CLOUD in alpha as alpha-e1"));
  // The fake scontrol reports the node idle at once, maybe before the fake slurmd has printed its
  // arguments: wait for them (at most 5 s).
  std::string args;
  for (int i = 0; i < 500 && args.find("args:") == std::string::npos; ++i) {
    std::ifstream out(dir.path() / "state" / "slurmd.out");
    args.assign(std::istreambuf_iterator<char>(out), {});
    if (args.find("args:") == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(args, HasSubstr("-N alpha-e1 --conf-server 10.10.0.249:6817 -b"));
  EXPECT_THAT(args, ::testing::Not(HasSubstr("-Z"))) << "a State=CLOUD node of slurm.conf, not a dynamic one";

  proto::SlurmLeave l;
  l.set_node_name("alpha-e1");
  l.set_keep_node(true);
  auto left = node.leave(l);
  ASSERT_THAT(left.status(), bmf::testing::IsOk());
  EXPECT_THAT(*left, HasSubstr("kept in slurm.conf"));
  std::ifstream in(calls);
  std::string called((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(called, ::testing::Not(HasSubstr("delete"))) << called;
  EXPECT_THAT(called, ::testing::Not(HasSubstr("drain"))) << called;
}

}  // namespace
}  // namespace bmf::agent
