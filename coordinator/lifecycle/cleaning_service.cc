#include "coordinator/lifecycle/cleaning_service.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include "common/log/log.h"
#include "common/testing/crash_point.h"
#include "common/proto/agent.pb.h"
#include "common/proto/inventory.pb.h"

namespace bmf::coordinator {

std::vector<std::string> wipe_devices(const NodeRecord& node) {
  proto::Inventory inv;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  std::vector<std::string> out;
  if (!google::protobuf::util::JsonStringToMessage(node.hardware_json, &inv, options).ok()) return out;
  for (const auto& d : inv.disks()) {
    if (d.transport() == "usb") continue;  // a stick left in the front panel is not the tenant's disk
    if (!d.name().empty()) out.push_back("/dev/" + d.name());
  }
  return out;
}

CleaningService::CleaningService(Store& store, const Clock& clock, NodeLifecycle& lifecycle, NetworkService& networks,
                                 PowerDriver* power, CommandDispatcher* agents, CleaningConfig config)
    : store_(store), clock_(clock), lifecycle_(lifecycle), networks_(networks), power_(power), agents_(agents),
      config_(std::move(config)) {
  networks_.on_finished([this](const OperationRecord& op) {
    auto it = port_ops_.find(op.id);
    if (it == port_ops_.end()) return;
    auto nodes = std::move(it->second);
    port_ops_.erase(it);
    for (auto n : nodes) ports_done(n, op.state == "succeeded", op.message);
  });
  if (agents_) agents_->subscribe([this](const AgentEvent& e) { on_agent(e); });
}

void CleaningService::progress(std::uint64_t node, const std::string& step, bool ok, const std::string& detail) {
  auto it = jobs_.find(node);
  if (it != jobs_.end() && it->second.listener) {
    Listener l = it->second.listener;  // may erase the job
    l(CleaningProgress{.node = node, .step = step, .ok = ok, .detail = detail});
  }
}

void CleaningService::release(const std::vector<std::uint64_t>& nodes, const std::string& actor, Listener listener) {
  std::vector<std::uint64_t> to_ports;
  for (auto node : nodes) {
    auto n = store_.get_node(node);
    if (!n.ok()) continue;
    if (n->state == NodeState::kReleasing) {
      jobs_[node] = Job{.step = Step::kPorts, .actor = actor, .listener = listener, .started_ms = clock_.now_ms()};
      to_ports.push_back(node);
    } else if (n->state == NodeState::kCleaning) {
      jobs_[node] = Job{.step = Step::kPower, .actor = actor, .listener = listener, .started_ms = clock_.now_ms()};
      start_cleaning(node);
    } else if (listener) {  // already through (a restart caught it later): say where it is
      listener(CleaningProgress{.node = node,
                                .step = n->state == NodeState::kMaintenance ? "maintenance" : "available",
                                .ok = n->state != NodeState::kMaintenance,
                                .detail = n->state_reason});
    }
  }
  if (to_ports.empty()) return;
  auto op = networks_.release_nodes(actor, to_ports);
  if (!op.ok()) {
    for (auto n : to_ports) ports_done(n, false, op.status().to_string());
    return;
  }
  if (!op->has_value()) {
    for (auto n : to_ports) ports_done(n, true, "no ports to move");
    return;
  }
  const OperationRecord& rec = **op;
  if (rec.state == "succeeded" || rec.state == "failed") {
    for (auto n : to_ports) ports_done(n, rec.state == "succeeded", rec.message);
    return;
  }
  port_ops_[rec.id] = to_ports;
}

void CleaningService::ports_done(std::uint64_t node, bool ok, const std::string& detail) {
  if (!jobs_.count(node)) return;
  progress(node, "ports", ok, detail);
  crash_point("cleaning.ports_done");
  if (!ok) return to_maintenance(node, "its ports could not go back to the provisioning network: " + detail);
  if (Status s = lifecycle_.transition(node, NodeState::kCleaning, "ports on provisioning; cleaning", "coordinator",
                                       NodeState::kReleasing);
      !s.ok()) {
    BMF_LOG_WARN("CLEANING_ABANDONED node={}: {}", node, s.to_string());
    jobs_.erase(node);
    return;
  }
  start_cleaning(node);
}

void CleaningService::start_cleaning(std::uint64_t node) {
  auto& job = jobs_[node];
  if (!power_) {
    progress(node, "power", true, "no BMC proxy configured: not power-cycled");
    return booted(node);
  }
  job.step = Step::kPower;
  power_->run(node, PowerAction::kPxeCycle, [this, node, alive = alive_](PowerOutcome out) {
    if (!*alive || !jobs_.count(node)) return;
    if (!out.status.ok()) return to_maintenance(node, "power cycle into discovery failed: " + out.status.message());
    (void)store_.set_power_state(node, PowerState::kOn, clock_.now_ms(), std::nullopt);
    auto& job = jobs_[node];
    job.step = Step::kBooting;
    job.deadline_ms = clock_.now_ms() + config_.boot_timeout_ms;
    const bool back = job.registered;
    progress(node, "power", true, fmt::format("power-cycled into discovery (network boot once) in {} ms", out.elapsed_ms));
    if (back && jobs_.count(node)) booted(node);
  });
}

void CleaningService::on_agent(const AgentEvent& e) {
  auto it = jobs_.find(e.node_id);
  if (it == jobs_.end()) return;
  if (e.kind == AgentEvent::Kind::kRegistered && it->second.step == Step::kPower) it->second.registered = true;
  if (e.kind == AgentEvent::Kind::kRegistered && it->second.step == Step::kBooting) return booted(e.node_id);
  if (e.kind == AgentEvent::Kind::kCommandDone && it->second.step == Step::kWiping && e.command_id == it->second.command_id) {
    if (!e.success) return to_maintenance(e.node_id, "wipe failed: " + e.message);
    progress(e.node_id, "wiped", true, e.message);
    finished(e.node_id, "wiped: " + e.message);
  }
}

void CleaningService::booted(std::uint64_t node) {
  if (power_) progress(node, "booted", true, "agent registered from the discovery image");
  if (config_.wipe == "off") return finished(node, "wipe off (--wipe off)");
  wipe(node);
}

void CleaningService::wipe(std::uint64_t node) {
  auto& job = jobs_[node];
  job.step = Step::kWiping;
  job.deadline_ms = clock_.now_ms() + config_.wipe_timeout_ms;
  auto n = store_.get_node(node);
  if (!n.ok()) return to_maintenance(node, n.status().to_string());
  std::vector<std::string> devices = wipe_devices(*n);
  if (devices.empty()) return finished(node, "no disks to wipe");
  if (!agents_) return to_maintenance(node, "no agent channel to send the wipe command on");
  proto::WipeCommand cmd;
  cmd.set_mode(config_.wipe);
  for (auto& d : devices) cmd.add_devices(d);
  auto id = agents_->dispatch(node, "wipe", cmd.SerializeAsString());
  if (!id.ok()) {
    // No live session yet (no power cycle to wait for): the next registration retries.
    job.step = Step::kBooting;
    job.deadline_ms = clock_.now_ms() + config_.boot_timeout_ms;
    BMF_LOG_INFO("CLEANING_WAITING node={}: {}", node, id.status().message());
    return;
  }
  job.command_id = *id;
  BMF_LOG_INFO("CLEANING_WIPE node={} command={} devices={}", node, *id, fmt::join(devices, ","));
}

void CleaningService::finished(std::uint64_t node, const std::string& detail) {
  crash_point("cleaning.before_available");
  const EpochMs took = clock_.now_ms() - jobs_[node].started_ms;
  Status s = lifecycle_.transition(node, NodeState::kAvailable, fmt::format("cleaned in {} ms; {}", took, detail), "coordinator",
                                   NodeState::kCleaning);
  if (!s.ok()) BMF_LOG_WARN("CLEANING_END_REFUSED node={}: {}", node, s.to_string());
  progress(node, "available", s.ok(), s.ok() ? detail : s.message());
  jobs_.erase(node);
}

void CleaningService::to_maintenance(std::uint64_t node, const std::string& why) {
  BMF_LOG_WARN("CLEANING_FAILED node={}: {}", node, why);
  Status s = lifecycle_.transition(node, NodeState::kMaintenance, why, "coordinator");
  if (!s.ok()) BMF_LOG_ERROR("CLEANING_MAINTENANCE_REFUSED node={}: {}", node, s.to_string());
  progress(node, "maintenance", false, why);
  jobs_.erase(node);
}

void CleaningService::reconcile() {
  const EpochMs now = clock_.now_ms();
  std::vector<std::uint64_t> overdue;
  for (const auto& [node, job] : jobs_) {
    if ((job.step == Step::kBooting || job.step == Step::kWiping) && job.deadline_ms && now > job.deadline_ms) overdue.push_back(node);
  }
  for (auto node : overdue) {
    const bool booting = jobs_[node].step == Step::kBooting;
    to_maintenance(node, booting ? fmt::format("no agent registered from the discovery image within {} s", config_.boot_timeout_ms / 1000)
                                 : fmt::format("the wipe did not finish within {} s", config_.wipe_timeout_ms / 1000));
  }
  auto nodes = store_.list_nodes_brief();
  if (!nodes.ok()) return;
  if (*nodes != cleaning_rows_for_) {  // the rows changed: which nodes are releasing or cleaning
    cleaning_rows_.clear();
    for (const auto& n : **nodes) {
      if (n.state == NodeState::kReleasing || n.state == NodeState::kCleaning) cleaning_rows_.push_back(n.id);
    }
    cleaning_rows_for_ = *nodes;
  }
  std::vector<std::uint64_t> orphans;
  for (std::uint64_t id : cleaning_rows_) {
    if (!jobs_.count(id) && !(held_ && held_(id))) orphans.push_back(id);
  }
  if (!orphans.empty()) {
    BMF_LOG_INFO("CLEANING_RESUMED nodes={}", fmt::join(orphans, ","));
    release(orphans, "coordinator");
  }
}

}  // namespace bmf::coordinator
