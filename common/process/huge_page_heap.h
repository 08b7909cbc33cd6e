#pragma once
// A server that keeps thousands of small per-connection objects and touches each one every few
// seconds (the coordinator: 19,000 agent sessions, their TLS state, their registry rows) pays for
// every 4 KiB page it touches cold: a TLB miss and a page walk. In a virtual machine the walk is
// two-dimensional (guest and host tables): measured on the bmf CI machine, a page untouched for a
// second costs 2-20 us to touch on 4 KiB pages and ~2 us on 2 MiB transparent huge pages, and this
// alone made the agent channel's steady-state CPU two to three times higher.
//
// The heap is not on huge pages from the start (glibc.malloc.hugetlb=1): a huge page fault zeroes
// 2 MiB, in this VM often memory the host has to back first, and a 10k-agent registration storm
// took 20% longer that way. Instead, once a storm is over, the resident parts of the heap are
// collapsed into huge pages (MADV_COLLAPSE, Linux 6.1): copying them once, off the io thread.
#include <atomic>
#include <cstddef>

#include "common/status/status.h"

namespace bmf {

struct HeapCollapse {
  std::size_t ranges = 0;     // 2 MiB ranges now on a huge page
  std::size_t skipped = 0;    // ranges less resident than asked (left on 4 KiB pages), or failed
  std::size_t added_bytes = 0;  // memory the collapse made resident (the holes it filled)
};

// Collapses each 2 MiB-aligned range of the brk heap ([heap] in /proc/self/maps) of which at least
// `min_resident` (0..1) is in memory. Blocking (it copies memory): not on an io thread. Stops
// early, between ranges, when `stop` becomes true. UNIMPLEMENTED when the kernel has no
// MADV_COLLAPSE or transparent huge pages are off.
Result<HeapCollapse> collapse_heap_into_huge_pages(double min_resident, const std::atomic<bool>& stop);

}  // namespace bmf
