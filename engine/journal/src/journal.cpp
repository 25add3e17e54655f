// The journal on SQLite: schema and open-time checks, group-commit appends through
// cached statements, and the checkpoint policy that keeps the WAL bounded. Why each
// pragma is what it is: docs/journal.md.
#include "edgeroute/journal/journal.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "edgeroute/journal/sqlite_support.h"

namespace edgeroute::journal {
namespace {

using sqlite::bind_bytes;
using sqlite::bind_text;
using sqlite::column_bytes;
using sqlite::column_bytes_aligned;
using sqlite::column_text;
using sqlite::Connection;
using sqlite::errno_status;
using sqlite::ResetOnExit;
using sqlite::sqlite_status;
using sqlite::Statement;

// The page size of a new journal. A decision entry is ~1.5 KB and a table row never spans
// pages while it fits in one, so 4 KB pages held two and left a quarter of every page
// empty; 8 KB pages hold five, and the entries take 13% less of the file, the WAL and the
// checkpoints' copies (docs/journal.md). An existing journal keeps its page size.
constexpr int kPageSizeBytes = 8192;
// The journal holds orders: readable by the service's group, no one else (SQLite gives
// the -wal and -shm files the database file's mode).
constexpr mode_t kJournalFileMode = 0640;
// Another process's write lock (an operator's tool) or a reader running WAL recovery
// is brief; waiting this long for it beats failing the append.
constexpr int kLockWaitMs = 1000;
// How long an escalated checkpoint waits for readers to leave the WAL. It runs on the
// writer thread, between commits: short, and rarely (see the checkpoint policy).
constexpr int kEscalatedCheckpointWaitMs = 100;
// The WAL may reach this many times wal_checkpoint_pages before a checkpoint that
// waits for readers is tried.
constexpr std::uint64_t kEscalationFactor = 4;
// WAL frame = 24-byte frame header + one page; the file starts with a 32-byte header.
constexpr std::uint64_t kWalFrameHeaderBytes = 24;
constexpr std::uint64_t kWalHeaderBytes = 32;

// The whole schema of format version 1 (docs/journal.md describes each column).
// STRICT tables: a value of the wrong type is refused on insert rather than stored.
constexpr const char* kCreateSchemaSql = R"sql(
CREATE TABLE journal_info (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  gateway_id TEXT NOT NULL CHECK (length(gateway_id) > 0),
  acknowledged_sequence INTEGER NOT NULL CHECK (acknowledged_sequence >= 0)
) STRICT;
CREATE TABLE entries (
  sequence INTEGER PRIMARY KEY CHECK (sequence > 0),
  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 255),
  recorded_at_us INTEGER NOT NULL,
  order_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  payload BLOB NOT NULL
) STRICT;
CREATE TABLE documents (
  name TEXT PRIMARY KEY NOT NULL,
  as_of_sequence INTEGER NOT NULL CHECK (as_of_sequence >= 0),
  bytes BLOB NOT NULL
) STRICT;
)sql";

constexpr const char* kInsertEntrySql =
    "INSERT INTO entries (sequence, kind, recorded_at_us, order_id, correlation_id, payload) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kSelectEntriesSql =
    "SELECT sequence, kind, recorded_at_us, order_id, correlation_id, payload "
    "FROM entries WHERE sequence >= ?1 ORDER BY sequence";
constexpr const char* kSelectEntrySql =
    "SELECT sequence, kind, recorded_at_us, order_id, correlation_id, payload "
    "FROM entries WHERE sequence = ?1";
constexpr const char* kSelectNewestEntrySql =
    "SELECT sequence, kind, length(payload) FROM entries ORDER BY sequence DESC LIMIT 1";
constexpr const char* kSelectOldestSequenceSql =
    "SELECT sequence FROM entries ORDER BY sequence LIMIT 1";
constexpr const char* kSelectInfoSql =
    "SELECT gateway_id, acknowledged_sequence FROM journal_info WHERE singleton = 1";
constexpr const char* kUpdateAcknowledgedSql =
    "UPDATE journal_info SET acknowledged_sequence = ?1 WHERE singleton = 1";
constexpr const char* kUpsertDocumentSql =
    "INSERT INTO documents (name, as_of_sequence, bytes) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO UPDATE SET as_of_sequence = excluded.as_of_sequence, "
    "bytes = excluded.bytes";
constexpr const char* kSelectDocumentSql =
    "SELECT bytes, as_of_sequence FROM documents WHERE name = ?1";
