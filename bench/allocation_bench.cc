// allocation_bench: "request N nodes" through the coordinator's real services, in one
// process, with real NETCONF switches (netconfd + sshd, started here) and emulated BMCs
// answering Redfish over HTTP with a set latency (RedfishProxyPower speaks to them as it
// speaks to bmf-bmc-proxy; the proxy's own cost is in bmc_proxy_bench). Agents are played
// here: a node's agent "registers" a boot time after its BMC reports it powered on.
//
//   allocation_bench hot   [N=10] [RUNS=10]       N hot nodes, one switch: request -> ready, median of RUNS
//   allocation_bench warm  [N=10] [BMC_MS=2000] [BOOT_MS=3000]   empty hotpool: power-on + boot, the ETA shown vs real
//   allocation_bench scale [N=1000] [REQUESTS=100]  4 switches: one request of N, then REQUESTS requests of N/REQUESTS
// Needs root (netconfd in namespaces).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

#include "common/http/http_server.h"
#include "common/proto/inventory.pb.h"
#include "coordinator/allocation/allocation_service.h"
#include "coordinator/lifecycle/cleaning_service.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/lab/bmc_emulator/emulated_bmc.h"
#include "tests/peers/netconfd_peer.h"
#include "tests/support/fake_agents.h"

using namespace bmf;
using namespace bmf::coordinator;
using Clk = std::chrono::steady_clock;

namespace {

double ms_since(Clk::time_point t0) { return std::chrono::duration<double, std::milli>(Clk::now() - t0).count(); }

struct Bench {
  int switches;
  int nodes;
  int bmc_ms = 0;
  int boot_ms = 0;
  bool warm = false;

  testing::TempDir dir;
  std::vector<std::unique_ptr<testing::NetconfdPeer>> leaves;
  std::unique_ptr<SqliteStore> store;
  SystemClock clock;
  boost::asio::io_context io{1};
  std::unique_ptr<NetconfApplier> netconf;
  std::unique_ptr<NetworkService> networks;
  std::unique_ptr<NodeLifecycle> lifecycle;
  std::unique_ptr<CleaningService> cleaning;
  std::unique_ptr<AllocationService> allocations;
  std::unique_ptr<RedfishProxyPower> power;
  testing::FakeAgents agents;
  std::map<std::uint64_t, std::unique_ptr<lab::EmulatedBmc>> bmcs;
  std::unique_ptr<http::HttpServer> bmc_server;
  std::set<std::uint64_t> booting;
  Principal admin{.name = "root", .role = UserRole::kAdmin};

