#include "common/process/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bmf {
namespace {

constexpr const char* kMarker = "BMF_HUGE_PAGE_HEAP_REEXEC";  // set for the re-executed process only
constexpr const char* kTunable = "glibc.malloc.hugetlb=1";

}  // namespace

std::optional<std::string> tunables_with_huge_page_heap(const char* current, std::string_view thp_enabled) {
  if (thp_enabled.empty() || thp_enabled.find("[never]") != std::string_view::npos) return std::nullopt;
  if (current == nullptr || *current == '\0') return std::string(kTunable);
  if (std::string_view(current).find("glibc.malloc.hugetlb") != std::string_view::npos) return std::nullopt;
  return std::string(current) + ":" + kTunable;
}

std::string use_huge_page_heap(char** argv) {
  if (const char* marker = std::getenv(kMarker)) {
    // The re-executed process: give children back the environment the operator started us with.
    const std::string before = marker;
    if (before == "-") {
      ::unsetenv("GLIBC_TUNABLES");
    } else {
      ::setenv("GLIBC_TUNABLES", before.c_str(), 1);
    }
    ::unsetenv(kMarker);
    return "huge-pages";
  }
  std::stringstream thp;
  {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");  // closed before the exec
    thp << f.rdbuf();
  }
  const char* current = std::getenv("GLIBC_TUNABLES");
  auto value = tunables_with_huge_page_heap(current, thp.str());
  if (!value) return current && std::string_view(current).find("glibc.malloc.hugetlb") != std::string_view::npos ? "operator" : "off";
  ::setenv(kMarker, current ? current : "-", 1);
  ::setenv("GLIBC_TUNABLES", value->c_str(), 1);
  ::execv("/proc/self/exe", argv);
  // Could not: carry on with 4 KiB pages and the environment as it was.
  ::unsetenv(kMarker);
  if (current) {
    ::setenv("GLIBC_TUNABLES", current, 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
  return "4k";
}

}  // namespace bmf
