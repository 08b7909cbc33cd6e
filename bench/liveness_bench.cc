// liveness_bench: what a heartbeat and a liveness sweep cost at site scale, in process, on the
// real SQLite store. N nodes (default 19000) with realistic inventories (8 GPUs, 8 NICs with
// LLDP, 4 disks: ~10 KB of JSON each), all available and heartbeating.
//   liveness_bench [N=19000]
// Prints: NodeRegistry::heartbeat per call (what each agent's heartbeat costs the coordinator),
// NodeRegistry::sweep (twice per heartbeat interval), and beside them what the whole-row reads
// they used to do cost (get_node per heartbeat, list_nodes per sweep).
#include <fmt/core.h>

#include <chrono>

#include "common/proto/inventory.pb.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/registry/node_registry.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

using namespace bmf::coordinator;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 19000;
  bmf::testing::TempDir dir;
  auto store = std::move(SqliteStore::open(dir.path()).value());
  bmf::SystemClock clock;
  NodeLifecycle lifecycle(*store, clock);
  NodeRegistry registry(*store, clock, lifecycle, RegistryConfig{.liveness = {10'000, 3}});
  bmf::proto::Inventory inv;
  for (int g = 0; g < 8; ++g) {
    auto* gpu = inv.add_gpus();
    gpu->set_name("NVIDIA H100 80GB HBM3");
    gpu->set_pci_address(fmt::format("0000:{:02x}:00.0", 0x18 + g));
  }
  for (int k = 0; k < 8; ++k) {
    auto* nic = inv.add_nics();
    nic->set_name(fmt::format("ens{}f0np0", k));
    nic->set_mac(fmt::format("b8:3f:d2:00:00:{:02x}", k));
    nic->mutable_lldp()->set_system_name(fmt::format("leaf-{}", k % 2));
    nic->mutable_lldp()->set_port_id(fmt::format("Ethernet{}", k));
  }
  for (int d = 0; d < 4; ++d) {
    auto* disk = inv.add_disks();
    disk->set_name(fmt::format("nvme{}n1", d));
    disk->set_model("SAMSUNG MZWLR3T8HBLS-00007");
    disk->set_size_bytes(3'840'755'982'336ULL);
  }
  const std::string hardware = to_json(inv);
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    NodeRecord node;
    node.hostname = fmt::format("gpu-{:05d}", i);
    node.system_uuid = fmt::format("uuid-{}", i);
    node.hardware_json = hardware;
    node.state = NodeState::kAvailable;
    node.power_state = PowerState::kOn;
    node.macs = {fmt::format("02:00:{:02x}:{:02x}:00:01", i / 256, i % 256)};
    if (!store->save_node(node, {.kind = EventKind::kNodeRegistered}).ok()) return 1;
  }
  const double fill_s = std::chrono::duration<double>(Clock::now() - t0).count();
  auto per_call_us = [](Clock::time_point a, int calls) { return std::chrono::duration<double, std::micro>(Clock::now() - a).count() / calls; };

  auto t = Clock::now();
  for (int i = 1; i <= n; ++i) (void)registry.heartbeat(static_cast<std::uint64_t>(i));
  const double hb_us = per_call_us(t, n);
  t = Clock::now();
  (void)registry.flush();
  const double flush_ms = per_call_us(t, 1) / 1000;
  t = Clock::now();
  for (int i = 1; i <= n; ++i) (void)store->get_node(static_cast<std::uint64_t>(i));
  const double get_us = per_call_us(t, n);
  t = Clock::now();
  const int sweeps = 5;
  for (int i = 0; i < sweeps; ++i) (void)registry.sweep();
  const double sweep_ms = per_call_us(t, sweeps) / 1000;
  t = Clock::now();
  for (int i = 0; i < sweeps; ++i) (void)store->list_nodes();
  const double list_ms = per_call_us(t, sweeps) / 1000;
  t = Clock::now();
  (void)store->list_nodes_brief();
  const double brief_ms = per_call_us(t, 1) / 1000;
  t = Clock::now();
  for (int i = 0; i < sweeps; ++i) (void)store->list_nodes_brief();
  const double brief_again_us = per_call_us(t, sweeps);

  fmt::print("liveness_bench: {} nodes, {} B of inventory JSON each (filled in {:.1f} s)\n", n, hardware.size(), fill_s);
  fmt::print("  heartbeat (narrow read; last-seen kept for the batch): {:.1f} us per call -> {:.1f}% of one core at {} heartbeats/s\n", hb_us,
             hb_us * n / 10.0 / 1e4, n / 10);
  fmt::print("  (a whole-row get_node, which each heartbeat used to do on top: {:.1f} us)\n", get_us);
  fmt::print("  writing those {} heartbeats' last-seen in one transaction (flush): {:.1f} ms\n", n, flush_ms);
  fmt::print("  sweep (narrow query over nodes expected to heartbeat): {:.1f} ms -> {:.2f}% of one core at 2 sweeps per 10 s\n",
             sweep_ms, sweep_ms * 2 / 10'000 * 100);
  fmt::print("  (list_nodes with every inventory, which each sweep used to do: {:.1f} ms)\n", list_ms);
  fmt::print("  list_nodes_brief (the hotpool/cleaning/metrics read, each second; inventories cached by hardware_rev): {:.1f} ms\n",
             brief_ms);
  fmt::print("  list_nodes_brief again, no brief column changed (nodes_generation the same: the same rows): {:.1f} us\n",
             brief_again_us);
  return 0;
}
