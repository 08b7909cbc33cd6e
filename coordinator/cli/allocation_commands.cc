// bmfctl class ..., allocate, allocation list|show, release
#include <chrono>
#include <thread>

#include "common/proto/admin.pb.h"
#include "coordinator/cli/client.h"

namespace bmf::cli {
namespace {

using coordinator::from_json;
using coordinator::to_json;

std::string stage_line(const proto::AllocationStage& s) {
  return fmt::format("  {:>8.3f} s  {:<10} {}", static_cast<double>(s.elapsed_ms()) / 1000.0, s.stage(), s.detail());
}

}  // namespace

int follow_allocation(const Client& c, proto::Allocation a, unsigned timeout_s) {
  int printed = 0;
  auto show = [&](const proto::Allocation& now) {
    if (c.output == "json") {
      std::cout << to_json(now) << std::endl;
      return;
    }
    if (printed == 0) {
      std::cout << fmt::format("allocation {}: {} x {} for {}\n", now.id(), now.count(),
                               now.class_().empty() ? "any node" : now.class_(), now.project());
    }
    for (; printed < now.stages_size(); ++printed) std::cout << stage_line(now.stages(printed)) << std::endl;
  };
  auto final_state = [](const proto::Allocation& x) { return x.state() != "running" && x.state() != "releasing"; };
  if (final_state(a)) {
    show(a);
  } else {
    Status s = c.stream(fmt::format("/api/v1/allocations/{}/events", a.id()), timeout_s, [&](const std::string& data) {
      proto::Allocation now;
      if (!from_json(data, now).ok()) return true;
      a = now;
      show(a);
      return !final_state(a);
    });
    if (!s.ok()) return Client::fail(s.message());
    if (!final_state(a)) return Client::fail(fmt::format("allocation {} still {} after {} s", a.id(), a.state(), timeout_s));
  }
  if (a.state() == "failed") return Client::fail(fmt::format("allocation {} failed: {}", a.id(), a.message()));
  if (c.output != "json" && a.state() == "ready") std::cout << fmt::format("ready: nodes {}\n", fmt::join(a.nodes(), " "));
  return 0;
}

void add_allocation_commands(CLI::App& app, Client& c, int& rc) {
  static std::string name, gpu_model, project, hardware_class, network, handover = "none";
  static std::uint32_t gpus = 0, memory = 0, cpus = 0, count = 0, timeout_s = 600;
  static bool rdma = false;
  static std::uint64_t id = 0;

  auto* cls = app.add_subcommand("class", "hardware classes: rules over the inventory agents report");
  cls->require_subcommand(1);
  auto* add = cls->add_subcommand("add", "define (or redefine) a class (admins)");
  add->add_option("NAME", name, "class name, e.g. gpu-h100x8")->required();
  add->add_option("--gpus", gpus, "at least this many GPUs (of --gpu-model when given)");
  add->add_option("--gpu-model", gpu_model, "GPU name contains this, e.g. H100");
  add->add_flag("--rdma", rdma, "needs an RDMA (RoCE/InfiniBand) port");
  add->add_option("--min-memory-gib", memory, "at least this much memory");
  add->add_option("--min-cpus", cpus, "at least this many logical CPUs");
  add->callback([&] {
    proto::HardwareClass hc;
    hc.set_min_gpus(gpus);
    hc.set_gpu_model(gpu_model);
    hc.set_rdma(rdma);
    hc.set_min_memory_gib(memory);
    hc.set_min_cpus(cpus);
    auto body = c.call("PUT", "/api/v1/classes/" + name, to_json(hc));
    rc = body.ok() ? (std::cout << "class " << name << " saved\n", 0) : Client::fail(body.status().message());
  });
  auto* list = cls->add_subcommand("list", "list classes with their free and total nodes");
  c.add_output(list);
  list->callback([&] {
    rc = c.show<proto::HardwareClassList>("/api/v1/classes", [](const proto::HardwareClassList& l) {
      std::string out = "CLASS  FREE/TOTAL  RULES\n";
      for (const auto& h : l.classes()) {
        std::vector<std::string> rules;
        if (h.min_gpus()) rules.push_back(fmt::format("gpus>={}{}", h.min_gpus(), h.gpu_model().empty() ? "" : " " + h.gpu_model()));
        else if (!h.gpu_model().empty()) rules.push_back("gpu " + h.gpu_model());
        if (h.rdma()) rules.push_back("rdma");
        if (h.min_memory_gib()) rules.push_back(fmt::format("memory>={}GiB", h.min_memory_gib()));
        if (h.min_cpus()) rules.push_back(fmt::format("cpus>={}", h.min_cpus()));
        out += fmt::format("{}  {}/{}  {}\n", h.name(), h.free_nodes(), h.total_nodes(), rules.empty() ? "any node" : fmt::format("{}", fmt::join(rules, ", ")));
      }
      return out;
    });
  });
  auto* rm = cls->add_subcommand("remove", "remove a class");
  rm->add_option("NAME", name, "class name")->required();
  rm->callback([&] {
    auto body = c.call("DELETE", "/api/v1/classes/" + name);
    rc = body.ok() ? (std::cout << "class " << name << " removed\n", 0) : Client::fail(body.status().message());
  });

  auto* alloc = app.add_subcommand("allocate", "request N nodes for a project and follow each stage as it happens");
  alloc->add_option("--project", project, "project")->required();
  alloc->add_option("--count", count, "how many nodes")->required()->check(CLI::Range(1u, 10000u));
  alloc->add_option("--class", hardware_class, "hardware class (default: any node)");
  alloc->add_option("--network", network, "put the nodes' ports on this network of the project");
  alloc->add_option("--handover", handover, "none (slurm comes with the lab)")->capture_default_str();
  alloc->add_option("--timeout", timeout_s, "seconds to follow it")->capture_default_str();
  static std::int64_t duration_s = 0;
  alloc->add_option("--duration-s", duration_s, "the nodes are released automatically after this many seconds (default: never)");
  static unsigned wait_s = 0;
  alloc->add_option("--wait", wait_s, "when not enough nodes are free, ask again every 2 s for this many seconds (default: refuse at once)");
  c.add_output(alloc);
  alloc->callback([&] {
    proto::Allocation req;
    req.set_project(project);
    req.set_count(count);
    req.set_class_(hardware_class);
    req.set_network(network);
    req.set_handover(handover);
    req.set_duration_s(duration_s);
    auto body = c.call("POST", "/api/v1/allocations", to_json(req));
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    std::string said;
    while (!body.ok() && body.status().message().find("not enough nodes") != std::string::npos &&
           std::chrono::steady_clock::now() < give_up) {
      if (body.status().message() != said) std::cerr << "waiting: " << body.status().message() << std::endl;
      said = body.status().message();
      std::this_thread::sleep_for(std::chrono::seconds(2));
      body = c.call("POST", "/api/v1/allocations", to_json(req));
    }
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Allocation a;
    (void)from_json(*body, a);
    rc = follow_allocation(c, a, timeout_s);
  });
  auto* allocs = app.add_subcommand("allocation", "inspect allocations");
  allocs->require_subcommand(1);
  auto* alist = allocs->add_subcommand("list", "list allocations (yours, or all for admins)");
  c.add_output(alist);
  alist->callback([&] {
    rc = c.show<proto::AllocationList>("/api/v1/allocations", [](const proto::AllocationList& l) {
      std::string out = "ID  PROJECT  COUNT  CLASS  STATE  NODES  CREATED\n";
      for (const auto& a : l.allocations()) {
        out += fmt::format("{}  {}  {}  {}  {}  {}  {}\n", a.id(), a.project(), a.count(), a.class_().empty() ? "-" : a.class_(), a.state(),
                           fmt::join(a.nodes(), ","), a.created_at());
      }
      return out;
    });
  });
  auto* ashow = allocs->add_subcommand("show", "show an allocation's stages");
  ashow->add_option("ID", id, "allocation id")->required();
  c.add_output(ashow);
  ashow->callback([&] {
    rc = c.show<proto::Allocation>(fmt::format("/api/v1/allocations/{}", id), [](const proto::Allocation& a) {
      std::string out = fmt::format("allocation {}: {} x {} for {} ({}), state {}\n", a.id(), a.count(),
                                    a.class_().empty() ? "any node" : a.class_(), a.project(), a.owner(), a.state());
      for (const auto& s : a.stages()) out += stage_line(s) + "\n";
      if (!a.message().empty()) out += "  " + a.message() + "\n";
      out += fmt::format("  nodes {}\n", fmt::join(a.nodes(), " "));
      return out;
    });
  });
  auto* release = app.add_subcommand(
      "release", "release an allocation (or --node N...: single nodes) and follow it: leases end, ports back to provisioning, "
                 "nodes cleaned and free again");
  static std::vector<std::uint64_t> release_nodes;
  auto* alloc_opt = release->add_option("ALLOCATION", id, "allocation id");
  auto* nodes_opt = release->add_option("--node", release_nodes, "release these nodes of your projects instead");
  alloc_opt->excludes(nodes_opt);
  release->add_option("--timeout", timeout_s, "seconds to follow it")->capture_default_str();
  c.add_output(release);
  release->callback([&] {
    if (!release_nodes.empty()) {
      for (auto node : release_nodes) {
        auto body = c.call("POST", fmt::format("/api/v1/nodes/{}/release", node));
        if (!body.ok()) return void(rc = Client::fail(body.status().message()));
        proto::Lease l;
        (void)from_json(*body, l);
        rc = c.done(*body, fmt::format("node {}: lease {} ended; its ports go back to provisioning and it is cleaned", node, l.id()));
      }
      return;
    }
    if (id == 0) return void(rc = Client::fail("release: give an ALLOCATION id, or --node N"));
    auto body = c.call("POST", fmt::format("/api/v1/allocations/{}/release", id));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Allocation a;
    (void)from_json(*body, a);
    rc = follow_allocation(c, a, timeout_s);
  });
}

}  // namespace bmf::cli
