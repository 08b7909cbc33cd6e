// SqliteStore: networks, NIC attachments, NIC -> port overrides and the
// operations journal (migration 0006).
#include <fmt/core.h>

#include <algorithm>
#include <set>

#include "coordinator/store/sqlite_store.h"

namespace bmf::coordinator {
namespace {

constexpr std::string_view kNetworkColumns = "id, name, project, vlan, kind, created_at_ms";
constexpr std::string_view kOperationColumns =
    "id, kind, project, target, state, stage, message, detail, actor, created_at_ms, updated_at_ms";

NetworkRecord read_network_row(sqlite::Statement& st) {
  return NetworkRecord{.id = static_cast<std::uint64_t>(st.column_int(0)),
                       .name = st.column_text(1),
                       .project = st.column_text(2),
                       .vlan = static_cast<std::uint16_t>(st.column_int(3)),
                       .kind = st.column_text(4) == "external" ? NetworkRecord::Kind::kExternal : NetworkRecord::Kind::kTenant,
                       .created_at_ms = st.column_int(5)};
}

OperationRecord read_operation_row(sqlite::Statement& st) {
  return OperationRecord{.id = static_cast<std::uint64_t>(st.column_int(0)),
                         .kind = st.column_text(1),
                         .project = st.column_text(2),
                         .target = st.column_text(3),
                         .state = st.column_text(4),
                         .stage = st.column_text(5),
                         .message = st.column_text(6),
                         .detail = st.column_text(7),
                         .actor = st.column_text(8),
                         .created_at_ms = st.column_int(9),
                         .updated_at_ms = st.column_int(10)};
}

}  // namespace

Status SqliteStore::create_network(NetworkRecord& n, const NetworkRules& rules, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  if (!n.project.empty()) {
    BMF_ASSIGN_OR_RETURN(auto project, get_project(n.project));
    if (project.quota_networks != kUnlimited && project.networks_in_use >= project.quota_networks) {
      return failed_precondition(fmt::format("quota 'networks' of project {} is {} and {} are in use", n.project,
                                             project.quota_networks, project.networks_in_use));
    }
  }
  for (const auto& p : n.shared_with) BMF_RETURN_IF_ERROR(get_project(p).status());
  if (n.kind == NetworkRecord::Kind::kTenant) {
    std::set<std::uint16_t> used(rules.reserved.begin(), rules.reserved.end());
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT vlan FROM networks"));
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      used.insert(static_cast<std::uint16_t>(st->column_int(0)));
    }
    n.vlan = 0;
    for (std::uint32_t v = rules.pool_first; v != 0 && v <= rules.pool_last; ++v) {
      if (!used.count(static_cast<std::uint16_t>(v))) {
        n.vlan = static_cast<std::uint16_t>(v);
        break;
      }
    }
    if (n.vlan == 0) {
      return failed_precondition(fmt::format("the tenant VLAN pool {}-{} is exhausted", rules.pool_first, rules.pool_last));
    }
  }
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO networks(name, project, vlan, kind, created_at_ms) VALUES (?,?,?,?,?)"));
  st->bind(1, n.name).bind(2, n.project).bind(3, std::int64_t{n.vlan});
  st->bind(4, n.kind == NetworkRecord::Kind::kExternal ? "external" : "tenant").bind(5, n.created_at_ms);
  if (Status s = st->run(); !s.ok()) {
    if (s.code() != StatusCode::kAlreadyExists) return s;
    BMF_ASSIGN_OR_RETURN(std::int64_t same_vlan, count("SELECT COUNT(*) FROM networks WHERE vlan = CAST(? AS INTEGER)",
                                                       std::to_string(n.vlan)));
    if (same_vlan > 0) return already_exists(fmt::format("VLAN {} already belongs to another network", n.vlan));
    return already_exists(n.project.empty() ? fmt::format("a site network named {} already exists", n.name)
                                            : fmt::format("project {} already has a network named {}", n.project, n.name));
  }
  n.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  for (const auto& p : n.shared_with) {
    BMF_ASSIGN_OR_RETURN(auto sh, conn_->prepare("INSERT OR IGNORE INTO network_shares(network_id, project) VALUES (?,?)"));
    BMF_RETURN_IF_ERROR(sh->bind(1, static_cast<std::int64_t>(n.id)).bind(2, p).run());
  }
  event.project = n.project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<NetworkRecord> SqliteStore::get_network(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM networks WHERE id = ?", kNetworkColumns)));
  st->bind(1, static_cast<std::int64_t>(id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("network {} does not exist", id));
  NetworkRecord n = read_network_row(*st);
  BMF_ASSIGN_OR_RETURN(n.shared_with, column_list("SELECT project FROM network_shares WHERE network_id = ? ORDER BY project",
                                                  static_cast<std::int64_t>(id)));
  return n;
}

Result<std::vector<NetworkRecord>> SqliteStore::list_networks() {
  std::vector<NetworkRecord> out;
  {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM networks ORDER BY id", kNetworkColumns)));
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      out.push_back(read_network_row(*st));
    }
  }
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT network_id, project FROM network_shares ORDER BY network_id, project"));
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    const auto id = static_cast<std::uint64_t>(st->column_int(0));
    auto it = std::find_if(out.begin(), out.end(), [&](const NetworkRecord& n) { return n.id == id; });
    if (it != out.end()) it->shared_with.push_back(st->column_text(1));
  }
  return out;
}