// Reads no column of the row: its bytes (overflow pages, for a large document) stay unread.
constexpr const char* kDocumentExistsSql = "SELECT 1 FROM documents WHERE name = ?1";

// Sequences are unsigned in the API and INTEGER (signed 64-bit) on disk; they never
// come near 2^63, and a bound larger than that reads as "beyond everything".
std::int64_t to_stored_sequence(std::uint64_t sequence) {
  constexpr auto kLargest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(sequence < kLargest ? sequence : kLargest);
}

std::string hex32(std::int64_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08llX",
                static_cast<unsigned long long>(static_cast<std::uint32_t>(value)));
  return text;
}

std::uint64_t file_size_or_zero(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return static_cast<std::uint64_t>(status.st_size);
}

// A new journal, complete at `path` or absent (sqlite::create_database).
Status create_journal(const JournalOptions& options) {
  return sqlite::create_database(options.path, kJournalFileMode, [&](Connection& connection) {
    const std::string& building = connection.path();
    const std::string page_size_sql = "PRAGMA page_size = " + std::to_string(kPageSizeBytes);
    if (Status set = connection.execute(page_size_sql.c_str(), "set the page size"); !set.is_ok()) {
      return set;
    }
    Result<std::string> mode = connection.query_text("PRAGMA journal_mode = WAL");
    if (!mode) return mode.status();
    if (*mode != "wal") {
      return Status(StatusCode::failed_precondition,
                    building + ": SQLite refused WAL mode (journal_mode is '" + *mode + "')");
    }
    if (Status set = connection.execute("PRAGMA synchronous = FULL", "set synchronous");
        !set.is_ok()) {
      return set;
    }
    std::string create = "BEGIN IMMEDIATE;";
    create += "PRAGMA application_id = " + std::to_string(Journal::kApplicationId) + ";";
    create += "PRAGMA user_version = " + std::to_string(Journal::kFormatVersion) + ";";
    create += kCreateSchemaSql;
    create += "COMMIT;";
    if (Status created = connection.execute(create.c_str(), "create the schema");
        !created.is_ok()) {
      return created;
    }
    Result<Statement> insert_info =
        Statement::prepare(connection,
                           "INSERT INTO journal_info (singleton, gateway_id, "
                           "acknowledged_sequence) VALUES (1, ?1, 0)");
    if (!insert_info) return insert_info.status();
    bind_text(insert_info->get(), 1, options.gateway_id);
    if (const int inserted = sqlite3_step(insert_info->get()); inserted != SQLITE_DONE) {
      return sqlite_status(connection.get(), inserted, building, "record the gateway id");
    }
    return Status::ok();
  });
}

Status check_options(const JournalOptions& options) {
  if (options.path.empty() || options.path.front() != '/') {
    return Status(StatusCode::invalid_argument,
                  "journal path '" + options.path + "' is not absolute");
  }
  // A writer names the gateway it keeps the journal for; a reader may take any.
  if (options.gateway_id.empty() && !options.read_only) {
    return Status(StatusCode::invalid_argument, options.path + ": the gateway id is empty");
  }
  if (options.wal_checkpoint_pages == 0) {
    return Status(StatusCode::invalid_argument,
                  options.path + ": wal_checkpoint_pages must be at least 1");
  }
  return Status::ok();
}

}  // namespace

std::string_view to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::decision: return "decision";
    case EntryKind::release: return "release";
    case EntryKind::inventory_adjustment: return "inventory_adjustment";
    case EntryKind::fulfillment_event: return "fulfillment_event";
    case EntryKind::policy_change: return "policy_change";
    case EntryKind::network_change: return "network_change";
    case EntryKind::reroute: return "reroute";
    case EntryKind::escrow_change: return "escrow_change";
  }
  return "unknown";
}

struct Journal::State {
  Connection connection;
  std::string path;
  std::string wal_path;
  std::string gateway_id;  // as stored in journal_info
  bool read_only = false;

  // Cached statements: no SQL text is compiled after open().
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement insert_entry;
  Statement select_entries;
  Statement select_entry;
  Statement select_info;
  Statement update_acknowledged;
  Statement upsert_document;
  Statement select_document;
  Statement document_exists;

  std::uint64_t last_sequence = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t page_size = kPageSizeBytes;

  // Checkpoint policy (docs/journal.md).
  std::uint64_t checkpoint_pages = 0;
  std::uint64_t escalation_pages = 0;
  std::uint64_t next_escalation_pages = 0;
  std::uint64_t wal_pages = 0;  // written by the WAL hook after each commit

