// For huge_page_heap_test: uses the huge-page heap as a server's main() does, grows its heap past
// a huge page, and prints what the test checks.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/process/huge_page_heap.h"

int main(int, char** argv) {
  const pid_t pid_before = ::getpid();
  const std::string mode = bmf::use_huge_page_heap(argv);
  std::vector<void*> small;
  for (int i = 0; i < 100'000; ++i) small.push_back(std::malloc(64));  // ~8 MB of [heap]
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_heap = false;
  std::string eligible = "0";  // 1 when a part of [heap] is (glibc madvises the huge-page-aligned part)
  while (std::getline(smaps, line)) {
    if (line.find(" [heap]") != std::string::npos) {
      in_heap = true;
    } else if (in_heap && line.rfind("THPeligible:", 0) == 0) {
      if (line.back() == '1') eligible = "1";
      in_heap = false;
    }
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::printf("mode=%s pid=%d heap_thp_eligible=%s tunables=%s marker=%s\n", mode.c_str(), static_cast<int>(pid_before),
              eligible.c_str(), tunables ? tunables : "-", std::getenv("BMF_HUGE_PAGE_HEAP_REEXEC") ? "set" : "-");
  return 0;
}
