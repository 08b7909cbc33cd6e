// network_bench: a GPU pod's networks in one operation. 16 nodes x 9 NICs
// (8 RoCE rails + 1 frontend) = 144 ports on two real NETCONF switches (netconfd +
// sshd, started here, 72 ports each), attached by the coordinator's NetworkService
// as ONE journaled operation (one cross-switch transaction). Prints the time of the
// operation (cold: sessions opened inside it; warm: reused), the time of moving
// everything back to provisioning, and the SSH sessions used. Needs root.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include "common/proto/inventory.pb.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/peers/netconfd_peer.h"

using namespace bmf;
using namespace bmf::coordinator;

namespace {

// Counts what the real applier reports.
class CountingApplier : public SwitchApplier {
 public:
  explicit CountingApplier(SwitchApplier& inner) : inner_(inner) {}
  void apply(std::vector<SwitchWork> work, std::string token, std::function<void(ApplyOutcome)> done) override {
    inner_.apply(std::move(work), std::move(token), [this, done = std::move(done)](ApplyOutcome o) {
      sessions += o.sessions_opened;
      last = o;
      done(std::move(o));
    });
  }
  SwitchApplier& inner_;
  std::uint64_t sessions = 0;
  ApplyOutcome last;
};

}  // namespace

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::atoi(argv[1]) : 16;
  constexpr int kNics = 9;
  if (auto why = testing::NetconfdPeer::unavailable_reason(); !why.empty()) {
    fmt::print(stderr, "network_bench: {}\n", why);
    return 1;
  }
  const int per_switch = (nodes + 1) / 2 * kNics;
  testing::NetconfdPeer leaf1(per_switch), leaf2(per_switch);
  testing::TempDir dir;
  std::ofstream(dir.path() / "known_hosts") << leaf1.known_hosts_line() << leaf2.known_hosts_line();
  std::ofstream(dir.path() / "password") << testing::NetconfdPeer::kPassword << "\n";
  auto store = std::move(SqliteStore::open(dir.path() / "state").value());
  SystemClock clock;
  TenancyService tenancy(*store, clock, {.password_iterations = 10'000});
  auto admin = *tenancy.authenticate_token(tenancy.bootstrap_admin("root")->secret);
  (void)tenancy.add_project(admin, "pod", -1, -1);
  int i = 0;
  for (auto* sw : {&leaf1, &leaf2}) {
    SwitchRecord rec{.name = fmt::format("leaf-{}", ++i), .address = "127.0.0.1", .port = sw->port(),
                     .username = testing::NetconfdPeer::kUser, .password_file = (dir.path() / "password").string(),
                     .known_hosts_file = (dir.path() / "known_hosts").string(), .network_instance = "DEFAULT", .parking_vlan = 20};
    (void)store->save_switch(rec, {.kind = EventKind::kSwitchSaved});
  }
  // 16 nodes, each NIC heard over LLDP on its leaf's port.
  std::vector<std::uint64_t> ids;
  for (int n = 0; n < nodes; ++n) {
    proto::Inventory inv;
    for (int k = 0; k < kNics; ++k) {
      auto* nic = inv.add_nics();
      nic->set_name(k == 0 ? "eth0" : fmt::format("rdma{}", k - 1));
      nic->set_mac(fmt::format("02:00:00:00:{:02x}:{:02x}", n, k));
      nic->mutable_lldp()->set_system_name(n % 2 ? "leaf-2" : "leaf-1");
      nic->mutable_lldp()->set_port_id(fmt::format("Ethernet{}", (n / 2) * kNics + k + 1));
      nic->mutable_lldp()->set_port_id_subtype("ifname");
    }
    NodeRecord node;
    node.hostname = fmt::format("gpu-{:02}", n);
    node.system_uuid = fmt::format("uuid-{}", n);
    node.hardware_json = to_json(inv);
    (void)store->save_node(node, {.kind = EventKind::kNodeRegistered});
    LeaseRecord lease{.node_id = node.id, .project = "pod"};
    (void)store->create_lease(lease, {.kind = EventKind::kLeaseStarted});
    ids.push_back(node.id);
  }
  boost::asio::io_context io(1);
  // The switch worker posts its outcome back to `io`; keep `io` from running out of work meanwhile.
  auto guard = boost::asio::make_work_guard(io);
  NetconfApplier netconf(io);
  CountingApplier applier(netconf);
  NetworkService networks(*store, clock, applier, {.pool_first = 100, .pool_last = 3999});
  (void)networks.create(admin, "pod", "frontend");
  for (int r = 0; r < 8; ++r) (void)networks.create(admin, "pod", fmt::format("rail-{}", r));

  auto run = [&](const char* what, auto start) -> double {
    const auto t0 = std::chrono::steady_clock::now();
    Result<OperationRecord> op = start();
    if (!op.ok()) {
      fmt::print(stderr, "{}: {}\n", what, op.status().to_string());
      std::exit(1);
    }
    while (networks.queued() > 0) io.run_one();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    auto done = store->get_operation(op->id);
    if (done->state != "succeeded") {
      fmt::print(stderr, "{} failed: {}\n{}\n", what, done->message, done->detail);
      std::exit(1);
    }
    fmt::print("  {:<46} {:7.0f} ms  ({})\n", what, ms, done->message);
    return ms;
  };
  std::vector<AttachRequest> all;
  for (auto id : ids) {
    all.push_back({.node_id = id, .nic = "eth0", .network = "frontend"});
    for (int r = 0; r < 8; ++r) all.push_back({.node_id = id, .nic = fmt::format("rdma{}", r), .network = fmt::format("rail-{}", r)});
  }
  fmt::print("network_bench: {} nodes x {} NICs = {} ports on 2 netconfd switches, one operation each:\n", nodes, kNics, all.size());
  run("attach all (cold: opens the SSH sessions)", [&] { return networks.attach_many(admin, all); });
  std::vector<double> warm;
  for (int round = 0; round < 3; ++round) {
    for (auto id : ids) (void)networks.release_node("bench", id), ({ while (networks.queued() > 0) io.run_one(); });
    warm.push_back(run("attach all (warm: sessions reused)", [&] { return networks.attach_many(admin, all); }));
  }
  std::sort(warm.begin(), warm.end());
  fmt::print("  warm median {:.0f} ms; SSH sessions opened in total: {} (one per switch)\n", warm[warm.size() / 2], applier.sessions);
  netconf.stop();
  return 0;
}
