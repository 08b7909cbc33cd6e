#include "coordinator/api/admin_api.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "coordinator/mapping/node_proto.h"
#include "coordinator/registry/node_registry.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {

class FakeDispatcher : public CommandDispatcher {
 public:
  Result<std::string> dispatch(std::uint64_t node_id, const std::string& kind, const std::string&) override {
    if (node_id != online) return unavailable("offline");
    last_kind = kind;
    return std::string("c1");
  }
  bool connected(std::uint64_t node_id) const override { return node_id == online; }
  std::uint64_t online = 0;
  std::string last_kind;
};

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    NodeRegistry registry(*store_, clock_, {});
    RegistrationRequest r;
    r.system_uuid = "uuid-a";
    r.macs = {"aa:00:00:00:00:01"};
    r.hostname = "gpu-01";
    node_id_ = registry.register_node(r)->node_id;
    api_ = std::make_unique<AdminApi>(*store_, &dispatcher_);
  }

  ApiResponse get(std::string target) { return api_->handle({"GET", std::move(target), ""}); }

  testing::TempDir dir_;
  ManualClock clock_{1'795'463'976'000};
  std::unique_ptr<SqliteStore> store_;
  FakeDispatcher dispatcher_;
  std::unique_ptr<AdminApi> api_;
  std::uint64_t node_id_ = 0;
};

TEST_F(AdminApiTest, ListNodes_ReturnsNodeListJson) {
  auto res = get("/api/v1/nodes");
  ASSERT_EQ(res.status, 200);
  proto::NodeList list;
  ASSERT_TRUE(from_json(res.body, list).ok()) << res.body;
  ASSERT_EQ(list.nodes_size(), 1);
  EXPECT_EQ(list.nodes(0).identity().hostname(), "gpu-01");
  EXPECT_EQ(list.nodes(0).state(), proto::NODE_STATE_ENROLLING);
}

TEST_F(AdminApiTest, GetNode_UnknownIs404WithErrorShape) {
  auto res = get("/api/v1/nodes/999");
  EXPECT_EQ(res.status, 404);
  proto::ApiError err;
  ASSERT_TRUE(from_json(res.body, err).ok());
  EXPECT_EQ(err.code(), "NOT_FOUND");
  EXPECT_EQ(err.message(), "node 999 does not exist");
}

TEST_F(AdminApiTest, GetNode_BadIdIs400) {
  EXPECT_EQ(get("/api/v1/nodes/abc").status, 400);
  EXPECT_EQ(get("/api/v1/nodes/0").status, 400);
  EXPECT_EQ(get(fmt::format("/api/v1/nodes/{}", node_id_)).status, 200);
}

TEST_F(AdminApiTest, Events_FilterAndLimitValidated) {
  auto res = get(fmt::format("/api/v1/events?node={}&limit=5", node_id_));
  ASSERT_EQ(res.status, 200);
  proto::EventList list;
  ASSERT_TRUE(from_json(res.body, list).ok());
  ASSERT_EQ(list.events_size(), 1);
  EXPECT_EQ(list.events(0).kind(), "NODE_REGISTERED");
  EXPECT_EQ(get("/api/v1/events?limit=0").status, 400);
  EXPECT_EQ(get("/api/v1/events?limit=5000").status, 400);
  EXPECT_EQ(get("/api/v1/events?bogus=1").status, 400);
}

TEST_F(AdminApiTest, Command_DispatchedToConnectedNodeOnly) {
  std::string target = fmt::format("/api/v1/nodes/{}/commands", node_id_);
  EXPECT_EQ(api_->handle({"POST", target, R"({"kind":"ping"})"}).status, 503);  // offline
  dispatcher_.online = node_id_;
  auto res = api_->handle({"POST", target, R"({"kind":"ping"})"});
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(dispatcher_.last_kind, "ping");
  EXPECT_NE(res.body.find("\"commandId\":\"c1\""), std::string::npos) << res.body;
}

