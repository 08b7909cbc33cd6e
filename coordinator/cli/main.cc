// bmfctl: the admin CLI. Talks to the coordinator's HTTP/JSON admin API.
// Coordinator address, in order of precedence: --coordinator, $BMF_COORDINATOR,
// `coordinator = ...` in the config file (--config, $BMFCTL_CONFIG,
// ~/.config/bmf/bmfctl.conf or /etc/bmf/bmfctl.conf), then http://127.0.0.1:7421.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "coordinator/cli/client.h"
#include "coordinator/cli/http_client.h"
#include "coordinator/cli/node_table.h"
#include "coordinator/mapping/node_proto.h"

namespace {

using bmf::cli::Client;

std::string default_config_path() {
  if (const char* p = std::getenv("BMFCTL_CONFIG")) return p;
  if (const char* home = std::getenv("HOME")) {
    std::filesystem::path user = std::filesystem::path(home) / ".config/bmf/bmfctl.conf";
    if (std::filesystem::exists(user)) return user.string();
  }
  return "/etc/bmf/bmfctl.conf";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bmfctl: use and administer a bmf coordinator"};
  app.require_subcommand(1);
  Client client;
  int rc = 0;
  std::string& url = client.url;
  std::string& output = client.output;
  app.set_config("--config", default_config_path(), "config file with 'coordinator = http://HOST:PORT' and 'token-file = FILE'");
  app.add_option("--coordinator", url, "coordinator API URL (http:// or https://)")->envname("BMF_COORDINATOR")->capture_default_str();
  app.add_option("--token-file", client.token_file, "file holding your API token (else $BMF_TOKEN, else the `bmfctl login` session)");
  app.add_option("--ca-file", client.ca_file, "CA to verify an https:// coordinator with (default: the system store)");
  auto add_output = [&](CLI::App* cmd, std::vector<std::string> choices) {
    cmd->add_option("-o,--output", output, "output format")->check(CLI::IsMember(choices))->capture_default_str();
  };

  auto* node = app.add_subcommand("node", "inspect nodes");
  node->require_subcommand(1);
  auto* list = node->add_subcommand("list", "list nodes (yours: those your projects hold; admins: all)");
  std::string node_project, node_state;
  list->add_option("--project", node_project, "only nodes this project holds");
  list->add_option("--state", node_state, "only nodes in this state");
  std::string node_class;
  list->add_option("--class", node_class, "only nodes of this hardware class");
  add_output(list, {"table", "json"});
  auto* show_cmd = node->add_subcommand("show", "show one node");
  std::uint64_t node_id = 0;
  std::string node_ref;
  show_cmd->add_option("NODE", node_ref, "node id or hostname")->required();
  add_output(show_cmd, {"table", "json"});
  auto* command = node->add_subcommand("command", "send a command to a node's agent (e.g. ping)");
  std::string kind;
  command->add_option("ID", node_id, "node id")->required();
  command->add_option("KIND", kind, "command kind")->required();

  auto* sw = app.add_subcommand("switch", "manage switches and their port VLANs");
  sw->require_subcommand(1);
  auto* sw_list = sw->add_subcommand("list", "list switches");
  add_output(sw_list, {"table", "json"});
  std::string sw_name;
  bmf::proto::Switch sw_body;
  auto* sw_add = sw->add_subcommand("add", "add or update a switch");
  sw_add->add_option("NAME", sw_name, "switch name")->required();
  std::string address;
  sw_add->add_option("--address", address, "HOST[:PORT] of its NETCONF (SSH) service")->required();
  std::string user, password_file, key_file, known_hosts, network_instance = "default", unused = "keep";
  std::uint32_t parking_vlan = 0;
  bool tofu = false;
  sw_add->add_option("--user", user, "SSH user")->required();
  sw_add->add_option("--password-file", password_file, "file on the coordinator host holding the password");
  sw_add->add_option("--key", key_file, "private key file on the coordinator host");
  sw_add->add_option("--known-hosts", known_hosts, "known_hosts file on the coordinator host")->required();
  sw_add->add_flag("--trust-on-first-use", tofu, "record an unknown host key instead of refusing it");
  sw_add->add_option("--network-instance", network_instance, "OpenConfig network instance holding the VLANs")->capture_default_str();
  sw_add->add_option("--unused-ports", unused, "what sync does with ports no one holds")
      ->check(CLI::IsMember({"keep", "park", "shutdown"}))->capture_default_str();
  sw_add->add_option("--parking-vlan", parking_vlan, "provisioning VLAN: ports no one holds, and ports of released nodes");
  bool no_check = false;
  std::string chassis_id;
  sw_add->add_option("--lldp-chassis-id", chassis_id, "the chassis id it sends in LLDP (default: match its LLDP system name to NAME)");
  sw_add->add_flag("--no-check", no_check, "save without connecting to the switch to check it");
  auto* sw_port = sw->add_subcommand("port", "set the desired VLAN configuration of a port");
  std::string port_name;
  std::uint32_t access_vlan = 0, native_vlan = 0;
  std::vector<std::uint32_t> trunk_vlans;
  bool shutdown = false;
  sw_port->add_option("NAME", sw_name, "switch name")->required();
  sw_port->add_option("PORT", port_name, "port name, e.g. Ethernet7")->required();
  auto* access_opt = sw_port->add_option("--access", access_vlan, "access VLAN");
  auto* trunk_opt = sw_port->add_option("--trunk", trunk_vlans, "trunk VLANs (comma separated)")->delimiter(',');
  sw_port->add_option("--native", native_vlan, "native VLAN of a trunk");
  auto* shut_opt = sw_port->add_flag("--shutdown", shutdown, "shut the port down");
  access_opt->excludes(trunk_opt)->excludes(shut_opt);
  trunk_opt->excludes(shut_opt);
  auto* sw_ports = sw->add_subcommand("ports", "show the desired port configuration of a switch");
  sw_ports->add_option("NAME", sw_name, "switch name")->required();
  add_output(sw_ports, {"table", "json"});
  auto* sw_sync = sw->add_subcommand("sync", "re-apply the database's port configuration to the switch (drift repair)");
  sw_sync->add_option("NAME", sw_name, "switch name")->required();
  std::uint32_t wait_s = 120;
  sw_sync->add_option("--timeout", wait_s, "seconds to wait for the result")->capture_default_str();

  auto* lease = app.add_subcommand("lease", "give projects nodes (the BMC proxy lets a project reach exactly its leased nodes)");
  lease->require_subcommand(1);
  auto* lease_list = lease->add_subcommand("list", "list active leases");
  bool lease_all = false;
  lease_list->add_flag("--all", lease_all, "include ended leases");
  add_output(lease_list, {"table", "json"});
  auto* lease_add = lease->add_subcommand("add", "lease a node to a project");
  std::string project, owner;
  lease_add->add_option("NODE", node_id, "node id")->required();
  lease_add->add_option("PROJECT", project, "project (tenant) name")->required();
  lease_add->add_option("--owner", owner, "the user the lease is for");
  std::int64_t lease_duration_s = 0;
  lease_add->add_option("--duration-s", lease_duration_s, "released automatically after this many seconds (default: never)");
  auto* lease_end = lease->add_subcommand("end", "end a lease (the project loses the node at once)");
  std::uint64_t lease_id = 0;
  lease_end->add_option("LEASE", lease_id, "lease id")->required();

  auto* events = app.add_subcommand("events", "show the audit log, newest first");
  std::uint64_t event_node = 0;
  std::uint32_t limit = 50;
  events->add_option("--node", event_node, "only events about this node");
  events->add_option("--limit", limit, "how many events")->check(CLI::Range(1u, 1000u))->capture_default_str();
  add_output(events, {"table", "json"});

  bmf::cli::add_tenancy_commands(app, client, rc);
  bmf::cli::add_network_commands(app, client, rc);
  bmf::cli::add_allocation_commands(app, client, rc);
  bmf::cli::add_lifecycle_commands(app, client, rc);
  bmf::cli::add_slurm_commands(app, client, rc);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "bmfctl: error: " << e.what() << " (see --help)\n";  // one line, non-zero exit
    return 2;
  }
  if (rc != 0) return rc;  // a subcommand with its own callback ran and failed
  auto fail = &Client::fail;
  auto call = [&](const std::string&, const std::string& method, const std::string& target, const std::string& body = {}) {
    return client.call(method, target, body);
  };

