#include "agent/inventory/pci_ids.h"

#include <gtest/gtest.h>

namespace bmf::agent {

TEST(PciIdTable, Builtin_NamesKnownDevicesAndVendors) {
  const auto& t = PciIdTable::builtin();
  auto h100 = t.lookup("10de", "2330");
  ASSERT_TRUE(h100);
  EXPECT_EQ(h100->vendor, "NVIDIA");
  EXPECT_EQ(h100->device, "H100 SXM5 80GB");
  auto unknown_nvidia = t.lookup("10de", "ffff");
  ASSERT_TRUE(unknown_nvidia);
  EXPECT_EQ(unknown_nvidia->device, "");
  EXPECT_EQ(t.lookup("1da3", "1020")->vendor, "Habana");
  EXPECT_FALSE(t.lookup("102b", "0536"));  // Matrox BMC VGA: not an accelerator vendor
}

TEST(PciIdTable, MalformedLine_ClearError) {
  auto t = PciIdTable::parse("10de\t2330\n");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("line 1"), std::string::npos);
  EXPECT_FALSE(PciIdTable::parse("10d\t*\tX\t\n").ok());
  EXPECT_TRUE(PciIdTable::parse("# comment\n\n").ok());
}

}  // namespace bmf::agent
