#pragma once
// Thin RAII layer over the SQLite C API: a connection, prepared statements it
// caches, a transaction that rolls back unless committed, and the migration
// runner. Errors come back as Status with SQLite's message.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status/status.h"

namespace bmf::coordinator::sqlite {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

class Statement;

// A cached statement borrowed for one use: given back (sqlite3_reset) when this goes out of
// scope, so a statement read to its first row only does not keep its read snapshot open. (An
// open snapshot pins the WAL: checkpoints cannot pass it, the WAL grows with every commit and
// each page lookup scans it; a 10k-agent registration storm spent most of its time there.)
class StatementRef {
 public:
  explicit StatementRef(Statement* s) : s_(s) {}
  StatementRef(StatementRef&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  StatementRef& operator=(StatementRef&&) = delete;
  StatementRef(const StatementRef&) = delete;
  ~StatementRef();
  Statement* operator->() const { return s_; }
  Statement& operator*() const { return *s_; }

 private:
  Statement* s_;
};

class Connection {
 public:
  // Opens (creating) the file, sets WAL, foreign keys and a busy timeout.
  static Result<std::unique_ptr<Connection>> open(const std::filesystem::path& file);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status exec(std::string_view sql);
  // A cached prepared statement, reset and with bindings cleared; reset again when the returned
  // reference goes out of scope.
  Result<StatementRef> prepare(std::string_view sql);
  Status error(std::string_view what) const;
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Applies every migration newer than the stored version, each in its own
  // transaction; refuses a database whose version is newer than this build knows.
  Status migrate(const std::vector<Migration>& migrations);
  Result<int> schema_version();

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  // SQLITE_ROW -> true, SQLITE_DONE -> false, else an error.
  Result<bool> step();
  Status run();  // step() to completion, expecting no rows
  std::string column_text(int index) const;
  std::int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  void reset();
  void release();  // sqlite3_reset only: ends its read (bindings kept; the next prepare clears them)

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK in the destructor unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Connection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Status& begin_status() const { return begin_; }
  Status commit();

 private:
  Connection& conn_;
  bool nested_;
  Status begin_;
  bool done_ = false;
};

}  // namespace bmf::coordinator::sqlite
