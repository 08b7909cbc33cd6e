#pragma once
// A server that keeps thousands of small per-connection objects and touches each one every few
// seconds (the coordinator: 19,000 agent sessions, their TLS state, their registry rows) pays for
// every 4 KiB page it touches cold: a TLB miss and a page walk. In a virtual machine the walk is
// two-dimensional (guest and host tables); measured on the bmf CI machine, a page untouched for a
// second costs ~20 us to touch on 4 KiB pages and ~2 us on 2 MiB transparent huge pages, and this
// alone made the agent channel's steady-state CPU 2-3 times higher.
//
// glibc (>= 2.35) puts malloc's heap on transparent huge pages with the tunable
// glibc.malloc.hugetlb=1, read only when the process starts. use_huge_page_heap() therefore
// sets it and re-executes the program once, first thing in main(); the re-executed process
// removes it again so that its children start as they would have. An operator who sets
// GLIBC_TUNABLES with any glibc.malloc.hugetlb value keeps it; nothing happens when the kernel
// has transparent huge pages off ("never") or when /proc/self/exe cannot be executed.
#include <optional>
#include <string>
#include <string_view>

namespace bmf {

// The GLIBC_TUNABLES value to re-execute with, or nullopt to go on as is. `current` is the
// variable's value (nullptr: unset); `thp_enabled` the content of
// /sys/kernel/mm/transparent_hugepage/enabled (e.g. "always [madvise] never").
std::optional<std::string> tunables_with_huge_page_heap(const char* current, std::string_view thp_enabled);

// Call first in main(): may exec (and so not return). Returns a one-word description for the
// start-up log line: "huge-pages", "operator" (GLIBC_TUNABLES chose), "off" (kernel) or "4k" (failed).
std::string use_huge_page_heap(char** argv);

}  // namespace bmf
