// Every route of the API, called by bob (a member of team-b) against team-a's
// objects: each answer is 404 (never 403: existence must not leak) or a list
// that shows none of team-a's objects, and nothing changes. The cases are keyed
// by the route table, so a new route without a case here fails this test.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <map>

#include "coordinator/api/tests/api_fixture.h"

namespace bmf::coordinator {
namespace {

enum class Expect { k404, kListWithoutTeamA, kPublic };

struct Case {
  std::string body;
  Expect expect = Expect::k404;
};

class TenantIsolationTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    ASSERT_EQ(as_admin("PUT", "/api/v1/switches/leaf-1",
                       R"({"address":"127.0.0.1","username":"u","password_file":"/p","known_hosts_file":"/k","parking_vlan":20})").status, 200);
    node_a_ = add_node("a-node", {{"eth0", "Ethernet1"}});
    node_b_ = add_node("b-node", {{"eth0", "Ethernet2"}});
    auto lease_a = as_admin("POST", "/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-a"}})", node_a_));
    ASSERT_EQ(lease_a.status, 201);
    proto::Lease lease;
    ASSERT_TRUE(from_json(lease_a.body, lease).ok());
    lease_a_ = lease.id();
    ASSERT_EQ(as_admin("POST", "/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-b"}})", node_b_)).status, 201);
    auto net = call(alice_token_, "POST", "/api/v1/networks", R"({"project":"team-a","name":"frontend-a"})");
    ASSERT_EQ(net.status, 201) << net.body;
    proto::Network n;
    ASSERT_TRUE(from_json(net.body, n).ok());
    network_a_ = n.id();
    auto op = call(alice_token_, "POST", fmt::format("/api/v1/nodes/{}/nics/eth0/attach", node_a_), R"({"network":"frontend-a"})");
    ASSERT_EQ(op.status, 200) << op.body;
    proto::Operation o;
    ASSERT_TRUE(from_json(op.body, o).ok());
    operation_a_ = o.id();
    alice_token_id_ = tenancy_->tokens_of(admin_, "alice")->front().id;
    // An allocation of team-a's (of an extra node).
    const auto extra = add_node("a-node-2", {{"eth0", "Ethernet3"}});
    ASSERT_EQ(as_admin("PUT", "/api/v1/classes/big", "{}").status, 200);
    auto alloc = call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1})");
    ASSERT_EQ(alloc.status, 201) << alloc.body;
    proto::Allocation a;
    ASSERT_TRUE(from_json(alloc.body, a).ok());
    allocation_a_ = a.id();
    auto cluster = call(alice_token_, "POST", "/api/v1/slurm-clusters",
                        R"({"name":"slurm-a","project":"team-a","controller":"10.0.0.1:6817","munge_key":"a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"})");
    ASSERT_EQ(cluster.status, 201) << cluster.body;
    // A site network both projects may use: bob may see it, but not that team-a uses it too.
    auto shared = as_admin("POST", "/api/v1/networks",
                           R"({"name":"site-storage","kind":"external","vlan":4000,"shared_with":["team-a","team-b"]})");
    ASSERT_EQ(shared.status, 201) << shared.body;
  }

  // The concrete target for a route pattern, aimed at team-a's objects (or, with
  // ghost, at objects that do not exist at all: the answers must be alike).
  std::string target_for(std::string_view pattern, bool ghost = false) {
    std::string t(pattern);
    auto put = [&](const std::string& key, const std::string& value) {
      for (auto pos = t.find(key); pos != std::string::npos; pos = t.find(key)) t.replace(pos, key.size(), value);
    };
    const std::string p(pattern);
    if (p.rfind("/api/v1/nodes/", 0) == 0) put("{id}", ghost ? "9991" : std::to_string(node_a_));
    if (p.rfind("/api/v1/tokens/", 0) == 0) put("{id}", ghost ? "9992" : std::to_string(alice_token_id_));
    if (p.rfind("/api/v1/operations/", 0) == 0) put("{id}", ghost ? "9993" : operation_a_);
    if (p.rfind("/api/v1/leases/", 0) == 0) put("{id}", ghost ? "9994" : std::to_string(lease_a_));
    if (p.rfind("/api/v1/allocations/", 0) == 0) put("{id}", ghost ? "9996" : std::to_string(allocation_a_));
    if (p.rfind("/api/v1/classes/", 0) == 0 || p.rfind("/api/v1/hotpool/", 0) == 0) put("{name}", ghost ? "ghost-class" : "big");
    if (p.rfind("/api/v1/users/", 0) == 0) put("{name}", ghost ? "ghost-user" : "alice");
    if (p.rfind("/api/v1/projects/", 0) == 0) put("{name}", ghost ? "ghost-project" : "team-a");
    if (p.rfind("/api/v1/switches/", 0) == 0) put("{name}", ghost ? "ghost-switch" : "leaf-1");
    if (p.rfind("/api/v1/slurm-clusters/", 0) == 0) put("{name}", ghost ? "ghost-cluster" : "slurm-a");
    put("{ref}", ghost ? "9995" : std::to_string(network_a_));
    put("{nic}", "eth0");
    put("{user}", "bob");
    put("{port}", "Ethernet1");
    return t;
  }

  std::map<std::string, Case> cases() {
    const std::string attach = R"({"network":"frontend-a","project":"team-a"})";
    return {
        {"GET /healthz", {"", Expect::kPublic}},
        {"GET /metrics", {"", Expect::kPublic}},
        {"POST /api/v1/login", {R"({"user":"alice","password":"wrong-password"})", Expect::kPublic}},
        {"GET /api/v1/whoami", {"", Expect::kListWithoutTeamA}},
        {"POST /api/v1/auth/check", {fmt::format(R"({{"user":"alice","secret":"{}"}})", alice_token_)}},
        {"GET /api/v1/users", {}},
        {"POST /api/v1/users", {R"({"name":"mallory","role":"admin"})"}},
        {"GET /api/v1/users/{name}", {}},
        {"DELETE /api/v1/users/{name}", {}},
        {"PUT /api/v1/users/{name}/password", {R"({"password":"taken-over-1"})"}},
        {"GET /api/v1/projects", {"", Expect::kListWithoutTeamA}},
        {"POST /api/v1/projects", {R"({"name":"team-x"})"}},
        {"GET /api/v1/projects/{name}", {}},
        {"DELETE /api/v1/projects/{name}", {}},
        {"PUT /api/v1/projects/{name}/quota", {R"({"quota_nodes":0})"}},
        {"PUT /api/v1/projects/{name}/members/{user}", {}},
        {"DELETE /api/v1/projects/{name}/members/{user}", {}},
        {"GET /api/v1/tokens", {"", Expect::kListWithoutTeamA}},
        {"POST /api/v1/tokens", {R"({"user":"alice"})"}},
        {"DELETE /api/v1/tokens/{id}", {}},
        {"GET /api/v1/nodes", {"", Expect::kListWithoutTeamA}},
        {"GET /api/v1/nodes/{id}", {}},
        {"POST /api/v1/nodes/{id}/commands", {R"({"kind":"ping"})"}},
        {"POST /api/v1/nodes/{id}/nics/{nic}/attach", {attach}},
        {"POST /api/v1/nodes/{id}/nics/{nic}/detach", {"{}"}},
        {"PUT /api/v1/nodes/{id}/nics/{nic}/port", {R"({"switch_name":"leaf-1","port":"Ethernet9"})"}},
        {"POST /api/v1/attachments",
         {fmt::format(R"({{"items":[{{"node_id":{},"nic":"eth0","attach":{}}}]}})", node_a_, attach)}},
        {"GET /api/v1/events", {"", Expect::kListWithoutTeamA}},
        {"GET /api/v1/switches", {}},
        {"GET /api/v1/switches/{name}", {}},
        {"PUT /api/v1/switches/{name}", {R"({"address":"10.0.0.1","username":"x","known_hosts_file":"/k"})"}},
        {"GET /api/v1/switches/{name}/ports", {}},
        {"PUT /api/v1/switches/{name}/ports/{port}", {R"({"mode":"access","access_vlan":7})"}},
        {"POST /api/v1/switches/{name}/sync", {}},
        {"POST /api/v1/switches/{name}/check", {}},
        {"GET /api/v1/operations/{id}", {}},
        {"GET /api/v1/leases", {"", Expect::kListWithoutTeamA}},
        {"POST /api/v1/leases", {fmt::format(R"({{"node_id":{},"project":"team-b"}})", node_a_)}},
        {"POST /api/v1/leases/{id}/end", {}},
        {"GET /api/v1/networks", {"", Expect::kListWithoutTeamA}},
        {"POST /api/v1/networks", {R"({"project":"team-a","name":"sneaky"})"}},
        {"GET /api/v1/networks/{ref}", {}},
        {"DELETE /api/v1/networks/{ref}", {}},
        {"GET /api/v1/classes", {"", Expect::kListWithoutTeamA}},
        {"PUT /api/v1/classes/{name}", {R"({"min_gpus":1})"}},
        {"DELETE /api/v1/classes/{name}", {}},
        {"GET /api/v1/allocations", {"", Expect::kListWithoutTeamA}},
        {"POST /api/v1/allocations", {R"({"project":"team-a","count":1})"}},
        {"GET /api/v1/allocations/{id}", {}},
        {"POST /api/v1/allocations/{id}/release", {}},
        {"POST /api/v1/nodes/{id}/release", {}},
        {"POST /api/v1/nodes/{id}/maintenance", {R"({"reason":"mine now"})"}},
        {"DELETE /api/v1/nodes/{id}/maintenance", {}},
        {"GET /api/v1/hotpool", {}},
        {"GET /api/v1/allocations/{id}/events", {}},
        {"PUT /api/v1/hotpool/{name}", {R"({"min_hot":1})"}},
        {"GET /api/v1/slurm-clusters", {"", Expect::kListWithoutTeamA}},
        {"POST /api/v1/session", {R"({"user":"alice","password":"not-hers"})", Expect::kPublic}},
        {"GET /api/v1/session", {"", Expect::kListWithoutTeamA}},
        {"DELETE /api/v1/session", {}},
        {"POST /api/v1/slurm-clusters",
         {R"({"name":"sneaky","project":"team-a","controller":"10.0.0.1:6817","munge_key":"a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"})"}},
        {"DELETE /api/v1/slurm-clusters/{name}", {}},
        {"POST /api/v1/slurm-clusters/{name}/resume", {R"({"nodes":["a-e1"]})"}},
        {"POST /api/v1/slurm-clusters/{name}/suspend", {R"({"nodes":["a-e1"]})"}},
    };
  }

  std::uint64_t node_a_ = 0, node_b_ = 0, lease_a_ = 0, network_a_ = 0, alice_token_id_ = 0, allocation_a_ = 0;
  std::string operation_a_;
};

