#include "common/log/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace bmf::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
}

void set_level(Level lvl) { g_level.store(lvl); }
Level level() { return g_level.load(); }

bool parse_level(std::string_view text, Level& out) {
  if (text == "error") out = Level::kError;
  else if (text == "warn") out = Level::kWarn;
  else if (text == "info") out = Level::kInfo;
  else if (text == "debug") out = Level::kDebug;
  else return false;
  return true;
}

void write(Level lvl, std::string_view line) {
  std::string out = fmt::format("<{}>{}\n", static_cast<int>(lvl), line);
  // One write(2) per line keeps lines whole when several processes share stderr.
  ssize_t unused = ::write(STDERR_FILENO, out.data(), out.size());
  (void)unused;
}

}  // namespace bmf::log
