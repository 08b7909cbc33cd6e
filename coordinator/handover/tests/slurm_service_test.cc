// The pure parts of the SLURM handover; the join and leave themselves run against a real
// slurmctld in the lab test (tests/lab/lab_story_test.sh).
#include "coordinator/handover/slurm_service.h"

#include <gtest/gtest.h>

namespace bmf::coordinator {
namespace {

TEST(SlurmServiceTest, NodeConfCarriesCpusMemoryFeaturesAndGpus) {
  proto::Inventory inv;
  inv.mutable_cpu()->set_threads(224);
  inv.mutable_memory()->set_total_bytes(2048ULL * 1024 * 1024 * 1024);
  for (int i = 0; i < 8; ++i) inv.add_gpus()->set_name("H100 SXM5 80GB");
  EXPECT_EQ(SlurmService::node_conf(inv, "gpu-h100x8", "leaf-1"),
            "CPUs=224 RealMemory=1992294 Features=bmf,gpu-h100x8,leaf_leaf-1 Gres=gpu:8");
  proto::Inventory plain;
  EXPECT_EQ(SlurmService::node_conf(plain, "", ""), "Features=bmf");
  EXPECT_EQ(SlurmService::node_conf(plain, "odd class,name", "sw 2"), "Features=bmf,odd_class_name,leaf_sw_2");
}

TEST(SlurmServiceTest, NodeNameIsTheHostnameWhenSlurmTakesIt) {
  NodeRecord n;
  n.id = 7;
  n.hostname = "node07";
  EXPECT_EQ(SlurmService::node_name(n), "node07");
  n.hostname = "node07.example.com";  // dots would be cut by slurm
  EXPECT_EQ(SlurmService::node_name(n), "bmf-node-7");
  n.hostname = "";
  EXPECT_EQ(SlurmService::node_name(n), "bmf-node-7");
}

}  // namespace
}  // namespace bmf::coordinator
