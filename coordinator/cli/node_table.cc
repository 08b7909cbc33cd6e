#include "coordinator/cli/node_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace bmf::cli {
namespace {

// Columns sized to their widest cell.
std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string state_name(bmf::proto::NodeState state) {
  std::string name = bmf::proto::NodeState_Name(state);
  constexpr std::string_view kPrefix = "NODE_STATE_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::string node_table(const bmf::proto::NodeList& list) {
  std::vector<std::vector<std::string>> rows{{"ID", "STATE", "HOSTNAME", "VENDOR/PRODUCT", "SERIAL", "MACS", "LAST SEEN"}};
  for (const auto& n : list.nodes()) {
    const auto& id = n.identity();
    std::string product = id.vendor().empty() && id.product().empty() ? "-" : id.vendor() + " " + id.product();
    std::string macs = id.macs_size() == 0 ? "-" : id.macs(0);
    if (id.macs_size() > 1) macs += fmt::format(" (+{})", id.macs_size() - 1);
    rows.push_back({std::to_string(n.id()), state_name(n.state()), or_dash(id.hostname()), product,
                    or_dash(id.serial()), macs, or_dash(n.last_seen())});
  }
  return render(rows);
}

std::string node_details(const bmf::proto::Node& n) {
  const auto& id = n.identity();
  const auto& inv = n.inventory();
  std::vector<std::vector<std::string>> rows{
      {"ID:", std::to_string(n.id())},
      {"State:", state_name(n.state())},
      {"Hostname:", or_dash(id.hostname())},
      {"System UUID:", or_dash(id.system_uuid())},
      {"Serial:", or_dash(id.serial())},
      {"Vendor:", or_dash(id.vendor())},
      {"Product:", or_dash(id.product())},
      {"BMC address:", id.bmc_address().empty() ? "unknown" : id.bmc_address()},
      {"MACs:", id.macs().empty() ? "-" : fmt::format("{}", fmt::join(id.macs(), ", "))},
      {"CPU threads:", std::to_string(inv.cpu_threads())},
      {"Memory bytes:", std::to_string(inv.memory_bytes())},
      {"Agent version:", or_dash(n.agent_version())},
      {"Registered at:", or_dash(n.registered_at())},
      {"Registrations:", std::to_string(n.registrations())},
      {"Last seen:", or_dash(n.last_seen())},
      {"Peer address:", or_dash(n.peer_address())},
  };
  return render(rows);
}

std::string event_table(const bmf::proto::EventList& list) {
  std::vector<std::vector<std::string>> rows{{"ID", "TIME", "NODE", "KIND", "ACTOR", "MESSAGE"}};
  for (const auto& e : list.events()) {
    rows.push_back({std::to_string(e.id()), e.time(), e.node_id() ? std::to_string(e.node_id()) : "-", e.kind(),
                    e.actor(), e.message()});
  }
  return render(rows);
}

}  // namespace bmf::cli
