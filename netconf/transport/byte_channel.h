#pragma once
// The byte stream a NETCONF session runs over. SshChannel is the real one; the
// interface keeps the session logic independent of libssh2.
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
  // Sends an SSH keepalive if the link has been idle; UNAVAILABLE when it is dead.
  virtual Status keepalive() = 0;
};

}  // namespace bmf::netconf
