#include "agent/inventory/parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace bmf::agent {
namespace {

std::vector<std::uint8_t> fixture_bytes(const std::string& rel) {
  std::ifstream in(std::string(BMF_SOURCE_DIR) + "/tests/fixtures/" + rel, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(CountCpuList, RangesAndSingles) {
  EXPECT_EQ(*count_cpu_list("0-3,8-11\n"), 8u);
  EXPECT_EQ(*count_cpu_list("0"), 1u);
  EXPECT_EQ(*count_cpu_list("0,2,4-5"), 4u);
}

TEST(CountCpuList, Garbage_IsInvalidArgument) {
  for (const char* bad : {"", "a-b", "3-1", "1,,2", "0-", "-4", "0-99999999", "1,"}) {
    EXPECT_EQ(count_cpu_list(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseMeminfo, MemTotalInBytes) {
  EXPECT_EQ(*parse_meminfo_total("MemTotal:       16384 kB\nMemFree: 1 kB\n"), 16384u * 1024);
  EXPECT_EQ(parse_meminfo_total("MemFree: 1 kB\n").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(parse_meminfo_total("MemTotal: lots\n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_meminfo_total("MemTotal: 12 MB\n").status().code(), StatusCode::kInvalidArgument);
}

TEST(CleanDmiValue, PlaceholdersAndWhitespace) {
  EXPECT_EQ(clean_dmi_value("  Dell Inc. \n"), "Dell Inc.");
  EXPECT_EQ(clean_dmi_value("Default string\n"), "");
  EXPECT_EQ(clean_dmi_value("TO BE FILLED BY O.E.M."), "");
}

TEST(ChassisTypeName, SmbiosCodes) {
  EXPECT_EQ(chassis_type_name("23\n"), "Rack Mount Chassis");
  EXPECT_EQ(chassis_type_name("17"), "Main Server Chassis");
  EXPECT_EQ(chassis_type_name("151"), "Rack Mount Chassis");  // lock bit set
  EXPECT_EQ(chassis_type_name("99"), "");
  EXPECT_EQ(chassis_type_name("x"), "");
}

TEST(ParseCpuinfo, SocketsCoresThreadsAndFlags) {
  std::string text;
  for (int p = 0; p < 8; ++p) {
    text += "processor\t: " + std::to_string(p) + "\nmodel name\t: Test CPU\nphysical id\t: " + std::to_string(p / 4) +
            "\ncore id\t\t: " + std::to_string((p % 4) / 2) + "\nflags\t\t: fpu avx512f vmx sse bogus\n\n";
  }
  auto c = parse_cpuinfo(text);
  EXPECT_EQ(c.model, "Test CPU");
  EXPECT_EQ(c.sockets, 2u);
  EXPECT_EQ(c.cores, 4u);
  EXPECT_EQ(c.logical, 8u);
  EXPECT_EQ(c.flags_of_interest, (std::vector<std::string>{"avx512f", "vmx"}));
}

TEST(ParseSmbiosMemoryDevice, ExtendedSizeAndLocator) {
  auto d = parse_smbios_memory_device(fixture_bytes("gpu-node/sys/firmware/dmi/entries/17-17/raw"));
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->locator, "DIMM_B2");
  EXPECT_EQ(d->size_bytes, 64ull << 30);
}

TEST(ParseSmbiosMemoryDevice, EmptySlotIsZero) {
  auto d = parse_smbios_memory_device(fixture_bytes("cpu-node/sys/firmware/dmi/entries/17-12/raw"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->size_bytes, 0u);
}

TEST(ParseSmbiosMemoryDevice, TruncatedOrWrongType_Rejected) {
  auto raw = fixture_bytes("gpu-node/sys/firmware/dmi/entries/17-0/raw");
  EXPECT_FALSE(parse_smbios_memory_device(std::span(raw).first(10)).ok());
  raw[0] = 16;
  EXPECT_FALSE(parse_smbios_memory_device(raw).ok());
}

TEST(ParseSmbiosRedfishAddress, Type42ServiceAddress) {
  auto a = parse_smbios_redfish_address(fixture_bytes("gpu-node/sys/firmware/dmi/entries/42-0/raw"));
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ(**a, "10.20.30.40");
}

TEST(ParseSmbiosRedfishAddress, TruncatedRecord_Rejected) {
  auto raw = fixture_bytes("gpu-node/sys/firmware/dmi/entries/42-0/raw");
  EXPECT_FALSE(parse_smbios_redfish_address(std::span(raw).first(20)).ok());
}

TEST(RoceActiveMtu, MatchesKernelIboeGetMtu) {
  EXPECT_EQ(roce_active_mtu(9000), 4096u);
  EXPECT_EQ(roce_active_mtu(1500), 1024u);
  EXPECT_EQ(roce_active_mtu(4200), 4096u);
  EXPECT_EQ(roce_active_mtu(4191), 2048u);
  EXPECT_EQ(roce_active_mtu(64), 0u);
}

TEST(StripNumericPrefix, SysfsPortState) {
  EXPECT_EQ(strip_numeric_prefix("4: ACTIVE\n"), "ACTIVE");
  EXPECT_EQ(strip_numeric_prefix("5: LinkUp"), "LinkUp");
  EXPECT_EQ(strip_numeric_prefix("Ethernet"), "Ethernet");
}

}  // namespace bmf::agent
