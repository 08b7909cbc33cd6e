#include "bmc-proxy/audit/audit_log.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/log/log.h"

namespace bmf::bmcproxy {

Result<AuditLog> AuditLog::open(const std::string& path) {
  if (path.empty()) return AuditLog(-1, "");
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return unavailable(fmt::format("cannot open audit log {}: {}", path, std::strerror(errno)));
  return AuditLog(fd, path);
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::write(const AuditEntry& e) {
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json line = {{"time_ms", now_ms}, {"principal", e.principal}, {"peer", e.peer}, {"node_id", e.node_id},
                         {"action", e.action}, {"detail", e.detail},     {"status", e.status}};
  // Replace invalid UTF-8 (a tenant-chosen user name) instead of throwing.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  BMF_LOG_INFO("BMC_PROXY_AUDIT {}", text.substr(0, text.size() - 1));
  if (fd_ < 0) return;
  // One write() per line with O_APPEND: lines never interleave.
  if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    BMF_LOG_ERROR("BMC_PROXY_AUDIT_WRITE_FAILED {}: {}", path_, std::strerror(errno));
  }
}

}  // namespace bmf::bmcproxy
