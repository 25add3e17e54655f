// Central's store on one SQLite database: the schema and open-time checks (in the manner
// of the gateway's journal, engine/journal/src/journal.cpp), and apply_journal_batch(),
// which reads the gateway's mark, inserts what lies above it and moves the mark inside
// one BEGIN IMMEDIATE transaction: that is the whole exactly-once argument
// (docs/sync.md).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/base/identifier.h"
#include "edgeroute/journal/sqlite_support.h"
#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/central_store.h"

namespace edgeroute::sync {
namespace {

using journal::EntryKind;
using journal::StoredEntry;
using journal::sqlite::bind_bytes;
using journal::sqlite::bind_text;
using journal::sqlite::column_bytes_aligned;
using journal::sqlite::column_text;
using journal::sqlite::Connection;
using journal::sqlite::errno_status;
using journal::sqlite::ResetOnExit;
using journal::sqlite::sqlite_status;
using journal::sqlite::Statement;

constexpr std::uint32_t kApplicationId = 0x45524353;  // "ERCS"
constexpr std::int64_t kFormatVersion = 1;
// Central writes long runs of kilobyte rows: 16 KiB pages write a WAL frame per four of
// 4 KiB's, which took a million-entry apply from 94 k to 228 k rows/s (docs/performance.md).
constexpr int kPageSizeBytes = 16384;
// Every gateway's orders: readable by the service's group, no one else.
constexpr mode_t kStoreFileMode = 0640;
// An operator's tool holding the write lock briefly should delay a batch, not fail it.
constexpr int kLockWaitMs = 1000;
// Sequences are INTEGER (signed 64-bit) on disk.
constexpr auto kLargestSequence =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Format version 1. journal_entries keeps its rowid: payloads run to kilobytes, and a
// WITHOUT ROWID table stores whole rows in its index pages, which suits small rows only.
constexpr const char* kCreateSchemaSql = R"sql(
CREATE TABLE gateways (
  id TEXT PRIMARY KEY NOT NULL,
  certificate_sha256 TEXT NOT NULL,
  acknowledged INTEGER NOT NULL CHECK (acknowledged >= 0),
  newest_entry_recorded_at_us INTEGER NOT NULL,
  registered_at_us INTEGER NOT NULL,
  last_contact_us INTEGER NOT NULL,
  reported_newest_sequence INTEGER NOT NULL CHECK (reported_newest_sequence >= 0),
  clock_skew_us INTEGER NOT NULL
) STRICT;
CREATE TABLE journal_entries (
  gateway_id TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence > 0),
  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 255),
  recorded_at_us INTEGER NOT NULL,
  order_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  received_at_us INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, sequence)
) STRICT;
CREATE TABLE inventory_deltas (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  node_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  units INTEGER NOT NULL CHECK (units != 0),
  reason TEXT NOT NULL,
  correlation_id TEXT NOT NULL UNIQUE,
  created_at_us INTEGER NOT NULL,
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2),
  applied_at_sequence INTEGER NOT NULL,
  refusal TEXT NOT NULL,
  settled_at_us INTEGER NOT NULL
) STRICT;
)sql";

constexpr const char* kGatewayColumns =
    "id, certificate_sha256, acknowledged, newest_entry_recorded_at_us, registered_at_us, "
    "last_contact_us, reported_newest_sequence, clock_skew_us";
// Rotation replaces the certificate only: the mark and the journal stay, and so does
// the time the gateway was first registered.
constexpr const char* kUpsertGatewaySql =
    "INSERT INTO gateways VALUES (?1, ?2, 0, 0, ?3, 0, 0, 0) "
    "ON CONFLICT (id) DO UPDATE SET certificate_sha256 = excluded.certificate_sha256";
constexpr const char* kUpdateContactSql =
    "UPDATE gateways SET last_contact_us = ?2, reported_newest_sequence = ?3, clock_skew_us = ?4 "
    "WHERE id = ?1";
constexpr const char* kUpdateMarkSql =
    "UPDATE gateways SET acknowledged = ?2, newest_entry_recorded_at_us = ?3, "
    "last_contact_us = ?4 WHERE id = ?1";
constexpr const char* kInsertEntrySql =
    "INSERT INTO journal_entries (gateway_id, sequence, kind, recorded_at_us, order_id, "
    "correlation_id, payload, received_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
