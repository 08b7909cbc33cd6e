#include "tests/lab/bmc_emulator/emulated_bmc.h"

#include "common/redfish/redfish.h"

#include <fmt/core.h>

#include <array>
#include <nlohmann/json.hpp>

namespace bmf::lab {
namespace {

using nlohmann::json;
using redfish::json_response;

// What this emulated BMC offers (a subset of the schema's values, like real BMCs).
const std::array<const char*, 8> kResetTypes = {"On", "ForceOff", "GracefulShutdown", "GracefulRestart",
                                                "ForceRestart", "ForceOn", "PushPowerButton", "Nmi"};
const std::array<const char*, 6> kBootTargets = {"None", "Pxe", "Hdd", "Cd", "BiosSetup", "UefiHttp"};

template <typename List>
bool contains(const List& list, const std::string& v) {
  for (const char* x : list) {
    if (v == x) return true;
  }
  return false;
}

}  // namespace

http::Response redfish_error(int status, const std::string& message_id, const std::string& message,
                             const std::string& related_property) {
  return redfish::error(status, message_id, message, related_property, "bmf-bmc-emulator");
}

EmulatedBmc::EmulatedBmc(BmcConfig config) : config_(std::move(config)) {}

std::string EmulatedBmc::etag() const { return fmt::format("W/\"{}\"", generation_); }

bool EmulatedBmc::authenticated(const http::Request& r) const {
  std::string token = r.header("x-auth-token");
  if (!token.empty()) {
    for (const auto& [id, t] : sessions_) {
      if (t == token) return true;
    }
    return false;
  }
  auto basic = redfish::basic_credentials(r.header("authorization"));
  return basic && basic->first == config_.username && basic->second == config_.password;
}

http::Response EmulatedBmc::handle(const http::Request& r) {
  std::string path = r.target.substr(0, r.target.find('?'));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string sys = "/redfish/v1/Systems/" + config_.system_id;
  const std::string mgr = "/redfish/v1/Managers/" + config_.id;

  if (path == "/redfish" && r.method == "GET") return json_response(200, {{"v1", "/redfish/v1/"}});
  if (path == "/redfish/v1" && r.method == "GET") {
    return json_response(200, {{"@odata.id", "/redfish/v1/"},
                               {"@odata.type", "#ServiceRoot.v1_5_0.ServiceRoot"},
                               {"Id", "RootService"},
                               {"Name", "bmf BMC emulator"},
                               {"RedfishVersion", "1.6.0"},
                               {"UUID", "92384634-2938-2342-8820-489239905423"},
                               {"Systems", {{"@odata.id", "/redfish/v1/Systems"}}},
                               {"Managers", {{"@odata.id", "/redfish/v1/Managers"}}},
                               {"Chassis", {{"@odata.id", "/redfish/v1/Chassis"}}},
                               {"SessionService", {{"@odata.id", "/redfish/v1/SessionService"}}},
                               {"Links", {{"Sessions", {{"@odata.id", "/redfish/v1/SessionService/Sessions"}}}}}});
  }
  if (path == "/redfish/v1/SessionService/Sessions" && r.method == "POST") return create_session(r);
  if (!authenticated(r)) return redfish_error(401, "Base.1.8.NoValidSession", "Valid credentials are required.");
  if (config_.failure_rate > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < config_.failure_rate) {
    ++injected_failures_;
    return redfish_error(503, "Base.1.8.ServiceTemporarilyUnavailable", "Injected failure (emulator failure rate).");
  }
  if (path.rfind("/redfish/v1/SessionService/Sessions/", 0) == 0) {
    std::string id = path.substr(std::string("/redfish/v1/SessionService/Sessions/").size());
    if (r.method == "DELETE" && sessions_.erase(id)) return {204, "", {{"OData-Version", "4.0"}}};
    if (r.method == "GET" && sessions_.count(id)) {
      return json_response(200, {{"@odata.id", path}, {"@odata.type", "#Session.v1_1_0.Session"}, {"Id", id},
                                 {"Name", "User Session"}, {"UserName", config_.username}});
    }
    return redfish_error(404, "Base.1.8.ResourceMissingAtURI", "The resource at the URI was not found.");
  }
  if (path == "/redfish/v1/SessionService" && r.method == "GET") {
    return json_response(200, {{"@odata.id", path}, {"@odata.type", "#SessionService.v1_1_6.SessionService"},
                               {"Id", "SessionService"}, {"Name", "Session Service"}, {"ServiceEnabled", true},
                               {"Sessions", {{"@odata.id", path + "/Sessions"}}}});
  }
  if (path == "/redfish/v1/Systems" && r.method == "GET") {
    return json_response(200, {{"@odata.id", path}, {"@odata.type", "#ComputerSystemCollection.ComputerSystemCollection"},
                               {"Name", "Computer System Collection"}, {"Members@odata.count", 1},
                               {"Members", json::array({{{"@odata.id", sys}}})}});
  }
  if (path == sys && r.method == "GET") return system();
  if (path == sys && r.method == "PATCH") return patch_system(r);
  if (path == sys + "/Actions/ComputerSystem.Reset" && r.method == "POST") return reset(r);
  if (path == "/redfish/v1/Managers" && r.method == "GET") {
    return json_response(200, {{"@odata.id", path}, {"@odata.type", "#ManagerCollection.ManagerCollection"},
                               {"Name", "Manager Collection"}, {"Members@odata.count", 1},
                               {"Members", json::array({{{"@odata.id", mgr}}})}});
  }
  if (path == mgr && r.method == "GET") {
    return json_response(200, {{"@odata.id", mgr}, {"@odata.type", "#Manager.v1_10_0.Manager"}, {"Id", config_.id},
                               {"Name", "BMC"}, {"ManagerType", "BMC"},
                               {"VirtualMedia", {{"@odata.id", mgr + "/VirtualMedia"}}},
                               {"Links", {{"ManagerForServers", json::array({{{"@odata.id", sys}}})}}}});
  }
  if (path == mgr + "/VirtualMedia" && r.method == "GET") {
    return json_response(200, {{"@odata.id", path}, {"@odata.type", "#VirtualMediaCollection.VirtualMediaCollection"},
                               {"Name", "Virtual Media"}, {"Members@odata.count", 1},
                               {"Members", json::array({{{"@odata.id", path + "/Cd"}}})}});
  }
  if (path == mgr + "/VirtualMedia/Cd" && r.method == "GET") return virtual_media();
  if (path == mgr + "/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia" && r.method == "POST") return media_action(r, true);
  if (path == mgr + "/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia" && r.method == "POST") return media_action(r, false);
  if (path == "/redfish/v1/Chassis" && r.method == "GET") {
    return json_response(200, {{"@odata.id", path}, {"@odata.type", "#ChassisCollection.ChassisCollection"},
                               {"Name", "Chassis Collection"}, {"Members@odata.count", 0}, {"Members", json::array()}});
  }
  return redfish_error(404, "Base.1.8.ResourceMissingAtURI", fmt::format("The resource at the URI {} was not found.", path));
}

http::Response EmulatedBmc::system() {
  const std::string sys = "/redfish/v1/Systems/" + config_.system_id;
  json body = {{"@odata.id", sys},
               {"@odata.type", "#ComputerSystem.v1_10_0.ComputerSystem"},
               {"@odata.etag", etag()},
               {"Id", config_.system_id},
               {"Name", "Emulated system of " + config_.id},
               {"SystemType", "Physical"},
               {"PowerState", power_state_},
               {"Boot",
                {{"BootSourceOverrideEnabled", boot_enabled_},
                 {"BootSourceOverrideTarget", boot_target_},
                 {"BootSourceOverrideMode", boot_mode_},
                 {"BootSourceOverrideTarget@Redfish.AllowableValues", kBootTargets},
                 {"BootSourceOverrideEnabled@Redfish.AllowableValues", redfish::kBootEnabled},
                 {"BootSourceOverrideMode@Redfish.AllowableValues", redfish::kBootModes}}},
               {"Actions",
                {{"#ComputerSystem.Reset",
                  {{"target", sys + "/Actions/ComputerSystem.Reset"}, {"ResetType@Redfish.AllowableValues", kResetTypes}}}}},
               {"Links", {{"ManagedBy", json::array({{{"@odata.id", "/redfish/v1/Managers/" + config_.id}}})}}}};
  http::Response res = json_response(200, body);
  res.headers.emplace_back("ETag", etag());
  res.headers.emplace_back("Allow", "GET, PATCH");
  return res;
}

http::Response EmulatedBmc::patch_system(const http::Request& r) {
  std::string if_match = r.header("if-match");
  if (!if_match.empty() && if_match != etag() && if_match != etag().substr(2) && if_match != "*") {
    return redfish_error(412, "Base.1.8.PreconditionFailed", "The ETag in If-Match does not match the resource.");
  }
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return redfish_error(400, "Base.1.8.MalformedJSON", "The request body is not valid JSON.");
  }
  if (!body.contains("Boot") || !body["Boot"].is_object()) {
    return redfish_error(400, "Base.1.8.PropertyMissing", "Only Boot can be changed on this system.", "#/Boot");
  }
  const auto& boot = body["Boot"];
  // Validate everything before changing anything.
  for (auto& [key, value] : boot.items()) {
    if (!value.is_string()) {
      return redfish_error(400, "Base.1.8.PropertyValueTypeError", fmt::format("{} must be a string.", key), "#/Boot/" + key);
    }
    std::string v = value;
    bool ok = key == "BootSourceOverrideTarget"    ? contains(kBootTargets, v)
              : key == "BootSourceOverrideEnabled" ? redfish::one_of(redfish::kBootEnabled, v)
              : key == "BootSourceOverrideMode"    ? redfish::one_of(redfish::kBootModes, v)
                                                   : false;
    if (!ok) {
      return redfish_error(400, "Base.1.8.PropertyValueNotInList",
                           fmt::format("The value {} for {} is not in the list of acceptable values.", v, key),
                           "#/Boot/" + key);
    }
  }
  if (boot.contains("BootSourceOverrideTarget")) boot_target_ = boot["BootSourceOverrideTarget"];
  if (boot.contains("BootSourceOverrideEnabled")) boot_enabled_ = boot["BootSourceOverrideEnabled"];
  if (boot.contains("BootSourceOverrideMode")) boot_mode_ = boot["BootSourceOverrideMode"];
  ++generation_;
  return {204, "", {{"OData-Version", "4.0"}}};
}

