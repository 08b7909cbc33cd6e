// bmfctl network ..., node attach|detach|port-map
#include "common/proto/admin.pb.h"
#include "coordinator/cli/client.h"

namespace bmf::cli {
namespace {

using coordinator::from_json;
using coordinator::to_json;

std::string query_project(const std::string& project) { return project.empty() ? "" : "?project=" + project; }

}  // namespace

void add_network_commands(CLI::App& app, Client& c, int& rc) {
  static std::string project, name, network, native, nic, switch_name, port;
  static std::uint32_t vlan = 0, timeout_s = 120;
  static std::vector<std::string> share_with;
  static bool trunk = false, clear = false;
  static std::uint64_t node_id = 0;

  auto* net = app.add_subcommand("network", "networks: a project's own L2 networks and imported provider networks");
  net->require_subcommand(1);
  auto* create = net->add_subcommand("create", "create a network for a project (its VLAN comes from the site's tenant pool)");
  create->add_option("PROJECT", project, "project")->required();
  create->add_option("NAME", name, "network name")->required();
  c.add_output(create);
  create->callback([&] {
    proto::Network n;
    n.set_project(project);
    n.set_name(name);
    auto body = c.call("POST", "/api/v1/networks", to_json(n));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Network made;
    (void)from_json(*body, made);
    rc = c.done(*body, fmt::format("network {} ({}/{}) created on VLAN {}", made.id(), project, name, made.vlan()));
  });
  auto* import = net->add_subcommand("import", "register an existing provider VLAN that named projects may use (admins)");
  import->add_option("NAME", name, "network name")->required();
  import->add_option("--vlan", vlan, "its VLAN (outside the tenant pool)")->required();
  import->add_option("--share-with", share_with, "projects that may attach to it (comma separated)")->delimiter(',');
  c.add_output(import);
  import->callback([&] {
    proto::Network n;
    n.set_name(name);
    n.set_kind("external");
    n.set_vlan(vlan);
    for (const auto& p : share_with) n.add_shared_with(p);
    auto body = c.call("POST", "/api/v1/networks", to_json(n));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    proto::Network made;
    (void)from_json(*body, made);
    rc = c.done(*body, fmt::format("network {} ({}) imported on VLAN {}", made.id(), name, vlan));
  });
  auto* list = net->add_subcommand("list", "list the networks you may see");
  list->add_option("--project", project, "only this project's");
  c.add_output(list);
  list->callback([&] {
    rc = c.show<proto::NetworkList>("/api/v1/networks" + query_project(project), [](const proto::NetworkList& l) {
      std::string out = "ID  NAME  PROJECT  VLAN  KIND  SHARED-WITH\n";
      for (const auto& n : l.networks()) {
        out += fmt::format("{}  {}  {}  {}  {}  {}\n", n.id(), n.name(), n.project().empty() ? "(site)" : n.project(), n.vlan(), n.kind(),
                           n.shared_with().empty() ? "-" : fmt::format("{}", fmt::join(n.shared_with(), ",")));
      }
      return out;
    });
  });
  auto* show = net->add_subcommand("show", "show a network and the NICs on it");
  show->add_option("NETWORK", network, "id or name")->required();
  show->add_option("--project", project, "the project a name belongs to");
  c.add_output(show);
  show->callback([&] {
    rc = c.show<proto::Network>("/api/v1/networks/" + network + query_project(project), [](const proto::Network& n) {
      std::string out = fmt::format("network {} {}\n  project  {}\n  vlan     {}\n  kind     {}\n", n.id(), n.name(),
                                    n.project().empty() ? "(site)" : n.project(), n.vlan(), n.kind());
      if (n.shared_with_size()) out += fmt::format("  shared   {}\n", fmt::join(n.shared_with(), ", "));
      out += fmt::format("  ports    {}\n", n.ports_size());
      for (const auto& p : n.ports()) out += fmt::format("    node {} {} {}\n", p.node_id(), p.nic(), p.tagged() ? "tagged" : "untagged");
      return out;
    });
  });
  auto* del = net->add_subcommand("delete", "delete a network (refused while a NIC is on it; its VLAN returns to the pool)");
  del->add_option("NETWORK", network, "id or name")->required();
  del->add_option("--project", project, "the project a name belongs to");
  del->callback([&] {
    auto body = c.call("DELETE", "/api/v1/networks/" + network + query_project(project));
    rc = body.ok() ? (std::cout << "network " << network << " deleted\n", 0) : Client::fail(body.status().message());
  });

  static std::vector<std::string> node_nics;
  auto* many = net->add_subcommand("attach", "put many NICs on a network in ONE operation (all switches move together or none)");
  many->add_option("NETWORK", network, "network id or name")->required();
  many->add_option("NODE:NIC", node_nics, "node id and NIC name or MAC, e.g. 7:eth0 (repeat)")->required();
  many->add_flag("--trunk", trunk, "tagged, on a trunk (default: untagged access)");
  many->add_option("--project", project, "where to look the network name up (default: each node's project)");
  many->add_option("--timeout", timeout_s, "seconds to wait for the switches")->capture_default_str();
  c.add_output(many);
  many->callback([&] {
    proto::AttachmentBatch batch;
    for (const auto& item : node_nics) {
      const auto colon = item.find(':');
      std::uint64_t id = 0;
      if (colon == std::string::npos || colon == 0 || colon + 1 == item.size() ||
          item.find_first_not_of("0123456789") < colon || (id = std::stoull(item.substr(0, colon))) == 0) {
        return void(rc = Client::fail(fmt::format("'{}' must be NODE:NIC, e.g. 7:eth0", item)));
      }
      auto* i = batch.add_items();
      i->set_node_id(id);
      i->set_nic(item.substr(colon + 1));
      i->mutable_attach()->set_network(network);
      i->mutable_attach()->set_trunk(trunk);
      i->mutable_attach()->set_project(project);
    }
    auto body = c.call("POST", "/api/v1/attachments", to_json(batch));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    rc = c.wait_operation(*body, timeout_s);
  });

  CLI::App* node = app.get_subcommand("node");
  auto* attach = node->add_subcommand("attach", "put a node's NIC on a network (one switch operation, waited for)");
  attach->add_option("NODE", node_id, "node id")->required();
  attach->add_option("NIC", nic, "NIC name or MAC")->required();
  attach->add_option("NETWORK", network, "network id or name")->required();
  attach->add_flag("--trunk", trunk, "tagged, on a trunk (default: untagged access)");
  attach->add_option("--native", native, "with --trunk: the untagged network of the trunk");
  attach->add_option("--project", project, "where to look the network name up (default: the node's project)");
  attach->add_option("--timeout", timeout_s, "seconds to wait for the switches")->capture_default_str();
  c.add_output(attach);
  attach->callback([&] {
    proto::AttachNic a;
    a.set_network(network);
    a.set_trunk(trunk);
    a.set_native(native);
    a.set_project(project);
    auto body = c.call("POST", fmt::format("/api/v1/nodes/{}/nics/{}/attach", node_id, nic), to_json(a));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    rc = c.wait_operation(*body, timeout_s);
  });
  auto* detach = node->add_subcommand("detach", "take a node's NIC off a network (all of its networks if none is named)");
  detach->add_option("NODE", node_id, "node id")->required();
  detach->add_option("NIC", nic, "NIC name or MAC")->required();
  detach->add_option("NETWORK", network, "network id or name");
  detach->add_option("--timeout", timeout_s, "seconds to wait for the switches")->capture_default_str();
  c.add_output(detach);
  detach->callback([&] {
    proto::DetachNic d;
    d.set_network(network);
    auto body = c.call("POST", fmt::format("/api/v1/nodes/{}/nics/{}/detach", node_id, nic), to_json(d));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    rc = c.wait_operation(*body, timeout_s);
  });
  auto* port_map = node->add_subcommand("port-map", "say which switch port a NIC is cabled to (overrides LLDP; admins)");
  port_map->add_option("NODE", node_id, "node id")->required();
  port_map->add_option("NIC", nic, "NIC name or MAC")->required();
  port_map->add_option("SWITCH", switch_name, "switch name");
  port_map->add_option("PORT", port, "port name, e.g. Ethernet7");
  port_map->add_flag("--clear", clear, "remove the override (back to LLDP)");
  port_map->callback([&] {
    if (!clear && (switch_name.empty() || port.empty())) return void(rc = Client::fail("give SWITCH and PORT, or --clear"));
    proto::NicPortMap m;
    if (!clear) {
      m.set_switch_name(switch_name);
      m.set_port(port);
    }
    auto body = c.call("PUT", fmt::format("/api/v1/nodes/{}/nics/{}/port", node_id, nic), to_json(m));
    if (!body.ok()) return void(rc = Client::fail(body.status().message()));
    std::cout << (clear ? fmt::format("node {} {}: port map removed (LLDP decides)\n", node_id, nic)
                        : fmt::format("node {} {} -> {} {}\n", node_id, nic, switch_name, port));
    rc = 0;
  });
}

}  // namespace bmf::cli
