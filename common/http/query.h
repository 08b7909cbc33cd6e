#pragma once
// The parameters of a request target's query string ("/x?a=1&b" -> {a,"1"}, {b,""}),
// in order, as views into the target. Callers decide what is allowed.
#include <string_view>
#include <vector>

namespace bmf::http {

struct QueryParam {
  std::string_view text;   // "a=1"
  std::string_view key;    // "a"
  std::string_view value;  // "1"; empty when there is no '='
  bool has_value = false;
};

inline std::vector<QueryParam> query_params(std::string_view target) {
  std::vector<QueryParam> out;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = kv.find('=');
    out.push_back({kv, kv.substr(0, eq), eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1),
                   eq != std::string_view::npos});
  }
  return out;
}

}  // namespace bmf::http