Status SqliteStore::delete_network(std::uint64_t id, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto n, get_network(id));
  BMF_ASSIGN_OR_RETURN(std::int64_t ports, count("SELECT COUNT(*) FROM attachments WHERE network_id = CAST(? AS INTEGER)",
                                                 std::to_string(id)));
  if (ports > 0) {
    return failed_precondition(fmt::format("network {} still has {} NIC(s) attached; detach them first", n.name, ports));
  }
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("DELETE FROM networks WHERE id = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, static_cast<std::int64_t>(id)).run());
  event.project = n.project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<std::vector<AttachmentRecord>> SqliteStore::list_attachments() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT node_id, nic, network_id, tagged, project FROM attachments "
                                                "ORDER BY node_id, nic, network_id"));
  std::vector<AttachmentRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(AttachmentRecord{.node_id = static_cast<std::uint64_t>(st->column_int(0)),
                                   .nic = st->column_text(1),
                                   .network_id = static_cast<std::uint64_t>(st->column_int(2)),
                                   .tagged = st->column_int(3) != 0,
                                   .project = st->column_text(4)});
  }
  return out;
}

Status SqliteStore::set_nic_port(const NicPortRecord& p, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_RETURN_IF_ERROR(get_node(p.node_id).status());
  if (p.switch_name.empty()) {
    BMF_ASSIGN_OR_RETURN(auto del, conn_->prepare("DELETE FROM nic_port_overrides WHERE node_id = ? AND nic = ?"));
    BMF_RETURN_IF_ERROR(del->bind(1, static_cast<std::int64_t>(p.node_id)).bind(2, p.nic).run());
  } else {
    BMF_RETURN_IF_ERROR(get_switch(p.switch_name).status());
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT OR REPLACE INTO nic_port_overrides(node_id, nic, switch, port) VALUES (?,?,?,?)"));
    BMF_RETURN_IF_ERROR(st->bind(1, static_cast<std::int64_t>(p.node_id)).bind(2, p.nic).bind(3, p.switch_name).bind(4, p.port).run());
  }
  event.node_id = p.node_id;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<std::vector<NicPortRecord>> SqliteStore::list_nic_ports() {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT node_id, nic, switch, port FROM nic_port_overrides ORDER BY node_id, nic"));
  std::vector<NicPortRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(NicPortRecord{.node_id = static_cast<std::uint64_t>(st->column_int(0)),
                                .nic = st->column_text(1),
                                .switch_name = st->column_text(2),
                                .port = st->column_text(3)});
  }
  return out;
}

Status SqliteStore::create_operation(OperationRecord& op) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO operations(kind, project, target, state, stage, message, detail, "
                                                "actor, created_at_ms, updated_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?)"));
  st->bind(1, op.kind).bind(2, op.project).bind(3, op.target).bind(4, op.state).bind(5, op.stage).bind(6, op.message);
  st->bind(7, op.detail).bind(8, op.actor).bind(9, op.created_at_ms).bind(10, op.updated_at_ms);
  BMF_RETURN_IF_ERROR(st->run());
  op.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  return ok_status();
}

Status SqliteStore::write_operation(const OperationRecord& op) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE operations SET state = ?, stage = ?, message = ?, detail = ?, "
                                                "updated_at_ms = ? WHERE id = ?"));
  st->bind(1, op.state).bind(2, op.stage).bind(3, op.message).bind(4, op.detail).bind(5, op.updated_at_ms);
  BMF_RETURN_IF_ERROR(st->bind(6, static_cast<std::int64_t>(op.id)).run());
  if (conn_->changes() == 0) return not_found(fmt::format("operation {} does not exist", op.id));
  return ok_status();
}

Status SqliteStore::update_operation(const OperationRecord& op) { return write_operation(op); }

Result<OperationRecord> SqliteStore::get_operation(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM operations WHERE id = ?", kOperationColumns)));
  st->bind(1, static_cast<std::int64_t>(id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("operation {} does not exist", id));
  return read_operation_row(*st);
}

Status SqliteStore::commit_network_change(const NetworkChange& change, const OperationRecord& op, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  for (const auto& [node, nic] : change.nics) {
    BMF_ASSIGN_OR_RETURN(auto del, conn_->prepare("DELETE FROM attachments WHERE node_id = ? AND nic = ?"));
    BMF_RETURN_IF_ERROR(del->bind(1, static_cast<std::int64_t>(node)).bind(2, nic).run());
  }
  for (const auto& a : change.attachments) {
    BMF_ASSIGN_OR_RETURN(auto ins, conn_->prepare("INSERT INTO attachments(node_id, nic, network_id, tagged, project) VALUES (?,?,?,?,?)"));
    ins->bind(1, static_cast<std::int64_t>(a.node_id)).bind(2, a.nic).bind(3, static_cast<std::int64_t>(a.network_id));
    BMF_RETURN_IF_ERROR(ins->bind(4, std::int64_t{a.tagged}).bind(5, a.project).run());
  }
  for (const auto& p : change.ports) BMF_RETURN_IF_ERROR(write_switch_port(p));
  BMF_RETURN_IF_ERROR(write_operation(op));
  event.project = op.project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

}  // namespace bmf::coordinator
