// bmf-lab-switch: a real NETCONF switch for the lab and the demo: Debian's netconfd
// with the OpenConfig interfaces/VLAN models behind sshd (tests/peers/netconfd_peer.h),
// N ports Ethernet1..N, network instance DEFAULT. Prints one line when ready:
//   SWITCH_READY 127.0.0.1:PORT user bmftest password-file FILE known-hosts FILE
// and runs until SIGTERM/SIGINT, then stops the two processes it started. Needs root.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <signal.h>

#include <fstream>
#include <iostream>

#include "tests/peers/netconfd_peer.h"

int main(int argc, char** argv) {
  CLI::App app{"bmf-lab-switch: a real NETCONF (netconfd + sshd) switch for the lab"};
  int ports = 48;
  std::string dir = ".";
  app.add_option("--ports", ports, "number of ports Ethernet1..N")->check(CLI::Range(1, 512))->capture_default_str();
  app.add_option("--dir", dir, "where to write its known_hosts and password files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (auto why = bmf::testing::NetconfdPeer::unavailable_reason(); !why.empty()) {
    std::cerr << "bmf-lab-switch: " << why << "\n";
    return 1;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  bmf::testing::NetconfdPeer sw(ports);
  const std::string known_hosts = fmt::format("{}/switch-{}.known_hosts", dir, sw.port());
  const std::string password = fmt::format("{}/switch-{}.password", dir, sw.port());
  std::ofstream(known_hosts) << sw.known_hosts_line();
  std::ofstream(password) << bmf::testing::NetconfdPeer::kPassword << "\n";
  std::cout << fmt::format("SWITCH_READY 127.0.0.1:{} user {} password-file {} known-hosts {}", sw.port(),
                           bmf::testing::NetconfdPeer::kUser, password, known_hosts)
            << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