// One statement, so one read snapshot: the gateway's row (none: not registered) and its
// entries from ?2 on (a single row of NULLs: none held).
constexpr const char* kSelectEntriesSql =
    "SELECT e.sequence, e.kind, e.recorded_at_us, e.order_id, e.correlation_id, e.payload "
    "FROM gateways AS g LEFT JOIN journal_entries AS e "
    "ON e.gateway_id = g.id AND e.sequence >= ?2 WHERE g.id = ?1 ORDER BY e.sequence";

constexpr const char* kInsertDeltaSql =
    "INSERT INTO inventory_deltas (gateway_id, node_id, sku_id, units, reason, correlation_id, "
    "created_at_us, state, applied_at_sequence, refusal, settled_at_us) "
    "SELECT id, ?2, ?3, ?4, ?5, ?7, ?6, 0, 0, '', 0 FROM gateways WHERE id = ?1";
// ?1 gateway ('' for all), ?2 state (-1 for any).
constexpr const char* kSelectDeltasSql =
    "SELECT id, gateway_id, node_id, sku_id, units, reason, created_at_us, state, "
    "applied_at_sequence, refusal, settled_at_us, correlation_id FROM inventory_deltas "
    "WHERE (?1 = '' OR gateway_id = ?1) AND (?2 < 0 OR state = ?2) ORDER BY id";
constexpr const char* kSettleDeltaSql =
    "UPDATE inventory_deltas SET state = ?3, applied_at_sequence = ?4, refusal = ?5, "
    "settled_at_us = ?6 WHERE id = ?1 AND gateway_id = ?2 AND state = 0";
constexpr const char* kApplyDeltaSql =
    "UPDATE inventory_deltas SET state = 1, applied_at_sequence = ?3, settled_at_us = ?4 "
    "WHERE gateway_id = ?1 AND correlation_id = ?2 AND state = 0";
constexpr const char* kSelectDeltaStateSql =
    "SELECT state FROM inventory_deltas WHERE id = ?1 AND gateway_id = ?2";

std::uint64_t column_unsigned(sqlite3_stmt* statement, int column) {
  const std::int64_t value = sqlite3_column_int64(statement, column);
  return static_cast<std::uint64_t>(value < 0 ? 0 : value);
}

