#include "common/redfish/redfish.h"

#include <openssl/evp.h>

namespace bmf::redfish {

using nlohmann::json;

http::Response json_response(int status, const json& body) {
  return {status, body.dump(), {{"OData-Version", "4.0"}}};
}

http::Response error(int status, const std::string& message_id, const std::string& message,
                     const std::string& related_property, const std::string& realm) {
  json info = {{"@odata.type", "#Message.v1_1_1.Message"},
               {"MessageId", message_id},
               {"Message", message},
               {"Severity", "Critical"},
               {"Resolution", "Correct the request and resubmit it."}};
  if (!related_property.empty()) info["RelatedProperties"] = json::array({related_property});
  json body = {{"error", {{"code", message_id}, {"message", message}, {"@Message.ExtendedInfo", json::array({info})}}}};
  http::Response r = json_response(status, body);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
  return r;
}

std::optional<std::pair<std::string, std::string>> basic_credentials(const std::string& header) {
  if (header.size() < 7 || header.compare(0, 6, "Basic ") != 0) return std::nullopt;
  std::string in = header.substr(6);
  while (!in.empty() && in.front() == ' ') in.erase(0, 1);
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return std::nullopt;
  std::string out(in.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock counts the bytes the '=' padding stands for as zeros.
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) {
    if (!out.empty()) out.pop_back();
  }
  auto colon = out.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(out.substr(0, colon), out.substr(colon + 1));
}

}  // namespace bmf::redfish
