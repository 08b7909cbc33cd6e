// Every reader against the checked-in machine fixtures (exact values), and the
// collector on this machine (consistency only).
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "agent/inventory/collector.h"
#include "agent/inventory/inventory_json.h"
#include "agent/inventory/readers.h"

namespace bmf::agent {
namespace {

RootFs fixture(const char* machine) { return RootFs(std::string(BMF_SOURCE_DIR) + "/tests/fixtures/" + machine); }

proto::Inventory collect(const char* machine) {
  RootFs fs = fixture(machine);
  auto links = link_source_for(fs);
  auto inv = collect_inventory(fs, *links, {});
  EXPECT_TRUE(inv.ok()) << inv.status().to_string();
  return inv.ok() ? *inv : proto::Inventory{};
}

}  // namespace

TEST(GpuNode, SystemAndBios) {
  auto s = read_system(fixture("gpu-node"));
  EXPECT_EQ(s.vendor(), "Dell Inc.");
  EXPECT_EQ(s.product(), "PowerEdge XE9680");
  EXPECT_EQ(s.serial(), "GPU7X2K3");
  EXPECT_EQ(s.system_uuid(), "4c4c4544-0047-3610-8052-b4c04f335a33");
  EXPECT_EQ(s.bios_version(), "1.6.10");
  EXPECT_EQ(s.bios_date(), "11/21/2023");
  EXPECT_EQ(s.chassis_type(), "Rack Mount Chassis");
}

TEST(GpuNode, Cpu) {
  auto c = read_cpu(fixture("gpu-node"));
  EXPECT_EQ(c.model(), "Intel(R) Xeon(R) Platinum 8480+");
  EXPECT_EQ(c.sockets(), 2u);
  EXPECT_EQ(c.cores(), 112u);
  EXPECT_EQ(c.threads(), 224u);
  EXPECT_EQ(c.numa_nodes(), 2u);
  std::vector<std::string> flags(c.flags().begin(), c.flags().end());
  EXPECT_EQ(flags, (std::vector<std::string>{"aes", "amx_bf16", "amx_tile", "avx", "avx2", "avx512_bf16", "avx512bw",
                                             "avx512f", "ht", "sha_ni", "vmx"}));
}

TEST(GpuNode, Memory) {
  auto m = read_memory(fixture("gpu-node"));
  EXPECT_EQ(m.total_bytes(), 2113528088ull * 1024);
  EXPECT_EQ(m.devices_size(), 32);
  EXPECT_EQ(m.installed_bytes(), 32ull * (64ull << 30));
  EXPECT_EQ(m.devices(0).locator(), "DIMM_A1");
}

TEST(GpuNode, NvmeDisksOnly) {
  auto disks = read_disks(fixture("gpu-node"));
  ASSERT_EQ(disks.size(), 2u);  // loop0, dm-0, ram0 excluded
  EXPECT_EQ(disks[0].name(), "nvme0n1");
  EXPECT_EQ(disks[0].size_bytes(), 7501476528ull * 512);
  EXPECT_FALSE(disks[0].rotational());
  EXPECT_EQ(disks[0].model(), "SAMSUNG MZQL23T8HCLS-00A07");
  EXPECT_EQ(disks[0].serial(), "S64HNE0T500123");
  EXPECT_EQ(disks[0].wwn(), "eui.36344830545001230025384500000001");
  EXPECT_EQ(disks[0].transport(), "nvme");
}

TEST(GpuNode, EightH100sAndNotTheBmcVga) {
  auto gpus = read_gpus(fixture("gpu-node"), PciIdTable::builtin());
  ASSERT_EQ(gpus.size(), 8u);
  for (const auto& g : gpus) {
    EXPECT_EQ(g.vendor(), "NVIDIA");
    EXPECT_EQ(g.name(), "H100 SXM5 80GB");
    EXPECT_EQ(g.vendor_id(), "10de");
    EXPECT_EQ(g.device_id(), "2330");
    EXPECT_EQ(g.pci_class(), "0302");
  }
  EXPECT_EQ(gpus[0].pci_address(), "0000:18:00.0");
  EXPECT_EQ(gpus[0].numa_node(), 0);
  EXPECT_EQ(gpus[7].numa_node(), 1);
}

TEST(GpuNode, NicsWithDriverPciSpeed) {
  RootFs fs = fixture("gpu-node");
  auto links = link_source_for(fs);
  auto nics = read_nics(fs, *links);
  ASSERT_TRUE(nics.ok());
  ASSERT_EQ(nics->size(), 4u);  // lo excluded
  const auto& roce = (*nics)[2];
  EXPECT_EQ(roce.name(), "ens1f0np0");
  EXPECT_EQ(roce.mac(), "94:6d:ae:8f:30:a0");
  EXPECT_EQ(roce.driver(), "mlx5_core");
  EXPECT_EQ(roce.pci_address(), "0000:17:00.0");
  EXPECT_EQ(roce.speed_mbps(), 400000);
  EXPECT_EQ(roce.mtu(), 9000u);
  EXPECT_TRUE(roce.carrier());
  EXPECT_EQ(roce.operstate(), "up");
  const auto& down = (*nics)[1];
  EXPECT_EQ(down.name(), "eno8403");
  EXPECT_EQ(down.speed_mbps(), -1);
  EXPECT_EQ(down.operstate(), "down");
}

TEST(GpuNode, TwoRoceDevicesWithGids) {
  auto rdma = read_rdma(fixture("gpu-node"));
  ASSERT_EQ(rdma.size(), 2u);
  EXPECT_EQ(rdma[0].name(), "mlx5_0");
  EXPECT_EQ(rdma[0].pci_address(), "0000:17:00.0");
  EXPECT_EQ(rdma[0].node_guid(), "946d:ae03:008f:30a0");
  ASSERT_EQ(rdma[0].ports_size(), 1);
  const auto& p = rdma[0].ports(0);
  EXPECT_EQ(p.state(), "ACTIVE");
  EXPECT_EQ(p.phys_state(), "LinkUp");
  EXPECT_EQ(p.link_layer(), "Ethernet");
  EXPECT_EQ(p.rate(), "400 Gb/sec (4X NDR)");
  EXPECT_EQ(p.netdev(), "ens1f0np0");
  EXPECT_EQ(p.active_mtu(), 4096u);
  ASSERT_EQ(p.gids_size(), 4);  // the all-zero GID 4 is skipped
  EXPECT_EQ(p.gids(1).type(), "RoCE v2");
  EXPECT_EQ(p.gids(3).gid(), "0000:0000:0000:0000:0000:ffff:0a00:0101");
  EXPECT_EQ(p.gids(3).netdev(), "ens1f0np0");
}

TEST(GpuNode, BmcFromSmbiosType42) {
  auto b = read_bmc(fixture("gpu-node"));
  EXPECT_EQ(b.address(), "10.20.30.40");
  EXPECT_EQ(b.source(), "smbios-type42");
}

TEST(CpuNode, SataDisksPlainEthernetNoAccelerators) {
  auto inv = collect("cpu-node");
  ASSERT_EQ(inv.disks_size(), 2);
  EXPECT_EQ(inv.disks(0).transport(), "sata");
  EXPECT_TRUE(inv.disks(0).rotational());
  EXPECT_EQ(inv.disks(0).wwn(), "naa.5000c500c1234567");
  ASSERT_EQ(inv.nics_size(), 2);
  EXPECT_EQ(inv.nics(0).driver(), "i40e");
  EXPECT_EQ(inv.nics(0).speed_mbps(), 10000);
  EXPECT_EQ(inv.gpus_size(), 0);
  EXPECT_EQ(inv.rdma_size(), 0);
  EXPECT_EQ(inv.bmc().address(), "");
  EXPECT_EQ(inv.cpu().threads(), 64u);
  EXPECT_EQ(inv.cpu().cores(), 32u);
  EXPECT_EQ(inv.memory().devices_size(), 12);  // two empty slots left out
  EXPECT_EQ(inv.memory().installed_bytes(), 12ull * (32ull << 30));
  EXPECT_EQ(inv.system().vendor(), "HPE");
}

TEST(EdgeNode, PlaceholdersDroppedNonEthernetSkipped) {
  auto inv = collect("edge-node");
  EXPECT_EQ(inv.system().serial(), "");
  EXPECT_EQ(inv.system().system_uuid(), "00000000-0000-0000-0000-000000000000");  // the registry discards it
  ASSERT_EQ(inv.nics_size(), 1);
  EXPECT_EQ(inv.nics(0).mac(), "3c:ec:ef:21:0b:5e");
}

TEST(InventoryJson, CanonicalNamesAnd64BitStrings) {
  auto json = inventory_to_json(collect("gpu-node"), -1);
  EXPECT_NE(json.find(R"("systemUuid":"4c4c4544-0047-3610-8052-b4c04f335a33")"), std::string::npos);
  EXPECT_NE(json.find(R"("totalBytes":"2164252762112")"), std::string::npos);
  EXPECT_NE(json.find(R"("speedMbps":400000)"), std::string::npos);
  EXPECT_EQ(json.find("\"lldp\""), std::string::npos);  // unset message omitted
}

TEST(ThisMachine, CollectedInventoryIsConsistent) {
  RootFs fs("/");
  auto links = link_source_for(fs);
  auto inv = collect_inventory(fs, *links, {});
  ASSERT_TRUE(inv.ok()) << inv.status().to_string();
  EXPECT_GT(inv->cpu().threads(), 0u);
  EXPECT_EQ(inv->cpu().threads(), std::thread::hardware_concurrency());
  EXPECT_GT(inv->memory().total_bytes(), 0u);
  for (const auto& d : inv->disks()) {
    EXPECT_EQ(d.name().rfind("loop", 0), std::string::npos);
    EXPECT_FALSE(d.transport().empty());
  }
  for (const auto& n : inv->nics()) EXPECT_EQ(n.mac().size(), 17u) << n.name();
}

}  // namespace bmf::agent
