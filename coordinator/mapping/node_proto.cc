#include "coordinator/mapping/node_proto.h"

#include <google/protobuf/util/json_util.h>

namespace bmf::coordinator {

std::string to_json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

Status from_json(std::string_view json, google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // newer coordinators may add fields
  auto st = google::protobuf::util::JsonStringToMessage(std::string(json), &message, options);
  if (!st.ok()) return invalid_argument(std::string(st.message()));
  return ok_status();
}

RegistrationRequest to_registration_request(const proto::Register& reg, std::string peer_address) {
  RegistrationRequest r;
  const auto& id = reg.identity();
  r.system_uuid = id.system_uuid();
  r.serial = id.serial();
  r.vendor = id.vendor();
  r.product = id.product();
  r.bmc_address = id.bmc_address();
  r.hostname = id.hostname();
  r.macs.assign(id.macs().begin(), id.macs().end());
  r.inventory_json = to_json(reg.inventory());
  r.hardware_json = to_json(reg.hardware());
  r.agent_version = reg.agent_version();
  r.enrollment_token = reg.enrollment_token();
  r.peer_address = std::move(peer_address);
  return r;
}

proto::NodeState to_proto(NodeState state) {
  switch (state) {
    case NodeState::kEnrolling: return proto::NODE_STATE_ENROLLING;
    case NodeState::kInspecting: return proto::NODE_STATE_INSPECTING;
    case NodeState::kAvailable: return proto::NODE_STATE_AVAILABLE;
    case NodeState::kAllocated: return proto::NODE_STATE_ALLOCATED;
    case NodeState::kActive: return proto::NODE_STATE_ACTIVE;
    case NodeState::kReleasing: return proto::NODE_STATE_RELEASING;
    case NodeState::kCleaning: return proto::NODE_STATE_CLEANING;
    case NodeState::kMaintenance: return proto::NODE_STATE_MAINTENANCE;
    case NodeState::kFailed: return proto::NODE_STATE_FAILED;
    case NodeState::kUnreachable: return proto::NODE_STATE_UNREACHABLE;
  }
  return proto::NODE_STATE_UNSPECIFIED;
}

proto::PowerState to_proto(PowerState state) {
  switch (state) {
    case PowerState::kOn: return proto::POWER_STATE_ON;
    case PowerState::kOff: return proto::POWER_STATE_OFF;
    case PowerState::kUnknown: break;
  }
  return proto::POWER_STATE_UNKNOWN;
}

proto::Node to_proto(const NodeRecord& n) {
  proto::Node out;
  out.set_id(n.id);
  auto* id = out.mutable_identity();
  id->set_system_uuid(n.system_uuid);
  id->set_serial(n.serial);
  id->set_vendor(n.vendor);
  id->set_product(n.product);
  id->set_bmc_address(n.bmc_address);
  id->set_hostname(n.hostname);
  for (const auto& m : n.macs) id->add_macs(m);
  // A stored inventory that no longer parses is shown empty rather than failing the listing.
  (void)from_json(n.inventory_json, *out.mutable_inventory());
  (void)from_json(n.hardware_json, *out.mutable_hardware());
  out.set_state(to_proto(n.state));
  out.set_agent_version(n.agent_version);
  out.set_registered_at(format_rfc3339(n.registered_at_ms));
  out.set_last_seen(format_rfc3339(n.last_seen_ms));
  out.set_registrations(n.registrations);
  out.set_peer_address(n.peer_address);
  out.set_state_reason(n.state_reason);
  if (n.state_changed_at_ms) out.set_state_changed_at(format_rfc3339(n.state_changed_at_ms));
  out.set_power_state(to_proto(n.power_state));
  return out;
}

proto::Event to_proto(const EventRecord& e) {
  proto::Event out;
  out.set_id(e.id);
  out.set_time(format_rfc3339(e.time_ms));
  out.set_actor(e.actor);
  out.set_node_id(e.node_id);
  out.set_kind(std::string(to_string(e.kind)));
  out.set_message(e.message);
  out.set_project(e.project);
  return out;
}

}  // namespace bmf::coordinator
