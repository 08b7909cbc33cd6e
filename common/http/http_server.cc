#include "common/http/http_server.h"

#include "common/async/spawn.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

#include <optional>
#include <set>

#include "common/log/log.h"

namespace bmf::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;

// Coroutines take a shared_ptr to the Impl as a parameter (copied into the frame at
// call time), so a server destroyed with connections in flight is freed only after
// they have wound down.
class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(asio::io_context& io, HttpServerConfig config, AsyncHandler handler)
      : io_(io), config_(std::move(config)), handler_(std::move(handler)), acceptor_(io) {}

  Result<std::uint16_t> start() {
    if (!config_.tls_certificate_file.empty() || !config_.tls_private_key_file.empty()) {
      BMF_RETURN_IF_ERROR(load_tls());
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(config_.listen_address, ec);
    if (ec) return invalid_argument(fmt::format("bad listen address '{}'", config_.listen_address));
    tcp::endpoint ep(address, config_.listen_port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return unavailable(
          fmt::format("cannot listen on {}:{}: {}", config_.listen_address, config_.listen_port, ec.message()));
    }
    // The accept loop ending by an exception would leave the API deaf: say so loudly.
    async::spawn(io_, accept_loop(shared_from_this()), fmt::format("http accept loop on {}:{}", config_.listen_address, config_.listen_port));
    return acceptor_.local_endpoint().port();
  }

  void stop() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto* s : sockets_) s->close(ec);
    for (auto* body : streams_) {
      if (body->wake_) body->wake_();
    }
  }

  // Stops accepting and closes what is idle (keep-alive connections between requests, requests
  // not yet read, event streams); a request being handled gets its response (Connection: close).
  void drain() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto* s : sockets_) {
      if (!busy_.count(s)) s->close(ec);
    }
    for (auto* body : streams_) {
      if (body->wake_) body->wake_();
    }
  }
  std::size_t in_flight() const { return busy_.size(); }

 private:
  Status load_tls() {
    if (config_.tls_certificate_file.empty() || config_.tls_private_key_file.empty()) {
      return invalid_argument("HTTPS needs both a certificate and a private key file");
    }
    tls_.emplace(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    // Idle keep-alive connections give their TLS buffers back (~34 KB each).
    SSL_CTX_set_mode(tls_->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    boost::system::error_code ec;
    tls_->use_certificate_chain_file(config_.tls_certificate_file, ec);
    if (ec) return invalid_argument(fmt::format("cannot load TLS certificate {}: {}", config_.tls_certificate_file, ec.message()));
    tls_->use_private_key_file(config_.tls_private_key_file, ssl::context::pem, ec);
    if (ec) return invalid_argument(fmt::format("cannot load TLS key {}: {}", config_.tls_private_key_file, ec.message()));
    return ok_status();
  }

  asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self) {
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) break;
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (tls_) {
        async::spawn(io_, serve_tls(self, ssl::stream<tcp::socket>(std::move(socket), *tls_)), "http connection (tls)");
      } else {
        async::spawn(io_, serve_plain(self, std::move(socket)), "http connection");
      }
    }
  }

  asio::awaitable<void> serve_tls([[maybe_unused]] std::shared_ptr<Impl> self, ssl::stream<tcp::socket> stream) {
    boost::system::error_code ec;
    sockets_.insert(&stream.next_layer());
    {
      IdleGuard guard(io_, stream.next_layer(), config_.idle_timeout);
      co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    }
    sockets_.erase(&stream.next_layer());
    if (!ec) co_await serve(stream);
  }

  // Closes the socket if the guarded wait (a handshake, a request read) outlasts the timeout.
  class IdleGuard {
   public:
    IdleGuard(asio::io_context& io, tcp::socket& socket, std::chrono::milliseconds timeout)
        : timer_(io, timeout), live_(std::make_shared<bool>(true)) {
      timer_.async_wait([&socket, live = live_](boost::system::error_code ec) {
        if (ec || !*live) return;
        boost::system::error_code ignored;
        socket.close(ignored);
      });
    }
    ~IdleGuard() {
      *live_ = false;
      timer_.cancel();
    }

   private:
    asio::steady_timer timer_;
    std::shared_ptr<bool> live_;
  };

  asio::awaitable<void> serve_plain([[maybe_unused]] std::shared_ptr<Impl> self, tcp::socket socket) { co_await serve<tcp::socket>(socket); }

  // Hands the request to the handler and waits for its reply without blocking the loop.
  asio::awaitable<Response> call_handler(Request in) {
    auto reply = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Response)>(
        [this, &in](auto completion) {
          auto shared = std::make_shared<decltype(completion)>(std::move(completion));
          handler_(std::move(in), [this, shared](Response r) {
            asio::post(io_, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
          });
        },
        asio::use_awaitable);
    co_return reply;
  }

  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream) {
    tcp::socket& socket = beast::get_lowest_layer(stream);
    sockets_.insert(&socket);
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(config_.max_body_bytes);
      boost::system::error_code ec;
      {
        IdleGuard guard(io_, socket, config_.idle_timeout);
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec == asio::error::bad_descriptor) break;  // closed by the idle guard
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted) break;
      if (ec == ssl::error::stream_truncated) break;
      http::response<http::string_body> res;
      bool keep_alive = false;
      if (ec) {
        const bool too_big = ec == http::error::body_limit;
        res.result(too_big ? 413 : 400);
        res.body() = fmt::format(R"({{"code":"INVALID_ARGUMENT","message":"{}","details":"{}"}})",
                                 too_big ? "request body too large" : "malformed HTTP request", ec.message());
        res.set(http::field::content_type, "application/json");
      } else {
        auto& req = parser.get();
        keep_alive = req.keep_alive();
        Request in{std::string(req.method_string()), std::string(req.target()), std::move(req.body()), {}, {}};
        boost::system::error_code peer_ec;
        auto remote = socket.remote_endpoint(peer_ec);
        if (!peer_ec) in.peer = remote.address().to_string();
        for (const auto& f : req) {
          std::string name(f.name_string());
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          in.headers[name] = std::string(f.value());
        }
        busy_.insert(&socket);
        Response out = co_await call_handler(std::move(in));
        if (stopping_) keep_alive = false;  // draining: this response, then close
        if (out.stream) {
          busy_.erase(&socket);
          if (!stopping_) co_await stream_body(stream, out);
          break;  // a streamed body ends with the connection
        }
        res.result(out.status);
        res.body() = std::move(out.body);
        if (!out.content_type.empty()) res.set(http::field::content_type, out.content_type);
        for (const auto& [name, value] : out.headers) res.set(name, value);
      }
      if (config_.response_delay.count() > 0) {
        asio::steady_timer delay(io_, config_.response_delay);
        co_await delay.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      res.version(11);
      if (res.find(http::field::server) == res.end()) res.set(http::field::server, config_.server_name);
      res.keep_alive(keep_alive);
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      busy_.erase(&socket);
      if (ec || !keep_alive || stopping_) break;
    }
    busy_.erase(&socket);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    sockets_.erase(&socket);
  }

  // Status and headers, then every chunk as it is pushed, until the producer closes the
  // stream, the client goes away (a write fails; a comment line every 15 s finds out) or the
  // server stops.
  template <typename Stream>
  asio::awaitable<void> stream_body(Stream& stream, Response& out) {
    auto body = out.stream;
    std::string head = fmt::format("HTTP/1.1 {} {}\r\nServer: {}\r\nContent-Type: {}\r\nCache-Control: no-store\r\n"
                                   "X-Accel-Buffering: no\r\nConnection: close\r\n",
                                   out.status, std::string(http::obsolete_reason(static_cast<http::status>(out.status))),
                                   config_.server_name, out.content_type);
    for (const auto& [name, value] : out.headers) head += fmt::format("{}: {}\r\n", name, value);
    head += "\r\n";
    boost::system::error_code ec;
    co_await asio::async_write(stream, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
    asio::steady_timer wake(io_);
    body->wake_ = [&wake] { wake.cancel(); };
    streams_.insert(body.get());
    auto last_write = std::chrono::steady_clock::now();
    while (!ec && !stopping_) {
      if (!body->pending_.empty()) {
        std::string chunk;
        while (!body->pending_.empty()) {
          chunk += std::move(body->pending_.front());
          body->pending_.pop_front();
        }
        co_await asio::async_write(stream, asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        last_write = std::chrono::steady_clock::now();
        continue;
      }
      if (body->closed_) break;
      if (std::chrono::steady_clock::now() - last_write >= std::chrono::seconds(15)) {
        static const std::string kPing = ": keep-alive\n\n";
        co_await asio::async_write(stream, asio::buffer(kPing), asio::redirect_error(asio::use_awaitable, ec));
        last_write = std::chrono::steady_clock::now();
        continue;
      }
      wake.expires_after(std::chrono::seconds(15));
      boost::system::error_code wait_ec;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
    }
    streams_.erase(body.get());
    body->wake_ = nullptr;
    body->finished_ = true;
    body->pending_.clear();
  }

  asio::io_context& io_;
  HttpServerConfig config_;
  AsyncHandler handler_;
  std::optional<ssl::context> tls_;
  tcp::acceptor acceptor_;
  std::set<tcp::socket*> sockets_;
  std::set<tcp::socket*> busy_;  // a request read and not yet answered
  std::set<ResponseStream*> streams_;
  bool stopping_ = false;
};

HttpServer::HttpServer(asio::io_context& io, HttpServerConfig config, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(config), [h = std::move(handler)](Request r, Reply reply) {
        reply(h(r));
      })) {}
HttpServer::HttpServer(asio::io_context& io, HttpServerConfig config, AsyncHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(handler))) {}
HttpServer::~HttpServer() { impl_->stop(); }
Result<std::uint16_t> HttpServer::start() { return impl_->start(); }
void HttpServer::stop() { impl_->stop(); }
void HttpServer::drain() { impl_->drain(); }
std::size_t HttpServer::in_flight() const { return impl_->in_flight(); }

}  // namespace bmf::http
