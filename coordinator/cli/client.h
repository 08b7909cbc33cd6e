#pragma once
// bmfctl's connection to the coordinator: the URL, the bearer token and the
// output format every subcommand shares, and the one way a call's failure
// becomes a one-line error with a non-zero exit.
//
// Token, first found: --token-file FILE, $BMF_TOKEN, `token-file = FILE` in the
// config file, the session `bmfctl login` saved (~/.config/bmf/session).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <iostream>
#include <string>

#include "common/status/status.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::cli {

constexpr int kExitApiError = 1;

struct Client {
  std::string url = "http://127.0.0.1:7421";
  std::string ca_file;
  std::string token_file;
  std::string output = "table";
  // The -o/--output option (table or json) of a subcommand.
  void add_output(CLI::App* cmd) {
    cmd->add_option("-o,--output", output, "output format")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  }

  // The bearer token (empty when none is configured).
  std::string token() const;
  Result<std::string> call(const std::string& method, const std::string& target, const std::string& body = {}) const;

  template <typename Message>
  Result<Message> fetch(const std::string& target) const {
    BMF_ASSIGN_OR_RETURN(std::string body, call("GET", target));
    Message m;
    if (auto s = coordinator::from_json(body, m); !s.ok()) return invalid_argument("unexpected answer from coordinator: " + s.message());
    return m;
  }

  // `-o json` prints the API document as is; `-o table` renders it.
  template <typename Message, typename Render>
  int show(const std::string& target, Render render) const {
    if (output == "json") {
      auto body = call("GET", target);
      if (!body.ok()) return fail(body.status().message());
      std::cout << *body << "\n";
      return 0;
    }
    auto message = fetch<Message>(target);
    if (!message.ok()) return fail(message.status().message());
    std::cout << render(*message);
    return 0;
  }

  // Prints a JSON answer as is with -o json, else `line`; returns the exit code.
  int done(const std::string& body, const std::string& line) const {
    std::cout << (output == "json" ? body : line) << "\n";
    return 0;
  }

  static int fail(const std::string& message) {
    std::cerr << "bmfctl: error: " << message << "\n";
    return kExitApiError;
  }

  // Follows a server-sent-events stream; `on_event` gets each event's data until it returns false.
  Status stream(const std::string& target, unsigned timeout_s, const std::function<bool(const std::string&)>& on_event) const;

  // Follows an operation until it finishes (or `timeout_s`); prints its outcome.
  int wait_operation(const std::string& started_body, unsigned timeout_s) const;
};

std::string session_path();
// `dir/session` written 0600.
Status save_session(const std::string& token);

// Registers subcommands whose callbacks store their exit code in `rc`.
void add_tenancy_commands(CLI::App& app, Client& client, int& rc);
void add_network_commands(CLI::App& app, Client& client, int& rc);
void add_allocation_commands(CLI::App& app, Client& client, int& rc);
// Follows the allocation's server-sent events: one line per stage as it happens (on a terminal
// and when piped alike), or with -o json one Allocation document per change. 0 when it is ready
// (or released), 1 when it failed or is still running after timeout_s.
int follow_allocation(const Client& c, proto::Allocation a, unsigned timeout_s);
// After the "node" subcommand exists (adds node maintenance).
void add_lifecycle_commands(CLI::App& app, Client& client, int& rc);
void add_slurm_commands(CLI::App& app, Client& client, int& rc);

}  // namespace bmf::cli
