#include "coordinator/cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/core.h>

namespace bmf::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

Result<Endpoint> parse_coordinator_url(const std::string& url) {
  std::string rest = url;
  bool tls = false;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.rfind("https://", 0) == 0) rest = rest.substr(8), tls = true;
  else if (rest.find("://") != std::string::npos) {
    return invalid_argument(fmt::format("coordinator URL '{}': only http:// and https:// are supported", url));
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    return invalid_argument(fmt::format("coordinator URL '{}' must look like http://HOST:PORT", url));
  }
  return Endpoint{rest.substr(0, colon), rest.substr(colon + 1), tls};
}

namespace {

template <typename Stream>
Result<HttpResult> exchange(Stream& stream, const Endpoint& ep, const std::string& method, const std::string& target,
                            const std::string& body, const std::string& bearer) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, ep.host);
  req.set(http::field::user_agent, "bmfctl");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  boost::system::error_code ec;
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) return unavailable(fmt::format("request to coordinator failed: {}", ec.message()));
  return HttpResult{static_cast<int>(res.result_int()), std::move(res.body())};
}

// Reads the SSE body chunk by chunk; hands each complete event's data to on_event.
template <typename Stream>
Result<HttpResult> stream_events(Stream& stream, const Endpoint& ep, const std::string& target, const std::string& bearer,
                                 std::chrono::milliseconds timeout, const std::function<bool(const std::string&)>& on_event) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, ep.host);
  req.set(http::field::user_agent, "bmfctl");
  req.set(http::field::accept, "text/event-stream");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  boost::system::error_code ec;
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  if (!ec) http::read_header(stream, buffer, parser, ec);
  if (ec) return unavailable(fmt::format("request to coordinator failed: {}", ec.message()));
  const int status = static_cast<int>(parser.get().result_int());
  std::string pending;
  char chunk[8192];
  std::string error_body;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    beast::get_lowest_layer(stream).expires_after(timeout);
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec && ec != http::error::end_of_stream) return unavailable(fmt::format("event stream from coordinator broke: {}", ec.message()));
    const std::size_t got = sizeof chunk - parser.get().body().size;
    if (status != 200) {
      error_body.append(chunk, got);
    } else {
      pending.append(chunk, got);
      for (auto end = pending.find("\n\n"); end != std::string::npos; end = pending.find("\n\n")) {
        std::string event = pending.substr(0, end);
        pending.erase(0, end + 2);
        std::string data;
        for (std::size_t pos = 0; pos < event.size();) {
          auto nl = event.find('\n', pos);
          std::string line = event.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
          pos = nl == std::string::npos ? event.size() : nl + 1;
          if (line.rfind("data: ", 0) == 0) data += (data.empty() ? "" : "\n") + line.substr(6);
        }
        if (!data.empty() && !on_event(data)) return HttpResult{status, ""};
      }
    }
    if (ec == http::error::end_of_stream) break;
  }
  return HttpResult{status, error_body};
}

}  // namespace

// Connects (TLS verified against the CA when https://) and hands the stream to `use`.
template <typename Use>
Result<HttpResult> with_stream(const Endpoint& ep, std::chrono::milliseconds timeout, Use use) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(ep.host, ep.port, ec);
  if (ec) return unavailable(fmt::format("cannot resolve {}: {}", ep.host, ec.message()));
  if (!ep.tls) {
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(results, ec);
    if (ec) return unavailable(fmt::format("cannot reach coordinator at {}:{}: {}", ep.host, ep.port, ec.message()));
    auto out = use(stream);
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return out;
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_peer);
  if (ep.ca_file.empty()) ctx.set_default_verify_paths(ec);
  else ctx.load_verify_file(ep.ca_file, ec);
  if (ec) return invalid_argument(fmt::format("cannot load CA {}: {}", ep.ca_file.empty() ? "(system)" : ep.ca_file, ec.message()));
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  stream.set_verify_callback(ssl::host_name_verification(ep.host));
  SSL_set_tlsext_host_name(stream.native_handle(), ep.host.c_str());
  beast::get_lowest_layer(stream).expires_after(timeout);
  beast::get_lowest_layer(stream).connect(results, ec);
  if (ec) return unavailable(fmt::format("cannot reach coordinator at {}:{}: {}", ep.host, ep.port, ec.message()));
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return unavailable(fmt::format("TLS with coordinator {}:{} failed: {}", ep.host, ep.port, ec.message()));
  auto out = use(stream);
  stream.shutdown(ec);
  return out;
}

Result<HttpResult> http_stream(const Endpoint& ep, const std::string& target, std::chrono::milliseconds timeout,
                               const std::string& bearer, const std::function<bool(const std::string&)>& on_event) {
  return with_stream(ep, timeout, [&](auto& stream) { return stream_events(stream, ep, target, bearer, timeout, on_event); });
}

Result<HttpResult> http_request(const Endpoint& ep, const std::string& method, const std::string& target,
                                const std::string& body, std::chrono::milliseconds timeout, const std::string& bearer) {
  return with_stream(ep, timeout, [&](auto& stream) { return exchange(stream, ep, method, target, body, bearer); });
}

}  // namespace bmf::cli
