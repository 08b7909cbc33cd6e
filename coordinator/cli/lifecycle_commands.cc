// bmfctl hotpool [set CLASS --min N --max M], node maintenance NODE --reason R | --off [--clean]
#include "common/proto/admin.pb.h"
#include "coordinator/cli/client.h"
#include "coordinator/cli/node_table.h"

namespace bmf::cli {

void add_lifecycle_commands(CLI::App& app, Client& c, int& rc) {
  static std::string hardware_class, node_ref, reason;
  static std::int64_t min_hot = 0, max_hot = -1;
  static bool off = false, clean = false;

  auto* hotpool = app.add_subcommand("hotpool", "per class: hot (on, ready at once) and warm (off) free nodes, the target and demand");
  c.add_output(hotpool);
  auto* set = hotpool->add_subcommand("set", "bound a class's hot target (admins): it follows demand within [--min, --max]");
  set->add_option("CLASS", hardware_class, "hardware class")->required();
  set->add_option("--min", min_hot, "keep at least this many hot")->capture_default_str();
  set->add_option("--max", max_hot, "keep at most this many hot (-1: no bound)")->capture_default_str();
  set->callback([&] {
    proto::HotpoolBounds b;
    b.set_min_hot(min_hot);
    if (max_hot >= 0) b.set_max_hot(max_hot);
    auto body = c.call("PUT", "/api/v1/hotpool/" + hardware_class, coordinator::to_json(b));
    if (!body.ok()) {
      rc = Client::fail(body.status().message());
      return;
    }
    proto::HotpoolList list;
    (void)coordinator::from_json(*body, list);
    rc = c.done(*body, hotpool_table(list));
  });
  hotpool->callback([&c, &rc, set] {
    if (*set) return;
    rc = c.show<proto::HotpoolList>("/api/v1/hotpool", hotpool_table);
  });

  CLI::App* node = app.get_subcommand("node");
  auto* maint = node->add_subcommand("maintenance", "take a node out of service (--reason) or put it back (--off [--clean])");
  maint->add_option("NODE", node_ref, "node id")->required();
  auto* reason_opt = maint->add_option("--reason", reason, "why (shown with the node and in the events)");
  auto* off_opt = maint->add_flag("--off", off, "out of maintenance: back to available");
  maint->add_flag("--clean", clean, "with --off: power-cycle and wipe it first (cleaning)");
  reason_opt->excludes(off_opt);
  c.add_output(maint);
  maint->callback([&] {
    if (!off && reason.empty()) {
      rc = Client::fail("node maintenance: give --reason to take the node out, or --off to put it back");
      return;
    }
    proto::MaintenanceRequest req;
    req.set_reason(reason);
    auto body = off ? c.call("DELETE", fmt::format("/api/v1/nodes/{}/maintenance{}", node_ref, clean ? "?clean=true" : ""))
                    : c.call("POST", fmt::format("/api/v1/nodes/{}/maintenance", node_ref), coordinator::to_json(req));
    if (!body.ok()) {
      rc = Client::fail(body.status().message());
      return;
    }
    proto::Node n;
    (void)coordinator::from_json(*body, n);
    rc = c.done(*body, fmt::format("node {}: {}{}", n.id(), state_name(n.state()),
                                   n.state_reason().empty() ? "" : " (" + n.state_reason() + ")"));
  });
}

}  // namespace bmf::cli
