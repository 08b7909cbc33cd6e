// SLURM elastic mode through the API: Slurm's ResumeProgram (bmf-slurm-resume) asks for nodes by
// their State=CLOUD names, SuspendProgram (bmf-slurm-suspend) gives them back. The agents are
// fakes that record the join/leave commands; the real slurmctld runs in tests/lab/lab-elastic.sh.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <set>

#include "common/proto/agent.pb.h"
#include "coordinator/api/tests/api_fixture.h"

namespace bmf::coordinator {
namespace {

class SlurmElasticTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    for (int i = 1; i <= 3; ++i) {
      nodes_.push_back(add_node(fmt::format("node0{}", i), {{"eth0", fmt::format("Ethernet{}", i)}}));
      agents_.registers(nodes_.back());
    }
    auto c = call(alice_token_, "POST", "/api/v1/slurm-clusters",
                  R"({"name":"alpha","project":"team-a","controller":"10.0.0.1:6817","munge_key":"a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"})");
    ASSERT_EQ(c.status, 201) << c.body;
  }
  std::vector<proto::SlurmJoin> joins() const {
    std::vector<proto::SlurmJoin> out;
    for (const auto& s : agents_.sent) {
      if (s.kind != "slurm-join") continue;
      out.emplace_back();
      EXPECT_TRUE(out.back().ParseFromString(s.payload));
    }
    return out;
  }
  std::vector<std::uint64_t> nodes_;
};

TEST_F(SlurmElasticTest, Resume_AllocatesOneNodePerName_JoinsThemUnderThoseNames_SuspendReleasesByName) {
  auto r = call(alice_token_, "POST", "/api/v1/slurm-clusters/alpha/resume", R"({"nodes":["alpha-e1","alpha-e2"]})");
  ASSERT_EQ(r.status, 202) << r.body;
  proto::Allocation a;
  ASSERT_TRUE(from_json(r.body, a).ok());
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.handover(), "slurm");
  EXPECT_EQ(a.handover_target(), "alpha");
  ASSERT_EQ(a.handover_names_size(), 2);

  auto j = joins();
  ASSERT_EQ(j.size(), 2u);
  std::set<std::string> names;
  for (const auto& x : j) {
    names.insert(x.node_name());
    EXPECT_TRUE(x.power_saving()) << "a State=CLOUD node: slurmd -b, not -Z";
    EXPECT_EQ(x.node_conf(), "") << "slurm.conf defines the node";
    EXPECT_EQ(x.controller(), "10.0.0.1:6817");
  }
  EXPECT_EQ(names, (std::set<std::string>{"alpha-e1", "alpha-e2"}));
  EXPECT_EQ(store_->get_allocation(a.id())->state, "running") << "not ready before slurmctld saw the nodes";
  for (const auto& s : agents_.sent) ASSERT_TRUE(agents_.finish(s.node_id, "slurm-join", true, "IDLE+CLOUD"));
  EXPECT_EQ(store_->get_allocation(a.id())->state, "ready");

  // Suspend one of them (and a name bmf never handed out).
  std::uint64_t e2 = 0;
  for (const auto& s : agents_.sent) {
    proto::SlurmJoin x;
    if (s.kind == "slurm-join" && x.ParseFromString(s.payload) && x.node_name() == "alpha-e2") e2 = s.node_id;
  }
  ASSERT_NE(e2, 0u);
  auto sus = call(alice_token_, "POST", "/api/v1/slurm-clusters/alpha/suspend", R"({"nodes":["alpha-e2","alpha-e4"]})");
  ASSERT_EQ(sus.status, 200) << sus.body;
  proto::SlurmSuspendReply reply;
  ASSERT_TRUE(from_json(sus.body, reply).ok());
  ASSERT_EQ(reply.released_size(), 1);
  EXPECT_EQ(reply.released(0).name(), "alpha-e2");
  EXPECT_EQ(reply.released(0).node(), e2);
  EXPECT_EQ(reply.released(0).allocation(), a.id());
  ASSERT_EQ(reply.unknown_size(), 1);
  EXPECT_EQ(reply.unknown(0), "alpha-e4");

  ASSERT_EQ(agents_.sent.back().kind, "slurm-leave");
  EXPECT_EQ(agents_.sent.back().node_id, e2);
  proto::SlurmLeave leave;
  ASSERT_TRUE(leave.ParseFromString(agents_.sent.back().payload));
  EXPECT_EQ(leave.node_name(), "alpha-e2");
  EXPECT_TRUE(leave.keep_node()) << "the name stays in slurm.conf for the next resume";
  ASSERT_TRUE(agents_.finish(e2, "slurm-leave", true, "left"));
  EXPECT_EQ(store_->get_node(e2)->state, NodeState::kAvailable) << "back in the hotpool (no power, no wipe here)";
  EXPECT_FALSE(store_->get_slurm_member(e2).ok()) << "no longer a member";
  EXPECT_EQ(store_->get_allocation(a.id())->state, "ready") << "its other node is still in SLURM";

  // Suspending it again: nothing to do.
  auto again = call(alice_token_, "POST", "/api/v1/slurm-clusters/alpha/suspend", R"({"nodes":["alpha-e2"]})");
  ASSERT_EQ(again.status, 200) << again.body;
  ASSERT_TRUE(from_json(again.body, reply).ok());
  EXPECT_EQ(reply.released_size(), 0);
  EXPECT_EQ(reply.unknown_size(), 1);
}

TEST_F(SlurmElasticTest, BadResumeRequests_ClearErrors_NothingAllocated) {
  struct Case {
    const char* body;
    int status;
    const char* says;
  };
  for (const Case& c : {Case{R"({"nodes":[]})", 400, "no node names"},
                        Case{R"({"nodes":["alpha-e[1-2]"]})", 400, "expand hostlists"},
                        Case{R"({"nodes":["alpha-e1","alpha-e1"]})", 400, "named twice"},
                        Case{R"({"nodes":["a","b","c","d"]})", 409, "not enough nodes"},
                        Case{R"({"node":["alpha-e1"]})", 400, "node"},
                        Case{R"({"nodes":["alpha-e1"],"class":"no-such-class"})", 404, "no-such-class"}}) {
    auto r = call(alice_token_, "POST", "/api/v1/slurm-clusters/alpha/resume", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(call(bob_token_, "POST", "/api/v1/slurm-clusters/alpha/resume", R"({"nodes":["alpha-e1"]})").status, 404);
  EXPECT_EQ(call(alice_token_, "POST", "/api/v1/slurm-clusters/nope/resume", R"({"nodes":["alpha-e1"]})").status, 404);
  EXPECT_EQ(call(alice_token_, "GET", "/api/v1/slurm-clusters/alpha/resume").status, 405);
  EXPECT_TRUE(store_->list_allocations()->empty());
  EXPECT_EQ(agents_.count("slurm-join"), 0u);
}

TEST_F(SlurmElasticTest, HandoverNamesNeedOnePerNode) {
  auto r = call(alice_token_, "POST", "/api/v1/allocations",
                R"({"project":"team-a","count":2,"handover":"slurm","handover_names":["alpha-e1"]})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("one name per node"), std::string::npos) << r.body;
  r = call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1,"handover_names":["alpha-e1"]})");
  EXPECT_EQ(r.status, 400) << r.body;
}

}  // namespace
}  // namespace bmf::coordinator