  std::uint64_t checkpoints = 0;
  std::uint64_t escalated_checkpoints = 0;
  std::uint64_t checkpoints_blocked = 0;
  std::uint64_t appended_batches = 0;
  std::uint64_t appended_entries = 0;

  bool reading = false;
  // Set when a write failed so that the file's state is no longer known to match ours.
  Status unusable;

  sqlite3* db() const { return connection.get(); }

  Status step_control(const Statement& statement, std::string_view operation) {
    ResetOnExit reset(statement);
    const int stepped = sqlite3_step(statement.get());
    if (stepped != SQLITE_DONE) return sqlite_status(db(), stepped, path, operation);
    return Status::ok();
  }

  // After a failed write: roll back what is left of the transaction, and decide
  // whether the journal can go on. A full disk (and anything refused before the
  // commit reached the WAL) leaves the file as it was. An I/O error during the commit
  // may have left a complete commit frame in the WAL that this connection does not
  // count: only a reopen (WAL recovery) knows, so further writes are refused.
  Status after_failed_write(Status failed, bool during_commit) {
    if (sqlite3_get_autocommit(db()) == 0) {
      if (Status rolled_back = step_control(rollback, "roll back"); !rolled_back.is_ok()) {
        unusable = rolled_back.with_context("unusable after a failed rollback");
        return failed;
      }
    }
    const bool state_unknown =
        failed.code() == StatusCode::io_error || failed.code() == StatusCode::corruption;
    if (during_commit && state_unknown) {
      unusable =
          Status(StatusCode::failed_precondition,
                 "unusable after a failed commit, reopen the journal (" + failed.to_string() + ")");
    }
    return failed;
  }

  Status check_writable(std::string_view operation) const {
    if (read_only) {
      return Status(StatusCode::failed_precondition,
                    path + ": " + std::string(operation) + " on a journal opened read-only");
    }
    if (Status free = check_not_reading(operation); !free.is_ok()) return free;
    return unusable;
  }

  // Marks a read under way for its scope (check_not_reading).
  class Reading {
   public:
    explicit Reading(State& state) : reading_(state.reading) { reading_ = true; }
    Reading(const Reading&) = delete;
    Reading& operator=(const Reading&) = delete;
    ~Reading() { reading_ = false; }

   private:
    bool& reading_;
  };

  // The connection's statements are in use by a read() under way: its visitor may not
  // call back into the journal.
  Status check_not_reading(std::string_view operation) const {
    if (!reading) return Status::ok();
    return Status(StatusCode::failed_precondition,
                  path + ": " + std::string(operation) + " called from inside read()");
  }

  // A single-statement write in its own (durable) transaction.
  Status run_write(const Statement& statement, std::string_view operation) {
    ResetOnExit reset(statement);
    const int stepped = sqlite3_step(statement.get());
    if (stepped != SQLITE_DONE) {
      return after_failed_write(sqlite_status(db(), stepped, path, operation), true);
    }
    after_commit();
    return Status::ok();
  }

  // The checkpoint policy, run after every commit (docs/journal.md):
  //   - below wal_checkpoint_pages frames: nothing;
  //   - at or above it: a PASSIVE checkpoint (copies what no reader still needs, never
  //     waits); once it has caught up, the next commit starts the WAL over from its
  //     beginning and journal_size_limit trims the file;
  //   - if the WAL still reaches kEscalationFactor times that, readers keep it from
  //     starting over: a TRUNCATE checkpoint waits up to kEscalatedCheckpointWaitMs for
  //     them and empties the file. If a reader still holds it, the next attempt waits
  //     until the WAL has doubled, so a long reader costs a few waits, not one per commit.
  void after_commit() {
    if (wal_pages < checkpoint_pages) return;
    int log_frames = 0;
    int checkpointed_frames = 0;
    ++checkpoints;
    if (sqlite3_wal_checkpoint_v2(db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                  &checkpointed_frames) == SQLITE_OK &&
        log_frames >= 0) {
      wal_pages = static_cast<std::uint64_t>(log_frames);
    }
    if (wal_pages < next_escalation_pages) return;
    ++escalated_checkpoints;
    sqlite3_busy_timeout(db(), kEscalatedCheckpointWaitMs);
    const int truncated = sqlite3_wal_checkpoint_v2(db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                                    &log_frames, &checkpointed_frames);
    sqlite3_busy_timeout(db(), kLockWaitMs);
    if (truncated == SQLITE_OK) {
      wal_pages = 0;
      next_escalation_pages = escalation_pages;
    } else {
      ++checkpoints_blocked;
      next_escalation_pages = wal_pages * 2;
    }
  }

