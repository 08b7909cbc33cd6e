#pragma once
// SshChannel: the "netconf" SSH subsystem (RFC 6242) over libssh2, blocking with
// a timeout on every call. The server's host key is checked against a
// known_hosts file; an unknown key is accepted and recorded only when
// trust_on_first_use is set, and a changed key is always refused.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "netconf/transport/byte_channel.h"

namespace bmf::netconf {

struct SshTarget {
  std::string host = "127.0.0.1";
  std::uint16_t port = 830;
  std::string user;
  std::string password;            // password auth when set
  std::string private_key_file;    // else public-key auth with this key (public key at FILE.pub)
  std::string known_hosts_file;    // required
  bool trust_on_first_use = false;
  std::chrono::milliseconds timeout{10'000};
  std::chrono::seconds keepalive_interval{30};
};

class SshChannel final : public ByteChannel {
 public:
  static Result<std::unique_ptr<SshChannel>> open(const SshTarget& target);
  ~SshChannel() override;

  Status write(std::string_view bytes) override;
  Result<std::string> read_some() override;
  Status keepalive() override;
  void set_read_timeout(std::chrono::milliseconds timeout) override;
  std::chrono::milliseconds read_timeout() const override;

 private:
  struct State;
  explicit SshChannel(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

// How many SSH sessions this process has opened (for the benchmark's session count).
std::uint64_t ssh_sessions_opened();

}  // namespace bmf::netconf
