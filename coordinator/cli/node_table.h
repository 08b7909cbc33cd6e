#pragma once
// Human-readable renderings of admin API documents for bmfctl.
#include <string>

#include "common/proto/admin.pb.h"

namespace bmf::cli {

// "available" from NODE_STATE_AVAILABLE.
std::string state_name(bmf::proto::NodeState state);
std::string node_table(const bmf::proto::NodeList& list);
std::string node_details(const bmf::proto::Node& node);
std::string hardware_details(const bmf::proto::Inventory& hardware);
std::string event_table(const bmf::proto::EventList& list);

}  // namespace bmf::cli