bool is_valid_fingerprint(std::string_view fingerprint) {
  if (fingerprint.size() != 64) return false;
  for (const char c : fingerprint) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A new store, complete at `path` or absent (journal::sqlite::create_database).
Status create_store(const std::string& path) {
  return journal::sqlite::create_database(path, kStoreFileMode, [](Connection& connection) {
    const std::string create = fmt::format(
        "PRAGMA page_size = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
        "BEGIN IMMEDIATE; PRAGMA application_id = {}; PRAGMA user_version = {}; {} COMMIT;",
        kPageSizeBytes, kApplicationId, kFormatVersion, kCreateSchemaSql);
    return connection.execute(create.c_str(), "create the store");
  });
}

class SqliteCentralStore final : public CentralStore {
 public:
  static Result<std::unique_ptr<CentralStore>> open(const std::string& path);

  Status register_gateway(std::string_view gateway_id, std::string_view certificate_sha256,
                          std::int64_t now_us) override {
    if (!is_identifier(gateway_id)) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: gateway id '{}' is not 1..64 lowercase letters, digits, "
                                "'-' and '_'",
                                path_, gateway_id));
    }
    if (!is_valid_fingerprint(certificate_sha256)) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: certificate fingerprint '{}' of gateway '{}' is not 64 "
                                "lowercase hex digits",
                                path_, certificate_sha256, gateway_id));
    }
    if (Status free = not_reading("register_gateway"); !free.is_ok()) return free;
    bind_text(upsert_gateway_.get(), 1, gateway_id);
    bind_text(upsert_gateway_.get(), 2, certificate_sha256);
    sqlite3_bind_int64(upsert_gateway_.get(), 3, now_us);
    return step_once(upsert_gateway_, fmt::format("register gateway '{}'", gateway_id));
  }

  Result<std::optional<GatewayRecord>> gateway(std::string_view gateway_id) const override {
    ResetOnExit reset(select_gateway_);
    bind_text(select_gateway_.get(), 1, gateway_id);
    const int stepped = sqlite3_step(select_gateway_.get());
    if (stepped == SQLITE_DONE) return std::optional<GatewayRecord>();
    if (stepped != SQLITE_ROW) {
      return sqlite_status(db(), stepped, path_, fmt::format("read gateway '{}'", gateway_id));
    }
    return std::optional<GatewayRecord>(record_from(select_gateway_.get()));
  }

  Result<std::vector<GatewayRecord>> gateways() const override {
    ResetOnExit reset(select_gateways_);
    std::vector<GatewayRecord> records;
    for (;;) {
      const int stepped = sqlite3_step(select_gateways_.get());
      if (stepped == SQLITE_DONE) return records;
      if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, "read the gateways");
      records.push_back(record_from(select_gateways_.get()));
    }
  }

  Status record_contact(std::string_view gateway_id, std::int64_t now_us,
                        std::uint64_t newest_sequence, std::int64_t clock_skew_us) override {
    if (Status free = not_reading("record_contact"); !free.is_ok()) return free;
    bind_text(update_contact_.get(), 1, gateway_id);
    sqlite3_bind_int64(update_contact_.get(), 2, now_us);
    sqlite3_bind_int64(update_contact_.get(), 3,
                       static_cast<std::int64_t>(std::min(newest_sequence, kLargestSequence)));
    sqlite3_bind_int64(update_contact_.get(), 4, clock_skew_us);
    const std::string operation = fmt::format("record contact of gateway '{}'", gateway_id);
    if (Status updated = step_once(update_contact_, operation); !updated.is_ok()) return updated;
    if (sqlite3_changes(db()) == 0) return unknown_gateway(gateway_id, operation);
    return Status::ok();
  }

  Result<AppliedBatch> apply_journal_batch(std::string_view gateway_id,
                                           std::span<const StoredEntry> entries,
                                           std::int64_t now_us) override {
    const std::string operation = fmt::format("apply a batch of gateway '{}'", gateway_id);
    if (Status valid = check_batch(entries, operation); !valid.is_ok()) return valid;
    if (Status free = not_reading("apply_journal_batch"); !free.is_ok()) return free;
    if (Status begun = step_once(begin_, operation + ": begin"); !begun.is_ok()) return begun;
    Result<AppliedBatch> applied = apply_in_transaction(gateway_id, entries, now_us, operation);
    if (applied) {
      Status committed = step_once(commit_, operation + ": commit");
      if (committed.is_ok()) return applied;
      applied = std::move(committed);
    }
    // SQLite may have rolled back already (after SQLITE_FULL, for one); a rollback that
    // fails as well leaves the connection in the transaction, which the next BEGIN reports.
    if (sqlite3_get_autocommit(db()) == 0) (void)step_once(rollback_, operation + ": roll back");
    return applied;
  }

  Result<std::uint64_t> add_inventory_delta(std::string_view gateway_id, std::string_view node_id,
                                            std::string_view sku_id, std::int32_t units,
                                            std::string_view reason, std::int64_t now_us) override {
    const std::string operation =
        fmt::format("add an inventory delta for gateway '{}'", gateway_id);
    if (units == 0 || units > kMaxDeltaUnits || units < -kMaxDeltaUnits || node_id.empty() ||
        sku_id.empty()) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: {}: a delta names a node and a SKU and changes 1..{} units "
                                "either way (node '{}', SKU '{}', {} units)",
                                path_, operation, kMaxDeltaUnits, node_id, sku_id, units));
    }
    if (Status free = not_reading("add_inventory_delta"); !free.is_ok()) return free;
    sqlite3_stmt* insert = insert_delta_.get();
    bind_text(insert, 1, gateway_id);
    bind_text(insert, 2, node_id);
    bind_text(insert, 3, sku_id);
    sqlite3_bind_int(insert, 4, units);
    bind_text(insert, 5, reason);
    sqlite3_bind_int64(insert, 6, now_us);
    std::random_device entropy;
    const std::uint64_t nonce = (static_cast<std::uint64_t>(entropy()) << 32) | entropy();
    const std::string correlation_id = central_delta_correlation_id(nonce);
    bind_text(insert, 7, correlation_id);
    if (Status inserted = step_once(insert_delta_, operation); !inserted.is_ok()) return inserted;
    if (sqlite3_changes(db()) == 0) return unknown_gateway(gateway_id, operation);
    return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db()));
  }

  Result<std::vector<InventoryDelta>> inventory_deltas(
      std::string_view gateway_id, std::optional<InventoryDelta::State> state) const override {
    sqlite3_stmt* select = select_deltas_.get();
    ResetOnExit reset(select_deltas_);
    bind_text(select, 1, gateway_id);
    sqlite3_bind_int(select, 2, state ? static_cast<int>(*state) : -1);
    std::vector<InventoryDelta> deltas;
    for (;;) {
      const int stepped = sqlite3_step(select);
      if (stepped == SQLITE_DONE) return deltas;
      if (stepped != SQLITE_ROW)
        return sqlite_status(db(), stepped, path_, "read inventory deltas");
      InventoryDelta delta;
      delta.id = column_unsigned(select, 0);
      delta.gateway_id = column_text(select, 1);
      delta.node_id = column_text(select, 2);
      delta.sku_id = column_text(select, 3);
      delta.units = sqlite3_column_int(select, 4);
      delta.reason = column_text(select, 5);
      delta.created_at_us = sqlite3_column_int64(select, 6);
      delta.state = static_cast<InventoryDelta::State>(sqlite3_column_int(select, 7));
      delta.applied_at_sequence = column_unsigned(select, 8);
      delta.refusal = column_text(select, 9);
      delta.settled_at_us = sqlite3_column_int64(select, 10);
      delta.correlation_id = column_text(select, 11);
      deltas.push_back(std::move(delta));
    }
  }

  Status refuse_inventory_delta(std::uint64_t delta_id, std::string_view gateway_id,
                                std::string_view why, std::int64_t now_us) override {
    if (Status free = not_reading("refuse_inventory_delta"); !free.is_ok()) return free;
    if (Status settled =
            settle(delta_id, gateway_id, InventoryDelta::State::refused, 0, why, now_us);
        !settled.is_ok()) {
      return settled;
    }
    if (sqlite3_changes(db()) == 1) return Status::ok();
    ResetOnExit reset(select_delta_state_);
    sqlite3_bind_int64(select_delta_state_.get(), 1,
                       static_cast<std::int64_t>(std::min(delta_id, kLargestSequence)));
    bind_text(select_delta_state_.get(), 2, gateway_id);
    const int stepped = sqlite3_step(select_delta_state_.get());
    if (stepped == SQLITE_ROW) {
      const auto state =
          static_cast<InventoryDelta::State>(sqlite3_column_int(select_delta_state_.get(), 0));
      return Status(StatusCode::failed_precondition,
                    fmt::format("{}: inventory delta {} of gateway '{}' is {}, not pending", path_,
                                delta_id, gateway_id, to_string(state)));
    }
    if (stepped != SQLITE_DONE) return sqlite_status(db(), stepped, path_, "read a delta");
    return Status(StatusCode::not_found, fmt::format("{}: gateway '{}' has no inventory delta {}",
                                                     path_, gateway_id, delta_id));
  }

  Status read_journal(std::string_view gateway_id, std::uint64_t from,
                      const std::function<Status(const StoredEntry&)>& visit) const override {
    if (Status free = not_reading("read_journal"); !free.is_ok()) return free;
    reading_ = true;
    struct ClearReading {
      bool& reading;
      ~ClearReading() { reading = false; }
    } clear_reading{reading_};
    sqlite3_stmt* select = select_entries_.get();
    ResetOnExit reset(select_entries_);
    bind_text(select, 1, gateway_id);
    sqlite3_bind_int64(select, 2, static_cast<std::int64_t>(std::min(from, kLargestSequence)));
    const std::string operation =
        fmt::format("read the journal of gateway '{}' from {}", gateway_id, from);
    // Payloads are FlatBuffers read in place: column_bytes_aligned() copies a misaligned one here.
    std::vector<std::uint64_t> aligned_payload;
    StoredEntry entry;
    for (bool first_row = true;; first_row = false) {
      const int stepped = sqlite3_step(select);
      if (stepped == SQLITE_DONE && first_row) return unknown_gateway(gateway_id, operation);
      if (stepped == SQLITE_DONE) return Status::ok();
      if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, operation);
      if (sqlite3_column_type(select, 0) == SQLITE_NULL) return Status::ok();  // none held
      const std::int64_t kind = sqlite3_column_int64(select, 1);
      entry.sequence = column_unsigned(select, 0);
      if (!journal::is_known_entry_kind(kind)) {
        return Status(StatusCode::corruption, fmt::format("{}: {}: entry {} has unknown kind {}",
                                                          path_, operation, entry.sequence, kind));
      }
      entry.kind = static_cast<EntryKind>(kind);
      entry.recorded_at_us = sqlite3_column_int64(select, 2);
      entry.order_id = column_text(select, 3);
      entry.correlation_id = column_text(select, 4);
      entry.payload = column_bytes_aligned(select, 5, aligned_payload);
      if (Status visited = visit(entry); !visited.is_ok()) return visited;
    }
  }

 private:
  sqlite3* db() const { return connection_.get(); }

  // Steps a statement that returns no rows, once.
  Status step_once(const Statement& statement, std::string_view operation) const {
    ResetOnExit reset(statement);
    const int stepped = sqlite3_step(statement.get());
    if (stepped != SQLITE_DONE) return sqlite_status(db(), stepped, path_, operation);
    return Status::ok();
  }

  // A call from inside a read_journal() visitor would reset the scan's statement or
  // write under it.
  Status not_reading(std::string_view operation) const {
    if (!reading_) return Status::ok();
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: {} called from inside read_journal()", path_, operation));
  }

  Status unknown_gateway(std::string_view gateway_id, std::string_view operation) const {
    return Status(StatusCode::not_found, fmt::format("{}: {}: gateway '{}' is not registered",
                                                     path_, operation, gateway_id));
  }

  static GatewayRecord record_from(sqlite3_stmt* row) {
    return GatewayRecord{std::string(column_text(row, 0)), std::string(column_text(row, 1)),
                         column_unsigned(row, 2),          sqlite3_column_int64(row, 3),
                         sqlite3_column_int64(row, 4),     sqlite3_column_int64(row, 5),
                         column_unsigned(row, 6),          sqlite3_column_int64(row, 7)};
  }

  // What can be refused without reading the store: nothing of such a batch is applied.
  Status check_batch(std::span<const StoredEntry> entries, std::string_view operation) const {
    for (std::size_t index = 0; index < entries.size(); ++index) {
      const StoredEntry& entry = entries[index];
      if (entry.sequence == 0 || entry.sequence > kLargestSequence) {
        return Status(StatusCode::invalid_argument,
                      fmt::format("{}: {}: sequence {} is out of range (1..2^63-1)", path_,
                                  operation, entry.sequence));
      }
      if (index > 0 && entry.sequence != entries[index - 1].sequence + 1) {
        return Status(StatusCode::invalid_argument,
                      fmt::format("{}: {}: entries do not ascend by one ({} follows {})", path_,
                                  operation, entry.sequence, entries[index - 1].sequence));
      }
      if (!journal::is_known_entry_kind(static_cast<std::uint8_t>(entry.kind))) {
        return Status(StatusCode::invalid_argument,
                      fmt::format("{}: {}: entry {} has kind {}, not an EntryKind", path_,
                                  operation, entry.sequence, static_cast<unsigned>(entry.kind)));
      }
    }
    return Status::ok();
  }

  // Inside BEGIN IMMEDIATE: the mark read here is the one the commit replaces.
  Result<AppliedBatch> apply_in_transaction(std::string_view gateway_id,
                                            std::span<const StoredEntry> entries,
                                            std::int64_t now_us, const std::string& operation) {
    Result<std::optional<GatewayRecord>> known = gateway(gateway_id);
    if (!known) return known.status();
    if (!known->has_value()) return unknown_gateway(gateway_id, operation);
    const GatewayRecord& record = **known;
    AppliedBatch result{record.acknowledged, 0, 0};
    std::int64_t newest_recorded_at_us = record.newest_entry_recorded_at_us;
    for (const StoredEntry& entry : entries) {
      if (entry.sequence <= record.acknowledged) {
        ++result.duplicates;
        continue;
      }
      if (entry.sequence != result.acknowledged + 1) {  // only the first new entry can miss
        return Status(StatusCode::failed_precondition,
                      fmt::format("{}: {}: sequence gap: central holds up to {}, batch starts "
                                  "at {}",
                                  path_, operation, record.acknowledged, entry.sequence));
      }
      sqlite3_stmt* insert = insert_entry_.get();
      bind_text(insert, 1, gateway_id);
      sqlite3_bind_int64(insert, 2, static_cast<std::int64_t>(entry.sequence));
      sqlite3_bind_int(insert, 3, static_cast<int>(entry.kind));
      sqlite3_bind_int64(insert, 4, entry.recorded_at_us);
      bind_text(insert, 5, entry.order_id);
      bind_text(insert, 6, entry.correlation_id);
      bind_bytes(insert, 7, entry.payload);
      sqlite3_bind_int64(insert, 8, now_us);
      // The operation's words are made only when they are needed: once per failure, not
      // once per row.
      ResetOnExit reset(insert_entry_);
      if (const int stepped = sqlite3_step(insert); stepped != SQLITE_DONE) {
        return sqlite_status(db(), stepped, path_,
                             fmt::format("{}: entry {}", operation, entry.sequence));
      }
      result.acknowledged = entry.sequence;
      newest_recorded_at_us = entry.recorded_at_us;
      ++result.applied;
      if (entry.kind == EntryKind::inventory_adjustment &&
          names_central_delta(entry.correlation_id)) {
        sqlite3_stmt* applied = apply_delta_.get();
        bind_text(applied, 1, gateway_id);
        bind_text(applied, 2, entry.correlation_id);
        sqlite3_bind_int64(applied, 3, static_cast<std::int64_t>(entry.sequence));
        sqlite3_bind_int64(applied, 4, now_us);
        if (Status settled = step_once(apply_delta_, operation + ": mark a delta applied");
            !settled.is_ok()) {
          return settled;
        }
      }
    }
    sqlite3_stmt* update = update_mark_.get();
    bind_text(update, 1, gateway_id);
    sqlite3_bind_int64(update, 2, static_cast<std::int64_t>(result.acknowledged));
    sqlite3_bind_int64(update, 3, newest_recorded_at_us);
    sqlite3_bind_int64(update, 4, now_us);
    if (Status updated = step_once(update_mark_, operation + ": move the mark"); !updated.is_ok()) {
      return updated;
    }
    return result;
  }

  Status configure();

  // Moves a pending delta of the gateway to `state`; a delta that is not pending (or not
  // the gateway's) is left as it is (sqlite3_changes tells the caller).
  Status settle(std::uint64_t delta_id, std::string_view gateway_id, InventoryDelta::State state,
                std::uint64_t sequence, std::string_view refusal, std::int64_t now_us) {
    sqlite3_stmt* update = settle_delta_.get();
    sqlite3_bind_int64(update, 1, static_cast<std::int64_t>(std::min(delta_id, kLargestSequence)));
    bind_text(update, 2, gateway_id);
    sqlite3_bind_int(update, 3, static_cast<int>(state));
    sqlite3_bind_int64(update, 4, static_cast<std::int64_t>(sequence));
    bind_text(update, 5, refusal);
    sqlite3_bind_int64(update, 6, now_us);
    return step_once(settle_delta_, fmt::format("settle inventory delta {}", delta_id));
  }

  // Declared before the statements, so destroyed after them: the connection closes once
  // every statement is finalized, whatever statements are added here.
  Connection connection_;
  std::string path_;
  // Prepared at open(), kept for the connection's life.
  Statement begin_, commit_, rollback_;
  Statement upsert_gateway_, select_gateway_, select_gateways_, update_contact_, update_mark_;
  Statement insert_entry_, select_entries_;
  Statement insert_delta_, select_deltas_, settle_delta_, select_delta_state_, apply_delta_;
  mutable bool reading_ = false;
};

