#include "coordinator/api/admin_api.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "coordinator/api/tests/api_fixture.h"

namespace bmf::coordinator {

// A dispatcher with one node online, recording the last command kind.
class FakeDispatcher : public CommandDispatcher {
 public:
  Result<std::string> dispatch(std::uint64_t node_id, const std::string& kind, const std::string&) override {
    if (node_id != online) return unavailable("offline");
    last_kind = kind;
    return std::string("c1");
  }
  bool connected(std::uint64_t node_id) const override { return node_id == online; }
  void subscribe(std::function<void(const AgentEvent&)>) override {}
  std::uint64_t online = 0;
  std::string last_kind;
};

class AdminApiTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    node_id_ = add_node("gpu-01", {{"eth0", "Ethernet1"}});
    api_ = std::make_unique<AdminApi>(*store_, *tenancy_, networks_.get(), &dispatcher_, nullptr, clock_, allocations_.get(),
                                      lifecycle_.get(), hotpool_.get());
    api_->set_metrics([this] { return metrics_->exposition(); });
  }
  ApiResponse get(std::string target) { return as_admin("GET", std::move(target)); }
  ApiResponse post(std::string target, std::string body) { return as_admin("POST", std::move(target), std::move(body)); }

  FakeDispatcher dispatcher_;
  std::uint64_t node_id_ = 0;
};

TEST_F(AdminApiTest, ListNodes_ReturnsNodeListJson) {
  auto res = get("/api/v1/nodes");
  ASSERT_EQ(res.status, 200);
  proto::NodeList list;
  ASSERT_TRUE(from_json(res.body, list).ok()) << res.body;
  ASSERT_EQ(list.nodes_size(), 1);
  EXPECT_EQ(list.nodes(0).identity().hostname(), "gpu-01");
}

