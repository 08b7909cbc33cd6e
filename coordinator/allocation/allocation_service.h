#pragma once
// AllocationService: "N nodes of class C for project P", driven through its stages,
// each recorded with its time the moment it is reached:
//   requested -> reserved (leases for the user, one Store transaction with the quota
//   check: two requests never get the same node) -> assigned (the nodes' ports on the
//   project's network: one network operation) -> ready (handover none; the SLURM
//   handover plugs in here) ; or failed (which step, why, what was rolled back);
//   release: releasing -> released (leases end, ports back to provisioning).
// Nodes are chosen among available (heartbeating) unleased nodes of the class,
// topology first: the leaf switches with the most free nodes, so an allocation spans
// as few leaves as possible. Runs on the io thread; the clock is injected.
#include <functional>
#include <map>

#include "common/clock/clock.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/store/store.h"
#include "coordinator/tenancy/tenancy_service.h"

namespace bmf::coordinator {

struct AllocationRequest {
  std::string project;
  std::uint32_t count = 0;
  std::string hardware_class;  // '' : any node
  std::string network;         // '' : none
  std::string handover = "none";
  std::int64_t duration_s = 0;  // the leases end by themselves this long from now (0: held until released)
};

class AllocationService {
 public:
  AllocationService(Store& store, const Clock& clock, NetworkService& networks);

  Result<AllocationRecord> request(const Principal& by, const AllocationRequest& request);
  Result<AllocationRecord> release(const Principal& by, std::uint64_t id);
  // Releases every lease past its end time (its whole allocation, or the lease alone); returns how many.
  Result<std::size_t> expire();
  Result<AllocationRecord> get(const Principal& by, std::uint64_t id);
  Result<std::vector<AllocationRecord>> list(const Principal& by);

  Status save_class(const Principal& by, HardwareClass hc);
  Status remove_class(const Principal& by, const std::string& name);
  // Called after leases change (the BMC proxy's long-poll).
  void on_lease_change(std::function<void()> hook) { lease_changed_ = std::move(hook); }
  // Called after every stage change (live progress streams).
  void on_change(std::function<void(const AllocationRecord&)> hook) { changed_ = std::move(hook); }

 private:
  Result<std::vector<std::uint64_t>> candidates(const std::string& hardware_class, std::string& shortage);
  void stage(AllocationRecord& a, const std::string& name, const std::string& detail, const std::string& state = "",
             std::optional<EventRecord> event = std::nullopt);
  void network_done(const OperationRecord& op);
  void fail(AllocationRecord& a, const std::string& step, const std::string& why);

  Store& store_;
  const Clock& clock_;
  NetworkService& networks_;
  std::map<std::uint64_t, std::uint64_t> waiting_;  // network operation id -> allocation id
  std::function<void()> lease_changed_;
  std::function<void(const AllocationRecord&)> changed_;
};

}  // namespace bmf::coordinator
