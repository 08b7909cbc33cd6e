#include "agent/inventory/root_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace bmf::agent {

RootFs::RootFs(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_.empty()) root_ = "/";
}

std::string RootFs::path(std::string_view abs) const {
  if (is_live()) return std::string(abs);
  auto rel = abs.find_first_not_of('/');
  return root_ + "/" + std::string(rel == std::string_view::npos ? std::string_view{} : abs.substr(rel));
}

Result<std::string> RootFs::read(std::string_view abs) const {
  const std::string p = path(abs);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return not_found(fmt::format("{} does not exist", p));
    return permission_denied(fmt::format("cannot read {}: {}", p, std::strerror(errno)));
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      // sysfs answers some reads with an error (speed without carrier: EINVAL); report, do not guess.
      return permission_denied(fmt::format("cannot read {}: {}", p, std::strerror(err)));
    }
    break;
  }
  ::close(fd);
  return out;
}

std::string RootFs::read_line(std::string_view abs, std::string fallback) const {
  auto text = read(abs);
  if (!text.ok()) return fallback;
  std::string line = text->substr(0, text->find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
  return line;
}

bool RootFs::exists(std::string_view abs) const { return ::access(path(abs).c_str(), F_OK) == 0; }

std::vector<std::string> RootFs::list(std::string_view abs) const {
  std::vector<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path(abs).c_str()), ::closedir);
  if (!dir) return names;
  while (dirent* e = ::readdir(dir.get())) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string RootFs::link_name(std::string_view abs) const {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path(abs).c_str(), buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  std::string target(buf, static_cast<std::size_t>(n));
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  auto slash = target.rfind('/');
  return slash == std::string::npos ? target : target.substr(slash + 1);
}

std::string RootFs::resolve(std::string_view abs) const {
  char real[PATH_MAX];
  if (!::realpath(path(abs).c_str(), real)) return {};
  if (is_live()) return real;
  char root[PATH_MAX];
  if (!::realpath(root_.c_str(), root)) return {};
  std::string r = real, prefix = root;
  if (r.rfind(prefix, 0) != 0) return {};
  return r.substr(prefix.size());
}

}  // namespace bmf::agent
