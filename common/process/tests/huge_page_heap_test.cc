#include "common/process/huge_page_heap.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/process/subprocess.h"

namespace bmf {
namespace {

TEST(HugePageHeap, TunablesChosen_OperatorAndKernelRespected) {
  EXPECT_EQ(tunables_with_huge_page_heap(nullptr, "always [madvise] never\n"), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(tunables_with_huge_page_heap("", "[always] madvise never"), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(tunables_with_huge_page_heap("glibc.malloc.arena_max=2", "always [madvise] never"),
            "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")
      << "the operator's other tunables are kept";
  EXPECT_EQ(tunables_with_huge_page_heap("glibc.malloc.hugetlb=0", "always [madvise] never"), std::nullopt)
      << "the operator chose";
  EXPECT_EQ(tunables_with_huge_page_heap(nullptr, "always madvise [never]"), std::nullopt) << "THP off in the kernel";
  EXPECT_EQ(tunables_with_huge_page_heap(nullptr, ""), std::nullopt) << "no THP in the kernel";
}

std::string thp_mode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(HugePageHeap, ReExecuted_SamePid_HeapOnHugePages_EnvironmentGivenBack) {
  const std::string thp = thp_mode();
  if (thp.empty() || thp.find("[never]") != std::string::npos) GTEST_SKIP() << "transparent huge pages are off here";
  const std::string probe = std::string(BMF_BUILD_DIR) + "/common/huge_page_heap_probe";
  auto out = process::run({probe}, std::chrono::seconds(10));
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(out->exit_code, 0) << out->text;
  EXPECT_NE(out->text.find("mode=huge-pages "), std::string::npos) << out->text;
  EXPECT_NE(out->text.find("heap_thp_eligible=1 "), std::string::npos) << out->text;
  EXPECT_NE(out->text.find("tunables=- marker=-"), std::string::npos) << "children must not inherit it: " << out->text;

  // The operator's own choice stands: no re-exec, heap as glibc was told.
  auto chosen = process::run({probe}, std::chrono::seconds(10), {"GLIBC_TUNABLES=glibc.malloc.hugetlb=0"});
  ASSERT_TRUE(chosen.ok()) << chosen.status().to_string();
  EXPECT_NE(chosen->text.find("mode=operator "), std::string::npos) << chosen->text;
  EXPECT_NE(chosen->text.find("tunables=glibc.malloc.hugetlb=0 "), std::string::npos) << chosen->text;
}

}  // namespace
}  // namespace bmf
