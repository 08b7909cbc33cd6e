#include "coordinator/handover/slurm_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/http/host_port.h"
#include "common/log/log.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {
namespace {

bool slurm_name(const std::string& n) {
  return !n.empty() && n.size() <= 64 && std::isalpha(static_cast<unsigned char>(n[0])) &&
         std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

std::string feature(std::string s) {  // SLURM features: no commas, no spaces
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return s;
}

}  // namespace

SlurmService::SlurmService(Store& store, const Clock& clock, NetworkService& networks, AllocationService& allocations,
                           CommandDispatcher& agents, SlurmConfig config)
    : store_(store), clock_(clock), networks_(networks), allocations_(allocations), agents_(agents), config_(config) {
  agents_.subscribe([this](const AgentEvent& e) { on_agent(e); });
  allocations_.add_handover("slurm", handover());
}

Result<SlurmClusterRecord> SlurmService::add(const Principal& by, SlurmClusterRecord c) {
  if (!by.admin() && !by.member_of(c.project)) return not_found(fmt::format("project {} does not exist", c.project));
  if (!slurm_name(c.name)) return invalid_argument("cluster name: 1-64 letters, digits, '-' or '_', starting with a letter");
  std::string host;
  std::uint16_t port = 0;
  if (!http::split_host_port(c.controller, host, port).ok() || host.empty() || port == 0) {
    return invalid_argument(fmt::format("controller: expected HOST:PORT, got '{}'", c.controller));
  }
  if (c.munge_key.size() < 32 || c.munge_key.size() > 1024 * 1024) {
    return invalid_argument(fmt::format("munge key: expected 32 bytes to 1 MiB (munged's own limits), got {}", c.munge_key.size()));
  }
  if (!c.network.empty()) {
    BMF_ASSIGN_OR_RETURN(auto net, networks_.find(by, c.network, c.project));
    c.network = net.name;
  }
  c.created_at_ms = clock_.now_ms();
  BMF_RETURN_IF_ERROR(store_.insert_slurm_cluster(
      c, EventRecord{.time_ms = c.created_at_ms, .actor = by.actor(), .kind = EventKind::kSlurmClusterAdded,
                     .message = fmt::format("SLURM cluster {} (controller {}) for {}", c.name, c.controller, c.project),
                     .project = c.project}));
  BMF_LOG_INFO("SLURM_CLUSTER_ADDED name={} project={} controller={} network={}", c.name, c.project, c.controller, c.network);
  c.munge_key.clear();
  return c;
}

Result<std::vector<SlurmClusterRecord>> SlurmService::list(const Principal& by) {
  BMF_ASSIGN_OR_RETURN(auto all, store_.list_slurm_clusters());
  std::vector<SlurmClusterRecord> out;
  for (auto& c : all) {
    if (!by.admin() && !by.member_of(c.project)) continue;
    c.munge_key.clear();
    out.push_back(std::move(c));
  }
  return out;
}

Status SlurmService::remove(const Principal& by, const std::string& name) {
  BMF_ASSIGN_OR_RETURN(auto c, named(by, name));
  return store_.remove_slurm_cluster(name, EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = EventKind::kSlurmClusterRemoved,
                                                       .message = fmt::format("SLURM cluster {}", name), .project = c.project});
}

Result<SlurmClusterRecord> SlurmService::cluster_named(const std::string& name) {
  BMF_ASSIGN_OR_RETURN(auto all, store_.list_slurm_clusters());
  for (auto& c : all) {
    if (c.name == name) return c;
  }
  return not_found(fmt::format("SLURM cluster {} does not exist", name));
}

Result<SlurmClusterRecord> SlurmService::named(const Principal& by, const std::string& name) {
  auto c = cluster_named(name);
  if (c.ok() && !by.admin() && !by.member_of(c->project)) return not_found(fmt::format("SLURM cluster {} does not exist", name));
  return c;
}

Result<AllocationRecord> SlurmService::resume(const Principal& by, const std::string& cluster, const std::vector<std::string>& names,
                                              const std::string& hardware_class) {
  BMF_ASSIGN_OR_RETURN(auto c, named(by, cluster));
  if (names.empty()) return invalid_argument("resume: no node names");
  for (const auto& n : names) {
    if (!slurm_name(n)) return invalid_argument(fmt::format("resume: '{}' is not a SLURM node name (expand hostlists first)", n));
    if (std::count(names.begin(), names.end(), n) > 1) return invalid_argument(fmt::format("resume: '{}' is named twice", n));
  }
  BMF_LOG_INFO("SLURM_RESUME cluster={} nodes={} by={}", c.name, fmt::join(names, ","), by.name);
  return allocations_.request(by, AllocationRequest{.project = c.project, .count = static_cast<std::uint32_t>(names.size()),
                                                    .hardware_class = hardware_class, .network = c.network, .handover = "slurm",
                                                    .handover_names = names, .handover_target = c.name});
}

