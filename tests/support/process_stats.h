#pragma once
// Memory figures of a running process, for benchmarks (from /proc/PID/status).
#include <sys/types.h>

#include <fstream>
#include <string>

#include "common/process/open_files.h"

namespace bmf::testing {

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM" = peak RSS); -1 when unknown.
inline long proc_status_kib(pid_t pid, const std::string& field = "VmRSS") {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

using bmf::raise_open_file_limit;

}  // namespace bmf::testing
