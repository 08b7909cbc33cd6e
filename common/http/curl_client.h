#pragma once
// CurlMultiClient: outbound HTTP(S) over libcurl's multi interface, driven by the
// caller's Asio loop (libcurl's socket/timer callbacks map onto Asio waits), so
// a thousand BMC calls in flight cost a thousand easy handles, not threads.
// Connections are reused per host from the multi handle's cache; at most
// `max_connections_per_host` run at once per BMC (BMCs fall over under load),
// the rest queue inside libcurl. Idempotent requests are retried with backoff.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace boost::asio {
class io_context;
}

namespace bmf::http {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string username;  // Basic auth when non-empty; never logged
  std::string password;
  bool verify_tls = true;
  std::string ca_file;  // empty: the system store
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds connect_timeout{3'000};
  // Attempts for idempotent methods (GET/HEAD) on transport errors and 502/503/504.
  int max_attempts = 1;
  std::chrono::milliseconds first_backoff{100};
};

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  int attempts = 1;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpClientOptions {
  long max_connections_per_host = 2;
  long max_total_connections = 4096;
};

class CurlMultiClient {
 public:
  using Callback = std::function<void(Result<HttpReply>)>;
  explicit CurlMultiClient(boost::asio::io_context& io, HttpClientOptions options = {});
  ~CurlMultiClient();
  CurlMultiClient(const CurlMultiClient&) = delete;
  CurlMultiClient& operator=(const CurlMultiClient&) = delete;

  // Starts the call; `done` runs on the io_context's thread exactly once
  // (UNAVAILABLE / DEADLINE_EXCEEDED for transport failures; any HTTP status is a reply).
  void perform(HttpCall call, Callback done);
  std::size_t in_flight() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bmf::http