Result<SlurmService::Suspended> SlurmService::suspend(const Principal& by, const std::string& cluster,
                                                      const std::vector<std::string>& names) {
  BMF_ASSIGN_OR_RETURN(auto c, named(by, cluster));
  Suspended out;
  for (const auto& n : names) {
    BMF_ASSIGN_OR_RETURN(auto members, store_.find_slurm_members(c.name, n));
    bool found = false;
    for (const auto& m : members) {
      if (allocations_.leaving(m.node_id)) continue;  // already on its way out
      auto lease = allocations_.release_node(by, m.node_id);
      if (!lease.ok()) {
        BMF_LOG_WARN("SLURM_SUSPEND_SKIPPED cluster={} node={} bmf_node={}: {}", c.name, n, m.node_id, lease.status().message());
        continue;
      }
      out.released.push_back(m);
      found = true;
      break;
    }
    if (!found) out.unknown.push_back(n);
  }
  BMF_LOG_INFO("SLURM_SUSPEND cluster={} released={} unknown={} by={}", c.name, out.released.size(), fmt::join(out.unknown, ","), by.name);
  return out;
}

Result<SlurmClusterRecord> SlurmService::cluster_of(const std::string& project) {
  BMF_ASSIGN_OR_RETURN(auto all, store_.list_slurm_clusters());
  for (auto& c : all) {
    if (c.project == project) return c;
  }
  return failed_precondition(fmt::format("project {} has no SLURM cluster (bmfctl slurm add --project {} ...)", project, project));
}

std::string SlurmService::node_name(const NodeRecord& node) {
  return slurm_name(node.hostname) ? node.hostname : fmt::format("bmf-node-{}", node.id);
}

std::string SlurmService::node_conf(const proto::Inventory& inv, const std::string& hardware_class, const std::string& leaf) {
  std::vector<std::string> features = {"bmf"};
  if (!hardware_class.empty()) features.push_back(feature(hardware_class));
  if (!leaf.empty()) features.push_back("leaf_" + feature(leaf));
  // slurmd refuses to register with more memory than it finds: keep 5% for the OS.
  const std::uint64_t mib = inv.memory().total_bytes() / (1024 * 1024) * 95 / 100;
  std::string conf;
  if (inv.cpu().threads() > 0) conf += fmt::format("CPUs={} ", inv.cpu().threads());
  if (mib > 0) conf += fmt::format("RealMemory={} ", mib);
  conf += fmt::format("Features={}", fmt::join(features, ","));
  if (inv.gpus_size() > 0) conf += fmt::format(" Gres=gpu:{}", inv.gpus_size());
  return conf;
}

