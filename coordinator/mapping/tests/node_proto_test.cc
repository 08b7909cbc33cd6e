#include "coordinator/mapping/node_proto.h"

#include <gtest/gtest.h>

namespace bmf::coordinator {

TEST(NodeProtoMapping, Register_MapsIdentityAndInventoryJson) {
  proto::Register reg;
  reg.mutable_identity()->set_system_uuid("u");
  reg.mutable_identity()->add_macs("aa:bb:cc:dd:ee:ff");
  reg.mutable_inventory()->set_cpu_threads(64);
  reg.set_enrollment_token("t");
  auto r = to_registration_request(reg, "10.0.0.1:4000");
  EXPECT_EQ(r.system_uuid, "u");
  EXPECT_EQ(r.macs, std::vector<std::string>{"aa:bb:cc:dd:ee:ff"});
  EXPECT_EQ(r.enrollment_token, "t");
  EXPECT_EQ(r.peer_address, "10.0.0.1:4000");
  EXPECT_NE(r.inventory_json.find("\"cpuThreads\":64"), std::string::npos) << r.inventory_json;
}

TEST(NodeProtoMapping, NodeRecord_RoundTripsThroughJson) {
  NodeRecord n;
  n.id = 7;
  n.system_uuid = "u";
  n.macs = {"aa:bb:cc:dd:ee:ff"};
  n.inventory_json = R"({"cpuThreads":8,"memoryBytes":"1024"})";
  n.state = NodeState::kUnreachable;
  n.last_seen_ms = 1000;
  std::string json = to_json(to_proto(n));
  proto::Node back;
  ASSERT_TRUE(from_json(json, back).ok());
  EXPECT_EQ(back.id(), 7u);
  EXPECT_EQ(back.state(), proto::NODE_STATE_UNREACHABLE);
  EXPECT_EQ(back.inventory().cpu_threads(), 8u);
  EXPECT_EQ(back.inventory().memory_bytes(), 1024u);
  EXPECT_EQ(back.last_seen(), "1970-01-01T00:00:01.000Z");
  EXPECT_NE(json.find("\"state\":\"NODE_STATE_UNREACHABLE\""), std::string::npos);
}

TEST(NodeProtoMapping, MalformedJson_IsInvalidArgument) {
  proto::Node n;
  Status s = from_json("{\"id\": [", n);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(s.message().empty());
}

}  // namespace bmf::coordinator