TEST_F(AdminApiTest, Command_MalformedBodyIs400AndNothingSent) {
  dispatcher_.online = node_id_;
  std::string target = fmt::format("/api/v1/nodes/{}/commands", node_id_);
  EXPECT_EQ(api_->handle({"POST", target, "{not json"}).status, 400);
  EXPECT_EQ(api_->handle({"POST", target, R"({"kind": 5})"}).status, 400);
  EXPECT_EQ(api_->handle({"POST", target, "{}"}).status, 400);
  EXPECT_EQ(dispatcher_.last_kind, "");
}

TEST_F(AdminApiTest, UnknownRouteOrMethod_ClearErrors) {
  EXPECT_EQ(get("/api/v1/nope").status, 404);
  EXPECT_EQ(api_->handle({"DELETE", "/api/v1/nodes/1", ""}).status, 400);
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(AdminApiTest, Leases_StartListEndWithRevisions) {
  auto post = [&](std::string target, std::string body) { return api_->handle({"POST", std::move(target), std::move(body)}); };
  auto made = post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-a","owner":"alice"}})", node_id_));
  ASSERT_EQ(made.status, 201) << made.body;
  proto::Lease lease;
  ASSERT_TRUE(from_json(made.body, lease).ok());
  EXPECT_TRUE(lease.active());
  EXPECT_EQ(lease.project(), "team-a");

  // One active lease per node.
  auto twice = post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-b"}})", node_id_));
  EXPECT_EQ(twice.status, 409) << twice.body;

  proto::LeaseList list;
  ASSERT_TRUE(from_json(get("/api/v1/leases").body, list).ok());
  ASSERT_EQ(list.leases_size(), 1);
  const auto revision = list.revision();
  EXPECT_EQ(revision, lease.revision());

  auto ended = post(fmt::format("/api/v1/leases/{}/end", lease.id()), "");
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(post(fmt::format("/api/v1/leases/{}/end", lease.id()), "").status, 409);
  ASSERT_TRUE(from_json(get("/api/v1/leases").body, list).ok());
  EXPECT_EQ(list.leases_size(), 0);
  EXPECT_GT(list.revision(), revision);
  ASSERT_TRUE(from_json(get("/api/v1/leases?all=true").body, list).ok());
  ASSERT_EQ(list.leases_size(), 1);
  EXPECT_FALSE(list.leases(0).active());

  // The node can be leased again; every change is in the audit log.
  EXPECT_EQ(post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"team-b"}})", node_id_)).status, 201);
  proto::EventList events;
  ASSERT_TRUE(from_json(get(fmt::format("/api/v1/events?node={}", node_id_)).body, events).ok());
  ASSERT_GE(events.events_size(), 3);
  EXPECT_EQ(events.events(0).kind(), "LEASE_STARTED");
  EXPECT_EQ(events.events(1).kind(), "LEASE_ENDED");
}

TEST_F(AdminApiTest, Leases_BadRequestsChangeNothing) {
  auto post = [&](std::string target, std::string body) { return api_->handle({"POST", std::move(target), std::move(body)}); };
  EXPECT_EQ(post("/api/v1/leases", "{not json").status, 400);
  EXPECT_EQ(post("/api/v1/leases", R"({"node_id":999,"project":"a"})").status, 404);
  EXPECT_EQ(post("/api/v1/leases", fmt::format(R"({{"node_id":{}}})", node_id_)).status, 400);
  EXPECT_EQ(post("/api/v1/leases", fmt::format(R"({{"node_id":{},"project":"a b"}})", node_id_)).status, 400);
  EXPECT_EQ(post("/api/v1/leases/abc/end", "").status, 400);
  EXPECT_EQ(post("/api/v1/leases/77/end", "").status, 404);
  EXPECT_EQ(get("/api/v1/leases?bogus=1").status, 400);
  proto::LeaseList list;
  ASSERT_TRUE(from_json(get("/api/v1/leases?all=true").body, list).ok());
  EXPECT_EQ(list.leases_size(), 0);
  EXPECT_EQ(list.revision(), 0u);
}

}  // namespace bmf::coordinator
