#pragma once
// What every Redfish service in bmf shares (the BMC proxy, the lab's BMC
// emulator): DMTF error bodies, the JSON reply shape, the standard enum values
// real clients send, and HTTP Basic credentials.
#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "common/http/http_message.h"

namespace bmf::redfish {

// ComputerSystem.ResetType and Boot override values (DSP2046 ComputerSystem schema).
inline constexpr std::array<std::string_view, 9> kResetTypes = {"On", "ForceOff", "GracefulShutdown", "GracefulRestart",
                                                                "ForceRestart", "ForceOn", "PushPowerButton", "Nmi",
                                                                "PowerCycle"};
inline constexpr std::array<std::string_view, 16> kBootSources = {
    "None", "Pxe", "Floppy", "Cd", "Usb", "Hdd", "BiosSetup", "Utilities", "Diags", "UefiShell", "UefiTarget",
    "SDCard", "UefiHttp", "RemoteDrive", "UefiBootNext", "Recovery"};
inline constexpr std::array<std::string_view, 3> kBootEnabled = {"Disabled", "Once", "Continuous"};
inline constexpr std::array<std::string_view, 2> kBootModes = {"UEFI", "Legacy"};

template <typename List>
bool one_of(const List& list, std::string_view value) {
  for (auto v : list) {
    if (v == value) return true;
  }
  return false;
}

// 200-style JSON reply with OData-Version.
http::Response json_response(int status, const nlohmann::json& body);

// {"error": {"code", "message", "@Message.ExtendedInfo": [{MessageId, Message, Severity, Resolution,
// RelatedProperties}]}}; 401s carry WWW-Authenticate: Basic realm=`realm`.
http::Response error(int status, const std::string& message_id, const std::string& message,
                     const std::string& related_property = {}, const std::string& realm = "bmf");

// Base registry message ids used by bmf.
namespace msg {
inline constexpr const char* kMalformedJson = "Base.1.8.MalformedJSON";
inline constexpr const char* kPropertyMissing = "Base.1.8.PropertyMissing";
inline constexpr const char* kPropertyUnknown = "Base.1.8.PropertyUnknown";
inline constexpr const char* kPropertyNotWritable = "Base.1.8.PropertyNotWritable";
inline constexpr const char* kPropertyValueTypeError = "Base.1.8.PropertyValueTypeError";
inline constexpr const char* kPropertyValueNotInList = "Base.1.8.PropertyValueNotInList";
inline constexpr const char* kActionParameterMissing = "Base.1.8.ActionParameterMissing";
inline constexpr const char* kActionParameterUnknown = "Base.1.8.ActionParameterUnknown";
inline constexpr const char* kActionParameterNotSupported = "Base.1.8.ActionParameterNotSupported";
inline constexpr const char* kActionParameterValueTypeError = "Base.1.8.ActionParameterValueTypeError";
inline constexpr const char* kActionParameterValueFormatError = "Base.1.8.ActionParameterValueFormatError";
inline constexpr const char* kResourceMissingAtUri = "Base.1.8.ResourceMissingAtURI";
inline constexpr const char* kNoValidSession = "Base.1.8.NoValidSession";
inline constexpr const char* kOperationNotAllowed = "Base.1.8.OperationNotAllowed";
inline constexpr const char* kPreconditionFailed = "Base.1.8.PreconditionFailed";
inline constexpr const char* kServiceTemporarilyUnavailable = "Base.1.8.ServiceTemporarilyUnavailable";
inline constexpr const char* kInternalError = "Base.1.8.InternalError";
}  // namespace msg

// "Basic dXNlcjpwYXNz" -> {"user", "pass"}; nullopt when absent or malformed.
std::optional<std::pair<std::string, std::string>> basic_credentials(const std::string& authorization_header);

}  // namespace bmf::redfish