  void setup() {
    const int per_switch = (nodes + switches - 1) / switches;
    for (int s = 0; s < switches; ++s) leaves.push_back(std::make_unique<testing::NetconfdPeer>(per_switch));
    {
      std::ofstream kh(dir.path() / "known_hosts");
      for (auto& l : leaves) kh << l->known_hosts_line();
    }
    std::ofstream(dir.path() / "password") << testing::NetconfdPeer::kPassword << "\n";
    store = std::move(SqliteStore::open(dir.path() / "state").value());
    ProjectRecord p{.name = "pod"};
    (void)store->create_project(p, {.kind = EventKind::kProjectCreated});
    for (int s = 0; s < switches; ++s) {
      SwitchRecord rec{.name = fmt::format("leaf-{}", s + 1), .address = "127.0.0.1", .port = leaves[s]->port(),
                       .username = testing::NetconfdPeer::kUser, .password_file = (dir.path() / "password").string(),
                       .known_hosts_file = (dir.path() / "known_hosts").string(), .network_instance = "DEFAULT", .parking_vlan = 20};
      (void)store->save_switch(rec, {.kind = EventKind::kSwitchSaved});
    }
    for (int n = 0; n < nodes; ++n) {
      proto::Inventory inv;
      inv.add_gpus()->set_name("NVIDIA H100 80GB HBM3");
      auto* nic = inv.add_nics();
      nic->set_name("eth0");
      nic->set_mac(fmt::format("02:00:00:{:02x}:{:02x}:01", n / 256, n % 256));
      nic->mutable_lldp()->set_system_name(fmt::format("leaf-{}", n % switches + 1));
      nic->mutable_lldp()->set_port_id(fmt::format("Ethernet{}", n / switches + 1));
      nic->mutable_lldp()->set_port_id_subtype("ifname");
      NodeRecord node;
      node.hostname = fmt::format("gpu-{:04}", n);
      node.system_uuid = fmt::format("uuid-{}", n);
      node.hardware_json = to_json(inv);
      node.state = NodeState::kAvailable;
      node.power_state = warm ? PowerState::kOff : PowerState::kOn;
      (void)store->save_node(node, {.kind = EventKind::kNodeRegistered});
      if (!warm) agents.online.insert(node.id);
      bmcs.emplace(node.id, std::make_unique<lab::EmulatedBmc>(lab::BmcConfig{.system_id = std::to_string(node.id), .username = "coordinator",
                                                                              .password = "tok"}));
      if (!warm) {  // hot: the BMC says on
        http::Request on{"POST", fmt::format("/redfish/v1/Systems/{}/Actions/ComputerSystem.Reset", node.id), R"({"ResetType":"On"})",
                         {{"authorization", "Basic Y29vcmRpbmF0b3I6dG9r"}}, ""};
        (void)bmcs[node.id]->handle(on);
      }
    }
    // One HTTP server plays every BMC behind the proxy's /redfish/v1/Systems/{node} layout.
    http::HttpServerConfig cfg;
    cfg.response_delay = std::chrono::milliseconds(bmc_ms);
    bmc_server = std::make_unique<http::HttpServer>(io, cfg, [this](const http::Request& r) {
      static const std::regex id(R"(/redfish/v1/Systems/(\d+))");
      std::smatch m;
      if (!std::regex_search(r.target, m, id)) return lab::redfish_error(404, "Base.1.0.ResourceMissingAtURI", "no");
      auto it = bmcs.find(std::stoull(m[1]));
      if (it == bmcs.end()) return lab::redfish_error(404, "Base.1.0.ResourceMissingAtURI", "no");
      const std::string before = it->second->power_state();
      http::Response out = it->second->handle(r);
      if (r.method == "POST" && r.target.find("Reset") != std::string::npos && it->second->power_state() == "On") boot(it->first);
      (void)before;
      return out;
    });
    const std::uint16_t port = *bmc_server->start();
    netconf = std::make_unique<NetconfApplier>(io);
    networks = std::make_unique<NetworkService>(*store, clock, *netconf, NetworkConfig{.pool_first = 100, .pool_last = 3999});
    lifecycle = std::make_unique<NodeLifecycle>(*store, clock);
    power = std::make_unique<RedfishProxyPower>(
        io, RedfishPowerConfig{.proxy_url = fmt::format("http://127.0.0.1:{}", port), .username = "coordinator", .token = "tok",
                               .call_timeout = std::chrono::seconds(30), .poll_interval = std::chrono::milliseconds(200),
                               .max_connections = 1024});
    cleaning = std::make_unique<CleaningService>(*store, clock, *lifecycle, *networks, power.get(), &agents, CleaningConfig{});
    allocations = std::make_unique<AllocationService>(*store, clock, *networks, *lifecycle, *cleaning, power.get(), &agents,
                                                      AllocationConfig{.boot_eta_ms = 5000, .boot_timeout_ms = 120'000});
    HardwareClass hc{.name = "gpu-h100", .min_gpus = 1, .gpu_model = "H100"};
    (void)allocations->save_class(admin, hc);
    (void)networks->create(admin, "pod", "frontend");
  }

  // The node's agent registers `boot_ms` after its BMC turned it on (a restart or a power-on).
  void boot(std::uint64_t node) {
    agents.online.erase(node);
    auto t = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(boot_ms));
    t->async_wait([this, node, t](boost::system::error_code) { agents.registers(node); });
  }

  // Runs the loop until `done` or `limit`.
  bool until(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(600)) {
    auto guard = boost::asio::make_work_guard(io);
    const auto end = Clk::now() + limit;
    while (!done() && Clk::now() < end) io.run_one_for(std::chrono::milliseconds(50));
    return done();
  }
  std::string state(std::uint64_t id) { return store->get_allocation(id)->state; }
  Result<AllocationRecord> request(int count) {
    return allocations->request(admin, {.project = "pod", .count = static_cast<std::uint32_t>(count), .hardware_class = "gpu-h100",
                                        .network = "frontend"});
  }
  void release_and_wait(std::uint64_t id) {
    (void)allocations->release(admin, id);
    until([&] { return state(id) == "released"; });
  }
};

std::string stage_breakdown(const AllocationRecord& a) {
  std::string out;
  EpochMs prev = a.created_at_ms;
  for (const auto& s : a.stages) {
    out += fmt::format(" {}+{}ms", s.stage, s.at_ms - prev);
    prev = s.at_ms;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "hot";
  if (auto why = testing::NetconfdPeer::unavailable_reason(); !why.empty()) {
    fmt::print(stderr, "allocation_bench: {}\n", why);
    return 1;
  }
  auto arg = [&](int i, int def) { return argc > i ? std::atoi(argv[i]) : def; };
  if (mode == "hot") {
    Bench b{.switches = 1, .nodes = arg(2, 10)};
    const int runs = arg(3, 10);
    b.setup();
    std::vector<double> times;
    fmt::print("allocation_bench hot: {} hot nodes, 1 netconfd switch, network + ports, handover none, {} runs\n", b.nodes, runs);
    for (int r = 0; r < runs; ++r) {
      const auto t0 = Clk::now();
      auto a = b.request(b.nodes);
      if (!a.ok()) return fmt::print(stderr, "request: {}\n", a.status().to_string()), 1;
      if (!b.until([&] { return b.state(a->id) != "running"; })) return fmt::print(stderr, "not ready\n"), 1;
      times.push_back(ms_since(t0));
      auto done = b.store->get_allocation(a->id);
      if (done->state != "ready") return fmt::print(stderr, "allocation {}: {}\n", done->state, done->message), 1;
      fmt::print("  run {:2}: {:6.1f} ms {}\n", r + 1, times.back(), stage_breakdown(*done));
      const auto t1 = Clk::now();
      b.release_and_wait(a->id);
      for (auto n : done->nodes) b.agents.registers(n);  // (power-cycled: back in discovery)
      b.until([&] {
        auto nodes = b.store->list_nodes();
        return std::all_of(nodes->begin(), nodes->end(), [](const NodeRecord& n) { return n.state == NodeState::kAvailable; });
      });
      fmt::print("          release -> all {} back available: {:6.1f} ms\n", b.nodes, ms_since(t1));
    }
    std::sort(times.begin(), times.end());
    fmt::print("  median request -> ready: {:.1f} ms (min {:.1f}, max {:.1f})\n", times[times.size() / 2], times.front(), times.back());
  } else if (mode == "warm") {
    Bench b{.switches = 1, .nodes = arg(2, 10), .bmc_ms = arg(3, 2000), .boot_ms = arg(4, 3000), .warm = true};
    b.setup();
    fmt::print("allocation_bench warm: {} warm (off) nodes, BMCs answer in {} ms, boot {} ms, 1 netconfd switch\n", b.nodes, b.bmc_ms,
               b.boot_ms);
    for (int r = 0; r < 2; ++r) {
      const auto t0 = Clk::now();
      auto a = b.request(b.nodes);
      if (!a.ok()) return fmt::print(stderr, "request: {}\n", a.status().to_string()), 1;
      std::string eta;
      for (const auto& s : a->stages) {
        if (s.stage == "powering_on") eta = s.detail.substr(s.detail.find("ETA"));
      }
      if (!b.until([&] { return b.state(a->id) != "running"; })) return fmt::print(stderr, "not ready\n"), 1;
      const double took = ms_since(t0);
      auto done = b.store->get_allocation(a->id);
      EpochMs on_at = 0, up_at = 0;
      for (const auto& s : done->stages) {
        if (s.stage == "powering_on") on_at = s.at_ms;
        if (s.stage == "powered_on") up_at = s.at_ms;
      }
      fmt::print("  run {}: request -> {} in {:.0f} ms; shown {}; powering_on -> powered_on took {:.1f} s\n     {}\n", r + 1,
                 done->state, took, eta, static_cast<double>(up_at - on_at) / 1000, stage_breakdown(*done));
      // Back to warm for the next run: release (power-cycle + clean), then power them off.
      b.release_and_wait(a->id);
      b.until([&] {
        auto nodes = b.store->list_nodes();
        return std::all_of(nodes->begin(), nodes->end(), [](const NodeRecord& n) { return n.state == NodeState::kAvailable; });
      });
      int off = 0;
      for (auto n : done->nodes) {
        b.power->run(n, PowerAction::kOff, [&, n](PowerOutcome) {
          (void)b.store->set_power_state(n, PowerState::kOff, b.clock.now_ms(), std::nullopt);
          b.agents.online.erase(n);
          ++off;
        });
      }
      b.until([&] { return off == static_cast<int>(done->nodes.size()); });
    }
  } else if (mode == "scale") {
    Bench b{.switches = 4, .nodes = arg(2, 1000)};
    const int requests = arg(3, 100);
    fmt::print("allocation_bench scale: {} nodes on 4 netconfd switches ({} ports each)\n", b.nodes, (b.nodes + 3) / 4);
    auto t_setup = Clk::now();
    b.setup();
    fmt::print("  set-up (4 switches, {} nodes): {:.0f} ms\n", b.nodes, ms_since(t_setup));
    auto t0 = Clk::now();
    auto a = b.request(b.nodes);
    if (!a.ok()) return fmt::print(stderr, "request: {}\n", a.status().to_string()), 1;
    const double reserve_ms = ms_since(t0);
    if (!b.until([&] { return b.state(a->id) != "running"; })) return fmt::print(stderr, "not ready\n"), 1;
    auto done = b.store->get_allocation(a->id);
    fmt::print("  one request of {}: {} in {:.0f} ms (reserved in {:.0f} ms){}\n", b.nodes, done->state, ms_since(t0), reserve_ms,
               stage_breakdown(*done));
    b.release_and_wait(a->id);
    for (auto n : done->nodes) b.agents.registers(n);
    b.until([&] {
      auto nodes = b.store->list_nodes();
      return std::all_of(nodes->begin(), nodes->end(), [](const NodeRecord& n) { return n.state == NodeState::kAvailable; });
    });
    const int each = b.nodes / requests;
    t0 = Clk::now();
    std::vector<std::uint64_t> ids;
    for (int r = 0; r < requests; ++r) {
      auto x = b.request(each);
      if (!x.ok()) return fmt::print(stderr, "request {}: {}\n", r, x.status().to_string()), 1;
      ids.push_back(x->id);
    }
    const double reserved_all = ms_since(t0);
    b.until([&] { return std::all_of(ids.begin(), ids.end(), [&](std::uint64_t id) { return b.state(id) != "running"; }); });
    std::set<std::uint64_t> seen;
    std::size_t twice = 0, ready = 0;
    for (auto id : ids) {
      auto x = b.store->get_allocation(id);
      ready += x->state == "ready";
      for (auto n : x->nodes) twice += !seen.insert(n).second;
    }
    fmt::print("  {} requests of {} issued back to back: all reserved in {:.0f} ms, {} ready in {:.0f} ms; nodes given twice: {}\n",
               requests, each, reserved_all, ready, ms_since(t0), twice);
  } else {
    fmt::print(stderr, "usage: allocation_bench hot|warm|scale [...]\n");
    return 2;
  }
  return 0;
}
