#include "edgeroute/journal/sqlite_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace edgeroute::journal::sqlite {
namespace {

// The code of a failure SQLite attributes to the operating system: the same mapping
// as every other module's errno (base/status.h), so a full disk reads the same whether
// it came from SQLite or from hal.
StatusCode code_from_errno(int error_number, StatusCode otherwise) {
  if (error_number == 0) return otherwise;
  return status_from_errno(error_number, "").code();
}

}  // namespace

Status sqlite_status(sqlite3* db, int result_code, const std::string& path,
                     std::string_view operation) {
  const int system_errno = db != nullptr ? sqlite3_system_errno(db) : 0;
  StatusCode code = StatusCode::internal;
  switch (result_code & 0xff) {
    case SQLITE_FULL: code = StatusCode::no_space; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: code = StatusCode::corruption; break;
    case SQLITE_CANTOPEN: code = code_from_errno(system_errno, StatusCode::io_error); break;
    case SQLITE_IOERR:
      code = system_errno == ENOSPC ? StatusCode::no_space : StatusCode::io_error;
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: code = StatusCode::permission_denied; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = StatusCode::unavailable; break;
    case SQLITE_CONSTRAINT: code = StatusCode::failed_precondition; break;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE: code = StatusCode::invalid_argument; break;
    default: break;
  }
  std::string message = path;
  message += ": ";
  message += operation;
  message += ": ";
  // sqlite3_errmsg describes the connection's most recent failure, which is this one
  // as long as nothing else ran in between (callers build the Status at once).
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result_code);
  // The OS error is the connection's most recent one: it belongs to this failure only
  // when SQLite says the failure came from the OS.
  const int primary = result_code & 0xff;
  if (system_errno != 0 && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR ||
                            (primary == SQLITE_FULL && system_errno == ENOSPC))) {
    message += " (";
    message += std::strerror(system_errno);
    message += ")";
  }
  return {code, std::move(message)};
}

Result<Connection> Connection::open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  // sqlite3_open_v2 hands back a connection even when it fails, to carry the message.
  Connection connection(db, path);
  if (opened != SQLITE_OK) return sqlite_status(db, opened, path, "open");
  sqlite3_extended_result_codes(db, 1);
  return connection;
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Connection::~Connection() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Connection::close() {
  if (db_ == nullptr) return Status::ok();
  const int closed = sqlite3_close(db_);
  if (closed != SQLITE_OK) {
    Status failed = sqlite_status(db_, closed, path_, "close");
    sqlite3_close_v2(std::exchange(db_, nullptr));
    return failed;
  }
  db_ = nullptr;
  return Status::ok();
}

Status Connection::execute(const char* sql, std::string_view operation) const {
  const int executed = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (executed != SQLITE_OK) return sqlite_status(db_, executed, path_, operation);
  return Status::ok();
}

// Prepares `sql` and steps it to its first row, which a pragma query must return.
Result<Statement> Connection::first_row(const char* sql) const {
  Result<Statement> statement = Statement::prepare(*this, sql);
  if (!statement) return statement.status();
  const int stepped = sqlite3_step(statement->get());
  if (stepped == SQLITE_ROW) return statement;
  if (stepped == SQLITE_DONE) {
    return Status(StatusCode::internal, path_ + ": " + sql + ": returned no row");
  }
  return sqlite_status(db_, stepped, path_, sql);
}

Result<std::int64_t> Connection::query_integer(const char* sql) const {
  Result<Statement> row = first_row(sql);
  if (!row) return row.status();
  return std::int64_t{sqlite3_column_int64(row->get(), 0)};
}

Result<std::string> Connection::query_text(const char* sql) const {
  Result<Statement> row = first_row(sql);
  if (!row) return row.status();
  const unsigned char* text = sqlite3_column_text(row->get(), 0);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(row->get(), 0)));
}