TEST_F(AdminApiTest, LastSeen_TheRegistrysNewerHeartbeatWinsOverTheDatabasesCopy) {
  const EpochMs stored = store_->get_node(node_id_)->last_seen_ms;
  std::optional<EpochMs> in_memory;
  api_->use_last_seen([&](std::uint64_t id) { return id == node_id_ ? in_memory : std::nullopt; });
  auto last_seen = [&] {
    proto::Node node;
    auto res = get(fmt::format("/api/v1/nodes/{}", node_id_));
    EXPECT_TRUE(from_json(res.body, node).ok()) << res.body;
    return node.last_seen();
  };
  EXPECT_EQ(last_seen(), format_rfc3339(stored)) << "nothing kept in memory";
  in_memory = stored + 45'000;
  EXPECT_EQ(last_seen(), format_rfc3339(stored + 45'000));
  in_memory = stored - 1;
  EXPECT_EQ(last_seen(), format_rfc3339(stored)) << "never older than the database";
}

TEST_F(AdminApiTest, GetNode_UnknownIs404WithErrorShape) {
  auto res = get("/api/v1/nodes/999");
  EXPECT_EQ(res.status, 404);
  proto::ApiError err;
  ASSERT_TRUE(from_json(res.body, err).ok());
  EXPECT_EQ(err.code(), "NOT_FOUND");
  EXPECT_EQ(err.message(), "node 999 does not exist");
  EXPECT_EQ(get("/api/v1/nodes/abc").status, 404) << "no node has that hostname";
  EXPECT_EQ(get("/api/v1/nodes/0").status, 400);
  EXPECT_EQ(get(fmt::format("/api/v1/nodes/{}", node_id_)).status, 200);
  auto by_name = get("/api/v1/nodes/gpu-01");
  EXPECT_EQ(by_name.status, 200) << "by hostname too";
  EXPECT_NE(by_name.body.find(fmt::format("\"id\":\"{}\"", node_id_)), std::string::npos) << by_name.body;
  EXPECT_EQ(call(bob_token_, "GET", "/api/v1/nodes/gpu-01").status, 404) << "not bob's";
}

TEST_F(AdminApiTest, Authentication_401WithoutOrWithABadTokenAnd405ForAWrongMethod) {
  EXPECT_EQ(call("", "GET", "/api/v1/nodes").status, 401);
  auto bad = call("bmf_" + std::string(64, 'f'), "GET", "/api/v1/nodes");
  EXPECT_EQ(bad.status, 401);
  ASSERT_FALSE(bad.headers.empty());
  EXPECT_EQ(bad.headers[0].first, "WWW-Authenticate");
  ApiRequest basic{"GET", "/api/v1/nodes", "", {{"authorization", "Basic YWxpY2U6eA=="}}};
  EXPECT_EQ(api_->handle(basic).status, 401);
  EXPECT_EQ(call("", "GET", "/healthz").status, 200);
  auto wrong = as_admin("DELETE", "/api/v1/nodes/1");
  EXPECT_EQ(wrong.status, 405);
  ASSERT_FALSE(wrong.headers.empty());
  EXPECT_EQ(wrong.headers[0], (std::pair<std::string, std::string>{"Allow", "GET"}));
  EXPECT_EQ(get("/api/v1/nope").status, 404);
}

TEST_F(AdminApiTest, Login_SessionTokenWorksAndWrongPasswordIs401) {
  auto res = call("", "POST", "/api/v1/login", R"({"user":"alice","password":"alice-password"})");
  ASSERT_EQ(res.status, 200) << res.body;
  proto::Token session;
  ASSERT_TRUE(from_json(res.body, session).ok());
  EXPECT_EQ(session.kind(), "session");
  EXPECT_FALSE(session.expires_at().empty());
  auto me = call(session.secret(), "GET", "/api/v1/whoami");
  ASSERT_EQ(me.status, 200);
  EXPECT_NE(me.body.find("\"team-a\""), std::string::npos) << me.body;
  EXPECT_EQ(call("", "POST", "/api/v1/login", R"({"user":"alice","password":"nope"})").status, 401);
  EXPECT_EQ(call("", "POST", "/api/v1/login", "{not json").status, 400);
  clock_.advance_ms(3'600'000);
  EXPECT_EQ(call(session.secret(), "GET", "/api/v1/whoami").status, 401) << "sessions expire";
}

TEST_F(AdminApiTest, Tokens_CreatedShownOnceListedWithoutSecretRevoked) {
  auto made = call(alice_token_, "POST", "/api/v1/tokens", R"({"description":"ci","ttl_seconds":60})");
  ASSERT_EQ(made.status, 201) << made.body;
  proto::Token token;
  ASSERT_TRUE(from_json(made.body, token).ok());
  ASSERT_EQ(token.secret().rfind("bmf_", 0), 0u);
  auto list = call(alice_token_, "GET", "/api/v1/tokens");
  EXPECT_EQ(list.body.find(token.secret()), std::string::npos) << "the secret is shown once";
  EXPECT_EQ(call(token.secret(), "GET", "/api/v1/whoami").status, 200);
  EXPECT_EQ(call(alice_token_, "DELETE", fmt::format("/api/v1/tokens/{}", token.id())).status, 204);
  EXPECT_EQ(call(token.secret(), "GET", "/api/v1/whoami").status, 401) << "revoked";
  EXPECT_EQ(call(alice_token_, "POST", "/api/v1/tokens", R"({"ttl_seconds":-5})").status, 400);
}

TEST_F(AdminApiTest, UsersAndProjects_AdminManagesThemWithClearErrors) {
  EXPECT_EQ(post("/api/v1/users", R"({"name":"carol","role":"member","password":"carol-password"})").status, 201);
  EXPECT_EQ(post("/api/v1/users", R"({"name":"carol"})").status, 409);
  EXPECT_EQ(post("/api/v1/users", R"({"name":"Carol Smith"})").status, 400);
  EXPECT_EQ(post("/api/v1/users", R"({"name":"dave","role":"root"})").status, 400);
  EXPECT_EQ(post("/api/v1/projects", R"({"name":"team-c","quota_nodes":0})").status, 201);
  EXPECT_EQ(as_admin("PUT", "/api/v1/projects/team-c/members/carol").status, 204);
  EXPECT_EQ(as_admin("PUT", "/api/v1/projects/team-c/members/nobody").status, 404);
  auto project = get("/api/v1/projects/team-c");
  ASSERT_EQ(project.status, 200);
  proto::Project p;
  ASSERT_TRUE(from_json(project.body, p).ok());
  EXPECT_EQ(p.quota_nodes(), 0);
  EXPECT_EQ(p.quota_networks(), -1);
  EXPECT_EQ(p.members_size(), 1);
  // A quota of 0 nodes: a lease is a clear 409 naming the quota and its use.
  auto lease = post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-c"}})", node_id_));
  EXPECT_EQ(lease.status, 409);
  EXPECT_NE(lease.body.find("quota 'nodes' of project team-c is 0 and 0 are in use"), std::string::npos) << lease.body;
  EXPECT_EQ(as_admin("PUT", "/api/v1/projects/team-c/quota", R"({"quota_nodes":1})").status, 200);
  EXPECT_EQ(post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-c"}})", node_id_)).status, 201);
  EXPECT_EQ(as_admin("DELETE", "/api/v1/projects/team-c").status, 409) << "still holds a node";
  EXPECT_EQ(as_admin("DELETE", "/api/v1/users/carol").status, 204);
}