Status SqliteCentralStore::configure() {
  // The first read of the file: one that is not SQLite fails here (corruption).
  Result<std::int64_t> application_id = connection_.query_integer("PRAGMA application_id");
  if (!application_id) return application_id.status();
  if (*application_id != kApplicationId) {
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: a SQLite database but not edgeroute's central store "
                              "(application_id 0x{:08X}, the store has 0x{:08X})",
                              path_, static_cast<std::uint32_t>(*application_id), kApplicationId));
  }
  Result<std::int64_t> version = connection_.query_integer("PRAGMA user_version");
  if (!version) return version.status();
  if (*version != kFormatVersion) {
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: central store format version {} is {} than this build reads "
                              "({})",
                              path_, *version, *version > kFormatVersion ? "newer" : "older",
                              kFormatVersion));
  }
  // The file is data, never code: no schema-defined functions or views run.
  if (Status set = connection_.execute("PRAGMA trusted_schema = OFF", "set trusted_schema");
      !set.is_ok()) {
    return set;
  }
  sqlite3_busy_timeout(db(), kLockWaitMs);
  // FULL: what lets central acknowledge a batch once it is committed.
  if (Status wal = journal::sqlite::use_wal_with_full_sync(connection_); !wal.is_ok()) return wal;
  const std::string select_gateway =
      fmt::format("SELECT {} FROM gateways WHERE id = ?1", kGatewayColumns);
  const std::string select_gateways =
      fmt::format("SELECT {} FROM gateways ORDER BY id", kGatewayColumns);
  const std::pair<Statement*, const char*> wanted[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&upsert_gateway_, kUpsertGatewaySql},
      {&select_gateway_, select_gateway.c_str()},
      {&select_gateways_, select_gateways.c_str()},
      {&update_contact_, kUpdateContactSql},
      {&update_mark_, kUpdateMarkSql},
      {&insert_entry_, kInsertEntrySql},
      {&select_entries_, kSelectEntriesSql},
      {&insert_delta_, kInsertDeltaSql},
      {&select_deltas_, kSelectDeltasSql},
      {&settle_delta_, kSettleDeltaSql},
      {&select_delta_state_, kSelectDeltaStateSql},
      {&apply_delta_, kApplyDeltaSql},
  };
  for (const auto& [statement, sql] : wanted) {
    Result<Statement> prepared = Statement::prepare(connection_, sql);
    if (!prepared) {
      // SQLITE_ERROR at prepare: the tables of this format are missing or different.
      if (prepared.status().code() != StatusCode::internal) return prepared.status();
      return Status(StatusCode::corruption,
                    fmt::format("{} (the schema is not that of central store format version {})",
                                prepared.status().message(), kFormatVersion));
    }
    *statement = std::move(*prepared);
  }
  return Status::ok();
}

