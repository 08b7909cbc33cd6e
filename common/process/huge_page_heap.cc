#include "common/process/huge_page_heap.h"

#include <fmt/core.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

namespace bmf {
namespace {

constexpr std::uintptr_t kHuge = 2u << 20;

struct Range {
  std::uintptr_t begin, end;
};

std::vector<Range> heap_ranges() {
  std::vector<Range> out;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() < 6 || line.compare(line.size() - 6, 6, "[heap]") != 0) continue;
    const auto dash = line.find('-');
    const auto space = line.find(' ', dash);
    out.push_back({std::stoull(line.substr(0, dash), nullptr, 16), std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16)});
  }
  return out;
}

}  // namespace

Result<HeapCollapse> collapse_heap_into_huge_pages(double min_resident, const std::atomic<bool>& stop) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  HeapCollapse report;
  std::vector<unsigned char> resident(kHuge / page);
  for (const Range& r : heap_ranges()) {
    for (std::uintptr_t at = (r.begin + kHuge - 1) & ~(kHuge - 1); at + kHuge <= r.end; at += kHuge) {
      if (stop.load(std::memory_order_relaxed)) return report;
      auto* p = reinterpret_cast<void*>(at);
      if (::mincore(p, kHuge, resident.data()) != 0) continue;  // unmapped meanwhile (the heap shrank)
      std::size_t in = 0;
      for (unsigned char v : resident) in += v & 1;
      if (static_cast<double>(in) < min_resident * static_cast<double>(resident.size())) {
        ++report.skipped;
        continue;
      }  // (a range already on a huge page is all in: collapsing it again is a cheap no-op)
      if (::madvise(p, kHuge, MADV_COLLAPSE) != 0) {
        if (errno == EINVAL) {
          return Status(StatusCode::kUnimplemented,
                        fmt::format("madvise(MADV_COLLAPSE): {} (Linux < 6.1, or transparent huge pages off)",
                                    std::strerror(errno)));
        }
        ++report.skipped;  // EAGAIN/ENOMEM: no huge page free now; this range stays as it is
        continue;
      }
      ++report.ranges;
      report.added_bytes += (resident.size() - in) * page;
    }
  }
  return report;
}

}  // namespace bmf
