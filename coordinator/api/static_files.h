#pragma once
// StaticFiles: the web console's built files (console/, built by scripts/build.sh into
// build/console), served by the coordinator under /ui/. Every file is read once at start-up
// into memory: a request never touches the file system, so no path can escape the directory.
// Paths without a file behind them get index.html (the console's routes live in the URL:
// /ui/allocations/12 is a link one can share). Hashed assets (/ui/assets/...) are cached for a
// year; index.html never. Every answer carries a strict Content-Security-Policy: the console
// loads nothing from anywhere but the coordinator (no CDN, no external font).
#include <map>
#include <string>
#include <string_view>

#include "common/http/http_message.h"
#include "common/status/status.h"

namespace bmf::coordinator {

class StaticFiles {
 public:
  // Loads every regular file under `dir` (NOT_FOUND when it has no index.html).
  static Result<StaticFiles> load(const std::string& dir);
  StaticFiles() = default;

  bool empty() const { return files_.empty(); }
  std::size_t size() const { return files_.size(); }
  // `path` below the mount point ("" or "index.html" or "assets/app-1234.js" or "allocations/12").
  http::Response serve(std::string_view path) const;
  static std::string_view content_type(std::string_view name);
  static void add_security_headers(http::Response& res);

 private:
  std::map<std::string, std::string, std::less<>> files_;  // relative path -> contents
};

}  // namespace bmf::coordinator
