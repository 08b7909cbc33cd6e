#pragma once
// NetconfdPeer: a real NETCONF "switch" for tests: Debian's netconfd (yuma123)
// loaded with the OpenConfig interfaces + VLAN models (tests/peers/yang), behind
// Debian's sshd with the netconf subsystem, on a free loopback port, in a temp
// dir. Seeded with N ports Ethernet1..N in ACCESS VLAN 1 and VLANs 1/10/20 in
// network-instance DEFAULT. Stops only the two PIDs it started.
//
// Needs root (sshd password auth for another user) and creates the test user
// `bmftest` (password bmftest) once if it is missing, as the recipe does.
#include <fmt/core.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {

class NetconfdPeer {
 public:
  static constexpr const char* kUser = "bmftest";
  static constexpr const char* kPassword = "bmftest";

  // Empty string when the machine can run it; otherwise why not (for GTEST_SKIP).
  static std::string unavailable_reason() {
    if (geteuid() != 0) return "needs root (sshd password authentication for the test user)";
    for (const char* b : {"/usr/sbin/netconfd", "/usr/sbin/netconf-subsystem", "/usr/sbin/sshd"}) {
      if (access(b, X_OK) != 0) return fmt::format("{} is not installed (scripts/setup.sh installs it)", b);
    }
    return {};
  }

