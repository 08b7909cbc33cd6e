#pragma once
// The request and response an HTTP handler sees: plain values, so handlers
// (the admin API, the Redfish services) are tested without a server.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bmf::http {

struct Request {
  std::string method;
  std::string target;  // path and query
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string peer;  // the client's address, filled in by the server
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A response body written while it is produced (server-sent events). The handler keeps
// the stream and push()es chunks on the server's io thread; close() ends the response.
// The server writes them as they come and marks the stream finished when the client
// goes away or the server stops, so producers can drop it.
class ResponseStream {
 public:
  void push(std::string chunk) {
    if (finished_) return;
    pending_.push_back(std::move(chunk));
    if (wake_) wake_();
  }
  void close() {
    closed_ = true;
    if (wake_) wake_();
  }
  bool finished() const { return finished_; }

  // The server's side.
  std::deque<std::string> pending_;
  bool closed_ = false;
  bool finished_ = false;
  std::function<void()> wake_;
};

struct Response {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  // Set for a streamed body (status and headers are sent first, then each chunk).
  std::shared_ptr<ResponseStream> stream;
};

}  // namespace bmf::http
