// bmfctl slurm add NAME --project P --controller HOST:PORT --munge-key-file F [--partition X] [--network N],
//        slurm list, slurm remove NAME,
//        slurm resume CLUSTER NODE... [--class C] [--timeout S]   (bmf-slurm-resume: Slurm's ResumeProgram)
//        slurm suspend CLUSTER NODE...                             (bmf-slurm-suspend: Slurm's SuspendProgram)
#include <fstream>
#include <sstream>

#include "common/proto/admin.pb.h"
#include "coordinator/cli/client.h"
#include "coordinator/cli/node_table.h"

namespace bmf::cli {

void add_slurm_commands(CLI::App& app, Client& c, int& rc) {
  static std::string name, project, controller, key_file, partition, network;
  auto* slurm = app.add_subcommand("slurm", "a project's SLURM clusters (allocate --handover slurm joins nodes to it)");
  slurm->require_subcommand(1);
  auto* add = slurm->add_subcommand("add", "register the project's cluster; its munge key is kept by bmf and sent only to its nodes");
  add->add_option("NAME", name, "cluster name")->required();
  add->add_option("--project", project, "the project whose nodes join it")->required();
  add->add_option("--controller", controller, "HOST:PORT of slurmctld, as the nodes reach it")->required();
  add->add_option("--munge-key-file", key_file, "the cluster's munge key")->required()->check(CLI::ExistingFile);
  add->add_option("--partition", partition, "where bmf's nodes land (informational: nodes carry Feature=bmf)");
  add->add_option("--network", network, "the network its nodes go on when an allocation names none");
  c.add_output(add);
  add->callback([&] {
    std::ifstream in(key_file, std::ios::binary);
    std::stringstream key;
    key << in.rdbuf();
    proto::SlurmCluster body;
    body.set_name(name);
    body.set_project(project);
    body.set_controller(controller);
    body.set_munge_key(key.str());
    body.set_partition(partition);
    body.set_network(network);
    auto out = c.call("POST", "/api/v1/slurm-clusters", coordinator::to_json(body));
    if (!out.ok()) {
      rc = Client::fail(out.status().message());
      return;
    }
    rc = c.done(*out, fmt::format("SLURM cluster {} registered for {} (controller {}{})\n", name, project, controller,
                                  network.empty() ? "" : ", network " + network));
  });
  auto* list = slurm->add_subcommand("list", "the clusters you can see");
  c.add_output(list);
  list->callback([&] {
    rc = c.show<proto::SlurmClusterList>("/api/v1/slurm-clusters", [](const proto::SlurmClusterList& l) {
      std::vector<std::vector<std::string>> rows{{"NAME", "PROJECT", "CONTROLLER", "NETWORK", "PARTITION", "CREATED"}};
      for (const auto& k : l.clusters()) {
        rows.push_back({k.name(), k.project(), k.controller(), k.network().empty() ? "-" : k.network(),
                        k.partition().empty() ? "-" : k.partition(), k.created_at()});
      }
      return render_table(rows);
    });
  });
  static std::vector<std::string> names;
  static std::string hardware_class;
  static unsigned timeout_s = 300;
  auto* resume = slurm->add_subcommand(
      "resume", "elastic mode: allocate one node per NAME (State=CLOUD nodes of the cluster's slurm.conf) and follow until they are "
                "idle in SLURM (exit 0) or failed (exit 1)");
  resume->add_option("CLUSTER", name, "cluster name")->required();
  resume->add_option("NAME", names, "SLURM node names (expanded: scontrol show hostnames)")->required();
  resume->add_option("--class", hardware_class, "hardware class to allocate (default: any node)");
  resume->add_option("--timeout", timeout_s, "seconds to follow it (Slurm's ResumeTimeout)")->capture_default_str();
  c.add_output(resume);
  resume->callback([&] {
    proto::SlurmPowerRequest req;
    for (const auto& n : names) req.add_nodes(n);
    req.set_class_(hardware_class);
    auto body = c.call("POST", "/api/v1/slurm-clusters/" + name + "/resume", coordinator::to_json(req));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Allocation a;
    if (Status s = coordinator::from_json(*body, a); !s.ok()) return void(rc = Client::fail(s.message()));
    rc = follow_allocation(c, a, timeout_s);
  });
  auto* suspend = slurm->add_subcommand("suspend", "elastic mode: the nodes holding these SLURM names leave the cluster and go back "
                                                   "to the hotpool (their names stay in slurm.conf)");
  suspend->add_option("CLUSTER", name, "cluster name")->required();
  suspend->add_option("NAME", names, "SLURM node names (expanded)")->required();
  c.add_output(suspend);
  suspend->callback([&] {
    proto::SlurmPowerRequest req;
    for (const auto& n : names) req.add_nodes(n);
    auto body = c.call("POST", "/api/v1/slurm-clusters/" + name + "/suspend", coordinator::to_json(req));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::SlurmSuspendReply r;
    if (Status s = coordinator::from_json(*body, r); !s.ok()) return void(rc = Client::fail(s.message()));
    std::string text;
    for (const auto& x : r.released()) text += fmt::format("{}: node {} leaves (allocation {})\n", x.name(), x.node(), x.allocation());
    for (const auto& u : r.unknown()) text += fmt::format("{}: bmf holds no node under this name\n", u);
    rc = c.done(*body, text);
  });
  auto* remove = slurm->add_subcommand("remove", "forget a cluster (its nodes stay where they are)");
  remove->add_option("NAME", name, "cluster name")->required();
  remove->callback([&] {
    auto out = c.call("DELETE", "/api/v1/slurm-clusters/" + name);
    rc = out.ok() ? 0 : Client::fail(out.status().message());
  });
}

}  // namespace bmf::cli
