#pragma once
// Test-only crash points: `crash_point("allocation.reserved")` kills this process with
// SIGKILL when $BMF_CRASH_AT names that point, so a test can stop a real coordinator at
// any step boundary and check what a restart makes of it. Unset (production): one
// comparison against an empty string. Every point is listed in docs/crash-safety.md.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace bmf {

inline void crash_point(std::string_view name) {
  static const std::string target = [] {
    const char* v = std::getenv("BMF_CRASH_AT");
    return std::string(v ? v : "");
  }();
  if (!target.empty() && target == name) ::kill(::getpid(), SIGKILL);
}

}  // namespace bmf
