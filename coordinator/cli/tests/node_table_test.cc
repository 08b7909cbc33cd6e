#include "coordinator/cli/node_table.h"

#include <gtest/gtest.h>

#include "coordinator/cli/http_client.h"

namespace bmf::cli {

TEST(NodeTable, Nodes_AlignedColumnsWithStateNames) {
  bmf::proto::NodeList list;
  auto* n = list.add_nodes();
  n->set_id(12);
  n->set_state(bmf::proto::NODE_STATE_UNREACHABLE);
  n->mutable_identity()->set_hostname("gpu-01");
  n->mutable_identity()->add_macs("aa:bb:cc:dd:ee:01");
  n->mutable_identity()->add_macs("aa:bb:cc:dd:ee:02");
  n->mutable_inventory()->set_cpu_threads(224);
  n->mutable_inventory()->set_memory_bytes(2048ull << 30);
  n->mutable_inventory()->set_gpu_count(8);
  std::string out = node_table(list);
  EXPECT_NE(out.find("ID  STATE        POWER    HOSTNAME"), std::string::npos) << out;
  EXPECT_NE(out.find("224   2048G  8"), std::string::npos) << out;
  EXPECT_NE(out.find("12  unreachable  unknown  gpu-01"), std::string::npos) << out;
  n->set_state(bmf::proto::NODE_STATE_AVAILABLE);
  n->set_hotpool_tier("warm");
  n->set_power_state(bmf::proto::POWER_STATE_OFF);
  out = node_table(list);
  EXPECT_NE(out.find("12  available (warm)  off    gpu-01"), std::string::npos) << out;
  EXPECT_NE(out.find("aa:bb:cc:dd:ee:01 (+1)"), std::string::npos) << out;
}

TEST(NodeTable, Hotpool_FlagsAClassWithNoHotNode) {
  bmf::proto::HotpoolList list;
  auto* c = list.add_classes();
  c->set_class_("gpu-h100x8");
  c->set_hot(0);
  c->set_warm(3);
  c->set_target(2);
  c->set_max_hot(-1);
  c->set_total(5);
  c->set_boot_seconds(41.5);
  std::string out = hotpool_table(list);
  EXPECT_NE(out.find("CLASS       HOT  WARM  TARGET"), std::string::npos) << out;
  EXPECT_NE(out.find("gpu-h100x8  0    3     2"), std::string::npos) << out;
  EXPECT_NE(out.find("41.5s"), std::string::npos) << out;
  EXPECT_NE(out.find("never  <- EMPTY"), std::string::npos) << out;
}

TEST(NodeTable, StateName_StripsPrefixAndLowercases) {
  EXPECT_EQ(state_name(bmf::proto::NODE_STATE_AVAILABLE), "available");
}

TEST(ParseCoordinatorUrl, AcceptsHttpAndBareHostPort) {
  auto a = parse_coordinator_url("http://127.0.0.1:7421/");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "7421");
  EXPECT_TRUE(parse_coordinator_url("localhost:1").ok());
}

TEST(ParseCoordinatorUrl, RejectsWhatItCannotUse) {
  EXPECT_FALSE(parse_coordinator_url("ftp://x:1").ok());
  auto tls = parse_coordinator_url("https://coord.example:7421");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_FALSE(parse_coordinator_url("http://x:1")->tls);
  EXPECT_FALSE(parse_coordinator_url("http://x").ok());
  EXPECT_FALSE(parse_coordinator_url("http://x:port").ok());
  EXPECT_FALSE(parse_coordinator_url(":80").ok());
}

}  // namespace bmf::cli
