// bmfctl slurm add NAME --project P --controller HOST:PORT --munge-key-file F [--partition X] [--network N],
//        slurm list, slurm remove NAME
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
  auto* remove = slurm->add_subcommand("remove", "forget a cluster (its nodes stay where they are)");
  remove->add_option("NAME", name, "cluster name")->required();
  remove->callback([&] {
    auto out = c.call("DELETE", "/api/v1/slurm-clusters/" + name);
    rc = out.ok() ? 0 : Client::fail(out.status().message());
  });
}

}  // namespace bmf::cli
