// SqliteStore: hardware classes and allocations (migration 0007).
#include <fmt/format.h>

#include "common/crypto/secrets.h"
#include "coordinator/store/sqlite_store.h"

namespace bmf::coordinator {
namespace {

constexpr std::string_view kAllocationColumns =
    "id, project, owner, class, count, network, handover, state, stage, message, operation_id, created_at_ms, updated_at_ms, "
    "handover_names, handover_target";

std::vector<std::string> split_names(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t from = 0; from < s.size();) {
    std::size_t to = s.find(',', from);
    if (to == std::string::npos) to = s.size();
    if (to > from) out.push_back(s.substr(from, to - from));
    from = to + 1;
  }
  return out;
}

AllocationRecord read_allocation_row(sqlite::Statement& st) {
  return AllocationRecord{.id = static_cast<std::uint64_t>(st.column_int(0)),
                          .project = st.column_text(1),
                          .owner = st.column_text(2),
                          .hardware_class = st.column_text(3),
                          .count = static_cast<std::uint32_t>(st.column_int(4)),
                          .network = st.column_text(5),
                          .handover = st.column_text(6),
                          .state = st.column_text(7),
                          .stage = st.column_text(8),
                          .message = st.column_text(9),
                          .operation_id = static_cast<std::uint64_t>(st.column_int(10)),
                          .created_at_ms = st.column_int(11),
                          .updated_at_ms = st.column_int(12),
                          .handover_names = split_names(st.column_text(13)),
                          .handover_target = st.column_text(14)};
}

}  // namespace

Status SqliteStore::save_class(const HardwareClass& hc, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT OR REPLACE INTO hardware_classes(name, min_gpus, gpu_model, rdma, "
                                                "min_memory_gib, min_cpus, created_at_ms) VALUES (?,?,?,?,?,?,?)"));
  st->bind(1, hc.name).bind(2, std::int64_t{hc.min_gpus}).bind(3, hc.gpu_model).bind(4, std::int64_t{hc.rdma});
  st->bind(5, std::int64_t{hc.min_memory_gib}).bind(6, std::int64_t{hc.min_cpus}).bind(7, hc.created_at_ms);
  BMF_RETURN_IF_ERROR(st->run());
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<std::vector<HardwareClass>> SqliteStore::list_classes() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT name, min_gpus, gpu_model, rdma, min_memory_gib, min_cpus, created_at_ms "
                                                "FROM hardware_classes ORDER BY name"));
  std::vector<HardwareClass> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(HardwareClass{.name = st->column_text(0),
                                .min_gpus = static_cast<std::uint32_t>(st->column_int(1)),
                                .gpu_model = st->column_text(2),
                                .rdma = st->column_int(3) != 0,
                                .min_memory_gib = static_cast<std::uint32_t>(st->column_int(4)),
                                .min_cpus = static_cast<std::uint32_t>(st->column_int(5)),
                                .created_at_ms = st->column_int(6)});
  }
  return out;
}

Status SqliteStore::delete_class(const std::string& name, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("DELETE FROM hardware_classes WHERE name = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, name).run());
  if (conn_->changes() == 0) return not_found(fmt::format("class {} does not exist", name));
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Status SqliteStore::insert_stage(std::uint64_t allocation_id, const AllocationStage& stage) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO allocation_stages(allocation_id, seq, stage, at_ms, detail) "
                                                "VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM allocation_stages "
                                                "WHERE allocation_id = ?), ?, ?, ?)"));
  st->bind(1, static_cast<std::int64_t>(allocation_id)).bind(2, static_cast<std::int64_t>(allocation_id));
  return st->bind(3, stage.stage).bind(4, stage.at_ms).bind(5, stage.detail).run();
}

