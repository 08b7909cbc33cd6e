#include "coordinator/agent_server/transport.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fmt/core.h>

namespace bmf::coordinator {
namespace {

IoStep from_errno(int err, IoStep::Kind blocked) {
  if (err == EAGAIN || err == EWOULDBLOCK) return {.kind = blocked};
  if (err == ECONNRESET || err == EPIPE) return {.kind = IoStep::kClosed};
  return {.kind = IoStep::kError, .error = std::strerror(err)};
}

class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  IoStep handshake() override { return {}; }
  IoStep read(std::span<char> into) override {
    for (;;) {
      ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
      if (n > 0) {
        return {.kind = IoStep::kDone, .bytes = static_cast<std::size_t>(n), .more = std::size_t(n) == into.size()};
      }
      if (n == 0) return {.kind = IoStep::kClosed};
      if (errno != EINTR) return from_errno(errno, IoStep::kWantRead);
    }
  }
  IoStep write(std::string_view from) override {
    for (;;) {
      ssize_t n = ::send(fd_, from.data(), from.size(), MSG_NOSIGNAL);
      if (n >= 0) return {.kind = IoStep::kDone, .bytes = static_cast<std::size_t>(n)};
      if (errno != EINTR) return from_errno(errno, IoStep::kWantWrite);
    }
  }

 private:
  int fd_;
};

// The OpenSSL error queue as one line ("" when empty); clears it.
std::string ssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

class TlsTransport final : public Transport {
 public:
  TlsTransport(SSL_CTX* ctx, int fd) : ssl_(SSL_new(ctx)) {
    if (ssl_) {
      SSL_set_fd(ssl_, fd);  // a socket BIO without close-on-free: the socket owns the descriptor
      SSL_set_accept_state(ssl_);
    }
  }
  ~TlsTransport() override { SSL_free(ssl_); }

  IoStep handshake() override {
    if (!ssl_) return {.kind = IoStep::kError, .error = "cannot create a TLS session: " + ssl_errors()};
    ERR_clear_error();
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1) return {};
    return outcome(rc);
  }
  IoStep read(std::span<char> into) override {
    ERR_clear_error();
    std::size_t n = 0;
    if (SSL_read_ex(ssl_, into.data(), into.size(), &n) == 1) {
      return {.kind = IoStep::kDone, .bytes = n, .more = n == into.size() || SSL_has_pending(ssl_) == 1};
    }
    return outcome(0);
  }
  IoStep write(std::string_view from) override {
    ERR_clear_error();
    std::size_t n = 0;
    if (SSL_write_ex(ssl_, from.data(), from.size(), &n) == 1) return {.kind = IoStep::kDone, .bytes = n};
    return outcome(0);
  }

 private:
  IoStep outcome(int rc) {
    const int saved_errno = errno;
    switch (SSL_get_error(ssl_, rc)) {
      case SSL_ERROR_WANT_READ: return {.kind = IoStep::kWantRead};
      case SSL_ERROR_WANT_WRITE: return {.kind = IoStep::kWantWrite};
      case SSL_ERROR_ZERO_RETURN: return {.kind = IoStep::kClosed};  // close_notify or, with
                                                                      // SSL_OP_IGNORE_UNEXPECTED_EOF, EOF
      case SSL_ERROR_SYSCALL: {
        std::string queued = ssl_errors();
        if (!queued.empty()) return {.kind = IoStep::kError, .error = queued};
        if (saved_errno == 0 || saved_errno == ECONNRESET || saved_errno == EPIPE) return {.kind = IoStep::kClosed};
        return {.kind = IoStep::kError, .error = std::strerror(saved_errno)};
      }
      default: {
        std::string queued = ssl_errors();
        return {.kind = IoStep::kError, .error = queued.empty() ? "TLS failure" : queued};
      }
    }
  }

  SSL* ssl_;
};

}  // namespace

std::unique_ptr<Transport> plain_transport(int fd) { return std::make_unique<PlainTransport>(fd); }

std::unique_ptr<Transport> tls_transport(SSL_CTX* ctx, int fd) { return std::make_unique<TlsTransport>(ctx, fd); }

SslCtxPtr make_tls_server_context(const std::string& cert_chain_pem, const std::string& key_pem, std::string& error) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    error = "cannot create a TLS context: " + ssl_errors();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx.get(),
                   SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_read_ahead(ctx.get(), 1);  // a record in one read(), not a header read then a body read
  SSL_CTX_set_num_tickets(ctx.get(), 0);  // no resumption: a ticket per handshake is wasted work
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_chain_pem.c_str()) != 1) {
    error = fmt::format("TLS certificate {}: {}", cert_chain_pem, ssl_errors());
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_pem.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = fmt::format("TLS key {}: {}", key_pem, ssl_errors());
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    error = fmt::format("TLS key {} does not match the certificate {}: {}", key_pem, cert_chain_pem, ssl_errors());
    return nullptr;
  }
  return ctx;
}

}  // namespace bmf::coordinator