  static int on_wal_commit(void* state, sqlite3*, const char*, int frames) {
    static_cast<State*>(state)->wal_pages = frames > 0 ? static_cast<std::uint64_t>(frames) : 0;
    return SQLITE_OK;
  }

  // The entry in the current row of select_entries or select_entry, whose sequence the
  // caller has checked. A payload the row holds misaligned is copied to `aligned_payload`.
  Status entry_from_row(sqlite3_stmt* select, std::uint64_t sequence,
                        std::vector<std::uint64_t>& aligned_payload, StoredEntry& entry) const {
    const std::int64_t kind = sqlite3_column_int64(select, 1);
    if (!is_known_entry_kind(kind)) {
      return Status(StatusCode::corruption, path + ": entry " + std::to_string(sequence) +
                                                " has unknown kind " + std::to_string(kind));
    }
    entry.sequence = sequence;
    entry.kind = static_cast<EntryKind>(kind);
    entry.recorded_at_us = sqlite3_column_int64(select, 2);
    entry.order_id = column_text(select, 3);
    entry.correlation_id = column_text(select, 4);
    entry.payload = column_bytes_aligned(select, 5, aligned_payload);
    return Status::ok();
  }

  Status configure(const JournalOptions& options);
  Status prepare_statements();
  Status check_contents(const JournalOptions& options);
};

Status Journal::State::configure(const JournalOptions& options) {
  // The first read of the file: a file that is not SQLite fails here (SQLITE_NOTADB).
  Result<std::int64_t> application_id = connection.query_integer("PRAGMA application_id");
  if (!application_id) return application_id.status();
  if (*application_id != Journal::kApplicationId) {
    return Status(StatusCode::failed_precondition,
                  path + ": a SQLite database but not an edgeroute journal (application_id " +
                      hex32(*application_id) + ", a journal has " + hex32(Journal::kApplicationId) +
                      ")");
  }
  Result<std::int64_t> version = connection.query_integer("PRAGMA user_version");
  if (!version) return version.status();
  if (*version != Journal::kFormatVersion) {
    const bool newer = *version > Journal::kFormatVersion;
    return Status(StatusCode::failed_precondition,
                  path + ": journal format version " + std::to_string(*version) + " is " +
                      (newer ? "newer" : "older") + " than this build reads (" +
                      std::to_string(Journal::kFormatVersion) + ")");
  }
  // A journal file is data, never code: no schema-defined functions or views run.
  if (Status set = connection.execute("PRAGMA trusted_schema = OFF", "set trusted_schema");
      !set.is_ok()) {
    return set;
  }
  sqlite3_busy_timeout(db(), kLockWaitMs);
  Result<std::int64_t> page_size_now = connection.query_integer("PRAGMA page_size");
  if (!page_size_now) return page_size_now.status();
  page_size = static_cast<std::uint64_t>(*page_size_now);
  // A reader leaves the file's settings and the WAL to the writer that owns them.
  if (read_only) return Status::ok();

  // FULL: a returned append is durable.
  if (Status wal = sqlite::use_wal_with_full_sync(connection); !wal.is_ok()) return wal;

  // The automatic checkpoint is replaced by after_commit(); the WAL hook tells it how
  // many frames the WAL holds after each commit.
  if (Status set = connection.execute("PRAGMA wal_autocheckpoint = 0", "disable autocheckpoint");
      !set.is_ok()) {
    return set;
  }
  sqlite3_wal_hook(db(), &State::on_wal_commit, this);
  checkpoint_pages = options.wal_checkpoint_pages;
  escalation_pages = checkpoint_pages * kEscalationFactor;
  next_escalation_pages = escalation_pages;
  // When the WAL starts over, SQLite trims the file to this size: twice the threshold
  // keeps the usual cycle (fill to the threshold, checkpoint, start over) free of
  // truncate-and-regrow.
  const std::uint64_t size_limit =
      kWalHeaderBytes + 2 * checkpoint_pages * (page_size + kWalFrameHeaderBytes);
  const std::string size_limit_sql = "PRAGMA journal_size_limit = " + std::to_string(size_limit);
  Result<std::int64_t> size_limit_now = connection.query_integer(size_limit_sql.c_str());
  if (!size_limit_now) return size_limit_now.status();

  if (options.max_page_count > 0) {
    const std::string limit_sql =
        "PRAGMA max_page_count = " + std::to_string(options.max_page_count);
    Result<std::int64_t> limit = connection.query_integer(limit_sql.c_str());
    if (!limit) return limit.status();
  }
  return Status::ok();
}

