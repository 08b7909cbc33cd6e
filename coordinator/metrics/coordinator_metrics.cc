#include "coordinator/metrics/coordinator_metrics.h"

#include "coordinator/allocation/hardware_class.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {

CoordinatorMetrics::CoordinatorMetrics(metrics::Registry& registry, Store& store, AllocationService& allocations,
                                       NetworkService& networks, HotpoolService* hotpool)
    : store_(store), registry_(registry) {
  auto& r = registry_;
  r.describe("bmf_nodes", "gauge", "Nodes by lifecycle state.");
  r.describe("bmf_class_nodes", "gauge", "Nodes of each hardware class by lifecycle state.");
  r.describe("bmf_hotpool_hot", "gauge", "Free nodes of the class that are on with their agent up.");
  r.describe("bmf_hotpool_warm", "gauge", "Free nodes of the class that are powered off.");
  r.describe("bmf_hotpool_target", "gauge", "Hot nodes the pool keeps for the class.");
  r.describe("bmf_hotpool_empty", "gauge", "1 when the class has no hot node.");
  r.describe("bmf_hotpool_last_empty_timestamp_seconds", "gauge", "When the class last had no hot node.");
  r.describe("bmf_allocation_stage_seconds", "histogram", "Time from an allocation's previous stage to this one.");
  r.describe("bmf_allocation_seconds", "histogram", "Time from request to ready or failed.");
  r.describe("bmf_operations_total", "counter", "Network operations (switch changes) by kind and result.");
  r.describe("bmf_operation_seconds", "histogram", "Network operations from queued to done.");
  r.describe("bmf_power_actions_total", "counter", "Power actions through the BMC proxy by action and result.");
  r.describe("bmf_power_action_seconds", "histogram", "Power actions through the BMC proxy, until the state read back is right.");

  allocations.on_change([this](const AllocationRecord& a) {
    if (a.stages.size() >= 2) {
      const auto& last = a.stages.back();
      const auto& before = a.stages[a.stages.size() - 2];
      registry_.observe("bmf_allocation_stage_seconds", {{"stage", last.stage}},
                        static_cast<double>(last.at_ms - before.at_ms) / 1000);
    }
    if ((a.stage == "ready" || a.stage == "failed") && !a.stages.empty()) {
      registry_.observe("bmf_allocation_seconds", {{"result", a.stage}},
                        static_cast<double>(a.stages.back().at_ms - a.created_at_ms) / 1000);
    }
  });
  networks.on_finished([this](const OperationRecord& op) {
    registry_.count("bmf_operations_total", {{"kind", op.kind}, {"result", op.state}});
    registry_.observe("bmf_operation_seconds", {{"kind", op.kind}}, static_cast<double>(op.updated_at_ms - op.created_at_ms) / 1000);
  });
  r.on_scrape([this, hotpool, &allocations](metrics::Registry& g) {
    auto nodes = store_.list_nodes_brief();
    auto classes = store_.list_classes();
    if (nodes.ok() && classes.ok()) {
      std::map<std::string, int> by_state;
      std::map<std::pair<std::string, std::string>, int> by_class;
      for (NodeState s : kAllNodeStates) by_state[std::string(to_string(s))] = 0;
      const auto& inventories = allocations.inventories_of(*nodes);
      for (std::size_t i = 0; i < (*nodes)->size(); ++i) {
        const NodeRecord& n = (**nodes)[i];
        by_state[std::string(to_string(n.state))] += 1;
        const proto::Inventory* inv = inventories[i];
        if (!inv) continue;
        for (const auto& c : classes_of(*classes, *inv)) by_class[{c, std::string(to_string(n.state))}] += 1;
      }
      for (const auto& [state, n] : by_state) g.gauge("bmf_nodes", {{"state", state}}, n);
      for (const auto& [key, n] : by_class) g.gauge("bmf_class_nodes", {{"class", key.first}, {"state", key.second}}, n);
    }
    if (!hotpool) return;
    auto pools = hotpool->status();
    if (!pools.ok()) return;
    for (const auto& p : *pools) {
      metrics::Labels l{{"class", p.hardware_class}};
      g.gauge("bmf_hotpool_hot", l, p.hot);
      g.gauge("bmf_hotpool_warm", l, p.warm);
      g.gauge("bmf_hotpool_target", l, p.target);
      g.gauge("bmf_hotpool_empty", l, p.hot + p.powering_on == 0 && p.total > 0 ? 1 : 0);
      g.gauge("bmf_hotpool_last_empty_timestamp_seconds", l, static_cast<double>(p.last_empty_at_ms) / 1000);
    }
  });
}

void MeteredPower::run(std::uint64_t node, PowerAction action, std::function<void(PowerOutcome)> done) {
  inner_.run(node, action, [this, action, done = std::move(done)](PowerOutcome out) {
    const std::string a(to_string(action));
    registry_.count("bmf_power_actions_total", {{"action", a}, {"result", out.status.ok() ? "ok" : "error"}});
    registry_.observe("bmf_power_action_seconds", {{"action", a}}, static_cast<double>(out.elapsed_ms) / 1000);
    done(std::move(out));
  });
}

}  // namespace bmf::coordinator
