// inventory_bench: time a full inventory collection (no LLDP wait) on a fixture
// tree and on this machine.   inventory_bench [ROOT...]   (default: the GPU fixture and /)
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "agent/inventory/collector.h"

int main(int argc, char** argv) {
  std::vector<std::string> roots;
  for (int i = 1; i < argc; ++i) roots.emplace_back(argv[i]);
  if (roots.empty()) roots = {std::string(BMF_SOURCE_DIR) + "/tests/fixtures/gpu-node", "/"};
  constexpr int kRuns = 50;
  for (const auto& root : roots) {
    bmf::agent::RootFs fs(root);
    std::vector<double> ms;
    bmf::proto::Inventory last;
    for (int i = 0; i < kRuns; ++i) {
      auto links = bmf::agent::link_source_for(fs);
      auto start = std::chrono::steady_clock::now();
      auto inv = bmf::agent::collect_inventory(fs, *links, {});
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      if (!inv.ok()) {
        fmt::print(stderr, "{}: {}\n", root, inv.status().to_string());
        return 1;
      }
      last = std::move(inv).value();
    }
    std::sort(ms.begin(), ms.end());
    fmt::print("inventory_bench {}: {} runs, p50 {:.2f} ms, p90 {:.2f} ms, max {:.2f} ms "
               "({} NICs, {} disks, {} GPUs, {} RDMA devices, {} CPU threads)\n",
               root, kRuns, ms[kRuns / 2], ms[kRuns * 9 / 10], ms.back(), last.nics_size(), last.disks_size(),
               last.gpus_size(), last.rdma_size(), last.cpu().threads());
  }
  return 0;
}