Status Journal::State::prepare_statements() {
  struct Wanted {
    Statement* statement;
    const char* sql;
  };
  const Wanted wanted[] = {
      {&begin, "BEGIN IMMEDIATE"},
      {&commit, "COMMIT"},
      {&rollback, "ROLLBACK"},
      {&insert_entry, kInsertEntrySql},
      {&select_entries, kSelectEntriesSql},
      {&select_entry, kSelectEntrySql},
      {&select_info, kSelectInfoSql},
      {&update_acknowledged, kUpdateAcknowledgedSql},
      {&upsert_document, kUpsertDocumentSql},
      {&select_document, kSelectDocumentSql},
      {&document_exists, kDocumentExistsSql},
  };
  for (const Wanted& each : wanted) {
    Result<Statement> prepared = Statement::prepare(connection, each.sql);
    if (!prepared) {
      // SQLITE_ERROR at prepare: the tables a journal of this format has are missing
      // or different.
      if (prepared.status().code() != StatusCode::internal) return prepared.status();
      return Status(StatusCode::corruption,
                    prepared.status().message() + " (the schema is not that of journal format " +
                        "version " + std::to_string(Journal::kFormatVersion) + ")");
    }
    *each.statement = std::move(*prepared);
  }
  return Status::ok();
}

Status Journal::State::check_contents(const JournalOptions& options) {
  {
    ResetOnExit reset(select_info);
    const int stepped = sqlite3_step(select_info.get());
    if (stepped == SQLITE_DONE) {
      return Status(StatusCode::corruption, path + ": journal_info holds no row");
    }
    if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path, "read journal_info");
    gateway_id = std::string(column_text(select_info.get(), 0));
    // A reader that names no gateway takes the journal of whichever it is.
    const bool any_gateway = read_only && options.gateway_id.empty();
    if (!any_gateway && gateway_id != options.gateway_id) {
      return Status(StatusCode::failed_precondition, path + ": the journal of gateway '" +
                                                         gateway_id + "', not of '" +
                                                         options.gateway_id + "'");
    }
    const std::int64_t acknowledged_stored = sqlite3_column_int64(select_info.get(), 1);
    acknowledged = static_cast<std::uint64_t>(acknowledged_stored < 0 ? 0 : acknowledged_stored);
  }
  // Both ends of the entries table: its rightmost and leftmost pages are read in full,
  // which also finds a file cut short (the newest pages are the last ones).
  Result<Statement> newest = Statement::prepare(connection, kSelectNewestEntrySql);
  if (!newest) return newest.status();
  const int newest_stepped = sqlite3_step(newest->get());
  if (newest_stepped == SQLITE_ROW) {
    const std::int64_t sequence = sqlite3_column_int64(newest->get(), 0);
    if (sequence <= 0 || !is_known_entry_kind(sqlite3_column_int64(newest->get(), 1))) {
      return Status(StatusCode::corruption, path + ": the newest entry is malformed");
    }
    last_sequence = static_cast<std::uint64_t>(sequence);
  } else if (newest_stepped != SQLITE_DONE) {
    return sqlite_status(db(), newest_stepped, path, "read the newest entry");
  }
  *newest = Statement();
  if (last_sequence > 0) {
    Result<std::int64_t> oldest = connection.query_integer(kSelectOldestSequenceSql);
    if (!oldest) return oldest.status();
    if (*oldest != 1) {
      return Status(StatusCode::corruption,
                    path + ": the oldest entry is " + std::to_string(*oldest) + ", not 1");
    }
  }
  if (acknowledged > last_sequence) {
    return Status(StatusCode::corruption,
                  path + ": acknowledged sequence " + std::to_string(acknowledged) +
                      " is beyond the newest entry " + std::to_string(last_sequence));
  }
  if (options.check == OpenCheck::quick_check) {
    Result<std::string> verdict = connection.query_text("PRAGMA quick_check");
    if (!verdict) return verdict.status();
    if (*verdict != "ok") {
      return Status(StatusCode::corruption, path + ": quick_check: " + *verdict);
    }
  }
  return Status::ok();
}

