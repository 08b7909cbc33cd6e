#pragma once
// A blocking HTTP/1.1 client for bmfctl (one request per call, with a timeout).
#include <chrono>
#include <functional>
#include <string>

#include "common/status/status.h"

namespace bmf::cli {

struct HttpResult {
  int status = 0;
  std::string body;
};

struct Endpoint {
  std::string host;
  std::string port;
  bool tls = false;      // https://
  std::string ca_file;   // verify the coordinator against this CA (else the system store)
};

// Accepts "http://HOST:PORT", "https://HOST:PORT" or "HOST:PORT"; INVALID_ARGUMENT otherwise.
Result<Endpoint> parse_coordinator_url(const std::string& url);

Result<HttpResult> http_request(const Endpoint& endpoint, const std::string& method, const std::string& target,
                                const std::string& body = {},
                                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                const std::string& bearer_token = {});

// GET a server-sent-events stream: `on_event` gets each event's data (the lines after
// "data: ", joined) until it returns false, the server ends the stream, or `timeout`
// passes with nothing received. A non-200 answer is returned as an HttpResult.
Result<HttpResult> http_stream(const Endpoint& endpoint, const std::string& target, std::chrono::milliseconds timeout,
                               const std::string& bearer_token, const std::function<bool(const std::string&)>& on_event);

}  // namespace bmf::cli