http::Response EmulatedBmc::reset(const http::Request& r) {
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return redfish_error(400, "Base.1.8.MalformedJSON", "The request body is not valid JSON.");
  if (!body.contains("ResetType") || !body["ResetType"].is_string()) {
    return redfish_error(400, "Base.1.8.ActionParameterMissing", "ResetType is required.", "#/ResetType");
  }
  std::string type = body["ResetType"];
  if (!contains(kResetTypes, type)) {
    return redfish_error(400, "Base.1.8.ActionParameterNotSupported",
                         fmt::format("The parameter ResetType value {} is not supported.", type), "#/ResetType");
  }
  std::string before = power_state_;
  ++resets_;
  if (type == "On" || type == "ForceOn" || type == "GracefulRestart" || type == "ForceRestart") power_state_ = "On";
  else if (type == "ForceOff" || type == "GracefulShutdown") power_state_ = "Off";
  else if (type == "PushPowerButton") power_state_ = power_state_ == "On" ? "Off" : "On";
  ++generation_;
  if (config_.on_power_change && (before != power_state_ || type.find("Restart") != std::string::npos)) {
    config_.on_power_change(config_.system_id, power_state_);
  }
  return {204, "", {{"OData-Version", "4.0"}}};
}

http::Response EmulatedBmc::virtual_media() {
  const std::string path = "/redfish/v1/Managers/" + config_.id + "/VirtualMedia/Cd";
  json body = {{"@odata.id", path},
               {"@odata.type", "#VirtualMedia.v1_3_0.VirtualMedia"},
               {"Id", "Cd"},
               {"Name", "Virtual CD"},
               {"MediaTypes", json::array({"CD", "DVD"})},
               {"Image", media_image_.empty() ? json(nullptr) : json(media_image_)},
               {"Inserted", media_inserted_},
               {"WriteProtected", true},
               {"Actions",
                {{"#VirtualMedia.InsertMedia", {{"target", path + "/Actions/VirtualMedia.InsertMedia"}}},
                 {"#VirtualMedia.EjectMedia", {{"target", path + "/Actions/VirtualMedia.EjectMedia"}}}}}};
  return json_response(200, body);
}