Result<Statement> Statement::prepare(const Connection& connection, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  const int prepared =
      sqlite3_prepare_v3(connection.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (prepared != SQLITE_OK) {
    sqlite3_finalize(statement);
    return sqlite_status(connection.get(), prepared, connection.path(),
                         std::string("prepare \"") + sql + "\"");
  }
  return Statement(statement);
}

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = std::exchange(other.statement_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

namespace {

// Where empty values point, so that NOT NULL columns get an empty value, not NULL.
constexpr std::uint8_t kEmptyBytes[1] = {0};

}  // namespace

int bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
  const char* data = text.empty() ? reinterpret_cast<const char*>(kEmptyBytes) : text.data();
  return sqlite3_bind_text64(statement, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

int bind_bytes(sqlite3_stmt* statement, int index, std::span<const std::uint8_t> bytes) {
  const void* data = bytes.empty() ? kEmptyBytes : bytes.data();
  return sqlite3_bind_blob64(statement, index, data, bytes.size(), SQLITE_STATIC);
}

std::string_view column_text(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), size};
}

std::span<const std::uint8_t> column_bytes(sqlite3_stmt* statement, int column) {
  const void* bytes = sqlite3_column_blob(statement, column);
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
  if (bytes == nullptr) return {};
  return {static_cast<const std::uint8_t*>(bytes), size};
}

std::span<const std::uint8_t> column_bytes_aligned(sqlite3_stmt* statement, int column,
                                                   std::vector<std::uint64_t>& storage) {
  const std::span<const std::uint8_t> bytes = column_bytes(statement, column);
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(std::uint64_t) == 0) return bytes;
  storage.resize((bytes.size() + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t));
  std::memcpy(storage.data(), bytes.data(), bytes.size());
  return {reinterpret_cast<const std::uint8_t*>(storage.data()), bytes.size()};
}

Status use_wal_with_full_sync(const Connection& connection) {
  Result<std::string> mode = connection.query_text("PRAGMA journal_mode = WAL");
  if (!mode) return mode.status();
  if (*mode != "wal") {
    return Status(
        StatusCode::failed_precondition,
        connection.path() + ": SQLite refused WAL mode (journal_mode is '" + *mode + "')");
  }
  if (Status set = connection.execute("PRAGMA synchronous = FULL", "set synchronous");
      !set.is_ok()) {
    return set;
  }
  Result<std::int64_t> synchronous = connection.query_integer("PRAGMA synchronous");
  if (!synchronous) return synchronous.status();
  if (*synchronous != 2) {
    return Status(StatusCode::internal, connection.path() + ": PRAGMA synchronous reads " +
                                            std::to_string(*synchronous) +
                                            " after setting FULL (2)");
  }
  return Status::ok();
}

Status errno_status(const std::string& path, std::string_view operation) {
  std::string what = path;
  what += ": ";
  what += operation;
  return status_from_errno(errno, what);
}

namespace {

Status remove_if_present(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::ok();
  return errno_status(path, "remove");
}

// Makes the directory's entries (here: a file renamed into it) durable.
Status sync_directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::string directory = slash == 0 ? std::string("/") : path.substr(0, slash);
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(directory, "open directory");
  const int synced = ::fsync(fd);
  const int sync_errno = errno;
  ::close(fd);
  if (synced != 0) return status_from_errno(sync_errno, directory + ": fsync directory");
  return Status::ok();
}

}  // namespace

Status create_database(const std::string& path, mode_t mode,
                       const std::function<Status(Connection&)>& build) {
  const std::string building = path + ".creating";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (Status removed = remove_if_present(building + suffix); !removed.is_ok()) return removed;
  }
  const int created_fd = ::open(building.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (created_fd < 0) return errno_status(path, "create " + building);
  ::close(created_fd);
  Result<Connection> connection =
      Connection::open(building, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (!connection) return connection.status();
  if (Status built = build(*connection); !built.is_ok()) return built;
  if (Status closed = connection->close(); !closed.is_ok()) return closed;
  if (::rename(building.c_str(), path.c_str()) != 0) {
    return errno_status(path, "rename " + building + " into place");
  }
  return sync_directory_of(path);
}

}  // namespace edgeroute::journal::sqlite
