#pragma once
// A small HTTP/1.1 server (Boost.Beast, one coroutine per connection) that hands
// each request to a handler. Bodies above a limit get 413, malformed requests
// 400; neither affects other connections.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status/status.h"
#include "common/http/http_message.h"

namespace bmf::http {

struct HttpServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::size_t max_body_bytes = 1024 * 1024;
  std::string server_name = "bmf";
  std::chrono::milliseconds response_delay{0};  // artificial latency (lab emulators)
  // A connection that sends no (complete) request for this long is closed, so
  // idle or slow clients cannot hold connections open forever.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // HTTPS when both are set (PEM files); plain HTTP otherwise.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
};

class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  // A handler that answers later (e.g. after a southbound call): it must call
  // Reply exactly once, from any thread.
  using Reply = std::function<void(Response)>;
  using AsyncHandler = std::function<void(Request, Reply)>;
  HttpServer(boost::asio::io_context& io, HttpServerConfig config, Handler handler);
  HttpServer(boost::asio::io_context& io, HttpServerConfig config, AsyncHandler handler);
  ~HttpServer();
  Result<std::uint16_t> start();
  void stop();
  // Graceful stop: no new connections, idle ones closed, requests being handled answered
  // (with Connection: close); in_flight() counts those still being handled.
  void drain();
  std::size_t in_flight() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bmf::http
