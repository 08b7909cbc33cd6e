#include "agent/handover/slurm_node.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "common/log/log.h"
#include "common/process/subprocess.h"

namespace bmf::agent {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string tail(const std::string& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) {
    if (l.find("pmix") != std::string::npos) continue;  // Debian's slurmd always logs this; it is not why a join failed
    all.push_back(l);
  }
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += (out.empty() ? "" : " | ") + all[i];
  return out;
}

bool valid_name(const std::string& n) {
  return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

SlurmNode::~SlurmNode() { stop_daemons(); }

std::string SlurmNode::parse_state(const std::string& line) {
  for (std::size_t at = line.find("State="); at != std::string::npos; at = line.find("State=", at + 1)) {
    if (at > 0 && !std::isspace(static_cast<unsigned char>(line[at - 1]))) continue;  // e.g. "NextState="
    const std::size_t from = at + 6;
    std::size_t to = from;
    while (to < line.size() && !std::isspace(static_cast<unsigned char>(line[to]))) ++to;
    return line.substr(from, to - from);
  }
  return "";
}

Result<std::string> SlurmNode::state(const std::string& node_name) {
  BMF_ASSIGN_OR_RETURN(auto out, process::run({paths_.scontrol, "-o", "show", "node", node_name}, 5s,
                                              {"SLURM_CONF=" + slurm_conf()}));
  if (out.exit_code != 0) return Status(StatusCode::kUnavailable, "scontrol: " + out.text.substr(0, out.text.find('\n')));
  return parse_state(out.text);
}

Status SlurmNode::start_munged(const std::string& key) {
  std::error_code ec;
  std::filesystem::create_directories(paths_.state_dir, ec);
  std::filesystem::create_directories(paths_.run_dir + "/munge", ec);
  const std::string key_file = paths_.state_dir + "/munge.key";
  ::unlink(key_file.c_str());
  int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (fd < 0) return Status(StatusCode::kInternal, fmt::format("cannot write {}: {}", key_file, std::strerror(errno)));
  const bool wrote = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  ::close(fd);
  if (!wrote) return Status(StatusCode::kInternal, "cannot write the munge key");
  // --force: munged refuses a root-owned socket dir shared with others otherwise; -F: we keep its pid.
  BMF_ASSIGN_OR_RETURN(munged_, process::start({paths_.munged, "-F", "--force", "--key-file=" + key_file,
                                                "--socket=" + munge_socket(), "--pid-file=" + paths_.run_dir + "/munge/munged.pid",
                                                "--seed-file=" + paths_.state_dir + "/munge.seed",
                                                "--log-file=" + paths_.state_dir + "/munged.log"},
                                               paths_.state_dir + "/munged.out"));
  for (auto until = Clock::now() + 5s; Clock::now() < until;) {
    if (std::filesystem::exists(munge_socket())) return ok_status();
    if (!process::running(munged_)) break;
    std::this_thread::sleep_for(20ms);
  }
  return Status(StatusCode::kUnavailable, "munged did not start: " + tail(paths_.state_dir + "/munged.log", 3));
}

void SlurmNode::stop_daemons() {
  if (process::stop(slurmd_, 5s)) BMF_LOG_INFO("SLURM_SLURMD_STOPPED pid={}", slurmd_);
  slurmd_ = -1;
  if (process::stop(munged_, 2s)) BMF_LOG_INFO("SLURM_MUNGED_STOPPED pid={}", munged_);
  munged_ = -1;
}

Result<std::string> SlurmNode::join(const proto::SlurmJoin& j) {
  if (!valid_name(j.node_name())) return invalid_argument("slurm-join: node_name must be 1-64 of [A-Za-z0-9._-]");
  if (j.controller().empty() || j.controller().find(':') == std::string::npos) {
    return invalid_argument("slurm-join: controller must be HOST:PORT");
  }
  if (j.munge_key().size() < 32) return invalid_argument("slurm-join: the munge key must be at least 32 bytes");
  if (j.node_conf().find('\n') != std::string::npos) return invalid_argument("slurm-join: node_conf must be one line");
  const auto t0 = Clock::now();
  const auto limit = std::chrono::milliseconds(j.timeout_ms() ? j.timeout_ms() : 30'000);
  stop_daemons();  // a second join replaces the first
  BMF_RETURN_IF_ERROR(start_munged(j.munge_key()));
  const std::string log = paths_.state_dir + "/slurmd.out";
  std::error_code ec;
  std::filesystem::remove(log, ec);
  // Dynamic (-Z): slurmctld creates the node from --conf. Elastic: the node is a State=CLOUD node of
  // slurm.conf being resumed; -b tells slurmctld it just booted (else it waits for a reboot).
  std::vector<std::string> argv = {paths_.slurmd, "-D", "-N", j.node_name(), "--conf-server", j.controller()};
  if (j.power_saving()) {
    argv.push_back("-b");
  } else {
    argv.insert(argv.end(), {"-Z", "--conf", j.node_conf()});
  }
  BMF_ASSIGN_OR_RETURN(slurmd_, process::start(argv, log));
  BMF_LOG_INFO("SLURM_JOINING cluster={} controller={} node={} slurmd_pid={}", j.cluster(), j.controller(), j.node_name(), slurmd_);
  std::string last = "not registered";
  while (Clock::now() - t0 < limit) {
    if (!process::running(slurmd_)) {
      const std::string why = tail(log, 3);
      stop_daemons();
      return Status(StatusCode::kUnavailable, fmt::format("slurmd exited before the node was idle: {}", why.empty() ? "(no output)" : why));
    }
    auto st = state(j.node_name());
    if (st.ok() && !st->empty()) {
      last = *st;
      if (last.rfind("IDLE", 0) == 0 || last.rfind("MIXED", 0) == 0 || last.rfind("ALLOCATED", 0) == 0) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        BMF_LOG_INFO("SLURM_JOINED cluster={} node={} state={} ms={}", j.cluster(), j.node_name(), last, ms);
        return fmt::format("{} in {} as {} after {} ms", last, j.cluster(), j.node_name(), ms);
      }
    } else if (!st.ok()) {
      last = st.status().message();
    }
    std::this_thread::sleep_for(100ms);
  }
  const std::string why = tail(log, 2);
  stop_daemons();
  return Status(StatusCode::kDeadlineExceeded,
                fmt::format("slurmctld did not report {} idle within {} ms (last: {}){}", j.node_name(), limit.count(), last,
                            why.empty() ? "" : "; slurmd: " + why));
}

Result<std::string> SlurmNode::leave(const proto::SlurmLeave& l) {
  if (!valid_name(l.node_name())) return invalid_argument("slurm-leave: node_name must be 1-64 of [A-Za-z0-9._-]");
  const auto t0 = Clock::now();
  const std::vector<std::string> env = {"SLURM_CONF=" + slurm_conf()};
  std::string note;
  if (l.keep_node() && process::running(slurmd_)) {
    // Elastic: slurmctld is powering the node down and keeps its slurm.conf entry for the next resume.
    process::stop(slurmd_, 5s);
    slurmd_ = -1;
    note = "; kept in slurm.conf (powered down)";
  } else if (process::running(slurmd_) && std::filesystem::exists(slurm_conf())) {
    const std::string reason = l.reason().empty() ? "bmf: released" : l.reason();
    (void)process::run({paths_.scontrol, "update", "nodename=" + l.node_name(), "state=drain", "reason=" + reason}, 5s, env);
    const auto limit = std::chrono::milliseconds(l.drain_timeout_ms() ? l.drain_timeout_ms() : 30'000);
    std::string last;
    while (Clock::now() - t0 < limit) {
      auto st = state(l.node_name());
      if (!st.ok()) break;
      last = *st;
      // DRAINING: jobs still run; DRAINED (or IDLE+DRAIN): none left.
      if (last.find("DRAINING") == std::string::npos && (last.find("DRAIN") != std::string::npos || last.rfind("IDLE", 0) == 0)) break;
      std::this_thread::sleep_for(100ms);
    }
    if (last.find("DRAINING") != std::string::npos) note = fmt::format("; jobs still running after {} ms were left to slurmctld", limit.count());
    process::stop(slurmd_, 5s);
    slurmd_ = -1;
    auto del = process::run({paths_.scontrol, "delete", "nodename=" + l.node_name()}, 5s, env);
    if (del.ok() && del->exit_code != 0) note += "; scontrol delete: " + del->text.substr(0, del->text.find('\n'));
  } else {
    note = "; slurmd was not running";
  }
  stop_daemons();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  BMF_LOG_INFO("SLURM_LEFT node={} ms={}{}", l.node_name(), ms, note);
  return fmt::format("left in {} ms{}", ms, note);
}

}  // namespace bmf::agent
