#pragma once
// Namespace-prefix-agnostic navigation of NETCONF replies: servers may answer
// with a default namespace or with prefixes (nc:, oc-if:), so elements are
// matched by local name.
#include <pugixml.hpp>

#include <string_view>

namespace bmf::netconf::xml {

inline std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The first child element with this local name (an empty node when none).
inline pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
  for (auto c : parent.children()) {
    if (local_name(c) == name) return c;
  }
  return {};
}

}  // namespace bmf::netconf::xml
