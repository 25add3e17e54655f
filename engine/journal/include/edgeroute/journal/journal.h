// Journal: the gateway's durable record, one SQLite database per gateway. Every
// decision is appended here, and the append has returned, before the client hears of
// it; after a crash or a power loss the daemon rebuilds its state from the named
// documents (the baseline) and the entries that follow them. The format, the
// checkpoint policy and the durability argument are in docs/journal.md.
//
// The journal knows nothing about routing: an entry is a kind, a time, two ids and
// opaque payload bytes (FlatBuffers the gateway defines). Sequence numbers are the
// journal's own: 1, 2, 3, ... per gateway, gap-free, assigned by append().
//
// Thread-safety: a Journal is used by one thread at a time (the daemon's journal
// writer thread); nothing in it is safe to call concurrently, const functions
// included (they share the connection and its prepared statements). Other threads and
// processes may read the database file at the same time, each through a connection of
// its own: a read-only Journal (JournalOptions::read_only), an EntryReader (its pool of
// them, entry_reader.h) or SQLite itself (WAL readers do not block the writer; see the
// checkpoint policy for what a long reader costs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::journal {

// Stored as an INTEGER: never renumber. A new kind is a new format version (an older
// build must refuse a journal it could not replay in full).
enum class EntryKind : std::uint8_t {
  decision = 1,  // a routing decision (routed, backordered or rejected) + its reservation
  release = 2,   // an order's reservation given back (cancel, re-route)
  inventory_adjustment = 3,  // receipt, cycle count, damage
  fulfillment_event = 4,     // picked, packed, handed_off, delayed, failed
  policy_change = 5,
  network_change = 6,
  reroute = 7,
  escrow_change = 8,  // a lease of shared stock granted by central, or its unused units returned
};
inline constexpr std::uint8_t kEntryKindFirst = 1;
inline constexpr std::uint8_t kEntryKindLast = 8;
// Whether a stored or received value is one of EntryKind's.
inline bool is_known_entry_kind(std::int64_t value) {
  return value >= kEntryKindFirst && value <= kEntryKindLast;
}

// "decision", "release", ...; "unknown" for a value outside the enumeration.
std::string_view to_string(EntryKind kind);

// What the caller hands to append(). The views must stay valid for the duration of the
// append() call only: the journal copies what it keeps.
struct EntryToAppend {
  EntryKind kind = EntryKind::decision;
  std::int64_t recorded_at_us = 0;        // UTC microseconds since the epoch (the caller's clock)
  std::string_view order_id;              // may be empty (inventory adjustments)
  std::string_view correlation_id;        // may be empty
  std::span<const std::uint8_t> payload;  // 8-byte aligned: FlatBuffers read it in place
};

// What read() shows. The views are valid only inside the visitor call that receives
// them: copy what must outlive it.
struct StoredEntry {
  std::uint64_t sequence = 0;  // per gateway, 1, 2, 3, ... gap-free
  EntryKind kind = EntryKind::decision;
  std::int64_t recorded_at_us = 0;
  std::string_view order_id;
  std::string_view correlation_id;
  std::span<const std::uint8_t> payload;
};

// Inclusive range of sequence numbers. An empty batch gives first > last
// (first = last_sequence() + 1, last = last_sequence()).
struct SequenceRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;

  bool empty() const { return first > last; }
  std::uint64_t size() const { return empty() ? 0 : last - first + 1; }
};

// How much open() verifies of a journal that already exists.
enum class OpenCheck : std::uint8_t {
  // The header, application id, format version, schema, gateway id, both ends of the
  // entries table and the acknowledged mark: milliseconds whatever the size. Damage in
  // the middle of the file shows when read() reaches it (the daemon reads the tail it
  // replays at every start; read() also verifies that sequences follow each other).
  structure,
  // structure, then PRAGMA quick_check over every page: proportional to the file size
  // (docs/journal.md gives the figure for 1 M entries). For `journal check`-style tools
  // and for a start after a detected problem, not for every start.
  quick_check,
};

struct JournalOptions {
  std::string path;  // the database file (absolute path)
  // Written on creation; a database of another gateway is refused. May be empty for a
  // read-only open: any gateway's journal is then accepted (gateway_id() tells whose).
  std::string gateway_id;
  // Opens an existing journal for reading beside the daemon that owns it (`edgeroute
  // events`, operators' tools): SQLITE_OPEN_READONLY, nothing created (a missing file is
  // not_found), no setting that writes, no checkpoint; the application id, format
  // version, schema and gateway id are checked as for a writer. append(),
  // put_document() and set_acknowledged() are failed_precondition. A WAL reader never
  // blocks the writer; read() sees what the writer had committed when it began.
  bool read_only = false;
  // Config journal.wal_checkpoint_pages: a passive checkpoint runs after a commit that
  // leaves the WAL holding this many pages (frames) or more.
  std::uint32_t wal_checkpoint_pages = 1000;
  // 0: no limit. A positive value caps the database at that many pages
  // (PRAGMA max_page_count); reaching it behaves as a full disk. Tests use it.
  std::uint32_t max_page_count = 0;
  OpenCheck check = OpenCheck::structure;
};