Result<std::unique_ptr<Journal>> Journal::open(const JournalOptions& options) {
  if (Status valid = check_options(options); !valid.is_ok()) return valid;
  const std::string wal_path = options.path + "-wal";

  struct stat file {};
  if (::stat(options.path.c_str(), &file) == 0) {
    if (!S_ISREG(file.st_mode)) {
      return Status(StatusCode::failed_precondition, options.path + ": not a regular file");
    }
    // SQLite would take an empty file for an empty database and build in it. A journal
    // is never empty (it is created whole, under another name), so this file is
    // something else, or a truncated journal.
    if (file.st_size == 0) {
      return Status(StatusCode::corruption,
                    options.path +
                        ": the file is empty, not a journal (a journal is never "
                        "empty: it is created complete)");
    }
  } else if (errno == ENOENT && options.read_only) {
    return Status(StatusCode::not_found,
                  options.path + ": no such journal (a read-only open creates none)");
  } else if (errno == ENOENT) {
    // A WAL without its database would be replayed into the new one.
    if (::access(wal_path.c_str(), F_OK) == 0) {
      return Status(StatusCode::failed_precondition,
                    options.path + ": the database is missing but " + wal_path +
                        " exists; move the WAL away or restore the database");
    }
    if (Status created = create_journal(options); !created.is_ok()) return created;
  } else {
    return errno_status(options.path, "stat");
  }

  auto state = std::make_unique<State>();
  state->path = options.path;
  state->wal_path = wal_path;
  state->read_only = options.read_only;
  Result<Connection> connection = Connection::open(
      options.path,
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX);
  if (!connection) return connection.status();
  state->connection = std::move(*connection);
  if (Status configured = state->configure(options); !configured.is_ok()) return configured;
  if (Status prepared = state->prepare_statements(); !prepared.is_ok()) return prepared;
  if (Status checked = state->check_contents(options); !checked.is_ok()) return checked;
  if (state->read_only) return std::unique_ptr<Journal>(new Journal(std::move(state)));
  // A WAL left by a crash is copied into the database now rather than at the first
  // commit, so the first appends do not pay for it.
  int log_frames = 0;
  int checkpointed_frames = 0;
  if (sqlite3_wal_checkpoint_v2(state->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                &checkpointed_frames) == SQLITE_OK &&
      log_frames > 0) {
    state->wal_pages = static_cast<std::uint64_t>(log_frames);
  }
  return std::unique_ptr<Journal>(new Journal(std::move(state)));
}

Journal::Journal(std::unique_ptr<State> state) : state_(std::move(state)) {}

Journal::~Journal() {
  // Statements first: a connection with live statements does not close (it would
  // linger as a zombie until they are finalised).
  if (state_ == nullptr) return;
  sqlite3_wal_hook(state_->db(), nullptr, nullptr);
  for (Statement* statement :
       {&state_->begin, &state_->commit, &state_->rollback, &state_->insert_entry,
        &state_->select_entries, &state_->select_entry, &state_->select_info,
        &state_->update_acknowledged, &state_->upsert_document, &state_->select_document,
        &state_->document_exists}) {
    *statement = Statement();
  }
  (void)state_->connection.close();
}

Result<SequenceRange> Journal::append(std::span<const EntryToAppend> batch) {
  State& state = *state_;
  if (Status writable = state.check_writable("append"); !writable.is_ok()) return writable;
  if (batch.empty()) return SequenceRange{state.last_sequence + 1, state.last_sequence};
  for (const EntryToAppend& entry : batch) {
    if (!is_known_entry_kind(static_cast<std::uint8_t>(entry.kind))) {
      return Status(StatusCode::invalid_argument,
                    state.path + ": append: entry kind " +
                        std::to_string(static_cast<unsigned>(entry.kind)) + " is not an EntryKind");
    }
  }
  if (Status begun = state.step_control(state.begin, "begin an append"); !begun.is_ok()) {
    return begun;
  }
  sqlite3_stmt* insert = state.insert_entry.get();
  std::uint64_t sequence = state.last_sequence;
  {
    ResetOnExit reset(state.insert_entry);
    for (const EntryToAppend& entry : batch) {
      ++sequence;
      sqlite3_bind_int64(insert, 1, to_stored_sequence(sequence));
      sqlite3_bind_int(insert, 2, static_cast<int>(entry.kind));
      sqlite3_bind_int64(insert, 3, entry.recorded_at_us);
      bind_text(insert, 4, entry.order_id);
      bind_text(insert, 5, entry.correlation_id);
      bind_bytes(insert, 6, entry.payload);
      const int stepped = sqlite3_step(insert);
      if (stepped != SQLITE_DONE) {
        Status failed = sqlite_status(state.db(), stepped, state.path,
                                      "append entry " + std::to_string(sequence));
        sqlite3_reset(insert);
        return state.after_failed_write(std::move(failed), false);
      }
      sqlite3_reset(insert);
    }
  }
  if (Status committed = state.step_control(state.commit, "commit an append"); !committed.is_ok()) {
    return state.after_failed_write(std::move(committed), true);
  }
  const SequenceRange range{state.last_sequence + 1, sequence};
  state.last_sequence = sequence;
  ++state.appended_batches;
  state.appended_entries += batch.size();
  state.after_commit();
  return range;
}

