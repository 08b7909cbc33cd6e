#pragma once
// AuditLog: one JSON line per action through the proxy (who, which node, what,
// result), appended to a file only the service user can read, and to the journal.
// Never holds credentials or tokens.
#include <cstdint>
#include <string>

#include "common/status/status.h"

namespace bmf::bmcproxy {

struct AuditEntry {
  std::string principal;  // "" when unauthenticated
  std::string peer;       // client address when known
  std::uint64_t node_id = 0;
  std::string action;     // e.g. "reset", "set_boot", "insert_media", "login", "denied"
  std::string detail;     // e.g. "ResetType=On"
  int status = 0;         // the HTTP status answered
};

class AuditLog {
 public:
  // Empty path: journal only.
  static Result<AuditLog> open(const std::string& path);
  AuditLog(AuditLog&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  AuditLog& operator=(AuditLog&&) = delete;
  ~AuditLog();
  void write(const AuditEntry& entry);

 private:
  explicit AuditLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace bmf::bmcproxy
