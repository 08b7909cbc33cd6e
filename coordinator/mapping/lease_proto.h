#pragma once
// Lease records <-> admin API messages.
#include "common/proto/admin.pb.h"
#include "common/status/status.h"
#include "coordinator/store/records.h"

namespace bmf::coordinator {

proto::Lease to_proto(const LeaseRecord& lease);
proto::LeaseList to_proto(const LeaseList& list);
// What a client may set when asking for a lease: node_id, project, owner. INVALID_ARGUMENT naming the field.
Result<LeaseRecord> lease_from_proto(const proto::Lease& lease);

}  // namespace bmf::coordinator