Status Journal::read(std::uint64_t from,
                     const std::function<Status(const StoredEntry&)>& visit) const {
  State& state = *state_;
  if (Status free = state.check_not_reading("read()"); !free.is_ok()) return free;
  const State::Reading reading(state);

  sqlite3_stmt* select = state.select_entries.get();
  ResetOnExit reset(state.select_entries);
  sqlite3_bind_int64(select, 1, to_stored_sequence(from));
  std::uint64_t expected = from == 0 ? 1 : from;
  StoredEntry entry;
  // Payloads are FlatBuffers read in place: column_bytes_aligned() copies a misaligned one here.
  std::vector<std::uint64_t> aligned_payload;
  for (;;) {
    const int stepped = sqlite3_step(select);
    if (stepped == SQLITE_DONE) break;
    if (stepped != SQLITE_ROW) {
      return sqlite_status(state.db(), stepped, state.path,
                           "read entries from " + std::to_string(expected));
    }
    const std::int64_t sequence = sqlite3_column_int64(select, 0);
    if (sequence < 0 || static_cast<std::uint64_t>(sequence) != expected) {
      return Status(StatusCode::corruption, state.path + ": entry " + std::to_string(expected) +
                                                " is missing (the next one stored is " +
                                                std::to_string(sequence) + ")");
    }
    if (Status decoded = state.entry_from_row(select, expected, aligned_payload, entry);
        !decoded.is_ok()) {
      return decoded;
    }
    if (Status visited = visit(entry); !visited.is_ok()) return visited;
    ++expected;
  }
  // A reader learns of the writer's appends by reading them.
  if (state.read_only && entry.sequence > state.last_sequence) state.last_sequence = entry.sequence;
  if (expected <= state.last_sequence) {
    return Status(StatusCode::corruption, state.path + ": entries " + std::to_string(expected) +
                                              " to " + std::to_string(state.last_sequence) +
                                              " are missing");
  }
  return Status::ok();
}

Status Journal::read_entry(std::uint64_t sequence,
                           const std::function<Status(const StoredEntry&)>& visit) const {
  State& state = *state_;
  if (Status free = state.check_not_reading("read_entry()"); !free.is_ok()) return free;
  const State::Reading reading(state);

  sqlite3_stmt* select = state.select_entry.get();
  // Reset on the way out ends the read transaction: an idle reader holds no snapshot
  // that would keep a checkpoint from finishing.
  ResetOnExit reset(state.select_entry);
  sqlite3_bind_int64(select, 1, to_stored_sequence(sequence));
  const int stepped = sqlite3_step(select);
  if (stepped == SQLITE_DONE) {
    return Status(StatusCode::not_found, state.path + ": no entry " + std::to_string(sequence));
  }
  if (stepped != SQLITE_ROW) {
    return sqlite_status(state.db(), stepped, state.path, "read entry " + std::to_string(sequence));
  }
  std::vector<std::uint64_t> aligned_payload;
  StoredEntry entry;
  if (Status decoded = state.entry_from_row(select, sequence, aligned_payload, entry);
      !decoded.is_ok()) {
    return decoded;
  }
  return visit(entry);
}

std::uint64_t Journal::last_sequence() const {
  return state_->last_sequence;
}

Result<std::uint64_t> Journal::refresh_last_sequence() {
  State& state = *state_;
  if (!state.read_only) return state.last_sequence;
  if (Status free = state.check_not_reading("refresh_last_sequence()"); !free.is_ok()) {
    return free;
  }
  Result<std::int64_t> newest =
      state.connection.query_integer("SELECT coalesce(max(sequence), 0) FROM entries");
  if (!newest) return newest.status();
  if (*newest < 0 || static_cast<std::uint64_t>(*newest) < state.last_sequence) {
    return Status(StatusCode::corruption, state.path + ": the newest entry went from " +
                                              std::to_string(state.last_sequence) + " to " +
                                              std::to_string(*newest));
  }
  state.last_sequence = static_cast<std::uint64_t>(*newest);
  return state.last_sequence;
}

