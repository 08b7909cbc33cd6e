// SqliteStore: users, projects, memberships, tokens (migration 0005).
#include <fmt/core.h>

#include "coordinator/store/sqlite_store.h"

namespace bmf::coordinator {
namespace {

constexpr std::string_view kUserColumns = "id, name, role, password_hash, created_at_ms";
constexpr std::string_view kProjectColumns = "id, name, quota_nodes, quota_networks, created_at_ms";
constexpr std::string_view kTokenColumns = "id, user_id, sha256, kind, description, created_at_ms, expires_at_ms, revoked_at_ms";

Result<UserRecord> read_user_row(sqlite::Statement& st) {
  UserRecord u{.id = static_cast<std::uint64_t>(st.column_int(0)), .name = st.column_text(1)};
  auto role = user_role_from_string(st.column_text(2));
  if (!role) return data_loss(fmt::format("user {} has unknown role '{}' in the database", u.name, st.column_text(2)));
  u.role = *role;
  u.password_hash = st.column_text(3);
  u.created_at_ms = st.column_int(4);
  return u;
}

ProjectRecord read_project_row(sqlite::Statement& st) {
  return ProjectRecord{.id = static_cast<std::uint64_t>(st.column_int(0)),
                       .name = st.column_text(1),
                       .quota_nodes = st.column_int(2),
                       .quota_networks = st.column_int(3),
                       .created_at_ms = st.column_int(4)};
}

TokenRecord read_token_row(sqlite::Statement& st) {
  return TokenRecord{.id = static_cast<std::uint64_t>(st.column_int(0)),
                     .user_id = static_cast<std::uint64_t>(st.column_int(1)),
                     .sha256 = st.column_text(2),
                     .kind = st.column_text(3) == "session" ? TokenKind::kSession : TokenKind::kApi,
                     .description = st.column_text(4),
                     .created_at_ms = st.column_int(5),
                     .expires_at_ms = st.column_int(6),
                     .revoked_at_ms = st.column_int(7)};
}

}  // namespace

Result<std::int64_t> SqliteStore::count(std::string_view sql, const std::string& arg) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(sql));
  st->bind(1, arg);
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  return row ? st->column_int(0) : 0;
}

Result<std::vector<std::string>> SqliteStore::column_list(std::string_view sql, std::int64_t arg) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(sql));
  st->bind(1, arg);
  std::vector<std::string> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(st->column_text(0));
  }
  return out;
}

Status SqliteStore::create_user(UserRecord& user, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO users(name, role, password_hash, created_at_ms) VALUES (?,?,?,?)"));
  st->bind(1, user.name).bind(2, to_string(user.role)).bind(3, user.password_hash).bind(4, user.created_at_ms);
  if (Status s = st->run(); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) return already_exists(fmt::format("user {} already exists", user.name));
    return s;
  }
  user.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<UserRecord> SqliteStore::get_user(const std::string& name) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM users WHERE name = ?", kUserColumns)));
  st->bind(1, name);
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("user {} does not exist", name));
  BMF_ASSIGN_OR_RETURN(UserRecord u, read_user_row(*st));
  BMF_ASSIGN_OR_RETURN(u.projects, column_list("SELECT p.name FROM memberships m JOIN projects p ON p.id = m.project_id "
                                               "WHERE m.user_id = ? ORDER BY p.name",
                                               static_cast<std::int64_t>(u.id)));
  return u;
}

Result<UserRecord> SqliteStore::get_user_by_id(std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT name FROM users WHERE id = ?"));
  st->bind(1, static_cast<std::int64_t>(id));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("user {} does not exist", id));
  return get_user(st->column_text(0));
}

Result<std::vector<UserRecord>> SqliteStore::list_users() {
  std::vector<std::string> names;
  {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT name FROM users ORDER BY name"));
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      names.push_back(st->column_text(0));
    }
  }
  std::vector<UserRecord> out;
  for (const auto& n : names) {
    BMF_ASSIGN_OR_RETURN(auto u, get_user(n));
    out.push_back(std::move(u));
  }
  return out;
}