TEST_F(AdminApiTest, Command_DispatchedToConnectedNodeOnlyAndMalformedIs400) {
  std::string target = fmt::format("/api/v1/nodes/{}/commands", node_id_);
  EXPECT_EQ(post(target, R"({"kind":"ping"})").status, 503);  // offline
  dispatcher_.online = node_id_;
  EXPECT_EQ(post(target, "{not json").status, 400);
  EXPECT_EQ(post(target, R"({"kind": 5})").status, 400);
  EXPECT_EQ(post(target, "{}").status, 400);
  EXPECT_EQ(dispatcher_.last_kind, "");
  auto res = post(target, R"({"kind":"ping"})");
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(dispatcher_.last_kind, "ping");
}

TEST_F(AdminApiTest, Leases_StartListEndWithRevisionsAndPortsGoBackToProvisioning) {
  ASSERT_EQ(as_admin("PUT", "/api/v1/switches/leaf-1",
                     R"({"address":"127.0.0.1","username":"u","password_file":"/p","known_hosts_file":"/k","parking_vlan":20})").status, 200);
  auto made = post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-a","owner":"alice"}})", node_id_));
  ASSERT_EQ(made.status, 201) << made.body;
  proto::Lease lease;
  ASSERT_TRUE(from_json(made.body, lease).ok());
  EXPECT_EQ(post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-b"}})", node_id_)).status, 409);
  // alice puts the node's NIC on her network.
  ASSERT_EQ(call(alice_token_, "POST", "/api/v1/networks", R"({"project":"team-a","name":"frontend"})").status, 201);
  auto attached = call(alice_token_, "POST", fmt::format("/api/v1/nodes/{}/nics/eth0/attach", node_id_), R"({"network":"frontend"})");
  ASSERT_EQ(attached.status, 200) << attached.body;
  EXPECT_NE(attached.body.find("\"succeeded\""), std::string::npos) << attached.body;
  const auto revision = api_->lease_revision();
  ASSERT_EQ(post(fmt::format("/api/v1/leases/{}/end", lease.id()), "").status, 200);
  EXPECT_EQ(post(fmt::format("/api/v1/leases/{}/end", lease.id()), "").status, 409);
  EXPECT_GT(api_->lease_revision(), revision);
  ASSERT_EQ(applier_.calls.size(), 2u) << "attach, then release";
  EXPECT_EQ(applier_.calls[1][0].changes.ports.at("Ethernet1").access_vlan, 20);
  EXPECT_TRUE(store_->list_attachments()->empty());
  proto::LeaseList list;
  ASSERT_TRUE(from_json(get("/api/v1/leases?all=true").body, list).ok());
  ASSERT_EQ(list.leases_size(), 1);
  EXPECT_FALSE(list.leases(0).active());
}

