// bmf-lab-switch: a real NETCONF switch for the lab and the demo: Debian's netconfd
// with the OpenConfig interfaces/VLAN models behind sshd (tests/peers/netconfd_peer.h),
// N ports Ethernet1..N, network instance DEFAULT. Prints one line when ready:
//   SWITCH_READY 127.0.0.1:PORT user bmftest password-file FILE known-hosts FILE
// and runs until SIGTERM/SIGINT, then stops the two processes it started. Needs root.
//
// With --data-plane NETNS it is also the switch's "ASIC": it reads the committed
// running configuration over NETCONF every --poll-ms and applies it to the Linux
// data plane in NETNS: port EthernetI is the veth <port-prefix>I there, and a port in
// access VLAN V is enslaved to the bridge <bridge-prefix>V (one bridge per VLAN, made
// when first needed; this kernel has no 802.1Q, so a bridge per VLAN is what gives
// real L2 isolation). A shut-down port (or one in a mode the lab cannot model: trunk)
// is taken off every bridge and set down. Each applied change is printed:
//   DATAPLANE Ethernet3 -> vlan 100
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "netconf/client/switch_connection.h"
#include "netconf/drivers/openconfig_driver.h"
#include "tests/peers/netconfd_peer.h"

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// "ip -batch" lines moving each changed port; the desired state per port is
// "vlan V" or "down". Returns what changed (port -> state) after running them.
struct DataPlane {
  std::string netns, port_prefix, bridge_prefix;
  std::map<std::string, std::string> applied;  // Ethernet<N> -> "vlan V" | "down"
  std::map<std::uint16_t, bool> bridges;

  // The interfaces present in the namespace now (a port's veth appears when its node is cabled).
  std::set<std::string> links() const {
    std::set<std::string> out;
    FILE* p = popen(fmt::format("ip -n {} -o link show 2>/dev/null", netns).c_str(), "r");
    if (!p) return out;
    char line[1024];
    while (std::fgets(line, sizeof line, p)) {
      std::string l(line);
      auto a = l.find(": "), b = l.find(':', a + 2);
      if (a == std::string::npos || b == std::string::npos) continue;
      std::string name = l.substr(a + 2, b - a - 2);
      out.insert(name.substr(0, name.find('@')));
    }
    pclose(p);
    return out;
  }

  bool apply(const std::map<std::string, bmf::netconf::PortConfig>& ports) {
    std::string batch;
    std::optional<std::set<std::string>> present;
    std::vector<std::pair<std::string, std::string>> changed;
    for (const auto& [name, cfg] : ports) {
      if (name.rfind("Ethernet", 0) != 0) continue;
      const std::string veth = port_prefix + name.substr(8);
      std::string want = "down";
      if (cfg.mode == bmf::netconf::PortConfig::Mode::kAccess && cfg.access_vlan > 0) {
        want = fmt::format("vlan {}", cfg.access_vlan);
      }
      if (applied[name] == want) continue;
      if (!present) present = links();
      if (!present->count(veth)) continue;  // not cabled (yet)
      if (want == "down") {
        batch += fmt::format("link set {} nomaster\nlink set {} down\n", veth, veth);
      } else {
        const std::string br = fmt::format("{}{}", bridge_prefix, cfg.access_vlan);
        if (!bridges[cfg.access_vlan] && !present->count(br)) {
          // "-force" keeps going past "File exists" when the bridge is there from an earlier run.
          batch += fmt::format("link add {} type bridge stp_state 0 forward_delay 0\nlink set {} up\n", br, br);
          bridges[cfg.access_vlan] = true;
        }
        batch += fmt::format("link set {} master {}\nlink set {} up\n", veth, br, veth);
      }
      changed.emplace_back(name, want);
    }
    if (batch.empty()) return true;
    FILE* p = popen(fmt::format("ip -n {} -force -batch - 2>&1", netns).c_str(), "w");
    if (!p) return false;
    std::fwrite(batch.data(), 1, batch.size(), p);
    const int rc = pclose(p);
    for (const auto& [name, want] : changed) {
      applied[name] = want;
      std::cout << fmt::format("DATAPLANE {} -> {}{}", name, want, rc == 0 ? "" : " (ip reported an error)") << std::endl;
    }
    return rc == 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bmf-lab-switch: a real NETCONF (netconfd + sshd) switch for the lab"};
  int ports = 48;
  unsigned poll_ms = 100;
  std::string dir = ".";
  DataPlane plane{.port_prefix = "bltp", .bridge_prefix = "bltvl"};
  app.add_option("--ports", ports, "number of ports Ethernet1..N")->check(CLI::Range(1, 512))->capture_default_str();
  app.add_option("--dir", dir, "where to write its known_hosts and password files")->capture_default_str();
  app.add_option("--data-plane", plane.netns, "network namespace whose bridges follow the running config");
  app.add_option("--port-prefix", plane.port_prefix, "port EthernetI is the veth PREFIX<I>")->capture_default_str();
  app.add_option("--bridge-prefix", plane.bridge_prefix, "VLAN V is the bridge PREFIX<V>")->capture_default_str();
  app.add_option("--poll-ms", poll_ms, "how often the running config is read")->check(CLI::Range(10u, 10000u))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (auto why = bmf::testing::NetconfdPeer::unavailable_reason(); !why.empty()) {
    std::cerr << "bmf-lab-switch: " << why << "\n";
    return 1;
  }
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  bmf::testing::NetconfdPeer sw(ports);
  const std::string known_hosts = fmt::format("{}/switch-{}.known_hosts", dir, sw.port());
  const std::string password = fmt::format("{}/switch-{}.password", dir, sw.port());
  std::ofstream(known_hosts) << sw.known_hosts_line();
  std::ofstream(password) << bmf::testing::NetconfdPeer::kPassword << "\n";

  std::unique_ptr<bmf::netconf::SwitchConnection> conn;
  auto sync = [&]() -> bmf::Status {
    auto session = conn->session();
    if (!session.ok()) return session.status();
    bmf::netconf::OpenConfigDriver driver(**session, {.network_instance = "DEFAULT"});
    auto running = driver.read_ports();
    if (!running.ok()) {
      conn->reset();
      return running.status();
    }
    if (!plane.apply(*running)) return bmf::Status(bmf::StatusCode::kInternal, "ip -batch failed");
    return bmf::ok_status();
  };
  if (!plane.netns.empty()) {
    bmf::netconf::SshTarget target{.port = sw.port(), .user = bmf::testing::NetconfdPeer::kUser,
                                   .password = bmf::testing::NetconfdPeer::kPassword, .known_hosts_file = known_hosts};
    conn = std::make_unique<bmf::netconf::SwitchConnection>(target);
    // The ports take their start-up configuration before anyone is told the switch is ready.
    if (auto st = sync(); !st.ok()) {
      std::cerr << "bmf-lab-switch: cannot apply the running config: " << st.to_string() << "\n";
      return 1;
    }
  }
  std::cout << fmt::format("SWITCH_READY 127.0.0.1:{} user {} password-file {} known-hosts {}", sw.port(),
                           bmf::testing::NetconfdPeer::kUser, password, known_hosts)
            << std::endl;
  std::string last_error;
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(plane.netns.empty() ? 200 : poll_ms));
    if (plane.netns.empty() || g_stop) continue;
    auto st = sync();
    std::string err = st.ok() ? "" : st.to_string();
    if (err != last_error && !err.empty()) std::cerr << "bmf-lab-switch: data plane: " << err << "\n";
    last_error = err;
  }
  return 0;
}
