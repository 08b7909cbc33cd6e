#include "agent/inventory/root_fs.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace bmf::agent {

std::filesystem::path RootFs::path(std::string_view abs) const {
  if (is_live()) return std::filesystem::path(abs);
  return std::filesystem::path(root_.string() + "/" + std::string(abs.substr(abs.find_first_not_of('/'))));
}

Result<std::string> RootFs::read(std::string_view abs) const {
  auto p = path(abs);
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return not_found(fmt::format("{} does not exist", p.string()));
  std::ifstream in(p, std::ios::binary);
  if (!in) return permission_denied(fmt::format("cannot read {}", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string RootFs::read_line(std::string_view abs, std::string fallback) const {
  auto text = read(abs);
  if (!text.ok()) return fallback;
  std::string line = text->substr(0, text->find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
  return line;
}

bool RootFs::exists(std::string_view abs) const {
  std::error_code ec;
  return std::filesystem::exists(path(abs), ec);
}

std::vector<std::string> RootFs::list(std::string_view abs) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(path(abs), ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string RootFs::link_name(std::string_view abs) const {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(path(abs), ec);
  if (ec) return {};
  return target.filename().string();
}

std::string RootFs::resolve(std::string_view abs) const {
  std::error_code ec;
  auto real = std::filesystem::canonical(path(abs), ec);
  if (ec) return {};
  auto root = std::filesystem::canonical(root_, ec);
  std::string r = real.string();
  if (is_live()) return r;
  std::string prefix = root.string();
  if (r.rfind(prefix, 0) != 0) return {};
  return r.substr(prefix.size());
}

}  // namespace bmf::agent