TEST_F(AdminApiTest, Allocations_ClassesRequestStagesAndRelease) {
  ASSERT_EQ(as_admin("PUT", "/api/v1/classes/any-eth", R"({"min_cpus":0})").status, 200);
  EXPECT_EQ(as_admin("PUT", "/api/v1/classes/Bad Class", "{}").status, 400);
  auto classes = call(alice_token_, "GET", "/api/v1/classes");
  ASSERT_EQ(classes.status, 200);
  EXPECT_NE(classes.body.find("\"freeNodes\":1"), std::string::npos) << classes.body;
  auto made = call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1,"class":"any-eth"})");
  ASSERT_EQ(made.status, 201) << made.body;
  proto::Allocation a;
  ASSERT_TRUE(from_json(made.body, a).ok());
  EXPECT_EQ(a.state(), "ready");
  ASSERT_EQ(a.stages_size(), 4);
  EXPECT_EQ(a.stages(1).stage(), "reserved");
  EXPECT_FALSE(a.stages(1).at().empty());
  EXPECT_EQ(call(bob_token_, "GET", fmt::format("/api/v1/allocations/{}", a.id())).status, 404);
  auto nodes = call(alice_token_, "GET", "/api/v1/nodes?class=any-eth");
  EXPECT_NE(nodes.body.find("gpu-01"), std::string::npos) << nodes.body;
  auto none = call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1})");
  EXPECT_EQ(none.status, 409) << none.body;
  EXPECT_NE(none.body.find("0 node(s) free"), std::string::npos) << none.body;
  auto released = call(alice_token_, "POST", fmt::format("/api/v1/allocations/{}/release", a.id()));
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_NE(released.body.find("\"released\""), std::string::npos);
  EXPECT_EQ(call(alice_token_, "POST", "/api/v1/allocations", "{not json").status, 400);
  EXPECT_EQ(call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":0})").status, 400);
}

TEST_F(AdminApiTest, BadInput_ClearErrorsAndNothingChanges) {
  const auto events_before = store_->list_events({.limit = 1000})->size();
  EXPECT_EQ(post("/api/v1/leases", "{not json").status, 400);
  EXPECT_EQ(post("/api/v1/leases", R"({"node_id":999,"project":"team-a"})").status, 404);
  EXPECT_EQ(post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"nope"}})", node_id_)).status, 404);
  EXPECT_EQ(post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"a b"}})", node_id_)).status, 400);
  EXPECT_EQ(post("/api/v1/leases/abc/end", "").status, 400);
  EXPECT_EQ(get("/api/v1/leases?bogus=1").status, 400);
  EXPECT_EQ(get("/api/v1/events?limit=5000").status, 400);
  EXPECT_EQ(post("/api/v1/networks", R"({"project":"team-a","name":"x","vlan":150})").status, 400) << "pool VLANs are picked";
  EXPECT_EQ(post("/api/v1/networks", R"({"name":"ext","kind":"external","vlan":5000})").status, 400);
  EXPECT_EQ(post("/api/v1/networks", R"({"name":"ext","kind":"external","vlan":150})").status, 400) << "inside the pool";
  EXPECT_EQ(post("/api/v1/networks", R"({"name":"ext","kind":"external","vlan":30,"shared_with":["nope"]})").status, 404);
  EXPECT_EQ(post("/api/v1/networks", R"({"project":"team-a","name":"x","kind":"weird"})").status, 400);
  EXPECT_EQ(post("/api/v1/networks", R"({"project":"team-a","name":"UPPER case"})").status, 400);
  EXPECT_EQ(post(fmt::format("/api/v1/nodes/{}/nics/eth0/attach", node_id_), R"({"network":"x"})").status, 409)
      << "a node that is not leased";
  EXPECT_EQ(post(fmt::format("/api/v1/nodes/{}/nics/eth0/attach", node_id_), "[1,2]").status, 400);
  EXPECT_EQ(post("/api/v1/attachments", R"({"items":[]})").status, 400);
  EXPECT_EQ(as_admin("PUT", "/api/v1/switches/leaf-1/ports/Ethernet1", R"({"mode":"access","access_vlan":5000})").status, 400);
  EXPECT_EQ(store_->list_events({.limit = 1000})->size(), events_before);
  EXPECT_TRUE(store_->list_networks()->empty());
  EXPECT_TRUE(applier_.calls.empty());
}

}  // namespace bmf::coordinator

