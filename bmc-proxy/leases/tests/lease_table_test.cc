#include "bmc-proxy/leases/lease_table.h"

#include <gtest/gtest.h>

namespace bmf::bmcproxy {
namespace {

TEST(LeaseList, ParsesTheCoordinatorsProtobufJson) {
  // The shape coordinator/api writes (proto3 JSON: 64-bit ids as strings).
  auto s = parse_lease_list(R"({"revision":"7","leases":[
      {"id":"1","nodeId":"3","project":"team-a","owner":"","createdAtMs":"1","endedAtMs":"0","active":true,"revision":"6"},
      {"id":"2","nodeId":"4","project":"team-b","active":true},
      {"id":"3","nodeId":"5","project":"team-a","active":false}]})");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->revision, 7u);
  ASSERT_EQ(s->project_of_node.size(), 2u);
  EXPECT_EQ(s->project_of_node.at(3), "team-a");
  EXPECT_EQ(s->project_of_node.at(4), "team-b");
  EXPECT_TRUE(parse_lease_list(R"({"revision":"0"})").ok());
  for (const char* bad : {"", "[]", R"({"revision":"x"})", R"({"leases":{}})", R"({"leases":[{"project":"a"}]})",
                          R"({"leases":[{"nodeId":"-1","project":"a"}]})"}) {
    EXPECT_FALSE(parse_lease_list(bad).ok()) << bad;
  }
}

TEST(LeaseTable, HoldersAndStaleness) {
  LeaseTable table(std::chrono::seconds(30));
  auto t0 = LeaseTable::Clock::now();
  EXPECT_FALSE(table.fresh(t0)) << "never synced: not fresh";
  table.replace({5, {{3, "team-a"}, {4, "team-b"}, {9, "team-a"}}}, t0);
  EXPECT_TRUE(table.fresh(t0 + std::chrono::seconds(29)));
  EXPECT_FALSE(table.fresh(t0 + std::chrono::seconds(31)));
  table.confirm(t0 + std::chrono::seconds(31));
  EXPECT_TRUE(table.fresh(t0 + std::chrono::seconds(31)));
  EXPECT_EQ(*table.holder(3), "team-a");
  EXPECT_FALSE(table.holder(5));
  EXPECT_EQ(table.nodes_of("team-a"), (std::vector<std::uint64_t>{3, 9}));
  EXPECT_EQ(table.revision(), 5u);
}

}  // namespace
}  // namespace bmf::bmcproxy
