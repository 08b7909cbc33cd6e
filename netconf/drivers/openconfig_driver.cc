#include "netconf/drivers/openconfig_driver.h"

#include <fmt/format.h>

#include <algorithm>

#include <pugixml.hpp>

#include "netconf/client/xml_util.h"
#include <sstream>

namespace bmf::netconf {
namespace {

using xml::child;
using xml::local_name;

constexpr const char* kIfNs = "http://openconfig.net/yang/interfaces";
constexpr const char* kEthNs = "http://openconfig.net/yang/interfaces/ethernet";
constexpr const char* kVlanNs = "http://openconfig.net/yang/vlan";
constexpr const char* kNetInstNs = "http://openconfig.net/yang/network-instance";

void leaf(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text() = value.c_str();
}

}  // namespace

std::string to_string(const PortConfig& p) {
  switch (p.mode) {
    case PortConfig::Mode::kAccess: return fmt::format("access vlan {}", p.access_vlan);
    case PortConfig::Mode::kTrunk: return fmt::format("trunk native {} vlans {}", p.native_vlan, fmt::join(p.trunk_vlans, ","));
    case PortConfig::Mode::kShutdown: return "shutdown";
  }
  return "?";
}

Status validate_change_set(const ChangeSet& c) {
  auto bad_vlan = [](std::uint16_t v) { return v < 1 || v > 4094; };
  for (const auto& [port, cfg] : c.ports) {
    if (port.empty()) return invalid_argument("empty port name");
    if (cfg.mode == PortConfig::Mode::kAccess && bad_vlan(cfg.access_vlan)) {
      return invalid_argument(fmt::format("port {}: access VLAN {} is outside 1..4094", port, cfg.access_vlan));
    }
    if (cfg.mode == PortConfig::Mode::kTrunk) {
      if (cfg.native_vlan != 0 && bad_vlan(cfg.native_vlan)) {
        return invalid_argument(fmt::format("port {}: native VLAN {} is outside 1..4094", port, cfg.native_vlan));
      }
      for (auto v : cfg.trunk_vlans) {
        if (bad_vlan(v)) return invalid_argument(fmt::format("port {}: trunk VLAN {} is outside 1..4094", port, v));
      }
    }
  }
  for (const auto* list : {&c.ensure_vlans, &c.remove_vlans}) {
    for (auto v : *list) {
      if (bad_vlan(v)) return invalid_argument(fmt::format("VLAN {} is outside 1..4094", v));
    }
  }
  for (auto v : c.remove_vlans) {
    if (std::find(c.ensure_vlans.begin(), c.ensure_vlans.end(), v) != c.ensure_vlans.end()) {
      return invalid_argument(fmt::format("VLAN {} is both created and removed", v));
    }
  }
  return ok_status();
}

std::string openconfig_edit_xml(const ChangeSet& changes, const OpenConfigOptions& options) {
  pugi::xml_document doc;
  if (!changes.ports.empty()) {
    auto ifs = doc.append_child("interfaces");
    ifs.append_attribute("xmlns") = kIfNs;
    for (const auto& [port, cfg] : changes.ports) {
      auto itf = ifs.append_child("interface");
      leaf(itf, "name", port);
      auto config = itf.append_child("config");
      leaf(config, "enabled", cfg.mode == PortConfig::Mode::kShutdown ? "false" : "true");
      if (cfg.mode == PortConfig::Mode::kShutdown) continue;  // keep its VLANs; it carries nothing while down
      auto eth = itf.append_child("ethernet");
      eth.append_attribute("xmlns") = kEthNs;
      auto sv = eth.append_child("switched-vlan");
      sv.append_attribute("xmlns") = kVlanNs;
      auto svc = sv.append_child("config");
      // replace: leaves of the previous mode (an old access-vlan) must not linger.
      svc.append_attribute("xmlns:nc") = kBaseNs;
      svc.append_attribute("nc:operation") = "replace";
      if (cfg.mode == PortConfig::Mode::kAccess) {
        leaf(svc, "interface-mode", "ACCESS");
        leaf(svc, "access-vlan", std::to_string(cfg.access_vlan));
      } else {
        leaf(svc, "interface-mode", "TRUNK");
        if (cfg.native_vlan) leaf(svc, "native-vlan", std::to_string(cfg.native_vlan));
        for (auto v : cfg.trunk_vlans) leaf(svc, "trunk-vlans", std::to_string(v));
      }
    }
  }
  if (!changes.ensure_vlans.empty() || !changes.remove_vlans.empty()) {
    auto nis = doc.append_child("network-instances");
    nis.append_attribute("xmlns") = kNetInstNs;
    auto ni = nis.append_child("network-instance");
    leaf(ni, "name", options.network_instance);
    auto vlans = ni.append_child("vlans");
    for (auto v : changes.ensure_vlans) {
      auto vlan = vlans.append_child("vlan");
      leaf(vlan, "vlan-id", std::to_string(v));
      auto vc = vlan.append_child("config");
      leaf(vc, "vlan-id", std::to_string(v));
      leaf(vc, "name", fmt::format("bmf-{}", v));
    }
    for (auto v : changes.remove_vlans) {
      // remove (not delete): no error when the VLAN is already gone.
      auto vlan = vlans.append_child("vlan");
      vlan.append_attribute("xmlns:nc") = kBaseNs;
      vlan.append_attribute("nc:operation") = "remove";
      leaf(vlan, "vlan-id", std::to_string(v));
    }
  }
  std::ostringstream out;
  for (auto c : doc.children()) c.print(out, "", pugi::format_raw);
  return out.str();
}

Result<std::map<std::string, PortConfig>> parse_openconfig_ports(std::string_view data_xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(data_xml.data(), data_xml.size(), pugi::parse_default | pugi::parse_fragment)) {
    return invalid_argument("get-config data is not well-formed XML");
  }
  std::map<std::string, PortConfig> ports;
  pugi::xml_node scope = doc;
  if (auto data = child(doc, "data")) scope = data;  // a whole <data> reply, as other clients print it
  for (auto top : scope.children()) {
    if (local_name(top) != "interfaces") continue;
    for (auto itf : top.children()) {
      if (local_name(itf) != "interface") continue;
      std::string name = child(itf, "name").child_value();
      PortConfig p;
      auto svc = child(child(child(itf, "ethernet"), "switched-vlan"), "config");
      std::string mode = child(svc, "interface-mode").child_value();
      if (mode == "TRUNK") {
        p.mode = PortConfig::Mode::kTrunk;
        p.native_vlan = static_cast<std::uint16_t>(std::atoi(child(svc, "native-vlan").child_value()));
        for (auto c : svc.children()) {
          if (local_name(c) == "trunk-vlans") p.trunk_vlans.push_back(static_cast<std::uint16_t>(std::atoi(c.child_value())));
        }
      } else {
        p.access_vlan = static_cast<std::uint16_t>(std::atoi(child(svc, "access-vlan").child_value()));
      }
      if (std::string_view(child(child(itf, "config"), "enabled").child_value()) == "false") {
        p.mode = PortConfig::Mode::kShutdown;
        p.access_vlan = 0;
        p.trunk_vlans.clear();
        p.native_vlan = 0;
      }
      ports[name] = p;
    }
  }
  return ports;
}

