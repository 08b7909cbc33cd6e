#include "bmc-proxy/redfish/request_checks.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "common/redfish/redfish.h"

namespace bmf::bmcproxy {

using nlohmann::json;
namespace msg = redfish::msg;

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

RequestError malformed() { return {400, msg::kMalformedJson, "The request body is not a valid JSON object.", ""}; }

// Parses an object body; nullopt + error when it is not one.
std::variant<json, RequestError> object_body(std::string_view body) {
  if (body.size() > kMaxBody) return RequestError{413, msg::kMalformedJson, "The request body is too large.", ""};
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return malformed();
  return doc;
}

}  // namespace

Checked check_reset(std::string_view body) {
  auto parsed = object_body(body);
  if (auto* e = std::get_if<RequestError>(&parsed)) return *e;
  const json& doc = std::get<json>(parsed);
  for (auto& [key, value] : doc.items()) {
    if (key != "ResetType") {
      return RequestError{400, msg::kActionParameterUnknown,
                          fmt::format("The action ComputerSystem.Reset has no parameter {}.", key), "#/" + key};
    }
  }
  if (!doc.contains("ResetType")) {
    return RequestError{400, msg::kActionParameterMissing, "The action ComputerSystem.Reset requires the parameter ResetType.",
                        "#/ResetType"};
  }
  if (!doc["ResetType"].is_string()) {
    return RequestError{400, msg::kActionParameterValueTypeError, "The value for the parameter ResetType must be a string.",
                        "#/ResetType"};
  }
  const std::string type = doc["ResetType"];
  if (!redfish::one_of(redfish::kResetTypes, type)) {
    return RequestError{400, msg::kActionParameterNotSupported,
                        fmt::format("The value '{}' for the parameter ResetType is not supported.", type.substr(0, 64)),
                        "#/ResetType"};
  }
  return json{{"ResetType", type}}.dump();
}

Checked check_system_patch(std::string_view body) {
  auto parsed = object_body(body);
  if (auto* e = std::get_if<RequestError>(&parsed)) return *e;
  const json& doc = std::get<json>(parsed);
  for (auto& [key, value] : doc.items()) {
    if (key == "Boot") continue;
    if (key == "PowerState" || key == "Id" || key == "@odata.id") {
      return RequestError{400, msg::kPropertyNotWritable, fmt::format("The property {} is read-only.", key), "#/" + key};
    }
    return RequestError{400, msg::kPropertyUnknown,
                        fmt::format("The property {} cannot be changed through this service; only Boot can.", key.substr(0, 64)),
                        "#/" + key.substr(0, 64)};
  }
  if (!doc.contains("Boot") || !doc["Boot"].is_object() || doc["Boot"].empty()) {
    return RequestError{400, msg::kPropertyMissing, "Boot (an object with the override to set) is required.", "#/Boot"};
  }
  json boot = json::object();
  for (auto& [key, value] : doc["Boot"].items()) {
    const std::string where = "#/Boot/" + key.substr(0, 64);
    const bool target = key == "BootSourceOverrideTarget", enabled = key == "BootSourceOverrideEnabled",
               mode = key == "BootSourceOverrideMode";
    if (!target && !enabled && !mode) {
      return RequestError{400, msg::kPropertyUnknown, fmt::format("The property Boot/{} is not supported.", key.substr(0, 64)), where};
    }
    if (!value.is_string()) {
      return RequestError{400, msg::kPropertyValueTypeError, fmt::format("The value for Boot/{} must be a string.", key), where};
    }
    const std::string v = value;
    const bool known = target ? redfish::one_of(redfish::kBootSources, v)
                       : enabled ? redfish::one_of(redfish::kBootEnabled, v)
                                 : redfish::one_of(redfish::kBootModes, v);
    if (!known) {
      return RequestError{400, msg::kPropertyValueNotInList,
                          fmt::format("The value '{}' for Boot/{} is not in the list of acceptable values.", v.substr(0, 64), key),
                          where};
    }
    boot[key] = v;
  }
  return json{{"Boot", boot}}.dump();
}

Checked check_insert_media(std::string_view body) {
  auto parsed = object_body(body);
  if (auto* e = std::get_if<RequestError>(&parsed)) return *e;
  const json& doc = std::get<json>(parsed);
  json out = json::object();
  for (auto& [key, value] : doc.items()) {
    const std::string where = "#/" + key.substr(0, 64);
    if (key == "Image" || key == "TransferProtocolType" || key == "UserName" || key == "Password") {
      if (!value.is_string()) {
        return RequestError{400, msg::kActionParameterValueTypeError, fmt::format("The value for {} must be a string.", key), where};
      }
    } else if (key == "Inserted" || key == "WriteProtected") {
      if (!value.is_boolean()) {
        return RequestError{400, msg::kActionParameterValueTypeError, fmt::format("The value for {} must be true or false.", key), where};
      }
    } else {
      return RequestError{400, msg::kActionParameterUnknown,
                          fmt::format("The action VirtualMedia.InsertMedia has no parameter {}.", key.substr(0, 64)), where};
    }
    out[key] = value;
  }
  if (!doc.contains("Image")) {
    return RequestError{400, msg::kActionParameterMissing, "The action VirtualMedia.InsertMedia requires the parameter Image.",
                        "#/Image"};
  }
  const std::string image = doc["Image"];
  if ((image.rfind("http://", 0) != 0 && image.rfind("https://", 0) != 0) || image.size() > 2048 ||
      image.find_first_of(" \t\r\n\"<>\\") != std::string::npos) {
    return RequestError{400, msg::kActionParameterValueFormatError, "Image must be an http:// or https:// URL.", "#/Image"};
  }
  return out.dump();
}

Checked check_eject_media(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string("{}");
  auto parsed = object_body(body);
  if (auto* e = std::get_if<RequestError>(&parsed)) return *e;
  if (!std::get<json>(parsed).empty()) {
    return RequestError{400, msg::kActionParameterUnknown, "The action VirtualMedia.EjectMedia takes no parameters.", ""};
  }
  return std::string("{}");
}

}  // namespace bmf::bmcproxy