TEST_F(TenantIsolationTest, EveryRoute_AsAMemberOfAnotherProject_Is404OrShowsNothingOfTheirs) {
  const auto all_cases = cases();
  const auto events_before = store_->list_events({.limit = 1000})->size();
  // Names of team-a's objects; a reply may echo what bob asked for, never more.
  const std::vector<std::string> markers{"team-a", "alice", "frontend-a", "a-node", "Ethernet1", "slurm-a"};
  auto leaks = [&](const std::string& reply, const std::string& request) {
    for (const auto& m : markers) {
      if (reply.find(m) != std::string::npos && request.find(m) == std::string::npos) return true;
    }
    return false;
  };
  auto ghostly = [](std::string body) {
    for (auto [from, to] : {std::pair{"team-a", "ghost-project"}, std::pair{"alice", "ghost-user"}, std::pair{"frontend-a", "ghost-net"}}) {
      for (auto pos = body.find(from); pos != std::string::npos; pos = body.find(from)) body.replace(pos, std::string(from).size(), to);
    }
    return body;
  };
  for (const auto& route : AdminApi::routes()) {
    const std::string key = fmt::format("{} {}", route.method, route.pattern);
    auto it = all_cases.find(key);
    ASSERT_NE(it, all_cases.end()) << "route " << key << " has no case in this test: add one";
    const std::string target = target_for(route.pattern);
    auto res = call(bob_token_, std::string(route.method), target, it->second.body);
    switch (it->second.expect) {
      case Expect::k404: {
        EXPECT_EQ(res.status, 404) << key << " -> " << res.status << " " << res.body;
        EXPECT_FALSE(leaks(res.body, target + it->second.body)) << key << " names another project's object: " << res.body;
        // The same call on objects that do not exist answers the same way: existence does not leak.
        auto ghost = call(bob_token_, std::string(route.method), target_for(route.pattern, true), ghostly(it->second.body));
        EXPECT_EQ(ghost.status, res.status) << key << ": " << ghost.body << " vs " << res.body;
        break;
      }
      case Expect::kListWithoutTeamA:
        EXPECT_EQ(res.status, 200) << key << " " << res.body;
        EXPECT_FALSE(leaks(res.body, "")) << key << " shows another project's object: " << res.body;
        break;
      case Expect::kPublic:
        EXPECT_TRUE(res.status == 200 || res.status == 401) << key << " " << res.status;
        break;
    }
  }
  // Nothing bob did changed anything of team-a's (or wrote a single event).
  EXPECT_EQ(store_->list_events({.limit = 1000})->size(), events_before);
  EXPECT_EQ(call(alice_token_, "GET", fmt::format("/api/v1/nodes/{}", node_a_)).status, 200);
  EXPECT_EQ(call(alice_token_, "GET", fmt::format("/api/v1/networks/{}", network_a_)).status, 200);
  EXPECT_EQ(store_->list_attachments()->size(), 1u);
  EXPECT_EQ(store_->list_leases(true)->leases.size(), 3u);
  EXPECT_FALSE(store_->get_user("mallory").ok());
  // And bob still sees his own node.
  auto mine = call(bob_token_, "GET", "/api/v1/nodes");
  EXPECT_NE(mine.body.find("b-node"), std::string::npos) << mine.body;
}

TEST_F(TenantIsolationTest, EveryRoute_WithoutAToken_Is401ExceptThePublicOnes) {
  EXPECT_EQ(call("", "GET", "/healthz").status, 200);
  for (const auto& route : AdminApi::routes()) {
    auto res = call("", std::string(route.method), target_for(route.pattern), "{}");
    if (route.access == Access::kPublic) {
      continue;  // healthz answers; login answers 401 for wrong credentials, by design
    } else {
      EXPECT_EQ(res.status, 401) << route.method << " " << route.pattern;
    }
  }
}

}  // namespace
}  // namespace bmf::coordinator
