#include "agent/identity/identity_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace bmf::agent {
namespace {

std::filesystem::path fixture(const char* machine) {
  return std::filesystem::path(BMF_SOURCE_DIR) / "tests/fixtures" / machine / "sys";
}

}  // namespace

TEST(ReadIdentity, GpuNodeFixture_ExactValues) {
  SysfsLinkSource links(fixture("gpu-node"));
  auto id = read_identity(fixture("gpu-node"), links);
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_EQ(id->system_uuid, "4c4c4544-0047-3610-8052-b4c04f335a33");
  EXPECT_EQ(id->serial, "GPU7X2K3");
  EXPECT_EQ(id->vendor, "Dell Inc.");
  EXPECT_EQ(id->product, "PowerEdge XE9680");
  EXPECT_EQ(id->macs, (std::vector<std::string>{"94:6d:ae:8f:30:a0", "94:6d:ae:8f:31:b0", "b0:7b:25:de:1a:10",
                                                "b0:7b:25:de:1a:11"}));
  EXPECT_EQ(id->cpu_threads, 224u);
  EXPECT_EQ(id->memory_bytes, 2113528088ull * 1024);
  EXPECT_EQ(id->nic_count, 4u);
}

TEST(ReadIdentity, CpuNodeFixture_SplitCpuRangesCounted) {
  SysfsLinkSource links(fixture("cpu-node"));
  auto id = read_identity(fixture("cpu-node"), links);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->cpu_threads, 64u);
  EXPECT_EQ(id->vendor, "HPE");
  EXPECT_EQ(id->macs.size(), 2u);
}

TEST(ReadIdentity, EdgeNodeFixture_PlaceholderSerialDroppedNonEthernetSkipped) {
  SysfsLinkSource links(fixture("edge-node"));
  auto id = read_identity(fixture("edge-node"), links);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->serial, "");  // "To Be Filled By O.E.M."
  EXPECT_EQ(id->macs, std::vector<std::string>{"3c:ec:ef:21:0b:5e"});  // not lo, not wg0
}

TEST(ReadIdentity, MissingRoot_ClearError) {
  SysfsLinkSource links("/nonexistent/sys");
  auto id = read_identity("/nonexistent/sys", links);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("/nonexistent/sys/class/net"), std::string::npos);
}

TEST(CountCpuList, RangesAndSingles) {
  EXPECT_EQ(*count_cpu_list("0-3,8-11\n"), 8u);
  EXPECT_EQ(*count_cpu_list("0"), 1u);
  EXPECT_EQ(*count_cpu_list("0,2,4-5"), 4u);
}

TEST(CountCpuList, Garbage_IsInvalidArgument) {
  for (const char* bad : {"", "a-b", "3-1", "1,,2", "0-", "-4", "0-99999999"}) {
    EXPECT_EQ(count_cpu_list(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseMeminfo, MemTotalInBytes) {
  EXPECT_EQ(*parse_meminfo_total("MemTotal:       16384 kB\nMemFree: 1 kB\n"), 16384u * 1024);
  EXPECT_EQ(parse_meminfo_total("MemFree: 1 kB\n").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(parse_meminfo_total("MemTotal: lots\n").status().code(), StatusCode::kInvalidArgument);
}

TEST(CleanDmiValue, PlaceholdersAndWhitespace) {
  EXPECT_EQ(clean_dmi_value("  Dell Inc. \n"), "Dell Inc.");
  EXPECT_EQ(clean_dmi_value("Default string\n"), "");
  EXPECT_EQ(clean_dmi_value("TO BE FILLED BY O.E.M."), "");
}

TEST(NetlinkLinkSource, ThisHost_ConsistentWithKernel) {
  NetlinkLinkSource source;
  auto links = source.list_links();
  ASSERT_TRUE(links.ok()) << links.status().to_string();
  bool saw_loopback = false;
  for (const auto& l : *links) {
    EXPECT_FALSE(l.name.empty());
    if (l.loopback) saw_loopback = true;
    if (l.ethernet) {
      EXPECT_EQ(l.mac.size(), 17u) << l.name << " " << l.mac;
    }
  }
  EXPECT_TRUE(saw_loopback) << "every network namespace has lo";
}

}  // namespace bmf::agent
