#pragma once
// Tenancy and network records <-> admin API messages.
#include "common/proto/admin.pb.h"
#include "coordinator/store/records.h"

namespace bmf::coordinator {

proto::User to_proto(const UserRecord& user);
proto::Project to_proto(const ProjectRecord& project);
proto::Token to_proto(const TokenRecord& token, const std::string& user_name);
proto::Network to_proto(const NetworkRecord& network);
proto::HardwareClass to_proto(const HardwareClass& hc);
proto::Allocation to_proto(const AllocationRecord& allocation);

}  // namespace bmf::coordinator
