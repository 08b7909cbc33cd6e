// netconf_bench: move 48 ports of one real NETCONF switch (netconfd + sshd,
// started here) to a new VLAN in one transaction, several times, over one
// reused session. Prints wall time per move and SSH sessions opened. Needs root.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include "netconf/client/switch_connection.h"
#include "netconf/drivers/openconfig_driver.h"
#include "netconf/transport/ssh_channel.h"
#include "tests/peers/netconfd_peer.h"

using namespace bmf::netconf;

int main() {
  if (auto why = bmf::testing::NetconfdPeer::unavailable_reason(); !why.empty()) {
    fmt::print(stderr, "netconf_bench: {}\n", why);
    return 1;
  }
  bmf::testing::NetconfdPeer sw(48);
  SshTarget t;
  t.port = sw.port();
  t.user = bmf::testing::NetconfdPeer::kUser;
  t.password = bmf::testing::NetconfdPeer::kPassword;
  t.known_hosts_file = sw.dir() + "/known_hosts";
  std::ofstream(t.known_hosts_file) << sw.known_hosts_line();
  SwitchConnection conn(t);

  auto t0 = std::chrono::steady_clock::now();
  auto session = conn.session();
  if (!session.ok()) {
    fmt::print(stderr, "connect: {}\n", session.status().to_string());
    return 1;
  }
  double connect_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> moves;
  for (int round = 0; round < 6; ++round) {
    ChangeSet c;
    const std::uint16_t vlan = round % 2 ? 10 : 20;
    for (int i = 1; i <= 48; ++i) c.ports[fmt::format("Ethernet{}", i)] = {.mode = PortConfig::Mode::kAccess, .access_vlan = vlan};
    auto s = conn.session();
    OpenConfigDriver driver(**s);
    auto start = std::chrono::steady_clock::now();
    bmf::Status st = driver.prepare(c, {.confirm_timeout = std::chrono::seconds(60), .persist_token = fmt::format("bench{}", round)});
    if (st.ok()) st = driver.confirm();
    if (!st.ok()) {
      fmt::print(stderr, "move failed: {}\n", st.to_string());
      return 1;
    }
    moves.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(moves.begin(), moves.end());
  fmt::print("netconf_bench: 48-port VLAN move, one transaction (lock, discard, edit, validate, confirmed-commit, "
             "verify get-config, confirm, unlock) against netconfd 2.13 over SSH:\n");
  fmt::print("  session open {:.0f} ms; move median {:.0f} ms, min {:.0f} ms, max {:.0f} ms over {} moves\n", connect_ms,
             moves[moves.size() / 2], moves.front(), moves.back(), moves.size());
  fmt::print("  SSH sessions opened: {} (all moves reused it)\n", conn.sessions_opened());
  return 0;
}