Status OpenConfigDriver::fail_and_release(Status why) {
  if (candidate_) (void)session_.discard_changes();
  if (locked_) (void)session_.unlock(candidate_ ? Datastore::kCandidate : Datastore::kRunning);
  locked_ = false;
  return why;
}

Result<std::map<std::string, std::vector<std::uint16_t>>> parse_openconfig_vlans(std::string_view data_xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(data_xml.data(), data_xml.size(), pugi::parse_default | pugi::parse_fragment)) {
    return invalid_argument("get-config data is not well-formed XML");
  }
  std::map<std::string, std::vector<std::uint16_t>> out;
  pugi::xml_node scope = doc;
  if (auto data = child(doc, "data")) scope = data;
  for (auto top : scope.children()) {
    if (local_name(top) != "network-instances") continue;
    for (auto ni : top.children()) {
      if (local_name(ni) != "network-instance") continue;
      auto& vlans = out[child(ni, "name").child_value()];
      for (auto vlan : child(ni, "vlans").children()) {
        if (local_name(vlan) == "vlan") vlans.push_back(static_cast<std::uint16_t>(std::atoi(child(vlan, "vlan-id").child_value())));
      }
    }
  }
  return out;
}

Result<std::string> OpenConfigDriver::running_subtree(const char* top, const char* ns) {
  pugi::xml_document filter;
  filter.append_child(top).append_attribute("xmlns") = ns;
  std::ostringstream f;
  filter.first_child().print(f, "", pugi::format_raw);
  return session_.get_config(Datastore::kRunning, f.str());
}

Result<std::map<std::string, std::vector<std::uint16_t>>> OpenConfigDriver::read_vlans() {
  BMF_ASSIGN_OR_RETURN(std::string data, running_subtree("network-instances", kNetInstNs));
  return parse_openconfig_vlans(data);
}

