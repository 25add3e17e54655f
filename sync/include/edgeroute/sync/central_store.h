// CentralStore: what the central control plane keeps of its gateways, durably. Today:
// which gateways exist and the certificate each authenticates with, and every gateway's
// journal as replayed to central, with the high-water mark central acknowledged.
//
// Exactly once. A gateway replays its journal at least once (after a lost
// acknowledgement, a crash of either side, a duplicated or reordered batch);
// apply_journal_batch() makes that exactly once in effect: an entry at or below the
// gateway's mark is already held and is skipped, the next new entry must be mark + 1,
// and the entries and the new mark are committed in one transaction, so a crash leaves
// either both or neither. docs/sync.md has the argument in full.
//
// Storage sits behind this interface so that a networked database can serve a large
// fleet later; open_sqlite_central_store() is the embedded default.
//
// Thread-safety: a CentralStore is used by one thread at a time; const functions
// included (they share the connection). The central server serialises its calls.
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
#include "edgeroute/journal/journal.h"

namespace edgeroute::sync {

struct GatewayRecord {
  std::string gateway_id;
  // SHA-256 of the DER encoding of the certificate the gateway authenticates with,
  // 64 lowercase hex digits (certificate_sha256() in tls.h computes it).
  std::string certificate_sha256;
  // Every entry 1..acknowledged of the gateway's journal is held, each once.
  std::uint64_t acknowledged = 0;
  // The gateway's clock at its newest held entry (UTC µs; 0 before the first entry).
  std::int64_t newest_entry_recorded_at_us = 0;
  // Central's clock (UTC µs) at registration and at the last hello or batch (0: never).
  std::int64_t registered_at_us = 0;
  std::int64_t last_contact_us = 0;
  // The newest sequence the gateway said it had, at its last hello: entries above
  // `acknowledged` up to it are on their way (the lag central knows of).
  std::uint64_t reported_newest_sequence = 0;
  // The gateway's clock minus central's at its last hello, in µs (positive: the gateway is
  // ahead); entries' recorded_at_us carry the gateway's clock.
  std::int64_t clock_skew_us = 0;
};

// A change to a gateway's stock decided at central (a receipt booked at headquarters, a
// write-off, a correction), as units to add to on-hand. It goes to the gateway that homes
// the node, which applies it as an inventory adjustment journaled under the delta's
// correlation id (central_delta.h); when that entry reaches central the delta is
// applied, in the same transaction. A gateway that cannot apply it (an unknown SKU, a
// node it does not home) refuses it: a conflict an operator settles.
struct InventoryDelta {
  enum class State : std::uint8_t { pending = 0, applied = 1, refused = 2 };

  std::uint64_t id = 0;  // central's, 1, 2, 3, ... over all gateways
  std::string gateway_id;
  std::string node_id;
  std::string sku_id;
  std::int32_t units = 0;  // + a receipt, - a write-off; never 0, at most kMaxDeltaUnits
  std::string reason;
  std::string correlation_id;  // "central-delta:<nonce>", unique
  std::int64_t created_at_us = 0;
  State state = State::pending;
  std::uint64_t applied_at_sequence = 0;  // applied: the gateway's journal entry
  std::string refusal;                    // refused: the gateway's words
  std::int64_t settled_at_us = 0;         // applied or refused: central's clock then
};

std::string_view to_string(InventoryDelta::State state);

// The most units one delta moves either way.
inline constexpr std::int32_t kMaxDeltaUnits = 10'000'000;

struct AppliedBatch {
  std::uint64_t acknowledged = 0;  // the gateway's mark after the batch
  std::uint64_t applied = 0;       // entries new to central, now held
  std::uint64_t duplicates = 0;    // entries at or below the mark before: skipped
};

class CentralStore {
 public:
  virtual ~CentralStore() = default;

  // Registers a gateway and its certificate, or replaces the certificate of a gateway
  // already known (rotation: the old certificate stops being accepted). A gateway id is
  // lowercase letters, digits, '-' and '_', 1..64 characters (invalid_argument
  // otherwise, naming it); the fingerprint is 64 lowercase hex digits.
  virtual Status register_gateway(std::string_view gateway_id, std::string_view certificate_sha256,
                                  std::int64_t now_us) = 0;

  // nullopt for a gateway never registered.
  virtual Result<std::optional<GatewayRecord>> gateway(std::string_view gateway_id) const = 0;
  // Every registered gateway, ordered by id.
  virtual Result<std::vector<GatewayRecord>> gateways() const = 0;

  // A gateway said hello at central's `now_us`, with `newest_sequence` the newest entry
  // of its journal and its clock `clock_skew_us` off central's (not_found for an unknown
  // gateway).
  virtual Status record_contact(std::string_view gateway_id, std::int64_t now_us,
                                std::uint64_t newest_sequence, std::int64_t clock_skew_us) = 0;

  // Applies a batch of one gateway's journal entries, exactly once, in one durable
  // transaction (entries and the new mark together). `entries` must ascend by one
  // (invalid_argument otherwise, nothing applied). Entries at or below the mark are
  // counted as duplicates and skipped (their bytes are not compared: a gateway's
  // journal never rewrites an entry); the first entry above it must be mark + 1, else
  // failed_precondition "sequence gap: ... holds up to M, batch starts at N" and nothing
  // is applied. An entry kind outside journal::EntryKind is invalid_argument. Unknown
  // gateway: not_found. A full disk: no_space, nothing applied, the store stays usable.
  // A new inventory_adjustment entry whose correlation id is that of a pending delta of
  // this gateway (central_delta.h) marks it applied in the same transaction.
  virtual Result<AppliedBatch> apply_journal_batch(std::string_view gateway_id,
                                                   std::span<const journal::StoredEntry> entries,
                                                   std::int64_t now_us) = 0;

  // Records a delta for `gateway_id` (not_found for an unknown gateway; invalid_argument
  // for 0 units, more than kMaxDeltaUnits either way, or an empty node or SKU) and returns
  // its id.
  virtual Result<std::uint64_t> add_inventory_delta(std::string_view gateway_id,
                                                    std::string_view node_id,
                                                    std::string_view sku_id, std::int32_t units,
                                                    std::string_view reason,
                                                    std::int64_t now_us) = 0;
  // The deltas of one gateway (every gateway's when `gateway_id` is empty), by id;
  // only those in `state` when it is given.
  virtual Result<std::vector<InventoryDelta>> inventory_deltas(
      std::string_view gateway_id, std::optional<InventoryDelta::State> state) const = 0;
  // The gateway refused a pending delta of its own: it becomes a conflict.
  // failed_precondition when the delta is not pending, not_found when it is not that
  // gateway's.
  virtual Status refuse_inventory_delta(std::uint64_t delta_id, std::string_view gateway_id,
                                        std::string_view why, std::int64_t now_us) = 0;

  // Visits the gateway's held entries with sequence >= from, ascending, in one read
  // transaction; the visitor stops the scan by returning a failed Status, which comes
  // back. The views are valid only inside the visitor call.
  virtual Status read_journal(
      std::string_view gateway_id, std::uint64_t from,
      const std::function<Status(const journal::StoredEntry&)>& visit) const = 0;
};

// The embedded store: one SQLite database (WAL, synchronous=FULL), created when `path`
// (absolute) does not exist. A file that is not such a store is refused with an error
// naming the path: corruption for a file that is not a SQLite database,
// failed_precondition for another application's database or a format version this
// build does not read.
Result<std::unique_ptr<CentralStore>> open_sqlite_central_store(const std::string& path);

}  // namespace edgeroute::sync