Status SqliteStore::delete_user(const std::string& name, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("DELETE FROM users WHERE name = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, name).run());
  if (conn_->changes() == 0) return not_found(fmt::format("user {} does not exist", name));
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  ++access_revision_;
  return ok_status();
}

Status SqliteStore::set_user_password(const std::string& name, const std::string& password_hash, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE users SET password_hash = ? WHERE name = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, password_hash).bind(2, name).run());
  if (conn_->changes() == 0) return not_found(fmt::format("user {} does not exist", name));
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  ++access_revision_;
  return ok_status();
}

Status SqliteStore::create_project(ProjectRecord& project, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO projects(name, quota_nodes, quota_networks, created_at_ms) VALUES (?,?,?,?)"));
  st->bind(1, project.name).bind(2, project.quota_nodes).bind(3, project.quota_networks).bind(4, project.created_at_ms);
  if (Status s = st->run(); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) return already_exists(fmt::format("project {} already exists", project.name));
    return s;
  }
  project.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  event.project = project.name;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<ProjectRecord> SqliteStore::get_project(const std::string& name) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM projects WHERE name = ?", kProjectColumns)));
  st->bind(1, name);
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found(fmt::format("project {} does not exist", name));
  ProjectRecord p = read_project_row(*st);
  BMF_ASSIGN_OR_RETURN(p.members, column_list("SELECT u.name FROM memberships m JOIN users u ON u.id = m.user_id "
                                              "WHERE m.project_id = ? ORDER BY u.name",
                                              static_cast<std::int64_t>(p.id)));
  BMF_ASSIGN_OR_RETURN(p.nodes_in_use, count("SELECT COUNT(*) FROM leases WHERE project = ? AND ended_at_ms = 0", p.name));
  BMF_ASSIGN_OR_RETURN(p.networks_in_use, count("SELECT COUNT(*) FROM networks WHERE project = ?", p.name));
  BMF_ASSIGN_OR_RETURN(auto q, conn_->prepare(
                                    "SELECT q.class, q.max_nodes, (SELECT COUNT(*) FROM leases l JOIN allocations a ON a.id = l.allocation_id "
                                    "WHERE l.ended_at_ms = 0 AND l.project = q.project AND a.class = q.class) "
                                    "FROM project_class_quotas q WHERE q.project = ? ORDER BY q.class"));
  q->bind(1, p.name);
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, q->step());
    if (!row) break;
    p.class_quotas[q->column_text(0)] = ProjectRecord::ClassQuota{q->column_int(1), q->column_int(2)};
  }
  return p;
}

Status SqliteStore::set_class_quota(const std::string& project, const std::string& hardware_class, std::int64_t max_nodes,
                                    EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_RETURN_IF_ERROR(get_project(project).status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(max_nodes < 0 ? "DELETE FROM project_class_quotas WHERE project = ? AND class = ?"
                                                              : "INSERT OR REPLACE INTO project_class_quotas(project, class, max_nodes) "
                                                                "VALUES (?,?,?)"));
  st->bind(1, project).bind(2, hardware_class);
  if (max_nodes >= 0) st->bind(3, max_nodes);
  BMF_RETURN_IF_ERROR(st->run());
  event.project = project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<std::vector<ProjectRecord>> SqliteStore::list_projects() {
  std::vector<std::string> names;
  {
    BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT name FROM projects ORDER BY name"));
    for (;;) {
      BMF_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      names.push_back(st->column_text(0));
    }
  }
  std::vector<ProjectRecord> out;
  for (const auto& n : names) {
    BMF_ASSIGN_OR_RETURN(auto p, get_project(n));
    out.push_back(std::move(p));
  }
  return out;
}

Status SqliteStore::delete_project(const std::string& name, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto p, get_project(name));
  if (p.nodes_in_use > 0 || p.networks_in_use > 0) {
    return failed_precondition(fmt::format("project {} still holds {} node(s) and {} network(s); release them first", name,
                                           p.nodes_in_use, p.networks_in_use));
  }
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("DELETE FROM projects WHERE id = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, static_cast<std::int64_t>(p.id)).run());
  BMF_ASSIGN_OR_RETURN(auto shares, conn_->prepare("DELETE FROM network_shares WHERE project = ?"));
  BMF_RETURN_IF_ERROR(shares->bind(1, name).run());
  event.project = name;
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  ++access_revision_;
  return ok_status();
}

Status SqliteStore::set_project_quota(const std::string& name, std::int64_t nodes, std::int64_t networks, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE projects SET quota_nodes = ?, quota_networks = ? WHERE name = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, nodes).bind(2, networks).bind(3, name).run());
  if (conn_->changes() == 0) return not_found(fmt::format("project {} does not exist", name));
  event.project = name;
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Status SqliteStore::add_member(const std::string& user, const std::string& project, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto u, get_user(user));
  BMF_ASSIGN_OR_RETURN(auto p, get_project(project));
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO memberships(user_id, project_id) VALUES (?,?)"));
  if (Status s = st->bind(1, static_cast<std::int64_t>(u.id)).bind(2, static_cast<std::int64_t>(p.id)).run(); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) return already_exists(fmt::format("{} is already a member of {}", user, project));
    return s;
  }
  event.project = project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  ++access_revision_;  // cached logins learn of the new project too
  return ok_status();
}