Handover SlurmService::handover() {
  Handover h;
  h.prepare = [this](const Principal& by, AllocationRequest& r) -> Status {
    SlurmClusterRecord c;
    if (r.handover_target.empty()) {
      BMF_ASSIGN_OR_RETURN(c, cluster_of(r.project));
    } else {
      BMF_ASSIGN_OR_RETURN(c, named(by, r.handover_target));
      if (c.project != r.project) return invalid_argument(fmt::format("SLURM cluster {} is not project {}'s", c.name, r.project));
    }
    r.handover_target = c.name;
    if (r.network.empty()) r.network = c.network;
    return ok_status();
  };
  h.join = [this](const AllocationRecord& a, std::function<void(Status)> done) {
    auto c = a.handover_target.empty() ? cluster_of(a.project) : cluster_named(a.handover_target);
    if (!c.ok()) return done(c.status());
    const bool elastic = !a.handover_names.empty();
    std::size_t next_name = 0;
    auto locator = networks_.port_locator();
    std::vector<std::pair<std::uint64_t, std::string>> payloads;
    for (auto id : a.nodes) {
      auto node = store_.get_node(id);
      if (!node.ok()) return done(node.status());
      proto::Inventory inv;
      (void)from_json(node->hardware_json, inv);
      std::string leaf;
      for (const auto& nic : inv.nics()) {
        if (!locator.ok()) break;
        if (auto p = locator->locate(id, nic); p.ok()) {
          leaf = p->switch_name;
          break;
        }
      }
      proto::SlurmJoin j;
      j.set_cluster(c->name);
      j.set_controller(c->controller);
      j.set_munge_key(c->munge_key);
      if (elastic && next_name >= a.handover_names.size()) break;
      j.set_node_name(elastic ? a.handover_names[next_name++] : node_name(*node));
      j.set_power_saving(elastic);
      if (!elastic) j.set_node_conf(node_conf(inv, a.hardware_class, leaf));
      j.set_timeout_ms(config_.join_timeout_ms);
      (void)store_.put_slurm_member(SlurmMemberRecord{.node_id = id, .cluster = c->name, .slurm_name = j.node_name(),
                                                      .allocation_id = a.id, .power_saving = elastic, .joined_at_ms = clock_.now_ms()});
      payloads.emplace_back(id, j.SerializeAsString());
    }
    BMF_LOG_INFO("SLURM_JOIN allocation={} cluster={} nodes={}", a.id, c->name, payloads.size());
    dispatch(payloads, "slurm-join", config_.join_timeout_ms, std::move(done));
  };
  h.leave = [this](const AllocationRecord& a, const std::vector<std::uint64_t>& nodes, std::function<void(Status)> done) {
    std::vector<std::pair<std::uint64_t, std::string>> payloads;
    for (auto id : nodes) {
      auto member = store_.get_slurm_member(id);
      (void)store_.remove_slurm_member(id);
      if (!agents_.connected(id)) continue;  // powered off or gone: nothing runs there any more
      auto node = store_.get_node(id);
      if (!node.ok()) continue;
      proto::SlurmLeave l;
      l.set_node_name(member.ok() ? member->slurm_name : node_name(*node));
      l.set_keep_node(member.ok() && member->power_saving);
      l.set_drain_timeout_ms(config_.drain_timeout_ms);
      l.set_reason(fmt::format("bmf: allocation {} released", a.id));
      payloads.emplace_back(id, l.SerializeAsString());
    }
    BMF_LOG_INFO("SLURM_LEAVE allocation={} nodes={}", a.id, payloads.size());
    dispatch(payloads, "slurm-leave", config_.drain_timeout_ms + 15'000, std::move(done));
  };
  return h;
}

void SlurmService::dispatch(const std::vector<std::pair<std::uint64_t, std::string>>& payloads, const std::string& kind,
                            EpochMs limit_ms, std::function<void(Status)> finish) {
  auto b = std::make_shared<Batch>();
  b->finish = std::move(finish);
  b->deadline_ms = clock_.now_ms() + limit_ms + 10'000;
  for (const auto& [node, payload] : payloads) {
    auto id = agents_.dispatch(node, kind, payload);
    if (!id.ok()) {
      b->failures.push_back(fmt::format("node {}: {}", node, id.status().message()));
      continue;
    }
    b->commands[*id] = node;
    pending_[*id] = b;
  }
  settle(b);
}

void SlurmService::on_agent(const AgentEvent& e) {
  if (e.kind != AgentEvent::Kind::kCommandDone) return;
  auto it = pending_.find(e.command_id);
  if (it == pending_.end()) return;
  auto b = it->second;
  pending_.erase(it);
  const auto node = b->commands[e.command_id];
  b->commands.erase(e.command_id);
  if (!e.success) b->failures.push_back(fmt::format("node {}: {}", node, e.message));
  settle(b);
}

void SlurmService::settle(const std::shared_ptr<Batch>& b) {
  if (!b->finish) return;
  if (!b->commands.empty() && b->failures.empty()) return;  // still waiting, nothing failed yet
  auto finish = std::move(b->finish);
  b->finish = nullptr;
  for (const auto& [id, node] : b->commands) pending_.erase(id);
  if (b->failures.empty()) return finish(ok_status());
  finish(Status(StatusCode::kUnavailable, fmt::format("{}", fmt::join(b->failures, "; "))));
}

void SlurmService::tick() {
  const EpochMs now = clock_.now_ms();
  std::vector<std::shared_ptr<Batch>> late;
  for (const auto& [id, b] : pending_) {
    if (now > b->deadline_ms && std::find(late.begin(), late.end(), b) == late.end()) late.push_back(b);
  }
  for (auto& b : late) {
    for (const auto& [id, node] : b->commands) b->failures.push_back(fmt::format("node {}: its agent never answered", node));
    settle(b);
  }
}

}  // namespace bmf::coordinator
