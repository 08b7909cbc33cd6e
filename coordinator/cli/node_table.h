#pragma once
// Human-readable renderings of admin API documents for bmfctl.
#include <string>
#include <vector>

#include "common/proto/admin.pb.h"

namespace bmf::cli {

// "available" from NODE_STATE_AVAILABLE.
std::string state_name(bmf::proto::NodeState state);
std::string power_name(bmf::proto::PowerState state);
// Columns sized to their widest cell, two spaces apart.
std::string render_table(const std::vector<std::vector<std::string>>& rows);
std::string node_table(const bmf::proto::NodeList& list);
std::string node_details(const bmf::proto::Node& node);
std::string hardware_details(const bmf::proto::Inventory& hardware);
std::string event_table(const bmf::proto::EventList& list);
std::string hotpool_table(const bmf::proto::HotpoolList& list);

}  // namespace bmf::cli
