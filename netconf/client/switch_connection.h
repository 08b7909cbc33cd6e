#pragma once
// SwitchConnection: the one NETCONF session bmf keeps per switch. It is opened
// on first use, reused for every later operation, kept alive with SSH
// keepalives, and re-opened once when it turns out to be dead.
#include <cstdint>
#include <memory>

#include "netconf/client/netconf_session.h"
#include "netconf/transport/ssh_channel.h"

namespace bmf::netconf {

class SwitchConnection {
 public:
  explicit SwitchConnection(SshTarget target) : target_(std::move(target)) {}

  // A live session: the current one if its keepalive succeeds, else a new one.
  Result<NetconfSession*> session();
  // Drop the session (e.g. after an UNAVAILABLE transport error) so the next call reconnects.
  void reset() { session_.reset(); }
  std::uint64_t sessions_opened() const { return opened_; }

 private:
  SshTarget target_;
  std::unique_ptr<NetconfSession> session_;
  std::uint64_t opened_ = 0;
};

}  // namespace bmf::netconf
