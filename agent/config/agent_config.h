#pragma once
// bmf-agent's command line and config file.
//
// Parsed by a small table instead of CLI11: the agent ships in the discovery
// image with a 6 MiB size bar, and CLI11 with the iostreams it pulls in costs
// about 0.4 MiB of the static binary. Options come, in rising precedence, from
// the config file (--config FILE, "key = value" lines using the long option
// names), the environment (BMF_AGENT_COORDINATOR) and the command line.
#include <cstdint>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace bmf::agent {

struct AgentConfig {
  enum class Mode { kRun, kInventory, kHelp, kVersion };
  Mode mode = Mode::kRun;
  std::string coordinator = "127.0.0.1:7420";
  std::string root = "/";                 // /sys and /proc are read under it
  std::string hostname;                   // default: gethostname()
  std::string enrollment_token_file;
  bool tls = false;
  std::string cert_sha256;                // lower-case hex, 64 digits; required with tls
  std::uint32_t backoff_initial_ms = 250;
  std::uint32_t backoff_max_ms = 30'000;
  std::uint32_t lldp_wait_ms = 3000;      // listen for LLDP this long on up NICs (live hosts only; 0: skip)
  bool allow_wipe = false;
  std::string state_dir = "/var/lib/bmf-agent";  // handover state: munge key, slurmd's files                // obey "wipe" commands (set in the discovery image only)
  std::string log_level = "info";
  std::string output = "text";            // inventory: text, json, pb
};

// args excludes argv[0]. `env_coordinator` is $BMF_AGENT_COORDINATOR (may be null).
// INVALID_ARGUMENT names the option and what was wrong.
Result<AgentConfig> parse_agent_config(const std::vector<std::string>& args, const char* env_coordinator);

std::string agent_usage();

}  // namespace bmf::agent
