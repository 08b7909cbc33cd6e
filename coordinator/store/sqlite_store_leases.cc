// SqliteStore: leases (migration 0004).
#include <fmt/core.h>

#include "coordinator/store/sqlite_store.h"

namespace bmf::coordinator {
namespace {

constexpr std::string_view kLeaseColumns = "id, node_id, project, owner, created_at_ms, ended_at_ms, revision, allocation_id, ends_at_ms";

LeaseRecord read_lease_row(sqlite::Statement& st) {
  return LeaseRecord{.id = static_cast<std::uint64_t>(st.column_int(0)),
                     .node_id = static_cast<std::uint64_t>(st.column_int(1)),
                     .project = st.column_text(2),
                     .owner = st.column_text(3),
                     .created_at_ms = st.column_int(4),
                     .ended_at_ms = st.column_int(5),
                     .revision = static_cast<std::uint64_t>(st.column_int(6)),
                     .allocation_id = static_cast<std::uint64_t>(st.column_int(7)),
                     .ends_at_ms = st.column_int(8)};
}

}  // namespace

Result<std::uint64_t> SqliteStore::lease_revision() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT COALESCE(MAX(revision), 0) FROM leases"));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  return row ? static_cast<std::uint64_t>(st->column_int(0)) : 0;
}

Result<LeaseRecord> SqliteStore::get_lease(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM leases WHERE id = ?", kLeaseColumns)));
  st->bind(1, static_cast<std::int64_t>(id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("lease {} does not exist", id));
  return read_lease_row(*st);
}

Status SqliteStore::insert_lease(LeaseRecord& lease) {
  BMF_ASSIGN_OR_RETURN(NodeRecord node, get_node(lease.node_id));
  if (node.state != NodeState::kAvailable) {
    return failed_precondition(fmt::format("node {} is {}, not available", lease.node_id, to_string(node.state)));
  }
  BMF_ASSIGN_OR_RETURN(ProjectRecord project, get_project(lease.project));
  if (project.quota_nodes != kUnlimited && project.nodes_in_use >= project.quota_nodes) {
    return failed_precondition(fmt::format("quota 'nodes' of project {} is {} and {} are in use", lease.project,
                                           project.quota_nodes, project.nodes_in_use));
  }
  BMF_ASSIGN_OR_RETURN(std::uint64_t revision, lease_revision());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO leases(node_id, project, owner, created_at_ms, ended_at_ms, "
                                                "revision, allocation_id, ends_at_ms) VALUES (?,?,?,?,0,?,?,?)"));
  st->bind(1, static_cast<std::int64_t>(lease.node_id)).bind(2, lease.project).bind(3, lease.owner);
  st->bind(4, lease.created_at_ms).bind(5, static_cast<std::int64_t>(revision + 1));
  st->bind(6, static_cast<std::int64_t>(lease.allocation_id)).bind(7, lease.ends_at_ms);
  if (Status s = st->run(); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) {
      return failed_precondition(fmt::format("node {} already has an active lease", lease.node_id));
    }
    return s;
  }
  lease.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  lease.revision = revision + 1;
  lease.ended_at_ms = 0;
  // An allocation's node is "allocated" until its steps are done; a lease made by hand is handed over at once.
  return move_node(lease.node_id, NodeState::kAvailable, lease.allocation_id ? NodeState::kAllocated : NodeState::kActive,
                   lease.allocation_id ? fmt::format("allocation {}", lease.allocation_id) : fmt::format("lease {}", lease.id),
                   lease.created_at_ms);
}

Status SqliteStore::create_lease(LeaseRecord& lease, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_RETURN_IF_ERROR(insert_lease(lease));
  event.node_id = lease.node_id;
  event.project = lease.project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<LeaseRecord> SqliteStore::end_lease(std::uint64_t id, EpochMs at, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(LeaseRecord lease, get_lease(id));
  if (!lease.active()) return failed_precondition(fmt::format("lease {} already ended", id));
  BMF_ASSIGN_OR_RETURN(std::uint64_t revision, lease_revision());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE leases SET ended_at_ms = ?, revision = ? WHERE id = ?"));
  st->bind(1, at).bind(2, static_cast<std::int64_t>(revision + 1)).bind(3, static_cast<std::int64_t>(id));
  BMF_RETURN_IF_ERROR(st->run());
  lease.ended_at_ms = at;
  lease.revision = revision + 1;
  // The node is released: cleaning follows (CleaningService).
  BMF_ASSIGN_OR_RETURN(NodeRecord node, get_node(lease.node_id));
  if (node_transition_allowed(node.state, NodeState::kReleasing)) {
    BMF_RETURN_IF_ERROR(move_node(node.id, node.state, NodeState::kReleasing, fmt::format("lease {} ended", id), at));
  }
  event.node_id = lease.node_id;
  event.project = lease.project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  return lease;
}

Result<LeaseList> SqliteStore::list_leases(bool active_only) {
  LeaseList out;
  BMF_ASSIGN_OR_RETURN(out.revision, lease_revision());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM leases {} ORDER BY id", kLeaseColumns,
                                                            active_only ? "WHERE ended_at_ms = 0" : "")));
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.leases.push_back(read_lease_row(*st));
  }
  return out;
}

}  // namespace bmf::coordinator