// A named document: the bytes and the journal sequence they are valid at (the state
// after entry as_of_sequence was applied; 0: before any entry).
struct Document {
  std::vector<std::uint8_t> bytes;
  std::uint64_t as_of_sequence = 0;
};

struct JournalStats {
  std::uint64_t last_sequence = 0;
  std::uint64_t acknowledged_sequence = 0;
  std::uint64_t wal_pages = 0;       // frames in the WAL after the last commit or checkpoint
  std::uint64_t wal_file_bytes = 0;  // size of "<path>-wal" now (0 when absent)
  std::uint64_t page_size = 0;
  std::uint64_t checkpoints = 0;            // passive checkpoints run
  std::uint64_t escalated_checkpoints = 0;  // TRUNCATE checkpoints (a reader held the WAL)
  std::uint64_t checkpoints_blocked = 0;    // escalations a reader still kept from finishing
  std::uint64_t appended_batches = 0;       // successful append() calls since open
  std::uint64_t appended_entries = 0;
};

class Journal {
 public:
  // Format of the database file (PRAGMA user_version) and its owner (application_id).
  static constexpr std::uint32_t kFormatVersion = 1;
  static constexpr std::uint32_t kApplicationId = 0x45524A4C;  // "ERJL"

  // Creates the database when `path` does not exist (schema, application_id,
  // user_version, gateway id; built under a temporary name and renamed into place, so
  // a crash never leaves a half-made journal at `path`), otherwise checks it as
  // options.check says. Errors name the path and what SQLite said:
  //   corruption          not a SQLite database (random bytes, an empty file), malformed;
  //   failed_precondition a SQLite database of another application (application_id),
  //                       a format version this build does not read, another
  //                       gateway's journal, a "<path>-wal" left without its database;
  //   not_found / permission_denied / io_error  the directory cannot hold the file
  //                       (read_only: not_found when there is no file);
  //   invalid_argument    a relative path or an empty gateway id (unless read_only).
  static Result<std::unique_ptr<Journal>> open(const JournalOptions& options);

  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // One transaction: every entry gets the next sequence number, all or none, and the
  // range assigned comes back once the commit is on disk (the WAL is fsynced).
  //   no_space            the disk is full or max_page_count is reached: the batch is
  //                       rolled back, nothing of it is visible, and the journal stays
  //                       usable for reads and for later appends;
  //   failed_precondition called from inside a read() visitor, or after an earlier
  //                       append failed in a way that leaves the file's state unknown
  //                       (an I/O error during the commit): reopen the journal;
  //   io_error etc.       the batch is not durable. It may still appear after a
  //                       reopen (docs/journal.md: what a reader must never assume).
  //   invalid_argument    an entry kind outside EntryKind (nothing is written).
  Result<SequenceRange> append(std::span<const EntryToAppend> batch);

  // Visits the entries with sequence >= from, ascending, in one read transaction (a
  // consistent snapshot). The visitor stops the scan by returning a failed Status,
  // which read() returns. A gap in the sequence or an unknown kind is corruption.
  // The visitor must not call back into this Journal.
  Status read(std::uint64_t from, const std::function<Status(const StoredEntry&)>& visit) const;

  // Visits the one entry with this sequence, in its own read transaction (a point lookup
  // by primary key), and returns what the visitor returns; not_found when the journal
  // holds no such entry (not written, or not committed yet as this connection sees it).
  // An unknown kind is corruption. The visitor must not call back into this Journal.
  Status read_entry(std::uint64_t sequence,
                    const std::function<Status(const StoredEntry&)>& visit) const;

  // The sequence of the newest entry; 0 when there is none. Read-only: the newest
  // entry seen at open(), by refresh_last_sequence() or by a read() that went to the end
  // (a visitor that stops a read early leaves it where it was).
  std::uint64_t last_sequence() const;
  // Read-only: asks the file for the newest entry the writer has committed (one indexed
  // lookup) and makes it last_sequence(). A writer's answer is last_sequence() as it is.
  Result<std::uint64_t> refresh_last_sequence();

  // Named documents: the baseline the gateway state is rebuilt from (network, policy,
  // inventory snapshot as bytes), each replaced whole, with the journal sequence it is
  // valid at (<= last_sequence(), else out_of_range). Its own durable transaction.
  Status put_document(std::string_view name, std::span<const std::uint8_t> bytes,
                      std::uint64_t as_of_sequence);
  // The document, or nullopt if none of that name was ever put.
  Result<std::optional<Document>> document(std::string_view name) const;
  // Whether a document of that name was ever put, without reading its bytes (a baseline
  // document may be hundreds of megabytes).
  Result<bool> has_document(std::string_view name) const;

  // The high-water mark central acknowledged, persisted (its own durable transaction).
  // Going backwards is failed_precondition, beyond last_sequence() out_of_range;
  // setting the current value again is a no-op.
  Status set_acknowledged(std::uint64_t sequence);
  // Read-only: the mark as it stood at open().
  std::uint64_t acknowledged() const;

  JournalStats stats() const;
  const std::string& path() const;
  // The gateway the journal belongs to (as stored in the file).
  const std::string& gateway_id() const;
  bool read_only() const;

 private:
  struct State;
  explicit Journal(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace edgeroute::journal
