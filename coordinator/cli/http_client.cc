#include "coordinator/cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

namespace bmf::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<Endpoint> parse_coordinator_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) {
    return invalid_argument(fmt::format("coordinator URL '{}': only http:// is supported", url));
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    return invalid_argument(fmt::format("coordinator URL '{}' must look like http://HOST:PORT", url));
  }
  return Endpoint{rest.substr(0, colon), rest.substr(colon + 1)};
}

Result<HttpResult> http_request(const Endpoint& ep, const std::string& method, const std::string& target,
                                const std::string& body, std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(ep.host, ep.port, ec);
  if (ec) return unavailable(fmt::format("cannot resolve {}: {}", ep.host, ec.message()));
  stream.expires_after(timeout);
  stream.connect(results, ec);
  if (ec) return unavailable(fmt::format("cannot reach coordinator at {}:{}: {}", ep.host, ep.port, ec.message()));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, ep.host);
  req.set(http::field::user_agent, "bmfctl");
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) return unavailable(fmt::format("request to coordinator failed: {}", ec.message()));
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return HttpResult{static_cast<int>(res.result_int()), std::move(res.body())};
}

}  // namespace bmf::cli