Status OpenConfigDriver::check_network_instance() {
  BMF_ASSIGN_OR_RETURN(auto instances, read_vlans());
  if (instances.count(options_.network_instance)) return ok_status();
  std::vector<std::string> names;
  for (const auto& [name, vlans] : instances) names.push_back(name);
  return failed_precondition(fmt::format("network instance '{}' does not exist on the switch (it has: {})",
                                         options_.network_instance, names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

Status OpenConfigDriver::prepare(const ChangeSet& changes, const PrepareOptions& options) {
  BMF_RETURN_IF_ERROR(validate_change_set(changes));
  // A VLAN edit under a network instance the switch does not have would create a
  // stray instance (or be rejected late): refuse it with the names it does have.
  if (!changes.ensure_vlans.empty() || !changes.remove_vlans.empty()) BMF_RETURN_IF_ERROR(check_network_instance());
  candidate_ = session_.has_capability("urn:ietf:params:netconf:capability:candidate");
  const Datastore target = candidate_ ? Datastore::kCandidate : Datastore::kRunning;
  BMF_RETURN_IF_ERROR(session_.lock(target));
  locked_ = true;
  const std::string edit = openconfig_edit_xml(changes, options_);
  if (candidate_) {
    if (Status s = session_.discard_changes(); !s.ok()) return fail_and_release(s);
    if (Status s = session_.edit_config(target, edit); !s.ok()) return fail_and_release(s);
    if (session_.has_capability("urn:ietf:params:netconf:capability:validate")) {
      if (Status s = session_.validate(Datastore::kCandidate); !s.ok()) return fail_and_release(s);
      if (options_.reedit_after_validate) {
        // Re-sending the same merge onto the validated candidate is a no-op for netconfd,
        // whose next commit then drops the VLAN part; from a clean candidate it is not.
        if (Status s = session_.discard_changes(); !s.ok()) return fail_and_release(s);
        if (Status s = session_.edit_config(target, edit); !s.ok()) return fail_and_release(s);
      }
    }
    persist_token_ = options.persist_token;
    CommitOptions commit{.confirmed = true, .confirm_timeout = options.confirm_timeout, .persist = persist_token_};
    if (Status s = session_.commit(commit); !s.ok()) return fail_and_release(s);
    pending_ = true;
  } else {
    BMF_ASSIGN_OR_RETURN(auto before, read_ports());
    pre_read_.clear();
    for (const auto& [port, cfg] : changes.ports) {
      if (before.count(port)) pre_read_[port] = before[port];
    }
    if (Status s = session_.edit_config(target, edit); !s.ok()) return fail_and_release(s);
    pending_ = true;
  }
  if (Status s = verify(changes); !s.ok()) {
    (void)rollback();
    return s;
  }
  return ok_status();
}

Status OpenConfigDriver::verify(const ChangeSet& changes) {
  if (!changes.ensure_vlans.empty() || !changes.remove_vlans.empty()) {
    BMF_ASSIGN_OR_RETURN(auto instances, read_vlans());
    const auto& have = instances[options_.network_instance];
    auto has = [&](std::uint16_t v) { return std::find(have.begin(), have.end(), v) != have.end(); };
    for (auto v : changes.ensure_vlans) {
      if (!has(v)) return Status(StatusCode::kAborted, fmt::format("verify: VLAN {} missing after commit", v));
    }
    for (auto v : changes.remove_vlans) {
      if (has(v)) return Status(StatusCode::kAborted, fmt::format("verify: VLAN {} still present after commit", v));
    }
  }
  BMF_ASSIGN_OR_RETURN(auto now, read_ports());
  for (const auto& [port, want] : changes.ports) {
    auto it = now.find(port);
    if (it == now.end()) return Status(StatusCode::kAborted, fmt::format("verify: port {} missing after commit", port));
    PortConfig got = it->second;
    if (!(got == want)) {
      return Status(StatusCode::kAborted,
                    fmt::format("verify: port {} is '{}' after commit, wanted '{}'", port, to_string(got), to_string(want)));
    }
  }
  return ok_status();
}

Status OpenConfigDriver::confirm() {
  if (!pending_) return failed_precondition("nothing prepared to confirm");
  Status s = ok_status();
  if (candidate_) s = session_.commit(CommitOptions{.persist_id = persist_token_});
  pending_ = false;
  if (locked_) (void)session_.unlock(candidate_ ? Datastore::kCandidate : Datastore::kRunning);
  locked_ = false;
  return s;
}

Status OpenConfigDriver::rollback() {
  Status s = ok_status();
  if (pending_) {
    if (candidate_) {
      s = session_.cancel_commit(persist_token_);
    } else if (!pre_read_.empty()) {
      ChangeSet restore;
      restore.ports = pre_read_;
      s = session_.edit_config(Datastore::kRunning, openconfig_edit_xml(restore, options_));
    }
  }
  pending_ = false;
  return fail_and_release(s);
}

Result<std::map<std::string, PortConfig>> OpenConfigDriver::read_ports() {
  BMF_ASSIGN_OR_RETURN(std::string data, running_subtree("interfaces", kIfNs));
  return parse_openconfig_ports(data);
}

}  // namespace bmf::netconf
