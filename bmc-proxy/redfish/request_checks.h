#pragma once
// Checks of what a tenant asks the proxy to send to a BMC. Each returns the body
// to forward, rebuilt from the checked fields only (nothing unchecked reaches a
// BMC), or the Redfish error to answer with. Pure functions: unit tested and fuzzed.
#include <string>
#include <string_view>
#include <variant>

namespace bmf::bmcproxy {

struct RequestError {
  int status = 400;
  std::string message_id;
  std::string message;
  std::string property;  // JSON pointer, e.g. "#/ResetType"
};

using Checked = std::variant<std::string, RequestError>;

// POST .../Actions/ComputerSystem.Reset {"ResetType": <ResetType>}
Checked check_reset(std::string_view body);
// PATCH /Systems/{id} {"Boot": {"BootSourceOverrideTarget", "BootSourceOverrideEnabled", "BootSourceOverrideMode"}}
Checked check_system_patch(std::string_view body);
// POST .../VirtualMedia.InsertMedia {"Image": "http(s)://...", "Inserted"?, "WriteProtected"?, "TransferProtocolType"?}
Checked check_insert_media(std::string_view body);
// POST .../VirtualMedia.EjectMedia with no body or {}
Checked check_eject_media(std::string_view body);

}  // namespace bmf::bmcproxy
