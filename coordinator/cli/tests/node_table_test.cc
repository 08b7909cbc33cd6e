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
  EXPECT_NE(out.find("ID  STATE        HOSTNAME"), std::string::npos) << out;
  EXPECT_NE(out.find("224   2048G  8"), std::string::npos) << out;
  EXPECT_NE(out.find("12  unreachable  gpu-01"), std::string::npos) << out;
  EXPECT_NE(out.find("aa:bb:cc:dd:ee:01 (+1)"), std::string::npos) << out;
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