Status Journal::put_document(std::string_view name, std::span<const std::uint8_t> bytes,
                             std::uint64_t as_of_sequence) {
  State& state = *state_;
  if (Status writable = state.check_writable("put_document"); !writable.is_ok()) return writable;
  if (as_of_sequence > state.last_sequence) {
    return Status(StatusCode::out_of_range,
                  state.path + ": document '" + std::string(name) + "' as of sequence " +
                      std::to_string(as_of_sequence) + ", beyond the newest entry " +
                      std::to_string(state.last_sequence));
  }
  sqlite3_stmt* upsert = state.upsert_document.get();
  bind_text(upsert, 1, name);
  sqlite3_bind_int64(upsert, 2, to_stored_sequence(as_of_sequence));
  bind_bytes(upsert, 3, bytes);
  return state.run_write(state.upsert_document, "put document '" + std::string(name) + "'");
}

Result<std::optional<Document>> Journal::document(std::string_view name) const {
  State& state = *state_;
  if (Status free = state.check_not_reading("document()"); !free.is_ok()) return free;
  sqlite3_stmt* select = state.select_document.get();
  ResetOnExit reset(state.select_document);
  bind_text(select, 1, name);
  const int stepped = sqlite3_step(select);
  if (stepped == SQLITE_DONE) return std::optional<Document>();
  if (stepped != SQLITE_ROW) {
    return sqlite_status(state.db(), stepped, state.path,
                         "read document '" + std::string(name) + "'");
  }
  const std::span<const std::uint8_t> bytes = column_bytes(select, 0);
  const std::int64_t as_of = sqlite3_column_int64(select, 1);
  return std::optional<Document>(Document{std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
                                          static_cast<std::uint64_t>(as_of < 0 ? 0 : as_of)});
}

Result<bool> Journal::has_document(std::string_view name) const {
  State& state = *state_;
  if (Status free = state.check_not_reading("has_document()"); !free.is_ok()) return free;
  sqlite3_stmt* select = state.document_exists.get();
  ResetOnExit reset(state.document_exists);
  bind_text(select, 1, name);
  const int stepped = sqlite3_step(select);
  if (stepped == SQLITE_ROW) return true;
  if (stepped == SQLITE_DONE) return false;
  return sqlite_status(state.db(), stepped, state.path,
                       "look for document '" + std::string(name) + "'");
}

Status Journal::set_acknowledged(std::uint64_t sequence) {
  State& state = *state_;
  if (Status writable = state.check_writable("set_acknowledged"); !writable.is_ok()) {
    return writable;
  }
  if (sequence < state.acknowledged) {
    return Status(StatusCode::failed_precondition,
                  state.path + ": acknowledged sequence cannot go back from " +
                      std::to_string(state.acknowledged) + " to " + std::to_string(sequence));
  }
  if (sequence > state.last_sequence) {
    return Status(StatusCode::out_of_range,
                  state.path + ": acknowledged sequence " + std::to_string(sequence) +
                      " is beyond the newest entry " + std::to_string(state.last_sequence));
  }
  if (sequence == state.acknowledged) return Status::ok();
  sqlite3_bind_int64(state.update_acknowledged.get(), 1, to_stored_sequence(sequence));
  if (Status written = state.run_write(state.update_acknowledged, "set acknowledged sequence");
      !written.is_ok()) {
    return written;
  }
  state.acknowledged = sequence;
  return Status::ok();
}

std::uint64_t Journal::acknowledged() const {
  return state_->acknowledged;
}

JournalStats Journal::stats() const {
  const State& state = *state_;
  JournalStats stats;
  stats.last_sequence = state.last_sequence;
  stats.acknowledged_sequence = state.acknowledged;
  stats.wal_pages = state.wal_pages;
  stats.wal_file_bytes = file_size_or_zero(state.wal_path);
  stats.page_size = state.page_size;
  stats.checkpoints = state.checkpoints;
  stats.escalated_checkpoints = state.escalated_checkpoints;
  stats.checkpoints_blocked = state.checkpoints_blocked;
  stats.appended_batches = state.appended_batches;
  stats.appended_entries = state.appended_entries;
  return stats;
}

const std::string& Journal::path() const {
  return state_->path;
}

const std::string& Journal::gateway_id() const {
  return state_->gateway_id;
}

bool Journal::read_only() const {
  return state_->read_only;
}

}  // namespace edgeroute::journal
