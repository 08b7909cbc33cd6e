#pragma once
// The coordinator's Prometheus metrics (GET /metrics on the API listener, no token:
// site-level aggregates only, never a project's name):
//   bmf_nodes{state}, bmf_class_nodes{class,state}                     gauges, at scrape
//   bmf_hotpool_{hot,warm,target,empty}{class}, bmf_hotpool_last_empty_timestamp_seconds{class}
//   bmf_allocation_stage_seconds{stage}   histogram: time from the previous stage to this one
//   bmf_allocation_seconds{result}        histogram: request -> ready/failed
//   bmf_operations_total{kind,result}, bmf_operation_seconds{kind}    network operations (switch calls)
//   bmf_power_actions_total{action,result}, bmf_power_action_seconds{action}   BMC calls through the proxy
#include <memory>
#include <string>

#include "common/metrics/prometheus.h"
#include "coordinator/allocation/allocation_service.h"
#include "coordinator/hotpool/hotpool_service.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/power/power_driver.h"

namespace bmf::coordinator {

class CoordinatorMetrics {
 public:
  CoordinatorMetrics(metrics::Registry& registry, Store& store, AllocationService& allocations, NetworkService& networks,
                     HotpoolService* hotpool);
  std::string exposition() { return registry_.exposition(); }

 private:
  Store& store_;
  metrics::Registry& registry_;
};

// A PowerDriver that counts and times every action of the one it wraps.
class MeteredPower final : public PowerDriver {
 public:
  MeteredPower(PowerDriver& inner, metrics::Registry& registry) : inner_(inner), registry_(registry) {}
  void run(std::uint64_t node, PowerAction action, std::function<void(PowerOutcome)> done) override;

 private:
  PowerDriver& inner_;
  metrics::Registry& registry_;
};

}  // namespace bmf::coordinator