Status SqliteStore::reserve_allocation(AllocationRecord& a, const std::vector<std::uint64_t>& candidates,
                                       const std::vector<AllocationStage>& stages, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(ProjectRecord project, get_project(a.project));
  if (project.quota_nodes != kUnlimited && project.nodes_in_use + a.count > project.quota_nodes) {
    return failed_precondition(fmt::format("quota 'nodes' of project {} is {} and {} are in use: {} more do not fit", a.project,
                                           project.quota_nodes, project.nodes_in_use, a.count));
  }
  if (auto q = project.class_quotas.find(a.hardware_class); !a.hardware_class.empty() && q != project.class_quotas.end() &&
                                                             q->second.in_use + a.count > q->second.max_nodes) {
    return failed_precondition(fmt::format("quota 'nodes of class {}' of project {} is {} and {} are in use: {} more do not fit",
                                           a.hardware_class, a.project, q->second.max_nodes, q->second.in_use, a.count));
  }
  BMF_ASSIGN_OR_RETURN(auto ins, conn_->prepare(fmt::format("INSERT INTO allocations({}) VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                                             kAllocationColumns)));
  ins->bind(1, a.project).bind(2, a.owner).bind(3, a.hardware_class).bind(4, std::int64_t{a.count}).bind(5, a.network);
  ins->bind(6, a.handover).bind(7, a.state).bind(8, a.stage).bind(9, a.message).bind(10, static_cast<std::int64_t>(a.operation_id));
  ins->bind(11, a.created_at_ms).bind(12, a.updated_at_ms).bind(13, fmt::format("{}", fmt::join(a.handover_names, ",")));
  ins->bind(14, a.handover_target);
  BMF_RETURN_IF_ERROR(ins->run());
  a.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  a.nodes.clear();
  BMF_ASSIGN_OR_RETURN(a.nodes, take_nodes(a, candidates, a.count));
  if (a.nodes.size() < a.count) {
    return failed_precondition(fmt::format("only {} free node(s) of the {} asked for", a.nodes.size(), a.count));
  }
  // Only this transaction knows which nodes it took: the "reserved" stage says so.
  for (AllocationStage s : stages) {
    if (s.stage == "reserved" && s.detail.empty()) s.detail = fmt::format("nodes {}", fmt::join(a.nodes, ","));
    BMF_RETURN_IF_ERROR(insert_stage(a.id, s));
  }
  event.project = a.project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<std::vector<std::uint64_t>> SqliteStore::take_nodes(const AllocationRecord& a, const std::vector<std::uint64_t>& candidates,
                                                           std::uint32_t count) {
  std::vector<std::uint64_t> taken;
  for (std::uint64_t node : candidates) {
    if (taken.size() == count) break;
    BMF_ASSIGN_OR_RETURN(auto busy, conn_->prepare("SELECT COUNT(*) FROM nodes WHERE id = ? AND state = 'available' AND NOT EXISTS "
                                                    "(SELECT 1 FROM leases WHERE node_id = nodes.id AND ended_at_ms = 0)"));
    busy->bind(1, static_cast<std::int64_t>(node));
    BMF_ASSIGN_OR_RETURN(bool row, busy->step());
    if (!row || busy->column_int(0) == 0) continue;  // taken (or no longer available) since the candidates were listed
    LeaseRecord lease{.node_id = node, .project = a.project, .owner = a.owner, .created_at_ms = a.updated_at_ms,
                      .allocation_id = a.id, .ends_at_ms = a.ends_at_ms};
    BMF_RETURN_IF_ERROR(insert_lease(lease));
    taken.push_back(node);
  }
  return taken;
}

Result<std::vector<std::uint64_t>> SqliteStore::add_allocation_nodes(const AllocationRecord& a, const std::vector<std::uint64_t>& candidates,
                                                                     std::uint32_t count, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(std::vector<std::uint64_t> taken, take_nodes(a, candidates, count));
  if (taken.size() < count) return failed_precondition(fmt::format("only {} free node(s) of the {} asked for", taken.size(), count));
  event.project = a.project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  return taken;
}

Result<std::vector<HotpoolRecord>> SqliteStore::list_hotpool() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT class, min_hot, max_hot, last_empty_at, boot_ms FROM hotpool ORDER BY class"));
  std::vector<HotpoolRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(HotpoolRecord{.hardware_class = st->column_text(0), .min_hot = st->column_int(1), .max_hot = st->column_int(2),
                                .last_empty_at_ms = st->column_int(3), .boot_ms = st->column_int(4)});
  }
  return out;
}

Status SqliteStore::insert_slurm_cluster(const SlurmClusterRecord& c, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO slurm_clusters(name, project, controller, munge_key, partition, network, "
                                                "created_at) VALUES (?,?,?,?,?,?,?)"));
  st->bind(1, c.name).bind(2, c.project).bind(3, c.controller).bind(4, crypto::hex(c.munge_key)).bind(5, c.partition).bind(6, c.network);
  if (Status s = st->bind(7, c.created_at_ms).run(); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) return already_exists(fmt::format("SLURM cluster {} already exists", c.name));
    return s;
  }
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<std::vector<SlurmClusterRecord>> SqliteStore::list_slurm_clusters() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT name, project, controller, munge_key, partition, network, created_at "
                                                "FROM slurm_clusters ORDER BY name"));
  std::vector<SlurmClusterRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(SlurmClusterRecord{.name = st->column_text(0), .project = st->column_text(1), .controller = st->column_text(2),
                                     .munge_key = crypto::from_hex(st->column_text(3)).value_or(""), .partition = st->column_text(4),
                                     .network = st->column_text(5), .created_at_ms = st->column_int(6)});
  }
  return out;
}

Status SqliteStore::remove_slurm_cluster(const std::string& name, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("DELETE FROM slurm_clusters WHERE name = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, name).run());
  if (conn_->changes() == 0) return not_found(fmt::format("SLURM cluster {} does not exist", name));
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Status SqliteStore::put_slurm_member(const SlurmMemberRecord& m) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT OR REPLACE INTO slurm_members(node_id, cluster, slurm_name, allocation_id, "
                                                "power_saving, joined_at) VALUES (?,?,?,?,?,?)"));
  st->bind(1, static_cast<std::int64_t>(m.node_id)).bind(2, m.cluster).bind(3, m.slurm_name);
  st->bind(4, static_cast<std::int64_t>(m.allocation_id)).bind(5, std::int64_t{m.power_saving}).bind(6, m.joined_at_ms);
  return st->run();
}