Status SqliteStore::remove_member(const std::string& user, const std::string& project, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto u, get_user(user));
  BMF_ASSIGN_OR_RETURN(auto p, get_project(project));
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("DELETE FROM memberships WHERE user_id = ? AND project_id = ?"));
  BMF_RETURN_IF_ERROR(st->bind(1, static_cast<std::int64_t>(u.id)).bind(2, static_cast<std::int64_t>(p.id)).run());
  if (conn_->changes() == 0) return not_found(fmt::format("{} is not a member of {}", user, project));
  event.project = project;
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  ++access_revision_;
  return ok_status();
}

Status SqliteStore::create_token(TokenRecord& token, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO tokens(user_id, sha256, kind, description, created_at_ms, "
                                                "expires_at_ms, revoked_at_ms) VALUES (?,?,?,?,?,?,0)"));
  st->bind(1, static_cast<std::int64_t>(token.user_id)).bind(2, token.sha256);
  st->bind(3, token.kind == TokenKind::kSession ? "session" : "api").bind(4, token.description);
  st->bind(5, token.created_at_ms).bind(6, token.expires_at_ms);
  BMF_RETURN_IF_ERROR(st->run());
  token.id = static_cast<std::uint64_t>(conn_->last_insert_rowid());
  BMF_RETURN_IF_ERROR(insert_event(event));
  return tx.commit();
}

Result<TokenRecord> SqliteStore::find_token(const std::string& sha256) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM tokens WHERE sha256 = ?", kTokenColumns)));
  st->bind(1, sha256);
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return not_found("no such token");
  return read_token_row(*st);
}

Result<std::vector<TokenRecord>> SqliteStore::list_tokens(std::uint64_t user_id) {
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare(fmt::format("SELECT {} FROM tokens WHERE user_id = ? ORDER BY id", kTokenColumns)));
  st->bind(1, static_cast<std::int64_t>(user_id));
  std::vector<TokenRecord> out;
  for (;;) {
    BMF_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out.push_back(read_token_row(*st));
  }
  return out;
}

Status SqliteStore::revoke_token(std::uint64_t id, EpochMs at, EventRecord event) {
  sqlite::Transaction tx(*conn_);
  BMF_RETURN_IF_ERROR(tx.begin_status());
  BMF_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE tokens SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms = 0"));
  BMF_RETURN_IF_ERROR(st->bind(1, at).bind(2, static_cast<std::int64_t>(id)).run());
  if (conn_->changes() == 0) return not_found(fmt::format("token {} does not exist or is already revoked", id));
  BMF_RETURN_IF_ERROR(insert_event(event));
  BMF_RETURN_IF_ERROR(tx.commit());
  ++access_revision_;
  return ok_status();
}

}  // namespace bmf::coordinator
