#pragma once
// Logging: one line per message on stderr, prefixed with the journald priority
// ("<3>" error ... "<7>" debug) so systemd files each line at the right level.
// Formats are checked at compile time by fmt. Operator-facing events carry a
// stable ID as their first word (see docs/log-messages.md).
#include <fmt/core.h>

#include <string_view>

namespace bmf::log {

enum class Level { kError = 3, kWarn = 4, kInfo = 6, kDebug = 7 };

void set_level(Level level);
Level level();
// Parses "error|warn|info|debug"; false on anything else.
bool parse_level(std::string_view text, Level& out);
void write(Level level, std::string_view line);

template <typename... Args>
void emit(Level lvl, fmt::format_string<Args...> format, Args&&... args) {
  if (static_cast<int>(lvl) > static_cast<int>(level())) return;
  write(lvl, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace bmf::log

#define BMF_LOG_ERROR(...) ::bmf::log::emit(::bmf::log::Level::kError, __VA_ARGS__)
#define BMF_LOG_WARN(...) ::bmf::log::emit(::bmf::log::Level::kWarn, __VA_ARGS__)
#define BMF_LOG_INFO(...) ::bmf::log::emit(::bmf::log::Level::kInfo, __VA_ARGS__)
#define BMF_LOG_DEBUG(...) ::bmf::log::emit(::bmf::log::Level::kDebug, __VA_ARGS__)
