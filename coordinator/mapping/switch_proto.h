#pragma once
// Switch records <-> admin API messages, with the validation of what an admin sends.
#include "common/proto/admin.pb.h"
#include "coordinator/store/records.h"
#include "coordinator/switches/switch_operations.h"

namespace bmf::coordinator {

proto::Switch to_proto(const SwitchRecord& sw);
proto::SwitchPort to_proto(const SwitchPortRecord& port);
proto::Operation to_proto(const OperationRecord& op);
// INVALID_ARGUMENT naming the field.
Result<SwitchRecord> switch_from_proto(const proto::Switch& sw, const std::string& name);
Result<SwitchPortRecord> switch_port_from_proto(const proto::SwitchPort& port, const std::string& switch_name,
                                                const std::string& port_name);

}  // namespace bmf::coordinator