  if (*list) {
    std::string target = "/api/v1/nodes";
    std::string sep = "?";
    if (!node_project.empty()) target += sep + "project=" + node_project, sep = "&";
    if (!node_state.empty()) target += sep + "state=" + node_state, sep = "&";
    if (!node_class.empty()) target += sep + "class=" + node_class;
    return client.show<bmf::proto::NodeList>(target, bmf::cli::node_table);
  }
  if (*show_cmd) {
    return client.show<bmf::proto::Node>(fmt::format("/api/v1/nodes/{}", node_ref), bmf::cli::node_details);
  }
  if (*command) {
    bmf::proto::Command cmd;
    cmd.set_kind(kind);
    auto body = call(url, "POST", fmt::format("/api/v1/nodes/{}/commands", node_id), bmf::coordinator::to_json(cmd));
    if (!body.ok()) return fail(body.status().message());
    std::cout << *body << "\n";
    return 0;
  }
  if (*sw_list) {
    return client.show<bmf::proto::SwitchList>("/api/v1/switches", [](const bmf::proto::SwitchList& l) {
      std::string out = "NAME  ADDRESS  USER  NETWORK-INSTANCE  UNUSED-PORTS\n";
      for (const auto& s : l.switches()) {
        out += fmt::format("{}  {}:{}  {}  {}  {}{}\n", s.name(), s.address(), s.port(), s.username(), s.network_instance(),
                           s.unused_ports(), s.unused_ports() == "park" ? fmt::format(" (vlan {})", s.parking_vlan()) : "");
      }
      return out;
    });
  }
  if (*sw_add) {
    auto colon = address.rfind(':');
    sw_body.set_address(colon == std::string::npos ? address : address.substr(0, colon));
    sw_body.set_port(colon == std::string::npos ? 830 : static_cast<std::uint32_t>(std::atoi(address.c_str() + colon + 1)));
    sw_body.set_username(user);
    sw_body.set_password_file(password_file);
    sw_body.set_private_key_file(key_file);
    sw_body.set_known_hosts_file(known_hosts);
    sw_body.set_trust_on_first_use(tofu);
    sw_body.set_network_instance(network_instance);
    sw_body.set_unused_ports(unused);
    sw_body.set_parking_vlan(parking_vlan);
    sw_body.set_lldp_chassis_id(chassis_id);
    auto body = call(url, "PUT", "/api/v1/switches/" + sw_name, bmf::coordinator::to_json(sw_body));
    if (!body.ok()) return fail(body.status().message());
    std::cout << "switch " << sw_name << " saved\n";
    if (no_check) return 0;
    // A switch bmf cannot use (unreachable, refused credentials, a network instance it does not have) is said now.
    auto check = call(url, "POST", fmt::format("/api/v1/switches/{}/check", sw_name));
    if (!check.ok()) return fail(check.status().message());
    return client.wait_operation(*check, wait_s);
  }
  if (*sw_port) {
    bmf::proto::SwitchPort p;
    if (shutdown) p.set_mode("shutdown");
    else if (!trunk_vlans.empty()) {
      p.set_mode("trunk");
      p.set_native_vlan(native_vlan);
      for (auto v : trunk_vlans) p.add_trunk_vlans(v);
    } else if (access_vlan) {
      p.set_mode("access");
      p.set_access_vlan(access_vlan);
    } else {
      return fail("give --access VLAN, --trunk VLANS or --shutdown");
    }
    auto body = call(url, "PUT", fmt::format("/api/v1/switches/{}/ports/{}", sw_name, port_name), bmf::coordinator::to_json(p));
    if (!body.ok()) return fail(body.status().message());
    std::cout << fmt::format("{} {}: {}\n", sw_name, port_name, p.mode());
    return 0;
  }
  if (*sw_ports) {
    return client.show<bmf::proto::SwitchPortList>(fmt::format("/api/v1/switches/{}/ports", sw_name),
                                            [](const bmf::proto::SwitchPortList& l) {
                                              std::string out = "PORT  MODE  VLANS\n";
                                              for (const auto& p : l.ports()) {
                                                std::string vlans = p.mode() == "access" ? std::to_string(p.access_vlan())
                                                                    : p.mode() == "trunk"
                                                                        ? fmt::format("{} native {}", fmt::join(p.trunk_vlans(), ","), p.native_vlan())
                                                                        : "-";
                                                out += fmt::format("{}  {}  {}\n", p.port(), p.mode(), vlans);
                                              }
                                              return out;
                                            });
  }
  if (*sw_sync) {
    auto started = call(url, "POST", fmt::format("/api/v1/switches/{}/sync", sw_name));
    if (!started.ok()) return fail(started.status().message());
    return client.wait_operation(*started, wait_s);
  }
  if (*lease_list) {
    return client.show<bmf::proto::LeaseList>(lease_all ? "/api/v1/leases?all=true" : "/api/v1/leases",
                                       [](const bmf::proto::LeaseList& l) {
                                         std::string out = "LEASE  NODE  PROJECT  OWNER  STATE\n";
                                         for (const auto& x : l.leases()) {
                                           out += fmt::format("{}  {}  {}  {}  {}\n", x.id(), x.node_id(), x.project(),
                                                              x.owner().empty() ? "-" : x.owner(), x.active() ? "active" : "ended");
                                         }
                                         return out;
                                       });
  }
  if (*lease_add) {
    bmf::proto::Lease l;
    l.set_node_id(node_id);
    l.set_project(project);
    l.set_owner(owner);
    l.set_duration_s(lease_duration_s);
    auto body = call(url, "POST", "/api/v1/leases", bmf::coordinator::to_json(l));
    if (!body.ok()) return fail(body.status().message());
    bmf::proto::Lease made;
    (void)bmf::coordinator::from_json(*body, made);
    std::cout << fmt::format("lease {}: node {} -> project {}\n", made.id(), made.node_id(), made.project());
    return 0;
  }
  if (*lease_end) {
    auto body = call(url, "POST", fmt::format("/api/v1/leases/{}/end", lease_id));
    if (!body.ok()) return fail(body.status().message());
    std::cout << fmt::format("lease {} ended\n", lease_id);
    return 0;
  }
  if (*events) {
    std::string target = fmt::format("/api/v1/events?limit={}", limit);
    if (event_node) target += fmt::format("&node={}", event_node);
    return client.show<bmf::proto::EventList>(target, bmf::cli::event_table);
  }
  return 0;
}
