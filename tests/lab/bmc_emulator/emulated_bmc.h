#pragma once
// EmulatedBmc: one BMC's Redfish service (DSP0266 subset that sushy and
// redfishtool need; see ../shared/recipes/redfish-clients.md): an unauthenticated
// service root, Basic auth and sessions (X-Auth-Token), one ComputerSystem with
// PowerState, Boot override and #ComputerSystem.Reset, a Manager with
// VirtualMedia (InsertMedia/EjectMedia), ETags, and Redfish error bodies. A pure
// request -> response function; the lab program serves many of them.
#include <functional>
#include <map>
#include <random>
#include <string>

#include "common/http/http_message.h"

namespace bmf::lab {

struct BmcConfig {
  std::string id = "bmc-0";
  std::string system_id = "1";
  std::string username = "admin";
  std::string password = "password";
  double failure_rate = 0.0;  // fraction of authenticated requests answered 503
  // Called after a power change with (system id, "On"|"Off").
  std::function<void(const std::string&, const std::string&)> on_power_change;
};

class EmulatedBmc {
 public:
  explicit EmulatedBmc(BmcConfig config);
  http::Response handle(const http::Request& request);

  const std::string& power_state() const { return power_state_; }
  const std::string& boot_target() const { return boot_target_; }
  int resets() const { return resets_; }  // resets carried out (not those refused)
  int injected_failures() const { return injected_failures_; }  // 503s from failure_rate

 private:
  bool authenticated(const http::Request& r) const;
  http::Response system();
  http::Response patch_system(const http::Request& r);
  http::Response reset(const http::Request& r);
  http::Response virtual_media();
  http::Response media_action(const http::Request& r, bool insert);
  http::Response create_session(const http::Request& r);
  std::string etag() const;

  BmcConfig config_;
  std::string power_state_ = "Off";
  std::string boot_enabled_ = "Disabled";
  std::string boot_target_ = "None";
  std::string boot_mode_ = "UEFI";
  std::string media_image_;
  bool media_inserted_ = false;
  int resets_ = 0;
  int injected_failures_ = 0;
  unsigned generation_ = 1;  // bumps on every change; the ETag
  std::map<std::string, std::string> sessions_;  // session id -> token
  std::mt19937_64 rng_{std::random_device{}()};
};

// Redfish error body (error.code, message, @Message.ExtendedInfo).
http::Response redfish_error(int status, const std::string& message_id, const std::string& message,
                             const std::string& related_property = {});

}  // namespace bmf::lab