namespace bmf::coordinator {

TEST_F(AdminApiTest, Maintenance_InWithAReason_OutOptionallyThroughCleaning) {
  auto in = as_admin("POST", fmt::format("/api/v1/nodes/{}/maintenance", node_id_), R"({"reason":"DIMM B2 errors"})");
  ASSERT_EQ(in.status, 200) << in.body;
  proto::Node n;
  ASSERT_TRUE(from_json(in.body, n).ok());
  EXPECT_EQ(n.state(), proto::NODE_STATE_MAINTENANCE);
  EXPECT_EQ(n.state_reason(), "DIMM B2 errors");
  EXPECT_EQ(as_admin("POST", fmt::format("/api/v1/nodes/{}/maintenance", node_id_), R"({"reason":"again"})").status, 409);
  EXPECT_EQ(as_admin("POST", "/api/v1/nodes/9999/maintenance", R"({"reason":"x"})").status, 404);
  auto refused = call(alice_token_, "POST", fmt::format("/api/v1/nodes/{}/maintenance", node_id_), R"({"reason":"x"})");
  EXPECT_EQ(refused.status, 404) << "members do not take nodes out of service";
  // A node in maintenance is not leased or allocated.
  auto alloc = call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1})");
  EXPECT_EQ(alloc.status, 409) << alloc.body;
  EXPECT_NE(alloc.body.find("0 node(s) free"), std::string::npos) << alloc.body;
  auto out = as_admin("DELETE", fmt::format("/api/v1/nodes/{}/maintenance?clean=true", node_id_));
  ASSERT_EQ(out.status, 200) << out.body;
  ASSERT_TRUE(from_json(out.body, n).ok());
  EXPECT_EQ(n.state(), proto::NODE_STATE_CLEANING);
  cleaning_->reconcile();  // no power, no wipe here: straight through
  EXPECT_EQ(store_->get_node(node_id_)->state, NodeState::kAvailable);
}

TEST_F(AdminApiTest, Hotpool_ShowsTiersAndTakesBounds) {
  ASSERT_EQ(as_admin("PUT", "/api/v1/classes/any", "{}").status, 200);
  auto set = as_admin("PUT", "/api/v1/hotpool/any", R"({"min_hot":2,"max_hot":4})");
  ASSERT_EQ(set.status, 200) << set.body;
  proto::HotpoolList list;
  ASSERT_TRUE(from_json(set.body, list).ok());
  ASSERT_EQ(list.classes_size(), 1);
  EXPECT_EQ(list.classes(0).min_hot(), 2);
  EXPECT_EQ(list.classes(0).max_hot(), 4);
  EXPECT_EQ(list.classes(0).target(), 2u);
  EXPECT_EQ(list.classes(0).hot(), 1u) << "power is not managed here: free nodes count as hot";
  EXPECT_EQ(as_admin("PUT", "/api/v1/hotpool/any", R"({"min_hot":5,"max_hot":4})").status, 400);
  EXPECT_EQ(as_admin("PUT", "/api/v1/hotpool/nope", R"({"min_hot":1})").status, 404);
  EXPECT_EQ(call(alice_token_, "GET", "/api/v1/hotpool").status, 404);
  auto node = as_admin("GET", fmt::format("/api/v1/nodes/{}", node_id_));
  proto::Node n;
  ASSERT_TRUE(from_json(node.body, n).ok());
  EXPECT_EQ(n.hotpool_tier(), "hot");
  EXPECT_EQ(n.power_state(), proto::POWER_STATE_ON);
}

}  // namespace bmf::coordinator