namespace {
SlurmMemberRecord read_member(sqlite::Statement& st) {
  return SlurmMemberRecord{.node_id = static_cast<std::uint64_t>(st.column_int(0)), .cluster = st.column_text(1),
                           .slurm_name = st.column_text(2), .allocation_id = static_cast<std::uint64_t>(st.column_int(3)),
                           .power_saving = st.column_int(4) != 0, .joined_at_ms = st.column_int(5)};
}
constexpr std::string_view kMemberColumns = "node_id, cluster, slurm_name, allocation_id, power_saving, joined_at";
}  // namespace

Result<SlurmMemberRecord> SqliteStore::get_slurm_member(std::uint64_t node_id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM slurm_members WHERE node_id = ?", kMemberColumns)));
  st->bind(1, static_cast<std::int64_t>(node_id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("node {} is in no SLURM cluster", node_id));
  return read_member(*st);
}

Result<std::vector<SlurmMemberRecord>> SqliteStore::find_slurm_members(const std::string& cluster, const std::string& slurm_name) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM slurm_members WHERE cluster = ? AND slurm_name = ? "
                                                            "ORDER BY joined_at DESC, node_id DESC", kMemberColumns)));
  st->bind(1, cluster).bind(2, slurm_name);
  std::vector<SlurmMemberRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(read_member(*st));
  }
  return out;
}

Status SqliteStore::remove_slurm_member(std::uint64_t node_id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("DELETE FROM slurm_members WHERE node_id = ?"));
  return st->bind(1, static_cast<std::int64_t>(node_id)).run();
}

Status SqliteStore::save_hotpool(const HotpoolRecord& h, std::optional<EventRecord> event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT OR REPLACE INTO hotpool(class, min_hot, max_hot, last_empty_at, boot_ms) "
                                                "VALUES (?,?,?,?,?)"));
  st->bind(1, h.hardware_class).bind(2, h.min_hot).bind(3, h.max_hot).bind(4, h.last_empty_at_ms).bind(5, h.boot_ms);
  BMF_RETURN_IF_ERROR(st->run());
  if (event) BMF_RETURN_IF_ERROR(insert_event(*event));
  return tx.commit();
}

Status SqliteStore::update_allocation(const AllocationRecord& a, const std::optional<AllocationStage>& stage,
                                      std::optional<EventRecord> event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE allocations SET state = ?, stage = ?, message = ?, operation_id = ?, "
                                                "updated_at_ms = ? WHERE id = ?"));
  st->bind(1, a.state).bind(2, a.stage).bind(3, a.message).bind(4, static_cast<std::int64_t>(a.operation_id));
  BMF_RETURN_IF_ERROR(st->bind(5, a.updated_at_ms).bind(6, static_cast<std::int64_t>(a.id)).run());
  if (conn_->changes() == 0) return not_found(fmt::format("allocation {} does not exist", a.id));
  if (stage) BMF_RETURN_IF_ERROR(insert_stage(a.id, *stage));
  if (event) {
    event->project = a.project;
    BMF_RETURN_IF_ERROR(insert_event(*event));
  }
  return tx.commit();
}

Result<AllocationRecord> SqliteStore::read_allocation_details(AllocationRecord a) {
  {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT stage, at_ms, detail FROM allocation_stages WHERE allocation_id = ? ORDER BY seq"));
    st->bind(1, static_cast<std::int64_t>(a.id));
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      a.stages.push_back(AllocationStage{.stage = st->column_text(0), .at_ms = st->column_int(1), .detail = st->column_text(2)});
    }
  }
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT node_id, ends_at_ms FROM leases WHERE allocation_id = ? ORDER BY node_id"));
  st->bind(1, static_cast<std::int64_t>(a.id));
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    a.nodes.push_back(static_cast<std::uint64_t>(st->column_int(0)));
    a.ends_at_ms = st->column_int(1);
  }
  return a;
}

Result<AllocationRecord> SqliteStore::get_allocation(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM allocations WHERE id = ?", kAllocationColumns)));
  st->bind(1, static_cast<std::int64_t>(id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("allocation {} does not exist", id));
  return read_allocation_details(read_allocation_row(*st));
}

Result<std::vector<AllocationRecord>> SqliteStore::allocations_since(EpochMs since) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM allocations WHERE created_at_ms >= ? ORDER BY id",
                                                            kAllocationColumns)));
  st->bind(1, since);
  std::vector<AllocationRecord> rows;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    rows.push_back(read_allocation_row(*st));
  }
  return rows;
}

Result<std::vector<AllocationRecord>> SqliteStore::list_allocations() {
  std::vector<AllocationRecord> rows;
  {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM allocations ORDER BY id", kAllocationColumns)));
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      rows.push_back(read_allocation_row(*st));
    }
  }
  std::vector<AllocationRecord> out;
  for (auto& a : rows) {
    BMF_ASSIGN_OR_RETURN(auto full, read_allocation_details(std::move(a)));
    out.push_back(std::move(full));
  }
  return out;
}

}  // namespace bmf::coordinator