http::Response EmulatedBmc::media_action(const http::Request& r, bool insert) {
  if (!insert) {
    media_image_.clear();
    media_inserted_ = false;
    return {204, "", {{"OData-Version", "4.0"}}};
  }
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("Image") || !body["Image"].is_string()) {
    return redfish_error(400, "Base.1.8.ActionParameterMissing", "Image (a URL) is required.", "#/Image");
  }
  media_image_ = body["Image"];
  media_inserted_ = true;
  return {204, "", {{"OData-Version", "4.0"}}};
}

http::Response EmulatedBmc::create_session(const http::Request& r) {
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("UserName") || !body.contains("Password") ||
      !body["UserName"].is_string() || !body["Password"].is_string()) {
    return redfish_error(400, "Base.1.8.PropertyMissing", "UserName and Password are required.");
  }
  if (body["UserName"] != config_.username || body["Password"] != config_.password) {
    return redfish_error(401, "Base.1.8.NoValidSession", "Invalid user name or password.");
  }
  std::string id = fmt::format("{}", sessions_.size() + 1 + rng_() % 100000);
  std::string token = fmt::format("{:016x}{:016x}", rng_(), rng_());
  sessions_[id] = token;
  std::string location = "/redfish/v1/SessionService/Sessions/" + id;
  http::Response res = json_response(201, {{"@odata.id", location}, {"@odata.type", "#Session.v1_1_0.Session"},
                                           {"Id", id}, {"Name", "User Session"}, {"UserName", config_.username}});
  res.headers.emplace_back("X-Auth-Token", token);
  res.headers.emplace_back("Location", location);
  return res;
}

}  // namespace bmf::lab
