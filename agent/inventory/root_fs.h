#pragma once
// RootFs: every /sys and /proc read goes through here, re-rooted under a root
// directory ("/" on a live host, a fixture tree in tests). Absolute paths are
// joined by string, not path::operator/, which would drop the root when the
// right-hand side is absolute. Plain POSIX calls rather than std::filesystem and
// iostreams: the static agent has a 6 MiB size bar and those cost ~0.2 MiB.
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace bmf::agent {

class RootFs {
 public:
  explicit RootFs(std::string root = "/");

  const std::string& root() const { return root_; }
  bool is_live() const { return root_ == "/"; }
  std::string path(std::string_view abs) const;

  // NOT_FOUND when absent, PERMISSION_DENIED when unreadable.
  Result<std::string> read(std::string_view abs) const;
  // First line without trailing whitespace; `fallback` when absent or unreadable.
  std::string read_line(std::string_view abs, std::string fallback = {}) const;
  bool exists(std::string_view abs) const;
  // Entry names, sorted; empty when the directory is absent.
  std::vector<std::string> list(std::string_view abs) const;
  // Last component of a symlink's target ("mlx5_core" for .../driver); empty when not a link.
  std::string link_name(std::string_view abs) const;
  // The symlink resolved, as an absolute path inside the root ("/sys/devices/pci0000:00/...").
  std::string resolve(std::string_view abs) const;

 private:
  std::string root_;
};

}  // namespace bmf::agent