  // target "candidate" (the default) or "running" (no :candidate; :writable-running instead).
  explicit NetconfdPeer(int nports = 48, std::string target = "candidate") {
    std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));  // netconf-subsystem runs as kUser
    d_ = dir_.path().string();
    if (run_command(fmt::format("id {0} >/dev/null 2>&1 || useradd -M -s /bin/sh {0} 2>/dev/null || id {0} >/dev/null; echo '{0}:{1}' | chpasswd", kUser,
                                kPassword)).first != 0) {
      throw std::runtime_error("cannot create the test user");
    }
    mkdir("/run/sshd", 0755);
    for (const char* t : {"ed25519", "ecdsa", "rsa"}) {
      run_command(fmt::format("ssh-keygen -q -t {0} -N '' -f {1}/ssh_host_{0}_key", t, d_));
    }
    // A client key pair for public-key auth (PEM: libssh2 1.10 reads it everywhere).
    run_command(fmt::format("ssh-keygen -q -t ecdsa -m PEM -N '' -f {0}/client_key && cp {0}/client_key.pub {0}/authorized_keys && "
                            "chmod 644 {0}/authorized_keys",
                            d_));
    write_seed(nports);
    start(target);
  }

  // Stops both processes and starts them again on the same port with the same host keys,
  // as a switch reboot would: every open session dies, the committed config stays.
  void restart() {
    const std::string target = target_;
    sshd_->stop(SIGTERM);
    netconfd_->stop(SIGTERM);
    sshd_.reset();
    netconfd_.reset();
    std::filesystem::remove(d_ + "/ncxserver.sock");
    start(target, port_);
  }

  ~NetconfdPeer() {
    if (sshd_) sshd_->stop(SIGTERM);
    if (netconfd_) netconfd_->stop(SIGTERM);
  }

  std::uint16_t port() const { return port_; }
  std::string dir() const { return d_; }
  std::string client_key() const { return d_ + "/client_key"; }
  // known_hosts lines for this switch's host keys, as `ssh-keyscan` would write them.
  std::string known_hosts_line() const {
    std::string out;
    for (const char* t : {"ed25519", "ecdsa", "rsa"}) {
      std::ifstream in(fmt::format("{}/ssh_host_{}_key.pub", d_, t));
      std::string type, key;
      in >> type >> key;
      out += fmt::format("[127.0.0.1]:{} {} {}\n", port_, type, key);
    }
    return out;
  }
  std::string logs() const { return netconfd_->log() + sshd_->log(); }

 private:
  void start(const std::string& target, std::uint16_t fixed_port = 0) {
    target_ = target;
    // sshd first: if another test grabbed the port between free_loopback_port() and bind,
    // our sshd exits and we try another port (a live port alone proves nothing).
    const std::string sock = d_ + "/ncxserver.sock";
    for (int attempt = 0; attempt < 10 && !sshd_; ++attempt) {
      port_ = fixed_port ? fixed_port : free_loopback_port();
      std::ofstream(d_ + "/sshd_config") << fmt::format(
          "ListenAddress 127.0.0.1\nPort {0}\nHostKey {1}/ssh_host_ed25519_key\nHostKey {1}/ssh_host_ecdsa_key\n"
          "HostKey {1}/ssh_host_rsa_key\nPidFile {1}/sshd.pidfile\nPasswordAuthentication yes\n"
          "KbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin no\nAllowUsers {2}\nAuthorizedKeysFile {1}/authorized_keys\n"
          "StrictModes no\nAllowTcpForwarding no\nX11Forwarding no\nLogLevel INFO\n"
          "Subsystem netconf \"/usr/sbin/netconf-subsystem --ncxserver-sockname={0}@{3}\"\n",
          port_, d_, kUser, sock);
      auto sshd = std::make_unique<ChildProcess>(
          std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", d_ + "/sshd_config"}, d_ + "/sshd.log");
      bool listening = eventually([&] { return !sshd->running() || port_open(); }, std::chrono::seconds(10));
      if (listening && sshd->running()) sshd_ = std::move(sshd);
    }
    if (!sshd_) throw std::runtime_error("sshd did not listen on any free port");
    const std::string yang = std::string(BMF_SOURCE_DIR) + "/tests/peers/yang";
    netconfd_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/env", "HOME=" + d_, "/usr/sbin/netconfd", "--modpath=" + yang + "/openconfig:" + yang,
                                 "--module=openconfig-interfaces", "--module=openconfig-vlan",
                                 "--module=openconfig-network-instance", "--ncxserver-sockname=" + sock,
                                 fmt::format("--port={}", port_), "--startup=" + d_ + "/startup-cfg.xml",
                                 "--target=" + target, std::string("--superuser=") + kUser, "--log=" + d_ + "/netconfd.log",
                                 "--log-level=info", "--warn-linelen=0", "--warn-idlen=0"},
        d_ + "/netconfd.out");
    if (!eventually([&] { return std::filesystem::exists(sock); }, std::chrono::seconds(30))) {
      throw std::runtime_error("netconfd did not start: " + netconfd_->log());
    }
  }

  bool port_open() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    return ok;
  }
  void write_seed(int nports) {
    std::ofstream f(d_ + "/startup-cfg.xml");
    f << "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">\n<interfaces xmlns=\"http://openconfig.net/yang/interfaces\">\n";
    for (int i = 1; i <= nports; ++i) {
      f << fmt::format(
          "<interface><name>Ethernet{0}</name><config><name>Ethernet{0}</name><type "
          "xmlns:ianaift=\"urn:ietf:params:xml:ns:yang:iana-if-type\">ianaift:ethernetCsmacd</type><enabled>true</enabled></config>"
          "<ethernet xmlns=\"http://openconfig.net/yang/interfaces/ethernet\"><switched-vlan xmlns=\"http://openconfig.net/yang/vlan\">"
          "<config><interface-mode>ACCESS</interface-mode><access-vlan>1</access-vlan></config></switched-vlan></ethernet></interface>\n",
          i);
    }
    f << "</interfaces>\n<network-instances xmlns=\"http://openconfig.net/yang/network-instance\"><network-instance><name>DEFAULT</name>"
         "<config><name>DEFAULT</name><type xmlns:oc-ni-types=\"http://openconfig.net/yang/network-instance-types\">"
         "oc-ni-types:DEFAULT_INSTANCE</type></config><vlans>"
         "<vlan><vlan-id>1</vlan-id><config><vlan-id>1</vlan-id><name>default</name></config></vlan>"
         "<vlan><vlan-id>10</vlan-id><config><vlan-id>10</vlan-id><name>ten</name></config></vlan>"
         "<vlan><vlan-id>20</vlan-id><config><vlan-id>20</vlan-id><name>twenty</name></config></vlan>"
         "</vlans></network-instance></network-instances>\n</config>\n";
  }

  TempDir dir_;
  std::string d_;
  std::uint16_t port_ = 0;
  std::string target_;
  std::unique_ptr<ChildProcess> netconfd_, sshd_;
};

}  // namespace bmf::testing
