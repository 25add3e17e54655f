// The few pieces of the SQLite C API that edgeroute's databases (the gateway's journal,
// central's store) wrap: ownership of a connection and of prepared statements, and the
// translation of a result code into a Status that names the database file, the operation
// and what SQLite (and the operating system) said.
#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::journal::sqlite {

// "<path>: <operation>: <SQLite's message>[ (<strerror of the OS error>)]", with the
// code a caller branches on: SQLITE_FULL is no_space, SQLITE_CORRUPT and SQLITE_NOTADB
// are corruption, SQLITE_CANTOPEN follows the OS error (not_found, permission_denied,
// ...), SQLITE_IOERR is io_error (no_space when the OS said ENOSPC), SQLITE_BUSY and
// SQLITE_LOCKED are unavailable, SQLITE_CONSTRAINT is failed_precondition.
// `db` may be null (the message then comes from the code alone).
Status sqlite_status(sqlite3* db, int result_code, const std::string& path,
                     std::string_view operation);

// Owns a connection; closing it is the last thing the destructor does.
class Statement;

class Connection {
 public:
  Connection() = default;
  // Opens `path` with `flags` (SQLITE_OPEN_*), extended result codes on.
  static Result<Connection> open(const std::string& path, int flags);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs SQL text that returns no rows (schema creation, one-off pragmas).
  Status execute(const char* sql, std::string_view operation) const;
  // The single integer a pragma query returns ("PRAGMA user_version").
  Result<std::int64_t> query_integer(const char* sql) const;
  // The single text a pragma query returns ("PRAGMA journal_mode=WAL").
  Result<std::string> query_text(const char* sql) const;
  // Closes now, reporting a failure (the destructor cannot).
  Status close();

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<Statement> first_row(const char* sql) const;

  sqlite3* db_ = nullptr;
  std::string path_;
};

// Owns a prepared statement (prepared once, kept for the connection's lifetime).
class Statement {
 public:
  Statement() = default;
  static Result<Statement> prepare(const Connection& connection, const char* sql);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  sqlite3_stmt* get() const { return statement_; }

 private:
  explicit Statement(sqlite3_stmt* statement) : statement_(statement) {}

  sqlite3_stmt* statement_ = nullptr;
};

// Resets a cached statement and drops its bindings when the scope ends, however it
// ends: a statement left mid-scan would keep its read transaction (and so the WAL)
// pinned, and bindings would point into the caller's freed buffers.
class ResetOnExit {
 public:
  explicit ResetOnExit(const Statement& statement) : statement_(statement.get()) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

// Creates the database `path` (absolute) so that `path` only ever names a complete one:
// built under "<path>.creating" (what a crash left there is removed first), created with
// `mode` by us rather than by SQLite (so a failure carries the errno of the creation
// itself; SQLite retries read-only and reports that), filled by `build` on the only
// connection, closed (which checkpoints the WAL into the file, fsyncing it, and removes
// the WAL), renamed into place, and the directory synced so that the rename is durable.
Status create_database(const std::string& path, mode_t mode,
                       const std::function<Status(Connection&)>& build);

// WAL mode with synchronous=FULL, set and read back: the WAL is fsynced at every
// commit, which is what makes a returned commit durable, and a build of SQLite with
// other defaults must not weaken that quietly (failed_precondition when WAL is refused,
// internal when FULL does not hold).
Status use_wal_with_full_sync(const Connection& connection);

// "<path>: <operation>: <strerror(errno)>", with the code errno calls for.
Status errno_status(const std::string& path, std::string_view operation);

// Binding and reading values. sqlite3_bind_blob and sqlite3_bind_text bind NULL for a
// null pointer, whatever the length, and an empty span or string_view may well carry one;
// NOT NULL columns need an empty value instead, which these bind. They bind without
// copying (SQLITE_STATIC): the bytes must outlive the statement's step (ResetOnExit).
int bind_text(sqlite3_stmt* statement, int index, std::string_view text);
int bind_bytes(sqlite3_stmt* statement, int index, std::span<const std::uint8_t> bytes);
// A column's text or bytes as SQLite holds them, valid until the statement steps again.
std::string_view column_text(sqlite3_stmt* statement, int column);
std::span<const std::uint8_t> column_bytes(sqlite3_stmt* statement, int column);
// A blob column's bytes at an 8-byte boundary, as FlatBuffers read in place want them:
// SQLite promises no alignment, so a misaligned blob is copied into `storage` (reused
// from row to row). Valid until the statement steps again or `storage` changes.
std::span<const std::uint8_t> column_bytes_aligned(sqlite3_stmt* statement, int column,
                                                   std::vector<std::uint64_t>& storage);

}  // namespace edgeroute::journal::sqlite
