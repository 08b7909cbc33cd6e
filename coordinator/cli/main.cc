// bmfctl: the admin CLI. Talks to the coordinator's HTTP/JSON admin API.
// Coordinator address, in order of precedence: --coordinator, $BMF_COORDINATOR,
// `coordinator = ...` in the config file (--config, $BMFCTL_CONFIG,
// ~/.config/bmf/bmfctl.conf or /etc/bmf/bmfctl.conf), then http://127.0.0.1:7421.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "coordinator/cli/http_client.h"
#include "coordinator/cli/node_table.h"
#include "coordinator/mapping/node_proto.h"

namespace {

constexpr int kExitApiError = 1;

std::string default_config_path() {
  if (const char* p = std::getenv("BMFCTL_CONFIG")) return p;
  if (const char* home = std::getenv("HOME")) {
    std::filesystem::path user = std::filesystem::path(home) / ".config/bmf/bmfctl.conf";
    if (std::filesystem::exists(user)) return user.string();
  }
  return "/etc/bmf/bmfctl.conf";
}

int fail(const std::string& message) {
  std::cerr << "bmfctl: error: " << message << "\n";
  return kExitApiError;
}

// GET/POST and, on a non-2xx answer, turn the API's error document into one line.
bmf::Result<std::string> call(const std::string& url, const std::string& method, const std::string& target,
                              const std::string& body = {}) {
  BMF_ASSIGN_OR_RETURN(auto endpoint, bmf::cli::parse_coordinator_url(url));
  BMF_ASSIGN_OR_RETURN(auto res, bmf::cli::http_request(endpoint, method, target, body));
  if (res.status >= 200 && res.status < 300) return std::move(res.body);
  bmf::proto::ApiError err;
  if (bmf::coordinator::from_json(res.body, err).ok() && !err.message().empty()) {
    return bmf::Status(bmf::StatusCode::kUnavailable, fmt::format("{} (HTTP {} {})", err.message(), res.status, err.code()));
  }
  return bmf::unavailable(fmt::format("coordinator answered HTTP {}", res.status));
}

template <typename Message>
bmf::Result<Message> fetch(const std::string& url, const std::string& target) {
  BMF_ASSIGN_OR_RETURN(std::string body, call(url, "GET", target));
  Message m;
  if (auto s = bmf::coordinator::from_json(body, m); !s.ok()) {
    return bmf::invalid_argument("unexpected answer from coordinator: " + s.message());
  }
  return m;
}

// `-o json` prints the API document as is; `-o table` renders it.
template <typename Message, typename Render>
int show(const std::string& url, const std::string& target, const std::string& output, Render render) {
  if (output == "json") {
    auto body = call(url, "GET", target);
    if (!body.ok()) return fail(body.status().message());
    std::cout << *body << "\n";
    return 0;
  }
  auto message = fetch<Message>(url, target);
  if (!message.ok()) return fail(message.status().message());
  std::cout << render(*message);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bmfctl: administer a bmf coordinator"};
  app.require_subcommand(1);
  std::string url = "http://127.0.0.1:7421";
  app.set_config("--config", default_config_path(), "config file with 'coordinator = http://HOST:PORT'");
  app.add_option("--coordinator", url, "coordinator admin API URL")->envname("BMF_COORDINATOR")->capture_default_str();
  std::string output = "table";
  auto add_output = [&](CLI::App* cmd, std::vector<std::string> choices) {
    cmd->add_option("-o,--output", output, "output format")->check(CLI::IsMember(choices))->capture_default_str();
  };

  auto* node = app.add_subcommand("node", "inspect nodes");
  node->require_subcommand(1);
  auto* list = node->add_subcommand("list", "list all nodes");
  add_output(list, {"table", "json"});
  auto* show_cmd = node->add_subcommand("show", "show one node");
  std::uint64_t node_id = 0;
  show_cmd->add_option("ID", node_id, "node id")->required();
  add_output(show_cmd, {"table", "json"});
  auto* command = node->add_subcommand("command", "send a command to a node's agent (e.g. ping)");
  std::string kind;
  command->add_option("ID", node_id, "node id")->required();
  command->add_option("KIND", kind, "command kind")->required();

  auto* events = app.add_subcommand("events", "show the audit log, newest first");
  std::uint64_t event_node = 0;
  std::uint32_t limit = 50;
  events->add_option("--node", event_node, "only events about this node");
  events->add_option("--limit", limit, "how many events")->check(CLI::Range(1u, 1000u))->capture_default_str();
  add_output(events, {"table", "json"});

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (*list) return show<bmf::proto::NodeList>(url, "/api/v1/nodes", output, bmf::cli::node_table);
  if (*show_cmd) {
    return show<bmf::proto::Node>(url, fmt::format("/api/v1/nodes/{}", node_id), output, bmf::cli::node_details);
  }
  if (*command) {
    bmf::proto::Command cmd;
    cmd.set_kind(kind);
    auto body = call(url, "POST", fmt::format("/api/v1/nodes/{}/commands", node_id), bmf::coordinator::to_json(cmd));
    if (!body.ok()) return fail(body.status().message());
    std::cout << *body << "\n";
    return 0;
  }
  if (*events) {
    std::string target = fmt::format("/api/v1/events?limit={}", limit);
    if (event_node) target += fmt::format("&node={}", event_node);
    return show<bmf::proto::EventList>(url, target, output, bmf::cli::event_table);
  }
  return 0;
}
