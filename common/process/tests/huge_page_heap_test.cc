#include "common/process/huge_page_heap.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace bmf {
namespace {

// AnonHugePages of this process's [heap] mappings, in KiB.
long heap_huge_kib() {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_heap = false;
  long kib = 0;
  while (std::getline(smaps, line)) {
    const auto dash = line.find('-'), space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space && std::isxdigit(line[0])) {
      in_heap = line.size() > 6 && line.compare(line.size() - 6, 6, "[heap]") == 0;  // a mapping's header
    } else if (in_heap && line.rfind("AnonHugePages:", 0) == 0) {
      kib += std::atol(line.c_str() + 14);
    }
  }
  return kib;
}

TEST(HugePageHeap, ResidentHeapCollapsed_SparseRangesLeftAlone) {
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::stringstream mode;
  mode << thp.rdbuf();
  if (mode.str().empty() || mode.str().find("[never]") != std::string::npos) {
    GTEST_SKIP() << "transparent huge pages are off on this machine";
  }
  // ~24 MiB of small objects, all touched: brk heap, not mmap.
  std::vector<char*> blocks;
  for (int i = 0; i < 24 * 1024; ++i) {
    blocks.push_back(static_cast<char*>(std::malloc(1000)));
    std::memset(blocks.back(), 1, 1000);
  }
  const long before = heap_huge_kib();
  std::atomic<bool> stop{false};
  auto done = collapse_heap_into_huge_pages(0.9, stop);
  if (!done.ok() && done.status().code() == StatusCode::kUnimplemented) GTEST_SKIP() << done.status().to_string();
  ASSERT_TRUE(done.ok()) << done.status().to_string();
  EXPECT_GE(done->ranges, 8u) << "24 MiB resident: most of its 2 MiB ranges";
  EXPECT_LT(done->added_bytes, std::size_t{4} << 20) << "only holes of mostly resident ranges are filled";
  EXPECT_GE(heap_huge_kib() - before, 16 * 1024) << "the heap's AnonHugePages";

  // Stopped before it starts: nothing done.
  stop = true;
  auto none = collapse_heap_into_huge_pages(0.9, stop);
  ASSERT_TRUE(none.ok()) << none.status().to_string();
  EXPECT_EQ(none->ranges, 0u);
  for (char* b : blocks) std::free(b);
}

}  // namespace
}  // namespace bmf
