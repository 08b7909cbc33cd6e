#pragma once
// The request and response an HTTP handler sees: plain values, so handlers
// (the admin API, the Redfish services) are tested without a server.
#include <map>
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

struct Response {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
};

}  // namespace bmf::http
