#pragma once
// The one place where coordinator records meet protobuf types (wire and admin API).
#include "common/proto/admin.pb.h"
#include "common/proto/agent.pb.h"
#include "coordinator/registry/node_registry.h"
#include "coordinator/store/records.h"

namespace bmf::coordinator {

RegistrationRequest to_registration_request(const proto::Register& reg, std::string peer_address);
proto::Node to_proto(const NodeRecord& node);
proto::Event to_proto(const EventRecord& event);
proto::NodeState to_proto(NodeState state);
proto::PowerState to_proto(PowerState state);

// Protobuf's canonical JSON mapping (field names in lowerCamelCase, enums by name).
std::string to_json(const google::protobuf::Message& message);
Status from_json(std::string_view json, google::protobuf::Message& message);

}  // namespace bmf::coordinator
