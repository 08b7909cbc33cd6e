#include "agent/config/agent_config.h"

#include "agent/inventory/root_fs.h"

#include <fmt/core.h>

#include <charconv>
#include <functional>
#include <map>

namespace bmf::agent {
namespace {

struct Option {
  bool takes_value;
  const char* help;
  std::function<Status(AgentConfig&, const std::string&)> set;
};

Status set_u32(std::uint32_t& out, const std::string& name, const std::string& v, std::uint32_t lo, std::uint32_t hi) {
  std::uint32_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi) {
    return invalid_argument(fmt::format("--{}: expected a number {}..{}, got '{}'", name, lo, hi, v));
  }
  out = n;
  return ok_status();
}

Status one_of(std::string& out, const std::string& name, const std::string& v, std::initializer_list<const char*> ok) {
  for (const char* o : ok) {
    if (v == o) {
      out = v;
      return ok_status();
    }
  }
  std::string allowed;
  for (const char* o : ok) allowed += std::string(allowed.empty() ? "" : ", ") + o;
  return invalid_argument(fmt::format("--{}: '{}' is not one of {}", name, v, allowed));
}

const std::map<std::string, Option>& options() {
  static const std::map<std::string, Option> kOptions = {
      {"coordinator", {true, "HOST:PORT of the coordinator's agent listener (env BMF_AGENT_COORDINATOR)",
                       [](AgentConfig& c, const std::string& v) {
                         auto colon = v.rfind(':');
                         std::uint32_t port = 0;
                         if (colon == std::string::npos || colon == 0 ||
                             !set_u32(port, "coordinator", v.substr(colon + 1), 1, 65535).ok()) {
                           return invalid_argument(fmt::format("--coordinator: expected HOST:PORT, got '{}'", v));
                         }
                         c.coordinator = v;
                         return ok_status();
                       }}},
      {"root", {true, "root under which /sys and /proc are read (default /; a fixture tree in tests)",
                [](AgentConfig& c, const std::string& v) { c.root = v; return ok_status(); }}},
      {"sysfs-root", {true, "older spelling: the sys directory (its parent becomes --root)",
                      [](AgentConfig& c, const std::string& v) {
                        std::string p = v;
                        while (p.size() > 1 && p.back() == '/') p.pop_back();
                        auto slash = p.rfind('/');
                        c.root = slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
                        return ok_status();
                      }}},
      {"hostname", {true, "hostname to report (default: this machine's)",
                    [](AgentConfig& c, const std::string& v) { c.hostname = v; return ok_status(); }}},
      {"enrollment-token-file", {true, "file whose first line is the enrollment token",
                                 [](AgentConfig& c, const std::string& v) { c.enrollment_token_file = v; return ok_status(); }}},
      {"tls", {false, "connect over TLS (requires --coordinator-cert-sha256)",
               [](AgentConfig& c, const std::string&) { c.tls = true; return ok_status(); }}},
      {"coordinator-cert-sha256", {true, "pinned SHA-256 of the coordinator's certificate (DER), 64 hex digits",
                                   [](AgentConfig& c, const std::string& v) {
                                     if (v.size() != 64 || v.find_first_not_of("0123456789abcdef") != std::string::npos) {
                                       return invalid_argument("--coordinator-cert-sha256: expected 64 lower-case hex digits");
                                     }
                                     c.cert_sha256 = v;
                                     return ok_status();
                                   }}},
      {"backoff-initial-ms", {true, "first reconnect delay (default 250)",
                              [](AgentConfig& c, const std::string& v) {
                                return set_u32(c.backoff_initial_ms, "backoff-initial-ms", v, 10, 600'000);
                              }}},
      {"backoff-max-ms", {true, "longest reconnect delay (default 30000)",
                          [](AgentConfig& c, const std::string& v) {
                            return set_u32(c.backoff_max_ms, "backoff-max-ms", v, 10, 3'600'000);
                          }}},
      {"lldp-wait-ms", {true, "listen this long for LLDP on up NICs of a live host (default 3000; 0: skip)",
                        [](AgentConfig& c, const std::string& v) {
                          return set_u32(c.lldp_wait_ms, "lldp-wait-ms", v, 0, 120'000);
                        }}},
      {"allow-wipe", {false, "obey the coordinator's wipe command (the discovery image only: it erases disks)",
                      [](AgentConfig& c, const std::string&) { c.allow_wipe = true; return ok_status(); }}},
      {"state-dir", {true, "where the agent keeps what it runs for a handover (munge key, slurmd spool); default /var/lib/bmf-agent",
                     [](AgentConfig& c, const std::string& v) {
                       if (v.empty() || v[0] != '/') return invalid_argument("--state-dir: expected an absolute path");
                       c.state_dir = v;
                       return ok_status();
                     }}},
      {"log-level", {true, "error, warn, info (default) or debug",
                     [](AgentConfig& c, const std::string& v) {
                       return one_of(c.log_level, "log-level", v, {"error", "warn", "info", "debug"});
                     }}},
      {"output", {true, "inventory: text (default), json (protobuf JSON mapping) or pb (binary)",
                  [](AgentConfig& c, const std::string& v) { return one_of(c.output, "output", v, {"text", "json", "pb"}); }}},
  };
  return kOptions;
}

Status apply(AgentConfig& c, const std::string& name, const std::string& value, bool has_value) {
  auto it = options().find(name);
  if (it == options().end()) return invalid_argument(fmt::format("unknown option --{} (see --help)", name));
  if (it->second.takes_value && !has_value) return invalid_argument(fmt::format("--{} needs a value", name));
  if (!it->second.takes_value && has_value) return invalid_argument(fmt::format("--{} takes no value", name));
  return it->second.set(c, value);
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

Status load_file(AgentConfig& c, const std::string& path) {
  auto text = RootFs("/").read(path);
  if (!text.ok()) return invalid_argument(fmt::format("--config: cannot read {}", path));
  std::string_view rest = *text;
  for (int n = 1; !rest.empty(); ++n) {
    auto nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
    auto eq = line.find('=');
    std::string key = trim(line.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    auto it = options().find(key);
    bool flag = it != options().end() && !it->second.takes_value;
    if (flag && (value == "true" || value.empty())) value.clear();
    else if (flag && value == "false") continue;
    Status s = apply(c, key, value, !flag);
    if (!s.ok()) return invalid_argument(fmt::format("{}:{}: {}", path, n, s.message()));
  }
  return ok_status();
}

}  // namespace

Result<AgentConfig> parse_agent_config(const std::vector<std::string>& args, const char* env_coordinator) {
  AgentConfig c;
  // 1. The config file first, so everything else overrides it.
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string path;
    if (args[i] == "--config" && i + 1 < args.size()) path = args[i + 1];
    else if (args[i].rfind("--config=", 0) == 0) path = args[i].substr(9);
    else if (args[i] == "--config") return invalid_argument("--config needs a value");
    if (!path.empty()) BMF_RETURN_IF_ERROR(load_file(c, path));
  }
  // 2. The environment.
  if (env_coordinator && *env_coordinator) BMF_RETURN_IF_ERROR(apply(c, "coordinator", env_coordinator, true));
  // 3. The command line.
  bool mode_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      c.mode = AgentConfig::Mode::kHelp;
      return c;
    }
    if (a == "--version") {
      c.mode = AgentConfig::Mode::kVersion;
      return c;
    }
    if (a == "--config" || a.rfind("--config=", 0) == 0) {
      if (a == "--config") ++i;
      continue;
    }
    if (a == "-o") {
      if (i + 1 >= args.size()) return invalid_argument("-o needs a value");
      BMF_RETURN_IF_ERROR(apply(c, "output", args[++i], true));
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      } else if (auto it = options().find(name); it != options().end() && it->second.takes_value) {
        if (i + 1 >= args.size()) return invalid_argument(fmt::format("--{} needs a value", name));
        value = args[++i];
        has_value = true;
      }
      BMF_RETURN_IF_ERROR(apply(c, name, value, has_value));
      continue;
    }
    if (!mode_seen && (a == "run" || a == "inventory")) {
      c.mode = a == "run" ? AgentConfig::Mode::kRun : AgentConfig::Mode::kInventory;
      mode_seen = true;
      continue;
    }
    return invalid_argument(fmt::format("unexpected argument '{}' (see --help)", a));
  }
  if (c.tls && c.cert_sha256.empty()) return invalid_argument("--tls needs --coordinator-cert-sha256");
  if (c.backoff_max_ms < c.backoff_initial_ms) return invalid_argument("--backoff-max-ms is below --backoff-initial-ms");
  return c;
}

std::string agent_usage() {
  std::string out =
      "usage: bmf-agent [run] [OPTIONS]        register this machine with the coordinator and keep it alive\n"
      "       bmf-agent inventory [OPTIONS]    print this machine's hardware inventory and exit\n\n"
      "options (also as 'name = value' lines in --config FILE):\n";
  for (const auto& [name, opt] : options()) {
    out += fmt::format("  --{:<26} {}\n", name + (opt.takes_value ? " V" : ""), opt.help);
  }
  out += fmt::format("  --{:<26} {}\n  --{:<26} {}\n", "config FILE", "read options from FILE", "help", "this text");
  return out;
}

}  // namespace bmf::agent