Result<std::unique_ptr<CentralStore>> SqliteCentralStore::open(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return Status(StatusCode::invalid_argument,
                  fmt::format("central store path '{}' is not absolute", path));
  }
  struct stat file {};
  if (::stat(path.c_str(), &file) == 0) {
    if (!S_ISREG(file.st_mode)) {
      return Status(StatusCode::failed_precondition, path + ": not a regular file");
    }
    // SQLite would take an empty file for an empty database and build in it; a store is
    // created complete, so this is something else or a truncated store.
    if (file.st_size == 0) {
      return Status(StatusCode::corruption, path + ": the file is empty, not a central store");
    }
  } else if (errno == ENOENT) {
    // A WAL without its database would be replayed into the new one.
    const std::string wal = path + "-wal";
    if (::access(wal.c_str(), F_OK) == 0) {
      return Status(StatusCode::failed_precondition,
                    fmt::format("{}: the database is missing but {} exists; move the WAL away "
                                "or restore the database",
                                path, wal));
    }
    if (Status created = create_store(path); !created.is_ok()) return created;
  } else {
    return errno_status(path, "stat");
  }
  auto store = std::unique_ptr<SqliteCentralStore>(new SqliteCentralStore());
  store->path_ = path;
  Result<Connection> connection =
      Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (!connection) return connection.status();
  store->connection_ = std::move(*connection);
  if (Status configured = store->configure(); !configured.is_ok()) return configured;
  return std::unique_ptr<CentralStore>(std::move(store));
}

}  // namespace

std::string_view to_string(InventoryDelta::State state) {
  switch (state) {
    case InventoryDelta::State::pending: return "pending";
    case InventoryDelta::State::applied: return "applied";
    case InventoryDelta::State::refused: return "refused";
  }
  return "unknown";
}

Result<std::unique_ptr<CentralStore>> open_sqlite_central_store(const std::string& path) {
  return SqliteCentralStore::open(path);
}

}  // namespace edgeroute::sync
