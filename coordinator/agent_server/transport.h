#pragma once
// Transport: non-blocking bytes over one connected socket, plain or TLS, driven by readiness
// (the session waits for the socket to be readable or writable, then calls read/write until they
// would block). TLS runs OpenSSL directly on the socket's descriptor: no intermediate record
// buffers per connection (Asio's ssl::stream keeps ~68 KB of them for a connection's whole life;
// with SSL_MODE_RELEASE_BUFFERS an idle TLS connection here holds only OpenSSL's own state).
#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace bmf::coordinator {

struct IoStep {
  enum Kind {
    kDone,       // `bytes` moved (handshake: finished)
    kWantRead,   // blocked until the socket is readable
    kWantWrite,  // blocked until the socket is writable
    kClosed,     // the peer closed the connection (EOF, TLS close_notify, reset)
    kError,      // anything else; `error` says what
  };
  Kind kind = kDone;
  std::size_t bytes = 0;
  // read: false when that read took all the socket had (a short read with nothing left in the
  // TLS layer), so waiting for readability needs no further read that would only say EAGAIN.
  bool more = true;
  std::string error;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Plain: done at once. TLS: the server side of the handshake, resumable.
  virtual IoStep handshake() = 0;
  virtual IoStep read(std::span<char> into) = 0;
  virtual IoStep write(std::string_view from) = 0;
};

// `fd` stays owned by the caller (its socket) and must be non-blocking.
std::unique_ptr<Transport> plain_transport(int fd);

// The server context for tls_transport: TLS 1.2+, no session tickets (agents keep their one
// connection), partial writes, unexpected EOF read as a close, idle record buffers released.
// Empty on a bad certificate or key, with the reason in `error`.
struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
SslCtxPtr make_tls_server_context(const std::string& cert_chain_pem, const std::string& key_pem, std::string& error);

std::unique_ptr<Transport> tls_transport(SSL_CTX* ctx, int fd);

}  // namespace bmf::coordinator