namespace bmf::coordinator {

TEST_F(AdminApiTest, AllocationEvents_CurrentStateAtOnceThenEachChange_EndsWhenFinal) {
  auto created = call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1})");
  ASSERT_EQ(created.status, 201) << created.body;
  proto::Allocation a;
  ASSERT_TRUE(from_json(created.body, a).ok());
  ASSERT_EQ(a.state(), "ready");
  // A finished allocation: one event, then the stream ends.
  auto done = call(alice_token_, "GET", fmt::format("/api/v1/allocations/{}/events", a.id()));
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.content_type, "text/event-stream");
  ASSERT_TRUE(done.stream);
  ASSERT_EQ(done.stream->pending_.size(), 1u);
  EXPECT_EQ(done.stream->pending_[0].rfind("event: allocation\ndata: {", 0), 0u) << done.stream->pending_[0];
  EXPECT_TRUE(done.stream->closed_);
  // While it is being released: each stage change is pushed, and the last one closes it.
  allocations_->on_change([this](const AllocationRecord& r) { api_->allocation_streams().publish(r); });
  auto stream = std::make_shared<http::ResponseStream>();
  auto rec = store_->get_allocation(a.id());
  rec->state = "releasing";  // as seen by a client that connected during the release
  api_->allocation_streams().subscribe(*rec, stream);
  EXPECT_EQ(api_->allocation_streams().open_streams(), 1u);
  ASSERT_EQ(call(alice_token_, "POST", fmt::format("/api/v1/allocations/{}/release", a.id())).status, 200);
  std::string all;
  for (const auto& chunk : stream->pending_) all += chunk;
  EXPECT_NE(all.find("\"stage\":\"ports_released\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"state\":\"released\""), std::string::npos) << all;
  EXPECT_TRUE(stream->closed_);
  EXPECT_EQ(api_->allocation_streams().open_streams(), 0u);
  EXPECT_EQ(call(bob_token_, "GET", fmt::format("/api/v1/allocations/{}/events", a.id())).status, 404);
}

}  // namespace bmf::coordinator

namespace bmf::coordinator {

TEST_F(AdminApiTest, Metrics_NodesByStateAndClass_NoTokenNeeded_NoProjectNames) {
  ASSERT_EQ(as_admin("PUT", "/api/v1/classes/any", "{}").status, 200);
  ASSERT_EQ(call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1,"class":"any"})").status, 201);
  auto m = call("", "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4");
  EXPECT_NE(m.body.find("bmf_nodes{state=\"active\"} 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("bmf_class_nodes{class=\"any\",state=\"active\"} 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("bmf_allocation_seconds_count{result=\"ready\"} 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("bmf_allocation_stage_seconds_count{stage=\"reserved\"} 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("bmf_hotpool_empty{class=\"any\"} 1\n"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("team-a"), std::string::npos) << "site aggregates only";
}

}  // namespace bmf::coordinator

namespace bmf::coordinator {

TEST_F(AdminApiTest, ReleaseNode_ByItsProjectsMember_TheLastOneReleasesItsAllocation) {
  auto created = call(alice_token_, "POST", "/api/v1/allocations", R"({"project":"team-a","count":1})");
  ASSERT_EQ(created.status, 201) << created.body;
  proto::Allocation a;
  ASSERT_TRUE(from_json(created.body, a).ok());
  EXPECT_EQ(call(bob_token_, "POST", fmt::format("/api/v1/nodes/{}/release", node_id_)).status, 404);
  auto r = call(alice_token_, "POST", fmt::format("/api/v1/nodes/{}/release", node_id_));
  ASSERT_EQ(r.status, 200) << r.body;
  auto after = store_->get_allocation(a.id());
  EXPECT_EQ(after->state, "released");
  EXPECT_NE(after->stages.back().detail.find("it was the last one"), std::string::npos) << after->stages.back().detail;
  EXPECT_EQ(store_->get_node(node_id_)->state, NodeState::kAvailable) << "cleaned (no power, no wipe here)";
  EXPECT_EQ(call(alice_token_, "POST", fmt::format("/api/v1/nodes/{}/release", node_id_)).status, 404) << "no lease any more";
}

}  // namespace bmf::coordinator
