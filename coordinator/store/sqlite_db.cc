#include "coordinator/store/sqlite_db.h"

#include <fmt/core.h>

namespace bmf::coordinator::sqlite {

Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return unavailable(fmt::format("cannot open database {}: {}", file.string(), msg));
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, 5000);
  // WAL: readers never block the writer; synchronous=NORMAL is durable across
  // process crashes and loses at most the last commits on power loss.
  BMF_RETURN_IF_ERROR(conn->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  // A site's database is tens of MB: keep it in the page cache (64 MiB) and map it (256 MiB)
  // rather than pread every page (a 10k registration storm spent 15% of its time in pread).
  BMF_RETURN_IF_ERROR(conn->exec("PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"));
  return conn;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the close
  sqlite3_close(db_);
}

Status Connection::error(std::string_view what) const {
  return internal_error(fmt::format("{}: {}", what, sqlite3_errmsg(db_)));
}

Status Connection::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return internal_error(fmt::format("sqlite: {}", msg));
  }
  return ok_status();
}

StatementRef::~StatementRef() {
  if (s_) s_->release();
}

Result<StatementRef> Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    it->second->reset();
    return StatementRef(it->second.get());
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    return error(fmt::format("prepare '{}'", key));
  }
  auto* raw = new Statement(db_, stmt);
  cache_.emplace(std::move(key), std::unique_ptr<Statement>(raw));
  return StatementRef(raw);
}

Result<int> Connection::schema_version() {
  BMF_RETURN_IF_ERROR(exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  BMF_ASSIGN_OR_RETURN(auto st, prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  BMF_ASSIGN_OR_RETURN(bool row, st->step());
  return row ? static_cast<int>(st->column_int(0)) : 0;
}

Status Connection::migrate(const std::vector<Migration>& migrations) {
  BMF_ASSIGN_OR_RETURN(int current, schema_version());
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return failed_precondition(fmt::format(
        "database schema version {} is newer than this build supports ({}); upgrade bmf-coordinator", current,
        newest));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Transaction tx(*this);
    BMF_RETURN_IF_ERROR(tx.begin_status());
    Status applied = exec(m.sql);
    if (!applied.ok()) {
      return internal_error(fmt::format("migration {} ({}) failed: {}", m.version, m.name, applied.message()));
    }
    BMF_ASSIGN_OR_RETURN(auto st, prepare("INSERT INTO schema_version(version) VALUES (?)"));
    BMF_RETURN_IF_ERROR(st->bind(1, std::int64_t{m.version}).run());
    BMF_RETURN_IF_ERROR(tx.commit());
  }
  return ok_status();
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = internal_error(fmt::format("sqlite step: {}", sqlite3_errmsg(db_)));
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) s = unavailable(s.message());
  if (rc == SQLITE_CONSTRAINT) s = Status(StatusCode::kAlreadyExists, s.message());
  sqlite3_reset(stmt_);
  return s;
}

Status Statement::run() {
  BMF_ASSIGN_OR_RETURN(bool row, step());
  (void)row;
  sqlite3_reset(stmt_);
  return ok_status();
}

std::string Statement::column_text(int index) const {
  const unsigned char* t = sqlite3_column_text(stmt_, index);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, index)) : std::string();
}

void Statement::release() { sqlite3_reset(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// Inside an open transaction (a batch) a Transaction is a savepoint: all or nothing within the
// batch, on disk with it.
Transaction::Transaction(Connection& conn)
    : conn_(conn), nested_(conn.in_transaction()), begin_(conn.exec(nested_ ? "SAVEPOINT bmf_tx" : "BEGIN IMMEDIATE")) {
  done_ = !begin_.ok();
}

Transaction::~Transaction() {
  if (done_) return;
  if (nested_) {
    (void)conn_.exec("ROLLBACK TO bmf_tx");
    (void)conn_.exec("RELEASE bmf_tx");
  } else {
    (void)conn_.exec("ROLLBACK");
  }
}

Status Transaction::commit() {
  done_ = true;
  Status s = conn_.exec(nested_ ? "RELEASE bmf_tx" : "COMMIT");
  if (!s.ok()) {
    if (nested_) {
      (void)conn_.exec("ROLLBACK TO bmf_tx");
      (void)conn_.exec("RELEASE bmf_tx");
    } else {
      (void)conn_.exec("ROLLBACK");
    }
  }
  return s;
}

}  // namespace bmf::coordinator::sqlite
