#pragma once
// The byte stream a NETCONF session runs over. SshChannel is the real one; the
// interface keeps the session logic independent of libssh2.
#include <chrono>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace bmf::netconf {

class ByteChannel {
 public:
  virtual ~ByteChannel() = default;
  virtual Status write(std::string_view bytes) = 0;
  // Some bytes (at least one), or DEADLINE_EXCEEDED / UNAVAILABLE.
  virtual Result<std::string> read_some() = 0;
  // UNAVAILABLE when the peer has closed the link (a switch restart); sends an
  // SSH keepalive if the link has been idle.
  virtual Status keepalive() = 0;
  // How long read_some() waits before DEADLINE_EXCEEDED (the channel's timeout by default).
  virtual void set_read_timeout(std::chrono::milliseconds timeout) = 0;
  virtual std::chrono::milliseconds read_timeout() const = 0;
};

}  // namespace bmf::netconf
