#include "netconf/transport/ssh_channel.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace bmf::netconf {
namespace {

std::atomic<std::uint64_t> g_sessions_opened{0};

void init_libssh2_once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

std::string last_error(LIBSSH2_SESSION* session) {
  char* msg = nullptr;
  libssh2_session_last_error(session, &msg, nullptr, 0);
  return msg ? msg : "unknown libssh2 error";
}

Result<int> connect_tcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    return unavailable(fmt::format("resolve {}: {}", host, gai_strerror(rc)));
  }
  std::string error = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 ? 0 : -1;
      int err = 0;
      socklen_t len = sizeof(err);
      if (rc == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (rc != 0 || err != 0) {
        error = rc != 0 ? "connect timed out" : std::strerror(err);
        ::close(fd);
        continue;
      }
    } else if (rc != 0) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    int flags = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &flags, sizeof(flags));
    // libssh2 in blocking mode expects a blocking socket.
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    freeaddrinfo(res);
    return fd;
  }
  freeaddrinfo(res);
  return unavailable(fmt::format("connect {}:{}: {}", host, port, error));
}

}  // namespace

struct SshChannel::State {
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  LIBSSH2_CHANNEL* channel = nullptr;
  std::chrono::steady_clock::time_point last_io = std::chrono::steady_clock::now();
  std::chrono::seconds keepalive_interval{30};
  std::chrono::milliseconds timeout{10'000};
  ~State() {
    if (channel) {
      libssh2_channel_close(channel);
      libssh2_channel_free(channel);
    }
    if (session) {
      libssh2_session_disconnect(session, "bmf netconf client closing");
      libssh2_session_free(session);
    }
    if (fd >= 0) ::close(fd);
  }
};

SshChannel::SshChannel(std::unique_ptr<State> state) : s_(std::move(state)) {}
SshChannel::~SshChannel() = default;

std::uint64_t ssh_sessions_opened() { return g_sessions_opened.load(); }

namespace {

Status check_host_key(LIBSSH2_SESSION* session, const SshTarget& t) {
  if (t.known_hosts_file.empty()) return invalid_argument("a known_hosts file is required");
  std::size_t key_len = 0;
  int key_type = 0;
  const char* key = libssh2_session_hostkey(session, &key_len, &key_type);
  if (!key) return unavailable("server sent no host key");
  LIBSSH2_KNOWNHOSTS* hosts = libssh2_knownhost_init(session);
  std::unique_ptr<LIBSSH2_KNOWNHOSTS, void (*)(LIBSSH2_KNOWNHOSTS*)> guard(hosts, libssh2_knownhost_free);
  if (access(t.known_hosts_file.c_str(), F_OK) == 0 &&
      libssh2_knownhost_readfile(hosts, t.known_hosts_file.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
    return invalid_argument(fmt::format("cannot parse known_hosts file {}", t.known_hosts_file));
  }
  int type_mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW;
  int key_bits = 0;
  switch (key_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: key_bits = LIBSSH2_KNOWNHOST_KEY_SSHRSA; break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: key_bits = LIBSSH2_KNOWNHOST_KEY_ECDSA_256; break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: key_bits = LIBSSH2_KNOWNHOST_KEY_ECDSA_384; break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: key_bits = LIBSSH2_KNOWNHOST_KEY_ECDSA_521; break;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: key_bits = LIBSSH2_KNOWNHOST_KEY_ED25519; break;
    default: key_bits = LIBSSH2_KNOWNHOST_KEY_UNKNOWN; break;
  }
  struct libssh2_knownhost* found = nullptr;
  int check = libssh2_knownhost_checkp(hosts, t.host.c_str(), t.port, key, key_len, type_mask | key_bits, &found);
  if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH) return ok_status();
  if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
    return permission_denied(fmt::format("host key of {}:{} does not match {} (possible impersonation)", t.host,
                                         t.port, t.known_hosts_file));
  }
  if (!t.trust_on_first_use) {
    return permission_denied(fmt::format("host key of {}:{} is not in {} and trust-on-first-use is off", t.host,
                                         t.port, t.known_hosts_file));
  }
  std::string name = t.port == 22 ? t.host : fmt::format("[{}]:{}", t.host, t.port);
  if (libssh2_knownhost_addc(hosts, name.c_str(), nullptr, key, key_len, nullptr, 0, type_mask | key_bits, nullptr) != 0 ||
      libssh2_knownhost_writefile(hosts, t.known_hosts_file.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
    return unavailable(fmt::format("cannot record host key in {}", t.known_hosts_file));
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<SshChannel>> SshChannel::open(const SshTarget& t) {
  init_libssh2_once();
  auto state = std::make_unique<State>();
  state->keepalive_interval = t.keepalive_interval;
  state->timeout = t.timeout;
  BMF_ASSIGN_OR_RETURN(state->fd, connect_tcp(t.host, t.port, t.timeout));
  state->session = libssh2_session_init();
  if (!state->session) return internal_error("libssh2_session_init failed");
  libssh2_session_set_blocking(state->session, 1);
  libssh2_session_set_timeout(state->session, static_cast<long>(t.timeout.count()));
  if (libssh2_session_handshake(state->session, state->fd) != 0) {
    return unavailable(fmt::format("SSH handshake with {}:{}: {}", t.host, t.port, last_error(state->session)));
  }
  ++g_sessions_opened;
  BMF_RETURN_IF_ERROR(check_host_key(state->session, t));
  int rc;
  if (!t.password.empty()) {
    rc = libssh2_userauth_password(state->session, t.user.c_str(), t.password.c_str());
  } else if (!t.private_key_file.empty()) {
    std::string pub = t.private_key_file + ".pub";
    rc = libssh2_userauth_publickey_fromfile(state->session, t.user.c_str(), pub.c_str(), t.private_key_file.c_str(),
                                             nullptr);
  } else {
    return invalid_argument("neither a password nor a private key is configured");
  }
  if (rc != 0) {
    return Status(StatusCode::kUnauthenticated,
                  fmt::format("SSH authentication as {} failed: {}", t.user, last_error(state->session)));
  }
  libssh2_keepalive_config(state->session, 1, static_cast<unsigned>(t.keepalive_interval.count()));
  state->channel = libssh2_channel_open_session(state->session);
  if (!state->channel) return unavailable(fmt::format("SSH channel: {}", last_error(state->session)));
  // The subsystem's stderr is never read: discard it so it cannot fill the shared channel window.
  libssh2_channel_handle_extended_data2(state->channel, LIBSSH2_CHANNEL_EXTENDED_DATA_IGNORE);
  if (libssh2_channel_subsystem(state->channel, "netconf") != 0) {
    return unavailable(fmt::format("netconf subsystem refused: {}", last_error(state->session)));
  }
  return std::unique_ptr<SshChannel>(new SshChannel(std::move(state)));
}

Status SshChannel::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = libssh2_channel_write(s_->channel, bytes.data(), bytes.size());
    if (n == LIBSSH2_ERROR_TIMEOUT) return Status(StatusCode::kDeadlineExceeded, "SSH write timed out");
    if (n < 0) return unavailable(fmt::format("SSH write: {}", last_error(s_->session)));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  s_->last_io = std::chrono::steady_clock::now();
  return ok_status();
}

Result<std::string> SshChannel::read_some() {
  std::string buf(32768, '\0');
  for (;;) {
    ssize_t n = libssh2_channel_read(s_->channel, buf.data(), buf.size());
    if (n > 0) {
      buf.resize(static_cast<std::size_t>(n));
      s_->last_io = std::chrono::steady_clock::now();
      return buf;
    }
    if (n == LIBSSH2_ERROR_TIMEOUT) return Status(StatusCode::kDeadlineExceeded, "no answer from the switch in time");
    if (n == 0 && libssh2_channel_eof(s_->channel)) return unavailable("the switch closed the NETCONF channel");
    if (n < 0) return unavailable(fmt::format("SSH read: {}", last_error(s_->session)));
  }
}

void SshChannel::set_read_timeout(std::chrono::milliseconds timeout) {
  s_->timeout = timeout;
  libssh2_session_set_timeout(s_->session, static_cast<long>(timeout.count()));
}

std::chrono::milliseconds SshChannel::read_timeout() const { return s_->timeout; }

Status SshChannel::keepalive() {
  // Between RPCs the switch has nothing to say: a hang-up (or anything readable) on
  // the idle socket means it closed the session, e.g. it restarted. Checked without
  // waiting, before every reuse, so a dead session is replaced instead of failing a change.
  pollfd p{.fd = s_->fd, .events = POLLIN | POLLRDHUP, .revents = 0};
  if (::poll(&p, 1, 0) == 1) {
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return unavailable("the switch closed the connection");
    if (p.revents & POLLIN) {
      // SSH traffic while no RPC is open: a keepalive reply, or the subsystem's end
      // (the switch's NETCONF server went away while sshd stayed). Look without waiting.
      libssh2_session_set_blocking(s_->session, 0);
      char byte;
      const ssize_t n = libssh2_channel_read(s_->channel, &byte, 1);
      const bool eof = libssh2_channel_eof(s_->channel);
      libssh2_session_set_blocking(s_->session, 1);
      if (eof || n == 0) return unavailable("the switch closed the NETCONF channel");
      if (n > 0) return unavailable("unexpected data from the switch between RPCs; starting a fresh session");
    }
  }
  if (std::chrono::steady_clock::now() - s_->last_io < s_->keepalive_interval) return ok_status();
  int next = 0;
  if (libssh2_keepalive_send(s_->session, &next) != 0) return unavailable("SSH keepalive failed");
  s_->last_io = std::chrono::steady_clock::now();
  return ok_status();
}

}  // namespace bmf::netconf
