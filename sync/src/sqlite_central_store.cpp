// Central's store on one SQLite database: the schema and open-time checks (in the manner
// of the gateway's journal, engine/journal/src/journal.cpp), and apply_journal_batch(),
// which reads the gateway's mark, inserts what lies above it and moves the mark inside
// one BEGIN IMMEDIATE transaction: that is the whole exactly-once argument
// (docs/sync.md). The policies pushed and what gateways did with them live here too:
// the outcomes come from the gateways' policy_change entries, recorded in the
// transaction that stores them, and which gateway is offered what is worked out from
// those rows (rollout_of()). So do the nodes central closed or reopened: each closure (or
// reopening) is delivered to every gateway active at the time, and the gateways' journals
// tell which applied it (network_change entries of the matching kind) and which orders
// they could not move off the node (failed fulfillment_event entries with no reroute
// after them), in the same transaction. A
// retired gateway is a mark on its row: what it held stays, and the rules above pass it
// over. Escrow of shared stock too: a grant takes its units out of free_units in the
// transaction that records it (so leases never hold more than central had), and the
// journals give units back (returned escrow_change entries), take them out of the
// leases as they ship (handed_off fulfillment_event entries) or put into the leases
// grants central had not counted (granted escrow_change entries: the journal is the
// record), in the transaction that stores the entries.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include "edgeroute/base/identifier.h"
#include "edgeroute/gateway/fbs/journal_records_generated.h"
#include "edgeroute/journal/sqlite_support.h"
#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/policy_bundle.h"

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
// 1: gateways, journals, inventory deltas. 2: policies and their outcomes. 3: node
// closures, their deliveries and stranded orders. 4: retired gateways. 5: shared stock,
// escrow quotas, leases and grants; reopenings of nodes; policies' wave time limits and
// when each gateway settled. 6: leases reclaimed from retired gateways. 7: homed stock of
// record. A store of format 1 to 6 is upgraded in place when opened.
constexpr std::int64_t kFormatVersion = 7;
constexpr std::int64_t kOldestUpgradableFormatVersion = 1;
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

// Added by format version 2. A policy's bundle is kept as pushed (signed: central cannot
// alter it). An outcome is a gateway's latest policy_change entry about a version, which
// need not be one pushed here (a bundle from an older copy of this store); outcomes are
// few and small, hence WITHOUT ROWID.
constexpr const char* kCreatePolicyTablesSql = R"sql(
CREATE TABLE policies (
  version INTEGER PRIMARY KEY CHECK (version > 0),
  signed_bundle BLOB NOT NULL,
  pushed_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  wave_size INTEGER NOT NULL CHECK (wave_size >= 0),
  max_failures INTEGER NOT NULL CHECK (max_failures >= 1)
) STRICT;
CREATE TABLE policy_outcomes (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  version INTEGER NOT NULL CHECK (version >= 0),
  change TEXT NOT NULL
    CHECK (change IN ('trial', 'committed', 'reverted', 'rolled_back', 'refused')),
  reason TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence > 0),
  recorded_at_us INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, version)
) STRICT, WITHOUT ROWID;
)sql";

// Added by format version 3. A closure is delivered to each gateway under a correlation
// id of its own, so that one gateway's entry can only settle its own delivery. A stranded
// order is keyed by its gateway and order id: an order is stranded at one node at a time
// (the latest failure wins). Both tables are small, hence WITHOUT ROWID.
constexpr const char* kCreateClosureTablesSql = R"sql(
CREATE TABLE node_closures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  node_id TEXT NOT NULL CHECK (node_id != ''),
  reason TEXT NOT NULL,
  created_at_us INTEGER NOT NULL
) STRICT;
CREATE TABLE node_closure_deliveries (
  closure_id INTEGER NOT NULL REFERENCES node_closures (id),
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  correlation_id TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2),
  refusal TEXT NOT NULL,
  applied_at_sequence INTEGER NOT NULL,
  settled_at_us INTEGER NOT NULL,
  PRIMARY KEY (closure_id, gateway_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE stranded_orders (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  order_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence > 0),
  reason TEXT NOT NULL,
  PRIMARY KEY (gateway_id, order_id)
) STRICT, WITHOUT ROWID;
)sql";

// Added by format version 4: when an operator retired the gateway (0: active). A column,
// not a table of its own: every rule that reads the registry has to see it.
constexpr const char* kAddRetiredColumnSql =
    "ALTER TABLE gateways ADD COLUMN retired_at_us INTEGER NOT NULL DEFAULT 0;";

// Added by format version 5: escrow of shared stock (docs/sync.md, "Escrow"). A
// (node, SKU)'s free_units and the outstanding_units of its leases move together, in the
// transaction that grants, refuses or takes units back: the check that a grant fits in
// free_units and its decrement are one transaction with the grant's insert, so leases
// never hold more than central had. What the leases hold is summed, never stored twice.
// All four tables are small, hence WITHOUT ROWID where nothing counts ids.
constexpr const char* kCreateEscrowTablesSql = R"sql(
CREATE TABLE shared_stock (
  node_id TEXT NOT NULL CHECK (node_id != ''),
  sku_id TEXT NOT NULL CHECK (sku_id != ''),
  free_units INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  PRIMARY KEY (node_id, sku_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE escrow_quotas (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  node_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  units INTEGER NOT NULL CHECK (units >= 0),
  lease_seconds INTEGER NOT NULL CHECK (lease_seconds > 0),
  set_at_us INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, node_id, sku_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE escrow_leases (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  node_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  epoch INTEGER NOT NULL CHECK (epoch > 0),
  expires_at_us INTEGER NOT NULL,
  outstanding_units INTEGER NOT NULL CHECK (outstanding_units >= 0),
  granted_units INTEGER NOT NULL CHECK (granted_units >= 0),
  returned_units INTEGER NOT NULL CHECK (returned_units >= 0),
  shipped_units INTEGER NOT NULL CHECK (shipped_units >= 0),
  reported_unreserved_units INTEGER NOT NULL CHECK (reported_unreserved_units >= -1),
  reported_reserved_units INTEGER NOT NULL,
  reported_at_us INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, node_id, sku_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE escrow_grants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  node_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  epoch INTEGER NOT NULL CHECK (epoch > 0),
  units INTEGER NOT NULL CHECK (units > 0),
  expires_at_us INTEGER NOT NULL,
  correlation_id TEXT NOT NULL UNIQUE,
  created_at_us INTEGER NOT NULL,
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2),
  applied_at_sequence INTEGER NOT NULL,
  refusal TEXT NOT NULL,
  settled_at_us INTEGER NOT NULL
) STRICT;
CREATE INDEX escrow_grants_by_lease ON escrow_grants (gateway_id, node_id, sku_id, id);
)sql";

// Added by format version 5 too: whether a closure record reopens its node (1) rather
// than closes it (0). A column, not a table of its own: a reopening is delivered, applied
// and refused through the same rows as a closure, and its id is drawn from the same
// sequence, so the order of a node's closures and reopenings is the order of their ids.
constexpr const char* kAddReopenColumnSql =
    "ALTER TABLE node_closures ADD COLUMN reopen INTEGER NOT NULL DEFAULT 0 "
    "CHECK (reopen IN (0, 1));";

// Added by format version 5 too: how long a wave waits for a gateway (0: no limit), and
// central's clock when each gateway settled (PolicyOutcome::settled_at_us), which is when
// the wave after it opened. Columns: the rollout rule reads them with the rows it reads
// already. An outcome held before takes the time its entry arrived (the journal keeps
// central's clock of every entry); a policy pushed before waits without limit, as it did.
constexpr const char* kAddWaveTimeoutColumnsSql = R"sql(
ALTER TABLE policies ADD COLUMN wave_timeout_us INTEGER NOT NULL DEFAULT 0
  CHECK (wave_timeout_us >= 0);
ALTER TABLE policy_outcomes ADD COLUMN settled_at_us INTEGER NOT NULL DEFAULT 0;
UPDATE policy_outcomes SET settled_at_us = coalesce((SELECT e.received_at_us
  FROM journal_entries AS e WHERE e.gateway_id = policy_outcomes.gateway_id
  AND e.sequence = policy_outcomes.sequence), 0) WHERE change != 'trial';
)sql";

// Added by format version 6: what an operator reclaimed from a retired gateway's leases
// (reclaim_escrow_leases()). On the lease, in total; on the shared (node, SKU), the units
// reclaimed since its last count, which are neither free nor leased until a count says
// how many of them are still at the node. Columns: they are read with the rows they
// belong to.
constexpr const char* kAddReclaimColumnsSql = R"sql(
ALTER TABLE escrow_leases ADD COLUMN reclaimed_units INTEGER NOT NULL DEFAULT 0
  CHECK (reclaimed_units >= 0);
ALTER TABLE shared_stock ADD COLUMN uncounted_units INTEGER NOT NULL DEFAULT 0
  CHECK (uncounted_units >= 0);
)sql";

// Added by format version 7: the stock of record of the nodes gateways home, as their
// StockReports said (docs/sync.md, "Stock of record"). Keyed by gateway too: two gateways
// that both claim a node (a misconfiguration) show as two rows, not as one overwriting
// the other.
constexpr const char* kCreateHomedStockTableSql = R"sql(
CREATE TABLE homed_stock (
  node_id TEXT NOT NULL CHECK (node_id != ''),
  sku_id TEXT NOT NULL CHECK (sku_id != ''),
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
  reserved INTEGER NOT NULL CHECK (reserved >= 0),
  as_of_sequence INTEGER NOT NULL CHECK (as_of_sequence >= 0),
  reported_at_us INTEGER NOT NULL,
  PRIMARY KEY (node_id, sku_id, gateway_id)
) STRICT, WITHOUT ROWID;
)sql";

// What each upgrade adds, by the format it leaves (index 0: to format 2), in order. A new
// store is made by format 1's schema and every one of these (create_store()), so that it
// ends with the very schema an upgraded store has.
constexpr const char* kToFormatTwoSql[] = {kCreatePolicyTablesSql};
constexpr const char* kToFormatThreeSql[] = {kCreateClosureTablesSql};
constexpr const char* kToFormatFourSql[] = {kAddRetiredColumnSql};
constexpr const char* kToFormatFiveSql[] = {kCreateEscrowTablesSql, kAddReopenColumnSql,
                                            kAddWaveTimeoutColumnsSql};
constexpr const char* kToFormatSixSql[] = {kAddReclaimColumnsSql};
constexpr const char* kToFormatSevenSql[] = {kCreateHomedStockTableSql};
constexpr std::span<const char* const> kUpgradeSql[] = {kToFormatTwoSql,  kToFormatThreeSql,
                                                        kToFormatFourSql, kToFormatFiveSql,
                                                        kToFormatSixSql,  kToFormatSevenSql};
static_assert(std::size(kUpgradeSql) ==
              static_cast<std::size_t>(kFormatVersion - kOldestUpgradableFormatVersion));

// The statements that take a store of format `from` to kFormatVersion.
std::string upgrade_sql_from(std::int64_t from) {
  std::string sql;
  for (std::int64_t version = from; version < kFormatVersion; ++version) {
    for (const char* step : kUpgradeSql[version - kOldestUpgradableFormatVersion]) {
      sql += step;
      sql += '\n';
    }
  }
  return sql;
}

constexpr const char* kGatewayColumns =
    "id, certificate_sha256, acknowledged, newest_entry_recorded_at_us, registered_at_us, "
    "last_contact_us, reported_newest_sequence, clock_skew_us, retired_at_us";
// Rotation replaces the certificate only: the mark and the journal stay, and so does
// the time the gateway was first registered. Registering a retired gateway again is how
// it comes back: it is active from then on.
constexpr const char* kUpsertGatewaySql =
    "INSERT INTO gateways (id, certificate_sha256, acknowledged, newest_entry_recorded_at_us, "
    "registered_at_us, last_contact_us, reported_newest_sequence, clock_skew_us) "
    "VALUES (?1, ?2, 0, 0, ?3, 0, 0, 0) "
    "ON CONFLICT (id) DO UPDATE SET certificate_sha256 = excluded.certificate_sha256, "
    "retired_at_us = 0";
// A gateway retired already keeps the time it was first retired.
constexpr const char* kRetireGatewaySql =
    "UPDATE gateways SET retired_at_us = ?2 WHERE id = ?1 AND retired_at_us = 0";
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

// One statement, so the checks and the insert cannot be split by another process: the
// gateway is active, and the (node, SKU) is not shared stock (counted at central: no
// gateway homes it, so none applies a delta to it).
constexpr const char* kInsertDeltaSql =
    "INSERT INTO inventory_deltas (gateway_id, node_id, sku_id, units, reason, correlation_id, "
    "created_at_us, state, applied_at_sequence, refusal, settled_at_us) "
    "SELECT id, ?2, ?3, ?4, ?5, ?7, ?6, 0, 0, '', 0 FROM gateways "
    "WHERE id = ?1 AND retired_at_us = 0 "
    "AND NOT EXISTS (SELECT 1 FROM shared_stock WHERE node_id = ?2 AND sku_id = ?3)";
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

constexpr const char* kInsertClosureSql =
    "INSERT INTO node_closures (node_id, reason, created_at_us, reopen) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kInsertDeliverySql =
    "INSERT INTO node_closure_deliveries (closure_id, gateway_id, correlation_id, state, refusal, "
    "applied_at_sequence, settled_at_us) VALUES (?1, ?2, ?3, 0, '', 0, 0)";
// ?1 gateway ('' for all), ?2 state (-1 for any).
constexpr const char* kSelectDeliveriesSql =
    "SELECT d.closure_id, d.gateway_id, c.node_id, c.reason, d.correlation_id, c.created_at_us, "
    "d.state, d.applied_at_sequence, d.refusal, d.settled_at_us, c.reopen "
    "FROM node_closure_deliveries AS d JOIN node_closures AS c ON c.id = d.closure_id "
    "WHERE (?1 = '' OR d.gateway_id = ?1) AND (?2 < 0 OR d.state = ?2) "
    "ORDER BY d.closure_id, d.gateway_id";
// One statement, so one read snapshot: every closure, with its deliveries when it has any
// (a single row of NULLs for the delivery otherwise).
constexpr const char* kSelectClosuresSql =
    "SELECT c.id, c.node_id, c.reason, c.created_at_us, d.gateway_id, d.correlation_id, "
    "d.state, d.applied_at_sequence, d.refusal, d.settled_at_us, c.reopen "
    "FROM node_closures AS c LEFT JOIN node_closure_deliveries AS d ON d.closure_id = c.id "
    "ORDER BY c.id, d.gateway_id";
constexpr const char* kRefuseDeliverySql =
    "UPDATE node_closure_deliveries SET state = 2, refusal = ?3, settled_at_us = ?4 "
    "WHERE closure_id = ?1 AND gateway_id = ?2 AND state = 0";
// ?5: whether the entry reopened the node (node_reopened) or closed it (node_closed): an
// entry of the other kind under the delivery's id did not apply it.
constexpr const char* kApplyDeliverySql =
    "UPDATE node_closure_deliveries SET state = 1, applied_at_sequence = ?3, settled_at_us = ?4 "
    "WHERE gateway_id = ?1 AND correlation_id = ?2 AND state = 0 "
    "AND (SELECT reopen FROM node_closures WHERE id = closure_id) = ?5";
constexpr const char* kSelectDeliveryStateSql =
    "SELECT state FROM node_closure_deliveries WHERE closure_id = ?1 AND gateway_id = ?2";
// Entries are applied in sequence order, so a later failure of the order replaces an
// earlier one; the sequence guard keeps that true whatever the order.
constexpr const char* kUpsertStrandedSql =
    "INSERT INTO stranded_orders (gateway_id, order_id, node_id, sequence, reason) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (gateway_id, order_id) DO UPDATE SET "
    "node_id = excluded.node_id, sequence = excluded.sequence, reason = excluded.reason "
    "WHERE excluded.sequence > stranded_orders.sequence";
// ?3: the node the order moved away from (NULL: wherever it was stranded, a release).
constexpr const char* kClearStrandedSql =
    "DELETE FROM stranded_orders WHERE gateway_id = ?1 AND order_id = ?2 "
    "AND (?3 IS NULL OR node_id = ?3)";
constexpr const char* kSelectStrandedSql =
    "SELECT gateway_id, order_id, node_id, sequence, reason FROM stranded_orders "
    "ORDER BY gateway_id, order_id";

// One statement, so the check that the version is above every pushed one and the insert
// cannot be split by another process's push.
constexpr const char* kInsertPolicySql =
    "INSERT INTO policies (version, signed_bundle, pushed_at_us, expires_at_us, wave_size, "
    "max_failures, wave_timeout_us) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 "
    "WHERE ?1 > (SELECT coalesce(max(version), 0) FROM policies)";
constexpr const char* kSelectNewestVersionSql = "SELECT coalesce(max(version), 0) FROM policies";
constexpr const char* kSelectPoliciesSql =
    "SELECT version, pushed_at_us, expires_at_us, wave_size, max_failures, wave_timeout_us "
    "FROM policies ORDER BY version DESC";
constexpr const char* kSelectPolicyBundleSql =
    "SELECT signed_bundle FROM policies WHERE version = ?1";
// Entries are applied in sequence order, so a later entry about a version replaces an
// earlier one; the sequence guard keeps that true whatever the order.
// ?7: central's clock now. A trial settles nothing; a settling entry after a settled one
// keeps the first one's time, so a rollback after a commit opens no wave anew.
constexpr const char* kUpsertOutcomeSql =
    "INSERT INTO policy_outcomes (gateway_id, version, change, reason, sequence, recorded_at_us, "
    "settled_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?3 = 'trial' THEN 0 ELSE ?7 END) "
    "ON CONFLICT (gateway_id, version) DO UPDATE SET "
    "change = excluded.change, reason = excluded.reason, sequence = excluded.sequence, "
    "recorded_at_us = excluded.recorded_at_us, settled_at_us = CASE "
    "WHEN excluded.change = 'trial' OR policy_outcomes.change = 'trial' "
    "THEN excluded.settled_at_us ELSE policy_outcomes.settled_at_us END "
    "WHERE excluded.sequence > policy_outcomes.sequence "
    // A refusal names the version the bundle claimed, which a forged or altered bundle
    // may claim falsely: it never replaces what the gateway did with the genuine one.
    "AND (excluded.change != 'refused' OR policy_outcomes.change = 'refused')";
constexpr const char* kSelectOutcomesSql =
    "SELECT gateway_id, version, change, reason, sequence, recorded_at_us, settled_at_us "
    "FROM policy_outcomes WHERE version = ?1 ORDER BY gateway_id";

// Shared stock with what its leases hold; ?1 '' for every (node, SKU), else one.
constexpr const char* kSelectSharedStockSql =
    "SELECT s.node_id, s.sku_id, s.free_units, "
    "(SELECT coalesce(sum(l.outstanding_units), 0) FROM escrow_leases AS l "
    "WHERE l.node_id = s.node_id AND l.sku_id = s.sku_id), s.updated_at_us, s.uncounted_units "
    "FROM shared_stock AS s WHERE ?1 = '' OR (s.node_id = ?1 AND s.sku_id = ?2) "
    "ORDER BY s.node_id, s.sku_id";
// A count: what is at the node, less what the leases hold, is what central can lease. It
// settles the units reclaimed from retired gateways too: those still there are counted.
constexpr const char* kSetSharedStockSql =
    "INSERT INTO shared_stock (node_id, sku_id, free_units, updated_at_us) "
    "VALUES (?1, ?2, ?3 - (SELECT coalesce(sum(outstanding_units), 0) FROM escrow_leases "
    "WHERE node_id = ?1 AND sku_id = ?2), ?4) "
    "ON CONFLICT (node_id, sku_id) DO UPDATE SET free_units = excluded.free_units, "
    "updated_at_us = excluded.updated_at_us, uncounted_units = 0";
constexpr const char* kAdjustSharedStockSql =
    "INSERT INTO shared_stock (node_id, sku_id, free_units, updated_at_us) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (node_id, sku_id) DO UPDATE SET "
    "free_units = shared_stock.free_units + excluded.free_units, "
    "updated_at_us = excluded.updated_at_us";
// Units leaving free_units for a lease (negative) or coming back from one: not an
// operator's set or adjust, so updated_at_us stays. A (node, SKU) central never counted
// gets a row when a gateway's journal holds a lease of it (a grant made by a copy of
// this store that was lost): free_units below 0 shows the conflict, and updated_at_us
// 0 that no one counted it.
constexpr const char* kMoveFreeUnitsSql =
    "INSERT INTO shared_stock (node_id, sku_id, free_units, updated_at_us) VALUES (?1, ?2, ?3, 0) "
    "ON CONFLICT (node_id, sku_id) DO UPDATE SET "
    "free_units = shared_stock.free_units + excluded.free_units";
// Units reclaimed from a retired gateway's lease: out of the lease, not into free_units.
constexpr const char* kAddUncountedUnitsSql =
    "UPDATE shared_stock SET uncounted_units = uncounted_units + ?3 "
    "WHERE node_id = ?1 AND sku_id = ?2";

constexpr const char* kUpsertQuotaSql =
    "INSERT INTO escrow_quotas (gateway_id, node_id, sku_id, units, lease_seconds, set_at_us) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (gateway_id, node_id, sku_id) DO UPDATE SET "
    "units = excluded.units, lease_seconds = excluded.lease_seconds, "
    "set_at_us = excluded.set_at_us";
// ?1 gateway ('' for all).
constexpr const char* kSelectQuotasSql =
    "SELECT gateway_id, node_id, sku_id, units, lease_seconds, set_at_us FROM escrow_quotas "
    "WHERE ?1 = '' OR gateway_id = ?1 ORDER BY gateway_id, node_id, sku_id";

constexpr const char* kLeaseColumns =
    "gateway_id, node_id, sku_id, epoch, expires_at_us, outstanding_units, granted_units, "
    "returned_units, shipped_units, reported_unreserved_units, reported_reserved_units, "
    "reported_at_us, reclaimed_units";
// Every figure of a lease written at once: each change reads the lease, works out the
// new figures and writes them back, inside the transaction that also moves free_units.
constexpr const char* kPutLeaseSql =
    "INSERT INTO escrow_leases (gateway_id, node_id, sku_id, epoch, expires_at_us, "
    "outstanding_units, granted_units, returned_units, shipped_units, "
    "reported_unreserved_units, reported_reserved_units, reported_at_us, reclaimed_units) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (gateway_id, node_id, sku_id) DO UPDATE SET epoch = excluded.epoch, "
    "expires_at_us = excluded.expires_at_us, outstanding_units = excluded.outstanding_units, "
    "granted_units = excluded.granted_units, returned_units = excluded.returned_units, "
    "shipped_units = excluded.shipped_units, "
    "reported_unreserved_units = excluded.reported_unreserved_units, "
    "reported_reserved_units = excluded.reported_reserved_units, "
    "reported_at_us = excluded.reported_at_us, reclaimed_units = excluded.reclaimed_units";
// A standing counts only at the lease's current epoch: one about an earlier grant
// describes units the newer grant has changed.
constexpr const char* kReportLeaseSql =
    "UPDATE escrow_leases SET reported_unreserved_units = ?5, reported_reserved_units = ?6, "
    "reported_at_us = ?7 WHERE gateway_id = ?1 AND node_id = ?2 AND sku_id = ?3 AND epoch = ?4";

// A later part about the same record wins; an earlier one (a report that arrived late)
// leaves the newer record as it is.
constexpr const char* kUpsertHomedStockSql =
    "INSERT INTO homed_stock (node_id, sku_id, gateway_id, on_hand, reserved, as_of_sequence, "
    "reported_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (node_id, sku_id, gateway_id) DO UPDATE SET on_hand = excluded.on_hand, "
    "reserved = excluded.reserved, as_of_sequence = excluded.as_of_sequence, "
    "reported_at_us = excluded.reported_at_us "
    "WHERE excluded.as_of_sequence >= homed_stock.as_of_sequence";
// ?1 '' for every node, else one.
constexpr const char* kSelectHomedStockSql =
    "SELECT h.node_id, h.sku_id, h.gateway_id, h.on_hand, h.reserved, h.as_of_sequence, "
    "h.reported_at_us, g.acknowledged FROM homed_stock AS h JOIN gateways AS g "
    "ON g.id = h.gateway_id WHERE ?1 = '' OR h.node_id = ?1 "
    "ORDER BY h.node_id, h.sku_id, h.gateway_id";

constexpr const char* kGrantColumns =
    "id, gateway_id, node_id, sku_id, epoch, units, expires_at_us, correlation_id, "
    "created_at_us, state, applied_at_sequence, refusal, settled_at_us";
constexpr const char* kInsertGrantSql =
    "INSERT INTO escrow_grants (gateway_id, node_id, sku_id, epoch, units, expires_at_us, "
    "correlation_id, created_at_us, state, applied_at_sequence, refusal, settled_at_us) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, '', 0)";
constexpr const char* kSettleGrantSql =
    "UPDATE escrow_grants SET state = ?3, refusal = ?4, settled_at_us = ?5 "
    "WHERE id = ?1 AND gateway_id = ?2 AND state = 0";
// A pending grant, or one taken as refused that the gateway's journal shows applied (its
// refusal's words stay, the record of the conflict).
constexpr const char* kApplyGrantSql =
    "UPDATE escrow_grants SET state = 1, applied_at_sequence = ?2, settled_at_us = ?3 "
    "WHERE id = ?1 AND state != 1";

// A pushed policy's row, without its bundle.
struct PolicyRow {
  std::uint64_t version = 0;
  std::int64_t pushed_at_us = 0;
  std::int64_t expires_at_us = 0;
  std::uint32_t wave_size = 0;
  std::uint32_t max_failures = 1;
  std::int64_t wave_timeout_us = 0;
};

// A record's kind is taken over as it is.
static_assert(static_cast<int>(PolicyChange::trial) ==
              static_cast<int>(gateway::fbs::PolicyChangeKind::trial));
static_assert(static_cast<int>(PolicyChange::committed) ==
              static_cast<int>(gateway::fbs::PolicyChangeKind::committed));
static_assert(static_cast<int>(PolicyChange::reverted) ==
              static_cast<int>(gateway::fbs::PolicyChangeKind::reverted));
static_assert(static_cast<int>(PolicyChange::rolled_back) ==
              static_cast<int>(gateway::fbs::PolicyChangeKind::rolled_back));
static_assert(static_cast<int>(PolicyChange::refused) ==
              static_cast<int>(gateway::fbs::PolicyChangeKind::refused));

constexpr PolicyChange kPolicyChanges[] = {PolicyChange::trial, PolicyChange::committed,
                                           PolicyChange::reverted, PolicyChange::rolled_back,
                                           PolicyChange::refused};

std::optional<PolicyChange> policy_change_named(std::string_view name) {
  for (const PolicyChange change : kPolicyChanges)
    if (to_string(change) == name) return change;
  return std::nullopt;
}

// A rollback by a gateway's operator counts: someone who watches that warehouse judged
// the policy worse than the one before it.
bool is_failure(PolicyChange change) {
  return change == PolicyChange::refused || change == PolicyChange::reverted ||
         change == PolicyChange::rolled_back;
}

// What a policy_change entry tells: nullopt when its payload is not a PolicyChangeRecord
// this build reads (verified as the gateway's read_policy_change_record() does: the
// Verifier, a known kind, a trial carrying its policy). Such an entry is held all the
// same (the journal is the journal); it only tells central nothing.
// The entry's payload verified as a `Record`, or nullptr. The Verifier wants scalars at
// their natural alignment, and a gateway's batch need not have placed the payload so: a
// misaligned one is copied into `aligned`, which the result may then point into.
template <typename Record>
const Record* record_of(const StoredEntry& entry, std::vector<std::uint64_t>& aligned) {
  std::span<const std::uint8_t> payload = entry.payload;
  if (reinterpret_cast<std::uintptr_t>(payload.data()) % alignof(std::uint64_t) != 0) {
    aligned.assign((payload.size() + 7) / 8, 0);
    std::memcpy(aligned.data(), payload.data(), payload.size());
    payload = {reinterpret_cast<const std::uint8_t*>(aligned.data()), payload.size()};
  }
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (!verifier.VerifyBuffer<Record>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<Record>(payload.data());
}

std::optional<PolicyOutcome> outcome_told_by(const StoredEntry& entry,
                                             std::vector<std::uint64_t>& aligned) {
  const auto* record = record_of<gateway::fbs::PolicyChangeRecord>(entry, aligned);
  if (record == nullptr) return std::nullopt;
  if (record->change() > gateway::fbs::PolicyChangeKind::MAX) return std::nullopt;
  if (record->change() == gateway::fbs::PolicyChangeKind::trial && record->policy_json() == nullptr)
    return std::nullopt;
  if (record->version() > kLargestSequence) return std::nullopt;  // INTEGER on disk
  PolicyOutcome outcome;
  outcome.version = record->version();
  outcome.change = static_cast<PolicyChange>(record->change());
  outcome.reason = record->reason() != nullptr ? record->reason()->str() : "";
  outcome.sequence = entry.sequence;
  outcome.recorded_at_us = entry.recorded_at_us;
  return outcome;
}

// The order an entry leaves stranded: a fulfillment_event of an order whose record is a
// failure at a node with exception code "node_closed" or "central_count_short" (the
// gateway failing the order's part at a node central closed, or counted short); nullopt
// for any other entry, or one whose payload does not verify (held all the same).
std::optional<StrandedOrder> stranding_told_by(const StoredEntry& entry,
                                               std::vector<std::uint64_t>& aligned) {
  if (entry.kind != EntryKind::fulfillment_event || entry.order_id.empty()) return std::nullopt;
  const auto* record = record_of<gateway::fbs::FulfillmentRecord>(entry, aligned);
  if (record == nullptr || record->event() != protocol::fbs::FulfillmentEventKind::failed ||
      record->exception_code() == nullptr) {
    return std::nullopt;
  }
  const std::string_view exception = record->exception_code()->string_view();
  if (exception != kNodeClosedExceptionCode && exception != kCountShortExceptionCode) {
    return std::nullopt;
  }
  StrandedOrder stranded;
  stranded.order_id = std::string(entry.order_id);
  stranded.node_id = record->node_id()->str();
  stranded.sequence = entry.sequence;
  stranded.reason = record->detail() != nullptr && record->detail()->size() > 0
                        ? record->detail()->str()
                        : std::string(exception);
  return stranded;
}

// The node a reroute entry moved its order away from; nullopt for an entry that is not a
// reroute of an order, or whose payload does not verify.
std::optional<std::string> reroute_away_from(const StoredEntry& entry,
                                             std::vector<std::uint64_t>& aligned) {
  if (entry.kind != EntryKind::reroute || entry.order_id.empty()) return std::nullopt;
  const auto* record = record_of<gateway::fbs::RerouteRecord>(entry, aligned);
  if (record == nullptr) return std::nullopt;
  return record->from_node_id()->str();
}

// What a network_change entry under central's closure reference tells: true for a
// reopening of the node (node_reopened), false for a closure (node_closed); nullopt for
// another entry, a kind this build does not know, or a payload that does not verify (held
// all the same, and it applies no delivery).
std::optional<bool> closure_change_told_by(const StoredEntry& entry,
                                           std::vector<std::uint64_t>& aligned) {
  if (entry.kind != EntryKind::network_change || !names_central_closure(entry.correlation_id))
    return std::nullopt;
  const auto* record = record_of<gateway::fbs::NetworkChangeRecord>(entry, aligned);
  if (record == nullptr) return std::nullopt;
  switch (record->change()) {
    case gateway::fbs::NetworkChangeKind::node_closed: return false;
    case gateway::fbs::NetworkChangeKind::node_reopened: return true;
  }
  return std::nullopt;
}

// What an escrow_change entry tells; nullptr for another entry, or one whose payload does
// not verify (held all the same).
const gateway::fbs::EscrowChangeRecord* escrow_change_told_by(const StoredEntry& entry,
                                                              std::vector<std::uint64_t>& aligned) {
  if (entry.kind != EntryKind::escrow_change) return nullptr;
  const auto* record = record_of<gateway::fbs::EscrowChangeRecord>(entry, aligned);
  if (record == nullptr || record->change() > gateway::fbs::EscrowChangeKind::MAX) return nullptr;
  return record;
}

// A grant top_up_escrow() is to make: the quota it serves, the lease it tops up (none
// yet: a new one) and its units.
struct DueGrant {
  EscrowQuota quota;
  std::optional<EscrowLease> lease;
  std::int64_t units = 0;
};

// A stock line that left its node: a handed_off fulfillment_event's shipped line.
struct ShippedLine {
  std::string node_id;
  std::string sku_id;
  std::int32_t quantity = 0;
};

// The lines a handed_off fulfillment_event shipped; none for any other entry, or one whose
// payload does not verify.
std::vector<ShippedLine> shipments_told_by(const StoredEntry& entry,
                                           std::vector<std::uint64_t>& aligned) {
  std::vector<ShippedLine> lines;
  if (entry.kind != EntryKind::fulfillment_event) return lines;
  const auto* record = record_of<gateway::fbs::FulfillmentRecord>(entry, aligned);
  if (record == nullptr || record->event() != protocol::fbs::FulfillmentEventKind::handed_off ||
      record->shipped() == nullptr) {
    return lines;
  }
  for (const gateway::fbs::HeldStockRecord* held : *record->shipped()) {
    if (held->quantity() <= 0) continue;
    lines.push_back(ShippedLine{held->node_id()->str(), held->sku_id()->str(), held->quantity()});
  }
  return lines;
}

// now + seconds, held at the largest time rather than overflowing.
std::int64_t expiry_after(std::int64_t now_us, std::int64_t seconds) {
  constexpr std::int64_t kMicrosPerSecond = 1'000'000;
  constexpr std::int64_t kLargest = std::numeric_limits<std::int64_t>::max();
  if (seconds > (kLargest - std::max<std::int64_t>(now_us, 0)) / kMicrosPerSecond) return kLargest;
  return now_us + seconds * kMicrosPerSecond;
}

// `at_us` + `duration_us` (>= 0), held at the largest time rather than overflowing.
std::int64_t time_after(std::int64_t at_us, std::int64_t duration_us) {
  constexpr std::int64_t kLargest = std::numeric_limits<std::int64_t>::max();
  return at_us > kLargest - duration_us ? kLargest : at_us + duration_us;
}

// The rollout of `policy` among `gateways` (registered, ordered by id, retired ones too)
// given their outcomes for it (by gateway id), `newest_version` the newest pushed. The one
// place the rollout rule lives (PolicyRelease): policy_version_for() offers the newest
// policy to a gateway exactly when its rollout is rolling_out and is_offered() holds for
// the gateway's standing.
PolicyRollout rollout_of(const PolicyRow& policy, const std::vector<GatewayRecord>& gateways,
                         const std::map<std::string, PolicyOutcome, std::less<>>& outcomes,
                         std::uint64_t newest_version, std::int64_t now_us) {
  PolicyRollout rollout;
  rollout.version = policy.version;
  rollout.pushed_at_us = policy.pushed_at_us;
  rollout.expires_at_us = policy.expires_at_us;
  rollout.wave_size = policy.wave_size;
  rollout.max_failures = policy.max_failures;
  rollout.wave_timeout_us = policy.wave_timeout_us;
  // A retired gateway's failure counts all the same: it happened, and retiring the
  // gateway must not reopen a rollout the operator's threshold halted.
  for (const auto& [gateway_id, outcome] : outcomes)
    if (is_failure(outcome.change)) ++rollout.failures;
  // Wave places go to the active gateways alone, in id order: a retired gateway never
  // answers, and would hold every later wave shut.
  const auto wave_of = [&](std::size_t place) {
    return static_cast<std::uint32_t>(policy.wave_size == 0 ? 0 : place / policy.wave_size);
  };
  std::vector<std::uint32_t> waves(gateways.size(), 0);
  std::vector<std::optional<std::int64_t>> opened_at(gateways.size());  // nullopt: not open
  std::vector<bool> timed_out(gateways.size(), false);
  // Waves are walked in order, as their gateways come in id order. A wave opens once every
  // gateway of the waves before it has settled (committed, or failed, which counts toward
  // max_failures instead: a failure must not hold the later waves shut below the threshold
  // the operator chose) or timed out, at the latest of those moments.
  std::uint32_t wave = 0;
  std::int64_t wave_opened_at_us = policy.pushed_at_us;
  std::int64_t next_wave_opens_at_us = wave_opened_at_us;
  bool every_one_so_far_done = true;  // every gateway walked so far settled or timed out
  bool wave_open = true;
  std::size_t active = 0;
  bool every_one_committed = true;
  for (std::size_t index = 0; index < gateways.size(); ++index) {
    if (gateways[index].retired()) continue;
    waves[index] = wave_of(active++);
    const auto found = outcomes.find(gateways[index].gateway_id);
    const bool committed =
        found != outcomes.end() && found->second.change == PolicyChange::committed;
    if (!committed) every_one_committed = false;
    if (waves[index] != wave) {
      wave = waves[index];
      wave_open = every_one_so_far_done;
      if (wave_open) wave_opened_at_us = std::max(wave_opened_at_us, next_wave_opens_at_us);
    }
    // A wave is not open while a gateway before it is neither settled nor timed out: nor
    // is any after it.
    if (!wave_open) continue;
    opened_at[index] = wave_opened_at_us;
    const bool settled = found != outcomes.end() && found->second.change != PolicyChange::trial;
    const std::optional<std::int64_t> deadline_us =
        policy.wave_timeout_us > 0
            ? std::optional<std::int64_t>(time_after(wave_opened_at_us, policy.wave_timeout_us))
            : std::nullopt;
    std::int64_t done_at_us = 0;
    if (settled) {
      // An answer after the time ran out moves nothing: the gateway was done at the deadline.
      done_at_us = deadline_us ? std::min(found->second.settled_at_us, *deadline_us)
                               : found->second.settled_at_us;
    } else if (deadline_us && now_us >= *deadline_us) {
      done_at_us = *deadline_us;
      timed_out[index] = true;
    } else {
      every_one_so_far_done = false;
      continue;
    }
    next_wave_opens_at_us = std::max(next_wave_opens_at_us, done_at_us);
  }
  if (active > 0 && every_one_committed) {
    rollout.state = PolicyRollout::State::complete;
  } else if (rollout.failures >= policy.max_failures) {
    rollout.state = PolicyRollout::State::halted;
  } else if (policy.version < newest_version) {
    rollout.state = PolicyRollout::State::superseded;
  } else if (now_us >= policy.expires_at_us) {
    rollout.state = PolicyRollout::State::expired;
  } else {
    rollout.state = PolicyRollout::State::rolling_out;
  }
  const bool rolling_out = rollout.state == PolicyRollout::State::rolling_out;
  for (std::size_t index = 0; index < gateways.size(); ++index) {
    PolicyRollout::Gateway standing;
    standing.gateway_id = gateways[index].gateway_id;
    standing.wave = waves[index];
    const auto found = outcomes.find(standing.gateway_id);
    if (found != outcomes.end()) standing.outcome = found->second;
    const bool reported = found != outcomes.end();
    const bool settled = reported && found->second.change != PolicyChange::trial;
    standing.wave_opened_at_us = opened_at[index].value_or(0);  // a retired one has no wave
    if (gateways[index].retired()) {
      standing.standing = PolicyRollout::Standing::retired;
    } else if (settled) {
      standing.standing = PolicyRollout::Standing::reported;
    } else if (!rolling_out) {
      standing.standing =
          reported ? PolicyRollout::Standing::reported : PolicyRollout::Standing::not_offered;
    } else if (timed_out[index]) {
      standing.standing = PolicyRollout::Standing::timed_out;  // with its trial, if on one
    } else if (reported) {
      standing.standing = PolicyRollout::Standing::reported;  // on trial
    } else if (opened_at[index]) {
      standing.standing = PolicyRollout::Standing::waiting;
    } else {
      standing.standing = PolicyRollout::Standing::later_wave;
    }
    rollout.gateways.push_back(std::move(standing));
  }
  return rollout;
}

// Whether a gateway of a rolling_out rollout is offered the policy: its wave is open and
// it has told central nothing about it yet.
bool is_offered(const PolicyRollout::Gateway& gateway) {
  return !gateway.outcome && (gateway.standing == PolicyRollout::Standing::waiting ||
                              gateway.standing == PolicyRollout::Standing::timed_out);
}

std::uint64_t column_unsigned(sqlite3_stmt* statement, int column) {
  const std::int64_t value = sqlite3_column_int64(statement, column);
  return static_cast<std::uint64_t>(value < 0 ? 0 : value);
}

// 64 random bits for a correlation id (central_delta.h).
std::uint64_t random_nonce() {
  std::random_device entropy;
  return (static_cast<std::uint64_t>(entropy()) << 32) | entropy();
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
        "BEGIN IMMEDIATE; PRAGMA application_id = {}; PRAGMA user_version = {}; {} {} COMMIT;",
        kPageSizeBytes, kApplicationId, kFormatVersion, kCreateSchemaSql,
        upgrade_sql_from(kOldestUpgradableFormatVersion));
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

  Status retire_gateway(std::string_view gateway_id, std::int64_t now_us) override {
    const std::string operation = fmt::format("retire gateway '{}'", gateway_id);
    if (now_us <= 0) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: {}: the time {} µs is not after the epoch (0 means active)",
                                path_, operation, now_us));
    }
    if (Status free = not_reading("retire_gateway"); !free.is_ok()) return free;
    bind_text(retire_gateway_.get(), 1, gateway_id);
    sqlite3_bind_int64(retire_gateway_.get(), 2, now_us);
    if (Status retired = step_once(retire_gateway_, operation); !retired.is_ok()) return retired;
    if (sqlite3_changes(db()) == 1) return Status::ok();
    // Nothing changed: a gateway never registered, or one retired before (which keeps the
    // time it was first retired).
    Result<std::optional<GatewayRecord>> known = gateway(gateway_id);
    if (!known) return known.status();
    if (!known->has_value()) return unknown_gateway(gateway_id, operation);
    return Status::ok();
  }

  Result<std::optional<GatewayRecord>> gateway(std::string_view gateway_id) const override {
    ResetOnExit reset(select_gateway_);
    bind_text(select_gateway_.get(), 1, gateway_id);
    return row_of<GatewayRecord>(select_gateway_.get(),
                                 fmt::format("read gateway '{}'", gateway_id), &record_from);
  }

  Result<std::vector<GatewayRecord>> gateways() const override {
    ResetOnExit reset(select_gateways_);
    return rows_of<GatewayRecord>(select_gateways_.get(), "read the gateways", &record_from);
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
    return in_transaction(
        operation, [&] { return apply_in_transaction(gateway_id, entries, now_us, operation); });
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
    const std::string correlation_id = central_delta_correlation_id(random_nonce());
    bind_text(insert, 7, correlation_id);
    if (Status inserted = step_once(insert_delta_, operation); !inserted.is_ok()) return inserted;
    if (sqlite3_changes(db()) == 1)
      return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db()));
    // Nothing inserted: a gateway never registered, a retired one, or shared stock.
    Result<std::optional<GatewayRecord>> known = gateway(gateway_id);
    if (!known) return known.status();
    if (!known->has_value()) return unknown_gateway(gateway_id, operation);
    if ((*known)->retired()) {
      return Status(StatusCode::failed_precondition,
                    fmt::format("{}: {}: gateway '{}' is retired; register it again to send it "
                                "changes",
                                path_, operation, gateway_id));
    }
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: {}: SKU '{}' at node '{}' is shared stock, counted at "
                              "central: use inventory adjust without --gateway or inventory set",
                              path_, operation, sku_id, node_id));
  }

  Result<std::vector<InventoryDelta>> inventory_deltas(
      std::string_view gateway_id, std::optional<InventoryDelta::State> state) const override {
    sqlite3_stmt* select = select_deltas_.get();
    ResetOnExit reset(select_deltas_);
    bind_text(select, 1, gateway_id);
    sqlite3_bind_int(select, 2, state ? static_cast<int>(*state) : -1);
    return rows_of<InventoryDelta>(select, "read inventory deltas", [](sqlite3_stmt* row) {
      InventoryDelta delta;
      delta.id = column_unsigned(row, 0);
      delta.gateway_id = column_text(row, 1);
      delta.node_id = column_text(row, 2);
      delta.sku_id = column_text(row, 3);
      delta.units = sqlite3_column_int(row, 4);
      delta.reason = column_text(row, 5);
      delta.created_at_us = sqlite3_column_int64(row, 6);
      delta.state = static_cast<InventoryDelta::State>(sqlite3_column_int(row, 7));
      delta.applied_at_sequence = column_unsigned(row, 8);
      delta.refusal = column_text(row, 9);
      delta.settled_at_us = sqlite3_column_int64(row, 10);
      delta.correlation_id = column_text(row, 11);
      return delta;
    });
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

  Result<std::uint64_t> add_node_closure(std::string_view node_id, std::string_view reason,
                                         std::int64_t now_us) override {
    return add_closure_record(node_id, reason, /*reopen=*/false, now_us);
  }

  Result<std::uint64_t> add_node_reopening(std::string_view node_id, std::string_view reason,
                                           std::int64_t now_us) override {
    return add_closure_record(node_id, reason, /*reopen=*/true, now_us);
  }

  Result<std::vector<NodeClosureDelivery>> node_closure_deliveries(
      std::string_view gateway_id, std::optional<NodeClosureDelivery::State> state) const override {
    sqlite3_stmt* select = select_deliveries_.get();
    ResetOnExit reset(select_deliveries_);
    bind_text(select, 1, gateway_id);
    sqlite3_bind_int(select, 2, state ? static_cast<int>(*state) : -1);
    return rows_of<NodeClosureDelivery>(
        select, "read node closure deliveries", [](sqlite3_stmt* row) {
          NodeClosureDelivery delivery;
          delivery.closure_id = column_unsigned(row, 0);
          delivery.gateway_id = column_text(row, 1);
          delivery.node_id = column_text(row, 2);
          delivery.reason = column_text(row, 3);
          delivery.correlation_id = column_text(row, 4);
          delivery.created_at_us = sqlite3_column_int64(row, 5);
          delivery.state = static_cast<NodeClosureDelivery::State>(sqlite3_column_int(row, 6));
          delivery.applied_at_sequence = column_unsigned(row, 7);
          delivery.refusal = column_text(row, 8);
          delivery.settled_at_us = sqlite3_column_int64(row, 9);
          delivery.reopen = sqlite3_column_int(row, 10) != 0;
          return delivery;
        });
  }

  Result<std::vector<NodeClosure>> node_closures() const override {
    sqlite3_stmt* select = select_closures_.get();
    ResetOnExit reset(select_closures_);
    std::vector<NodeClosure> closures;
    for (;;) {
      const int stepped = sqlite3_step(select);
      if (stepped == SQLITE_DONE) return closures;
      if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, "read node closures");
      const std::uint64_t id = column_unsigned(select, 0);
      if (closures.empty() || closures.back().id != id) {
        NodeClosure closure;
        closure.id = id;
        closure.node_id = column_text(select, 1);
        closure.reason = column_text(select, 2);
        closure.created_at_us = sqlite3_column_int64(select, 3);
        closure.reopen = sqlite3_column_int(select, 10) != 0;
        closures.push_back(std::move(closure));
      }
      if (sqlite3_column_type(select, 4) == SQLITE_NULL) continue;  // delivered to no one
      NodeClosure& closure = closures.back();
      NodeClosureDelivery delivery;
      delivery.closure_id = id;
      delivery.gateway_id = column_text(select, 4);
      delivery.node_id = closure.node_id;
      delivery.reason = closure.reason;
      delivery.reopen = closure.reopen;
      delivery.correlation_id = column_text(select, 5);
      delivery.created_at_us = closure.created_at_us;
      delivery.state = static_cast<NodeClosureDelivery::State>(sqlite3_column_int(select, 6));
      delivery.applied_at_sequence = column_unsigned(select, 7);
      delivery.refusal = column_text(select, 8);
      delivery.settled_at_us = sqlite3_column_int64(select, 9);
      closure.deliveries.push_back(std::move(delivery));
    }
  }

  Status refuse_node_closure(std::uint64_t closure_id, std::string_view gateway_id,
                             std::string_view why, std::int64_t now_us) override {
    if (Status free = not_reading("refuse_node_closure"); !free.is_ok()) return free;
    const std::int64_t id = static_cast<std::int64_t>(std::min(closure_id, kLargestSequence));
    sqlite3_stmt* update = refuse_delivery_.get();
    sqlite3_bind_int64(update, 1, id);
    bind_text(update, 2, gateway_id);
    bind_text(update, 3, why);
    sqlite3_bind_int64(update, 4, now_us);
    if (Status settled = step_once(
            refuse_delivery_,
            fmt::format("refuse node closure {} at gateway '{}'", closure_id, gateway_id));
        !settled.is_ok()) {
      return settled;
    }
    if (sqlite3_changes(db()) == 1) return Status::ok();
    ResetOnExit reset(select_delivery_state_);
    sqlite3_bind_int64(select_delivery_state_.get(), 1, id);
    bind_text(select_delivery_state_.get(), 2, gateway_id);
    const int stepped = sqlite3_step(select_delivery_state_.get());
    if (stepped == SQLITE_ROW) {
      const auto state = static_cast<NodeClosureDelivery::State>(
          sqlite3_column_int(select_delivery_state_.get(), 0));
      return Status(StatusCode::failed_precondition,
                    fmt::format("{}: node closure {} at gateway '{}' is {}, not pending", path_,
                                closure_id, gateway_id, to_string(state)));
    }
    if (stepped != SQLITE_DONE)
      return sqlite_status(db(), stepped, path_, "read a node closure delivery");
    return Status(StatusCode::not_found,
                  fmt::format("{}: node closure {} was not sent to gateway '{}'", path_, closure_id,
                              gateway_id));
  }

  Result<std::vector<StrandedOrder>> stranded_orders() const override {
    sqlite3_stmt* select = select_stranded_.get();
    ResetOnExit reset(select_stranded_);
    return rows_of<StrandedOrder>(select, "read stranded orders", [](sqlite3_stmt* row) {
      StrandedOrder order;
      order.gateway_id = column_text(row, 0);
      order.order_id = column_text(row, 1);
      order.node_id = column_text(row, 2);
      order.sequence = column_unsigned(row, 3);
      order.reason = column_text(row, 4);
      return order;
    });
  }

  Status add_policy(const PolicyRelease& release, std::int64_t now_us) override {
    const std::string operation = fmt::format("push policy version {}", release.version);
    const auto invalid = [&](std::string_view why) {
      return Status(StatusCode::invalid_argument, fmt::format("{}: {}: {}", path_, operation, why));
    };
    if (release.version == 0 || release.version > kLargestSequence)
      return invalid("a policy version is 1..2^63-1");
    if (release.signed_bundle.empty()) return invalid("the signed bundle is empty");
    if (release.signed_bundle.size() > kMaxPolicyBundleBytes) {
      return invalid(fmt::format("the signed bundle of {} bytes exceeds the limit of {}",
                                 release.signed_bundle.size(), kMaxPolicyBundleBytes));
    }
    // What a gateway will be offered under this version must carry it.
    if (const std::uint64_t claimed = claimed_policy_version(release.signed_bundle);
        claimed != release.version) {
      return invalid(claimed == 0 ? std::string("the bundle is not a signed policy bundle")
                                  : fmt::format("the bundle carries version {}", claimed));
    }
    if (release.max_failures == 0)
      return invalid("max_failures is 0; a rollout halts after 1 or more failures");
    if (release.wave_timeout_us < 0) {
      return invalid(
          fmt::format("wave_timeout_us {} is below 0 (0: no limit)", release.wave_timeout_us));
    }
    if (release.expires_at_us <= now_us) {
      return invalid(
          fmt::format("it expires at {} µs, not after now ({} µs)", release.expires_at_us, now_us));
    }
    if (Status free = not_reading("add_policy"); !free.is_ok()) return free;
    sqlite3_stmt* insert = insert_policy_.get();
    sqlite3_bind_int64(insert, 1, static_cast<std::int64_t>(release.version));
    bind_bytes(insert, 2, release.signed_bundle);
    sqlite3_bind_int64(insert, 3, now_us);
    sqlite3_bind_int64(insert, 4, release.expires_at_us);
    sqlite3_bind_int64(insert, 5, release.wave_size);
    sqlite3_bind_int64(insert, 6, release.max_failures);
    sqlite3_bind_int64(insert, 7, release.wave_timeout_us);
    if (Status inserted = step_once(insert_policy_, operation); !inserted.is_ok()) return inserted;
    if (sqlite3_changes(db()) == 1) return Status::ok();
    Result<std::int64_t> newest = connection_.query_integer(kSelectNewestVersionSql);
    if (!newest) return newest.status();
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: policy version {} is not above {}, the newest pushed", path_,
                              release.version, *newest));
  }

  Result<std::optional<PolicyOffer>> policy_offer_for(std::string_view gateway_id,
                                                      std::int64_t now_us) const override {
    Result<std::optional<std::uint64_t>> version = policy_version_for(gateway_id, now_us);
    if (!version) return version.status();
    if (!version->has_value()) return std::optional<PolicyOffer>();
    sqlite3_stmt* select = select_policy_bundle_.get();
    ResetOnExit reset(select_policy_bundle_);
    sqlite3_bind_int64(select, 1, static_cast<std::int64_t>(**version));
    const int stepped = sqlite3_step(select);
    if (stepped == SQLITE_DONE) return std::optional<PolicyOffer>();  // policies are never deleted
    if (stepped != SQLITE_ROW) {
      return sqlite_status(db(), stepped, path_,
                           fmt::format("read the bundle of policy version {}", **version));
    }
    const std::span<const std::uint8_t> bundle = journal::sqlite::column_bytes(select, 0);
    return std::optional<PolicyOffer>(
        PolicyOffer{**version, std::vector<std::uint8_t>(bundle.begin(), bundle.end())});
  }

  Result<std::optional<std::uint64_t>> policy_version_for(std::string_view gateway_id,
                                                          std::int64_t now_us) const override {
    Result<std::vector<PolicyRow>> newest = policy_rows(1);
    if (!newest) return newest.status();
    if (newest->empty()) return std::optional<std::uint64_t>();
    Result<PolicyRollout> rollout = rollout_at(newest->front(), newest->front().version, now_us);
    if (!rollout) return rollout.status();
    if (rollout->state != PolicyRollout::State::rolling_out) return std::optional<std::uint64_t>();
    for (const PolicyRollout::Gateway& gateway : rollout->gateways) {
      if (gateway.gateway_id == gateway_id && is_offered(gateway))
        return std::optional<std::uint64_t>(rollout->version);
    }
    return std::optional<std::uint64_t>();
  }

  Result<std::vector<PolicyRollout>> policy_rollouts(std::int64_t now_us) const override {
    Result<std::vector<PolicyRow>> pushed = policy_rows(-1);
    if (!pushed) return pushed.status();
    std::vector<PolicyRollout> rollouts;
    for (const PolicyRow& policy : *pushed) {
      Result<PolicyRollout> rollout = rollout_at(policy, pushed->front().version, now_us);
      if (!rollout) return rollout.status();
      rollouts.push_back(std::move(*rollout));
    }
    return rollouts;
  }

  Result<std::vector<PolicyOutcome>> policy_outcomes(std::uint64_t version) const override {
    const std::string operation = fmt::format("read the outcomes of policy version {}", version);
    sqlite3_stmt* select = select_outcomes_.get();
    ResetOnExit reset(select_outcomes_);
    sqlite3_bind_int64(select, 1, static_cast<std::int64_t>(std::min(version, kLargestSequence)));
    std::vector<PolicyOutcome> outcomes;
    for (;;) {
      const int stepped = sqlite3_step(select);
      if (stepped == SQLITE_DONE) return outcomes;
      if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, operation);
      PolicyOutcome outcome;
      outcome.gateway_id = column_text(select, 0);
      outcome.version = column_unsigned(select, 1);
      const std::optional<PolicyChange> change = policy_change_named(column_text(select, 2));
      if (!change) {
        return Status(StatusCode::corruption,
                      fmt::format("{}: {}: gateway '{}' has change '{}'", path_, operation,
                                  outcome.gateway_id, column_text(select, 2)));
      }
      outcome.change = *change;
      outcome.reason = column_text(select, 3);
      outcome.sequence = column_unsigned(select, 4);
      outcome.recorded_at_us = sqlite3_column_int64(select, 5);
      outcome.settled_at_us = sqlite3_column_int64(select, 6);
      outcomes.push_back(std::move(outcome));
    }
  }

  Result<SharedStock> set_shared_stock(std::string_view node_id, std::string_view sku_id,
                                       std::int64_t counted_units, std::int64_t now_us) override {
    const std::string operation =
        fmt::format("set the shared stock of SKU '{}' at node '{}'", sku_id, node_id);
    if (Status named = check_shared_key(node_id, sku_id, operation); !named.is_ok()) return named;
    if (counted_units < 0 || counted_units > kMaxSharedUnits) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: {}: units {} is not a count of 0..{}", path_, operation,
                                counted_units, kMaxSharedUnits));
    }
    if (Status free = not_reading("set_shared_stock"); !free.is_ok()) return free;
    // One transaction: the leases summed are the ones the count is set against.
    return in_transaction(operation, [&]() -> Result<SharedStock> {
      sqlite3_stmt* set = set_shared_stock_.get();
      bind_text(set, 1, node_id);
      bind_text(set, 2, sku_id);
      sqlite3_bind_int64(set, 3, counted_units);
      sqlite3_bind_int64(set, 4, now_us);
      if (Status stored = step_once(set_shared_stock_, operation); !stored.is_ok()) return stored;
      return stock_after(node_id, sku_id, operation);
    });
  }

  Result<SharedStock> adjust_shared_stock(std::string_view node_id, std::string_view sku_id,
                                          std::int64_t units, std::int64_t now_us) override {
    const std::string operation =
        fmt::format("adjust the shared stock of SKU '{}' at node '{}'", sku_id, node_id);
    if (Status named = check_shared_key(node_id, sku_id, operation); !named.is_ok()) return named;
    if (units == 0 || units > kMaxSharedUnits || units < -kMaxSharedUnits) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: {}: units {} is not a change of 1..{} either way", path_,
                                operation, units, kMaxSharedUnits));
    }
    if (Status free = not_reading("adjust_shared_stock"); !free.is_ok()) return free;
    return in_transaction(operation, [&]() -> Result<SharedStock> {
      sqlite3_stmt* adjust = adjust_shared_stock_.get();
      bind_text(adjust, 1, node_id);
      bind_text(adjust, 2, sku_id);
      sqlite3_bind_int64(adjust, 3, units);
      sqlite3_bind_int64(adjust, 4, now_us);
      if (Status stored = step_once(adjust_shared_stock_, operation); !stored.is_ok())
        return stored;
      return stock_after(node_id, sku_id, operation);
    });
  }

  Result<std::vector<SharedStock>> shared_stock() const override {
    return shared_stock_rows("", "", "read the shared stock");
  }

  Status set_escrow_quota(const EscrowQuota& quota, std::int64_t now_us) override {
    const std::string operation =
        fmt::format("set the escrow quota of gateway '{}' for SKU '{}' at node '{}'",
                    quota.gateway_id, quota.sku_id, quota.node_id);
    const auto invalid = [&](std::string_view why) {
      return Status(StatusCode::invalid_argument, fmt::format("{}: {}: {}", path_, operation, why));
    };
    if (quota.node_id.empty()) return invalid("node_id is empty");
    if (quota.sku_id.empty()) return invalid("sku_id is empty");
    if (quota.units < 0 || quota.units > kMaxSharedUnits) {
      return invalid(
          fmt::format("units {} is not 0..{} (0: no more top-ups)", quota.units, kMaxSharedUnits));
    }
    if (quota.lease_seconds <= 0)
      return invalid(fmt::format("lease_seconds {} is not above 0", quota.lease_seconds));
    if (Status free = not_reading("set_escrow_quota"); !free.is_ok()) return free;
    return in_transaction(operation, [&]() -> Status {
      Result<std::optional<GatewayRecord>> known = gateway(quota.gateway_id);
      if (!known) return known.status();
      if (!known->has_value()) return unknown_gateway(quota.gateway_id, operation);
      if ((*known)->retired()) {
        return Status(StatusCode::failed_precondition,
                      fmt::format("{}: {}: gateway '{}' is retired; register it again to lease "
                                  "it stock",
                                  path_, operation, quota.gateway_id));
      }
      Result<std::vector<SharedStock>> stock =
          shared_stock_rows(quota.node_id, quota.sku_id, operation);
      if (!stock) return stock.status();
      if (stock->empty()) {
        return invalid(
            fmt::format("SKU '{}' at node '{}' is not shared stock; set it first "
                        "with inventory set",
                        quota.sku_id, quota.node_id));
      }
      sqlite3_stmt* upsert = upsert_quota_.get();
      bind_text(upsert, 1, quota.gateway_id);
      bind_text(upsert, 2, quota.node_id);
      bind_text(upsert, 3, quota.sku_id);
      sqlite3_bind_int64(upsert, 4, quota.units);
      sqlite3_bind_int64(upsert, 5, quota.lease_seconds);
      sqlite3_bind_int64(upsert, 6, now_us);
      return step_once(upsert_quota_, operation);
    });
  }

  Result<std::vector<EscrowQuota>> escrow_quotas(std::string_view gateway_id) const override {
    sqlite3_stmt* select = select_quotas_.get();
    ResetOnExit reset(select_quotas_);
    bind_text(select, 1, gateway_id);
    return rows_of<EscrowQuota>(select, "read escrow quotas", [](sqlite3_stmt* row) {
      EscrowQuota quota;
      quota.gateway_id = column_text(row, 0);
      quota.node_id = column_text(row, 1);
      quota.sku_id = column_text(row, 2);
      quota.units = sqlite3_column_int(row, 3);
      quota.lease_seconds = sqlite3_column_int64(row, 4);
      quota.set_at_us = sqlite3_column_int64(row, 5);
      return quota;
    });
  }

  Result<std::vector<EscrowGrantRecord>> top_up_escrow(std::string_view gateway_id,
                                                       std::int64_t now_us) override {
    if (Status free = not_reading("top_up_escrow"); !free.is_ok()) return free;
    if (gateway_id.empty()) return std::vector<EscrowGrantRecord>();
    const std::string operation = fmt::format("top up the escrow of gateway '{}'", gateway_id);
    // A session asks on every tick, and nothing is due far more often than not: that
    // answer costs reads, not the write lock every gateway's batches wait on. The reads
    // need not agree with one another (each is a snapshot of its own): they only decide
    // whether to ask again under the lock, and a grant they miss is due on the next tick.
    Result<std::vector<DueGrant>> due = grants_due(gateway_id, now_us, operation);
    if (!due) return due.status();
    if (due->empty()) return std::vector<EscrowGrantRecord>();
    return in_transaction(operation,
                          [&] { return top_up_in_transaction(gateway_id, now_us, operation); });
  }

  Result<std::vector<EscrowGrantRecord>> escrow_grants(
      std::string_view gateway_id, std::optional<EscrowGrantRecord::State> state) const override {
    sqlite3_stmt* select = select_grants_.get();
    ResetOnExit reset(select_grants_);
    bind_text(select, 1, gateway_id);
    sqlite3_bind_int(select, 2, state ? static_cast<int>(*state) : -1);
    return rows_of<EscrowGrantRecord>(select, "read escrow grants", &grant_from);
  }

  Status refuse_escrow_grant(std::uint64_t grant_id, std::string_view gateway_id,
                             std::string_view why, std::int64_t now_us) override {
    const std::string operation =
        fmt::format("refuse escrow grant {} at gateway '{}'", grant_id, gateway_id);
    if (Status free = not_reading("refuse_escrow_grant"); !free.is_ok()) return free;
    return in_transaction(operation, [&]() -> Status {
      Result<std::optional<EscrowGrantRecord>> found = grant_by_id(grant_id, operation);
      if (!found) return found.status();
      if (!found->has_value() || (*found)->gateway_id != gateway_id) {
        return Status(StatusCode::not_found, fmt::format("{}: gateway '{}' has no escrow grant {}",
                                                         path_, gateway_id, grant_id));
      }
      const EscrowGrantRecord& grant = **found;
      if (grant.state != EscrowGrantRecord::State::pending) {
        return Status(StatusCode::failed_precondition,
                      fmt::format("{}: escrow grant {} of gateway '{}' is {}, not pending", path_,
                                  grant_id, gateway_id, to_string(grant.state)));
      }
      if (Status settled =
              settle_grant(grant, EscrowGrantRecord::State::refused, why, now_us, operation);
          !settled.is_ok()) {
        return settled;
      }
      // The gateway never held the units: they leave the lease and central can lease
      // them again.
      return give_back_to_free(grant.gateway_id, grant.node_id, grant.sku_id, grant.units,
                               operation, [&](EscrowLease& lease) {
                                 lease.granted_units -=
                                     std::min<std::int64_t>(grant.units, lease.granted_units);
                               });
    });
  }

  Status record_escrow_standing(std::string_view gateway_id,
                                std::span<const EscrowLeaseStanding> leases,
                                std::int64_t now_us) override {
    if (leases.empty()) return Status::ok();
    const std::string operation =
        fmt::format("record the escrow standing of gateway '{}'", gateway_id);
    if (Status free = not_reading("record_escrow_standing"); !free.is_ok()) return free;
    return in_transaction(operation, [&]() -> Status {
      for (const EscrowLeaseStanding& report : leases) {
        sqlite3_stmt* update = report_lease_.get();
        bind_text(update, 1, gateway_id);
        bind_text(update, 2, report.node_id);
        bind_text(update, 3, report.sku_id);
        sqlite3_bind_int64(update, 4,
                           static_cast<std::int64_t>(std::min(report.epoch, kLargestSequence)));
        // A negative figure is no report (the message verifier refuses one anyway).
        sqlite3_bind_int(update, 5, std::max(report.unreserved_units, 0));
        sqlite3_bind_int(update, 6, std::max(report.reserved_units, 0));
        sqlite3_bind_int64(update, 7, now_us);
        if (Status reported = step_once(report_lease_, operation); !reported.is_ok())
          return reported;
      }
      return Status::ok();
    });
  }

  Status record_stock_report(std::string_view gateway_id, std::uint64_t as_of_sequence,
                             std::span<const StockRecordReport> records,
                             std::int64_t now_us) override {
    const std::string operation = fmt::format(
        "record the stock report of gateway '{}' as of sequence {}", gateway_id, as_of_sequence);
    for (std::size_t i = 0; i < records.size(); ++i) {
      const StockRecordReport& record = records[i];
      if (record.node_id.empty() || record.sku_id.empty() || record.on_hand < 0 ||
          record.reserved < 0) {
        return Status(StatusCode::invalid_argument,
                      fmt::format("{}: {}: record {} (SKU '{}' at node '{}', on hand {}, "
                                  "reserved {}) has an empty id or negative units",
                                  path_, operation, i, record.sku_id, record.node_id,
                                  record.on_hand, record.reserved));
      }
    }
    if (records.empty()) return Status::ok();
    if (Status free = not_reading("record_stock_report"); !free.is_ok()) return free;
    return in_transaction(operation, [&]() -> Status {
      Result<std::optional<GatewayRecord>> known = gateway(gateway_id);
      if (!known) return known.status();
      if (!known->has_value()) return unknown_gateway(gateway_id, operation);
      for (const StockRecordReport& record : records) {
        sqlite3_stmt* upsert = upsert_homed_stock_.get();
        bind_text(upsert, 1, record.node_id);
        bind_text(upsert, 2, record.sku_id);
        bind_text(upsert, 3, gateway_id);
        sqlite3_bind_int(upsert, 4, record.on_hand);
        sqlite3_bind_int(upsert, 5, record.reserved);
        sqlite3_bind_int64(upsert, 6,
                           static_cast<std::int64_t>(std::min(as_of_sequence, kLargestSequence)));
        sqlite3_bind_int64(upsert, 7, now_us);
        if (Status kept = step_once(upsert_homed_stock_, operation); !kept.is_ok()) return kept;
      }
      return Status::ok();
    });
  }

  Result<std::vector<HomedStock>> homed_stock(std::string_view node_id) const override {
    sqlite3_stmt* select = select_homed_stock_.get();
    ResetOnExit reset(select_homed_stock_);
    bind_text(select, 1, node_id);
    return rows_of<HomedStock>(select, "read the homed stock", [](sqlite3_stmt* row) {
      HomedStock stock;
      stock.node_id = column_text(row, 0);
      stock.sku_id = column_text(row, 1);
      stock.gateway_id = column_text(row, 2);
      stock.on_hand = sqlite3_column_int64(row, 3);
      stock.reserved = sqlite3_column_int64(row, 4);
      stock.as_of_sequence = static_cast<std::uint64_t>(sqlite3_column_int64(row, 5));
      stock.reported_at_us = sqlite3_column_int64(row, 6);
      stock.central_mark = static_cast<std::uint64_t>(sqlite3_column_int64(row, 7));
      return stock;
    });
  }

  Result<std::vector<EscrowLease>> escrow_leases() const override {
    sqlite3_stmt* select = select_leases_.get();
    ResetOnExit reset(select_leases_);
    return rows_of<EscrowLease>(select, "read escrow leases", &lease_from);
  }

  Result<std::vector<EscrowLease>> reclaim_escrow_leases(std::string_view gateway_id,
                                                         std::int64_t now_us) override {
    const std::string operation =
        fmt::format("reclaim the escrow leases of gateway '{}'", gateway_id);
    if (Status free = not_reading("reclaim_escrow_leases"); !free.is_ok()) return free;
    return in_transaction(operation, [&]() -> Result<std::vector<EscrowLease>> {
      Result<std::optional<GatewayRecord>> known = gateway(gateway_id);
      if (!known) return known.status();
      if (!known->has_value()) return unknown_gateway(gateway_id, operation);
      const GatewayRecord& record = **known;
      if (!record.retired()) {
        return Status(StatusCode::failed_precondition,
                      fmt::format("{}: {}: the gateway is active, and its journal gives its "
                                  "leases back; retire it first if it will not sync again",
                                  path_, operation));
      }
      Result<std::vector<EscrowLease>> leases = escrow_leases();
      if (!leases) return leases.status();
      std::erase_if(*leases, [&](const EscrowLease& lease) {
        return lease.gateway_id != gateway_id || lease.outstanding_units == 0;
      });
      // The gateway stops selling from a lease when its own clock passes the expiry: a
      // gateway behind central's clock sells that much longer.
      const std::int64_t gateway_behind_us = std::max<std::int64_t>(0, -record.clock_skew_us);
      for (const EscrowLease& lease : *leases) {
        const std::int64_t sells_until = lease.expires_at_us + gateway_behind_us;
        if (now_us < sells_until) {
          return Status(
              StatusCode::failed_precondition,
              fmt::format("{}: {}: its lease of SKU '{}' at node '{}' ({} unit(s)) runs until "
                          "{} µs by central's clock{}; it may sell from it until then",
                          path_, operation, lease.sku_id, lease.node_id, lease.outstanding_units,
                          sells_until,
                          gateway_behind_us == 0
                              ? std::string()
                              : fmt::format(" (its expiry, with the gateway's clock {} µs "
                                            "behind)",
                                            gateway_behind_us)));
        }
      }
      Result<std::vector<EscrowGrantRecord>> pending =
          escrow_grants(gateway_id, EscrowGrantRecord::State::pending);
      if (!pending) return pending.status();
      for (const EscrowGrantRecord& grant : *pending) {
        if (Status settled =
                settle_grant(grant, EscrowGrantRecord::State::refused,
                             "the lease was reclaimed from the retired gateway", now_us, operation);
            !settled.is_ok()) {
          return settled;
        }
      }
      for (const EscrowLease& lease : *leases) {
        EscrowLease changed = lease;
        changed.reclaimed_units += changed.outstanding_units;
        changed.outstanding_units = 0;
        if (Status put = put_lease(changed, operation); !put.is_ok()) return put;
        sqlite3_stmt* uncounted = add_uncounted_units_.get();
        bind_text(uncounted, 1, lease.node_id);
        bind_text(uncounted, 2, lease.sku_id);
        sqlite3_bind_int64(uncounted, 3, lease.outstanding_units);
        if (Status moved = step_once(add_uncounted_units_, operation); !moved.is_ok()) return moved;
      }
      return std::move(*leases);
    });
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

  // `work()` (a Result or a Status) inside one IMMEDIATE transaction: committed when it
  // succeeds, rolled back when it or the commit fails, whose failure is then the result.
  template <typename Work>
  auto in_transaction(const std::string& operation, Work&& work) -> decltype(work()) {
    if (Status begun = step_once(begin_, operation + ": begin"); !begun.is_ok()) return begun;
    decltype(work()) done = work();
    if (succeeded(done)) {
      Status committed = step_once(commit_, operation + ": commit");
      if (committed.is_ok()) return done;
      done = std::move(committed);
    }
    // SQLite may have rolled back already (after SQLITE_FULL, for one); a rollback that
    // fails as well leaves the connection in the transaction, which the next BEGIN reports.
    if (sqlite3_get_autocommit(db()) == 0) (void)step_once(rollback_, operation + ": roll back");
    return done;
  }

  static bool succeeded(const Status& done) { return done.is_ok(); }
  template <typename T>
  static bool succeeded(const Result<T>& done) {
    return static_cast<bool>(done);
  }

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

  // Pushed policies, newest first; at most `limit` of them (-1: all).
  Result<std::vector<PolicyRow>> policy_rows(int limit) const {
    sqlite3_stmt* select = select_policies_.get();
    ResetOnExit reset(select_policies_);
    sqlite3_bind_int(select, 1, limit);
    std::vector<PolicyRow> rows;
    for (;;) {
      const int stepped = sqlite3_step(select);
      if (stepped == SQLITE_DONE) return rows;
      if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, "read the policies");
      PolicyRow row;
      row.version = column_unsigned(select, 0);
      row.pushed_at_us = sqlite3_column_int64(select, 1);
      row.expires_at_us = sqlite3_column_int64(select, 2);
      row.wave_size = static_cast<std::uint32_t>(
          std::clamp<std::int64_t>(sqlite3_column_int64(select, 3), 0, UINT32_MAX));
      row.max_failures = static_cast<std::uint32_t>(
          std::clamp<std::int64_t>(sqlite3_column_int64(select, 4), 1, UINT32_MAX));
      row.wave_timeout_us = std::max<std::int64_t>(sqlite3_column_int64(select, 5), 0);
      rows.push_back(row);
    }
  }

  Result<PolicyRollout> rollout_at(const PolicyRow& policy, std::uint64_t newest_version,
                                   std::int64_t now_us) const {
    Result<std::vector<GatewayRecord>> registered = gateways();
    if (!registered) return registered.status();
    Result<std::vector<PolicyOutcome>> reported = policy_outcomes(policy.version);
    if (!reported) return reported.status();
    std::map<std::string, PolicyOutcome, std::less<>> by_gateway;
    for (PolicyOutcome& outcome : *reported) {
      std::string gateway_id = outcome.gateway_id;
      by_gateway.emplace(std::move(gateway_id), std::move(outcome));
    }
    return rollout_of(policy, *registered, by_gateway, newest_version, now_us);
  }

  Status unknown_gateway(std::string_view gateway_id, std::string_view operation) const {
    return Status(StatusCode::not_found, fmt::format("{}: {}: gateway '{}' is not registered",
                                                     path_, operation, gateway_id));
  }

  // A row of kGatewayColumns.
  static GatewayRecord record_from(sqlite3_stmt* row) {
    GatewayRecord record;
    record.gateway_id = column_text(row, 0);
    record.certificate_sha256 = column_text(row, 1);
    record.acknowledged = column_unsigned(row, 2);
    record.newest_entry_recorded_at_us = sqlite3_column_int64(row, 3);
    record.registered_at_us = sqlite3_column_int64(row, 4);
    record.last_contact_us = sqlite3_column_int64(row, 5);
    record.reported_newest_sequence = column_unsigned(row, 6);
    record.clock_skew_us = sqlite3_column_int64(row, 7);
    record.retired_at_us = sqlite3_column_int64(row, 8);
    return record;
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
    std::vector<std::uint64_t> aligned_payload;  // a payload read here, when it needs a copy
    Result<bool> leased = holds_leases(gateway_id, operation);
    if (!leased) return leased.status();
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
      if (const std::optional<bool> reopened = closure_change_told_by(entry, aligned_payload)) {
        sqlite3_stmt* applied = apply_delivery_.get();
        bind_text(applied, 1, gateway_id);
        bind_text(applied, 2, entry.correlation_id);
        sqlite3_bind_int64(applied, 3, static_cast<std::int64_t>(entry.sequence));
        sqlite3_bind_int64(applied, 4, now_us);
        sqlite3_bind_int(applied, 5, *reopened ? 1 : 0);
        if (Status settled = step_once(apply_delivery_, operation + ": mark a closure applied");
            !settled.is_ok()) {
          return settled;
        }
      }
      if (Status stranding = record_stranding(gateway_id, entry, aligned_payload, operation);
          !stranding.is_ok()) {
        return stranding;
      }
      if (Status escrow =
              record_escrow_change(gateway_id, entry, aligned_payload, now_us, operation);
          !escrow.is_ok()) {
        return escrow;
      }
      // A granted entry central had not counted makes a lease (rare: read again then).
      if (!*leased && entry.kind == EntryKind::escrow_change) {
        leased = holds_leases(gateway_id, operation);
        if (!leased) return leased.status();
      }
      if (*leased) {
        if (Status shipped = record_shipments(gateway_id, entry, aligned_payload, operation);
            !shipped.is_ok()) {
          return shipped;
        }
      }
      if (entry.kind == EntryKind::policy_change) {
        if (const std::optional<PolicyOutcome> outcome = outcome_told_by(entry, aligned_payload)) {
          sqlite3_stmt* upsert = upsert_outcome_.get();
          bind_text(upsert, 1, gateway_id);
          sqlite3_bind_int64(upsert, 2, static_cast<std::int64_t>(outcome->version));
          bind_text(upsert, 3, to_string(outcome->change));
          bind_text(upsert, 4, outcome->reason);
          sqlite3_bind_int64(upsert, 5, static_cast<std::int64_t>(outcome->sequence));
          sqlite3_bind_int64(upsert, 6, outcome->recorded_at_us);
          sqlite3_bind_int64(upsert, 7, now_us);
          if (Status recorded = step_once(upsert_outcome_, operation + ": record a policy outcome");
              !recorded.is_ok()) {
            return recorded;
          }
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

  // A closure of the node, or its reopening: one record, one pending delivery per active
  // gateway, in one transaction.
  Result<std::uint64_t> add_closure_record(std::string_view node_id, std::string_view reason,
                                           bool reopen, std::int64_t now_us) {
    const std::string_view verb = reopen ? "reopen" : "close";
    if (node_id.empty()) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: {} a node: the node id is empty", path_, verb));
    }
    if (Status free = not_reading(reopen ? "add_node_reopening" : "add_node_closure");
        !free.is_ok()) {
      return free;
    }
    const std::string operation = fmt::format("{} node '{}'", verb, node_id);
    return in_transaction(operation, [&] {
      return add_closure_in_transaction(node_id, reason, reopen, now_us, operation);
    });
  }

  // Inside BEGIN IMMEDIATE: the active gateways read here are the ones the record goes to.
  Result<std::uint64_t> add_closure_in_transaction(std::string_view node_id,
                                                   std::string_view reason, bool reopen,
                                                   std::int64_t now_us,
                                                   const std::string& operation) {
    const std::string_view verb = reopen ? "reopen" : "close";
    Result<std::vector<GatewayRecord>> registered = gateways();
    if (!registered) return registered.status();
    if (registered->empty()) {
      return Status(
          StatusCode::failed_precondition,
          fmt::format("{}: {}: no gateway is registered to {} it at", path_, operation, verb));
    }
    std::erase_if(*registered, [](const GatewayRecord& gateway) { return gateway.retired(); });
    if (registered->empty()) {
      return Status(StatusCode::failed_precondition,
                    fmt::format("{}: {}: every registered gateway is retired; none to {} it at",
                                path_, operation, verb));
    }
    sqlite3_stmt* insert = insert_closure_.get();
    bind_text(insert, 1, node_id);
    bind_text(insert, 2, reason);
    sqlite3_bind_int64(insert, 3, now_us);
    sqlite3_bind_int(insert, 4, reopen ? 1 : 0);
    if (Status inserted = step_once(insert_closure_, operation); !inserted.is_ok()) return inserted;
    const std::int64_t closure_id = sqlite3_last_insert_rowid(db());
    for (const GatewayRecord& gateway : *registered) {
      // Bound without a copy: it must outlive the step.
      const std::string correlation_id = central_closure_correlation_id(random_nonce());
      sqlite3_stmt* deliver = insert_delivery_.get();
      sqlite3_bind_int64(deliver, 1, closure_id);
      bind_text(deliver, 2, gateway.gateway_id);
      bind_text(deliver, 3, correlation_id);
      if (Status delivered =
              step_once(insert_delivery_,
                        fmt::format("{}: deliver to gateway '{}'", operation, gateway.gateway_id));
          !delivered.is_ok()) {
        return delivered;
      }
    }
    return static_cast<std::uint64_t>(closure_id);
  }

  // What a new entry tells of stranded orders: a failure at a closed node strands its
  // order there; a reroute away from that node, or a release of the order, ends it.
  Status record_stranding(std::string_view gateway_id, const StoredEntry& entry,
                          std::vector<std::uint64_t>& aligned, const std::string& operation) {
    if (const std::optional<StrandedOrder> stranded = stranding_told_by(entry, aligned)) {
      sqlite3_stmt* upsert = upsert_stranded_.get();
      bind_text(upsert, 1, gateway_id);
      bind_text(upsert, 2, stranded->order_id);
      bind_text(upsert, 3, stranded->node_id);
      sqlite3_bind_int64(upsert, 4, static_cast<std::int64_t>(stranded->sequence));
      bind_text(upsert, 5, stranded->reason);
      return step_once(upsert_stranded_, operation + ": record a stranded order");
    }
    std::optional<std::string> away_from;
    if (entry.kind == EntryKind::reroute) {
      away_from = reroute_away_from(entry, aligned);
      if (!away_from) return Status::ok();  // unreadable: it moved nothing central can tell
    } else if (entry.kind != EntryKind::release || entry.order_id.empty()) {
      return Status::ok();
    }
    sqlite3_stmt* clear = clear_stranded_.get();
    bind_text(clear, 1, gateway_id);
    bind_text(clear, 2, entry.order_id);
    if (away_from) {
      bind_text(clear, 3, *away_from);
    } else {
      sqlite3_bind_null(clear, 3);
    }
    return step_once(clear_stranded_, operation + ": clear a stranded order");
  }

  // The grants due to the gateway at `now_us` as the store stands (top_up_escrow() in
  // central_store.h has the rule): one per quota at most, each of a (node, SKU) of its
  // own, so none of them changes what another is worked out from.
  Result<std::vector<DueGrant>> grants_due(std::string_view gateway_id, std::int64_t now_us,
                                           const std::string& operation) const {
    std::vector<DueGrant> due;
    Result<std::optional<GatewayRecord>> known = gateway(gateway_id);
    if (!known) return known.status();
    if (!known->has_value() || (*known)->retired()) return due;
    Result<std::vector<EscrowQuota>> quotas = escrow_quotas(gateway_id);
    if (!quotas) return quotas.status();
    for (EscrowQuota& quota : *quotas) {
      Result<std::optional<EscrowGrantRecord>> newest =
          newest_grant(gateway_id, quota.node_id, quota.sku_id, operation);
      if (!newest) return newest.status();
      if (newest->has_value()) {
        const EscrowGrantRecord& last = **newest;
        // One grant in flight per lease: the gateway's answer to it changes the need.
        if (last.state == EscrowGrantRecord::State::pending) continue;
        // A refusal is a conflict for an operator: granting again would be refused again,
        // every tick. Setting the quota again (`quota grant`) asks for top-ups anew.
        if (last.state == EscrowGrantRecord::State::refused &&
            last.created_at_us >= quota.set_at_us)
          continue;
      }
      Result<std::optional<EscrowLease>> lease =
          lease_of(gateway_id, quota.node_id, quota.sku_id, operation);
      if (!lease) return lease.status();
      const bool lapsed = !lease->has_value() || now_us >= (*lease)->expires_at_us;
      // What the gateway can still sell there: nothing once the lease ran out (its units
      // come back through the journal), else its word at this epoch, else everything the
      // lease holds (an upper bound: central never grants on a guess of demand).
      std::int64_t unreserved = 0;
      if (!lapsed) {
        unreserved = (*lease)->reported_unreserved_units >= 0 ? (*lease)->reported_unreserved_units
                                                              : (*lease)->outstanding_units;
      }
      const std::int64_t need = std::int64_t{quota.units} - unreserved;
      if (need <= 0) continue;
      // A live lease is topped up once a quarter of the quota is gone, not unit by unit.
      if (!lapsed && need * 4 < std::int64_t{quota.units}) continue;
      Result<std::vector<SharedStock>> stock =
          shared_stock_rows(quota.node_id, quota.sku_id, operation);
      if (!stock) return stock.status();
      if (stock->empty()) continue;
      const std::int64_t units = std::min(need, stock->front().free_units);
      if (units <= 0) continue;
      due.push_back(DueGrant{std::move(quota), std::move(*lease), units});
    }
    return due;
  }

  // Inside BEGIN IMMEDIATE: the free_units read here are the ones each grant takes from,
  // so no two grants (of this gateway or another process's) can lease the same unit.
  // What top_up_escrow() read before taking the lock only said whether to take it.
  Result<std::vector<EscrowGrantRecord>> top_up_in_transaction(std::string_view gateway_id,
                                                               std::int64_t now_us,
                                                               const std::string& operation) {
    std::vector<EscrowGrantRecord> made;
    Result<std::vector<DueGrant>> due = grants_due(gateway_id, now_us, operation);
    if (!due) return due.status();
    for (const DueGrant& grant_due : *due) {
      const EscrowQuota& quota = grant_due.quota;
      EscrowLease next;
      if (grant_due.lease.has_value()) {
        next = *grant_due.lease;
      } else {
        next.gateway_id = std::string(gateway_id);
        next.node_id = quota.node_id;
        next.sku_id = quota.sku_id;
      }
      next.epoch += 1;
      next.expires_at_us = expiry_after(now_us, quota.lease_seconds);
      next.outstanding_units += grant_due.units;
      next.granted_units += grant_due.units;
      next.reported_unreserved_units = -1;
      next.reported_reserved_units = 0;
      next.reported_at_us = 0;
      if (Status put = put_lease(next, operation); !put.is_ok()) return put;
      if (Status taken = move_free_units(quota.node_id, quota.sku_id, -grant_due.units, operation);
          !taken.is_ok()) {
        return taken;
      }
      EscrowGrantRecord grant;
      grant.gateway_id = next.gateway_id;
      grant.node_id = next.node_id;
      grant.sku_id = next.sku_id;
      grant.epoch = next.epoch;
      grant.units = static_cast<std::int32_t>(grant_due.units);  // <= quota.units, an int32
      grant.expires_at_us = next.expires_at_us;
      grant.correlation_id = central_escrow_correlation_id(random_nonce());
      grant.created_at_us = now_us;
      sqlite3_stmt* insert = insert_grant_.get();
      bind_text(insert, 1, grant.gateway_id);
      bind_text(insert, 2, grant.node_id);
      bind_text(insert, 3, grant.sku_id);
      sqlite3_bind_int64(insert, 4, static_cast<std::int64_t>(grant.epoch));
      sqlite3_bind_int(insert, 5, grant.units);
      sqlite3_bind_int64(insert, 6, grant.expires_at_us);
      bind_text(insert, 7, grant.correlation_id);
      sqlite3_bind_int64(insert, 8, now_us);
      if (Status inserted = step_once(insert_grant_, operation); !inserted.is_ok()) return inserted;
      grant.id = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db()));
      made.push_back(std::move(grant));
    }
    return made;
  }

  // What a new escrow_change entry tells: a grant applied, or a lease's unreserved units
  // given back when it ran out. The journal is the record: a granted entry central has
  // not counted (a grant made by a copy of this store that was lost when an older one
  // was restored, or one central took as refused) puts its units in the lease and takes
  // them out of free_units now, so no unit the gateway may sell stays free to lease.
  Status record_escrow_change(std::string_view gateway_id, const StoredEntry& entry,
                              std::vector<std::uint64_t>& aligned, std::int64_t now_us,
                              const std::string& operation) {
    const gateway::fbs::EscrowChangeRecord* record = escrow_change_told_by(entry, aligned);
    if (record == nullptr) return Status::ok();
    if (record->change() == gateway::fbs::EscrowChangeKind::granted) {
      Result<std::optional<EscrowGrantRecord>> known =
          grant_by_reference(entry.correlation_id, operation);
      if (!known) return known.status();
      if (known->has_value()) {
        const EscrowGrantRecord& grant = **known;
        // Another gateway's grant never reaches this journal; an applied one was counted
        // (a gateway journals a grant once).
        if (grant.gateway_id != gateway_id || grant.state == EscrowGrantRecord::State::applied)
          return Status::ok();
        sqlite3_stmt* applied = apply_grant_.get();
        sqlite3_bind_int64(applied, 1, static_cast<std::int64_t>(grant.id));
        sqlite3_bind_int64(applied, 2, static_cast<std::int64_t>(entry.sequence));
        sqlite3_bind_int64(applied, 3, now_us);
        if (Status settled = step_once(apply_grant_, operation + ": mark an escrow grant applied");
            !settled.is_ok()) {
          return settled;
        }
        // A pending grant's units left free_units in the transaction that made it.
        if (grant.state == EscrowGrantRecord::State::pending) return Status::ok();
      }
      return count_journaled_grant(gateway_id, entry, *record, operation);
    }
    if (record->units() <= 0) return Status::ok();
    // No more than the lease holds comes back: free_units must never count a unit twice.
    return give_back_to_free(gateway_id, record->node_id()->string_view(),
                             record->sku_id()->string_view(), record->units(),
                             operation + ": return escrow",
                             [&](EscrowLease& lease) { lease.returned_units += record->units(); });
  }

  // A granted entry's units, into the gateway's lease of the (node, SKU) (made if there
  // is none) and out of free_units, which may go below 0: a conflict `conflicts` lists.
  // The lease takes the entry's epoch when it is above its own (so the next grant's is
  // above it, as the gateway's ledger requires), and the entry's expiry when the entry's
  // epoch is the lease's newest.
  Status count_journaled_grant(std::string_view gateway_id, const StoredEntry& entry,
                               const gateway::fbs::EscrowChangeRecord& record,
                               const std::string& operation) {
    if (record.units() <= 0) return Status::ok();
    const std::string node_id = record.node_id()->str();
    const std::string sku_id = record.sku_id()->str();
    const std::string counting =
        fmt::format("{}: count escrow granted at entry {}", operation, entry.sequence);
    Result<std::optional<EscrowLease>> lease = lease_of(gateway_id, node_id, sku_id, counting);
    if (!lease) return lease.status();
    EscrowLease changed;
    if (lease->has_value()) {
      changed = **lease;
    } else {
      changed.gateway_id = std::string(gateway_id);
      changed.node_id = node_id;
      changed.sku_id = sku_id;
    }
    // Epochs are INTEGER above 0 on disk; a record's epoch of 0 is read as 1.
    const std::uint64_t epoch = std::clamp<std::uint64_t>(record.epoch(), 1, kLargestSequence);
    if (epoch > changed.epoch) {
      changed.epoch = epoch;
      // A standing about an earlier epoch does not count these units.
      changed.reported_unreserved_units = -1;
      changed.reported_reserved_units = 0;
      changed.reported_at_us = 0;
    }
    if (epoch == changed.epoch) changed.expires_at_us = record.expires_at_us();
    changed.outstanding_units += record.units();
    changed.granted_units += record.units();
    if (Status put = put_lease(changed, counting); !put.is_ok()) return put;
    return move_free_units(node_id, sku_id, -std::int64_t{record.units()}, counting);
  }

  // A pending grant becomes `state`, with `why` (a refusal's words).
  Status settle_grant(const EscrowGrantRecord& grant, EscrowGrantRecord::State state,
                      std::string_view why, std::int64_t now_us, const std::string& operation) {
    sqlite3_stmt* settle = settle_grant_.get();
    sqlite3_bind_int64(settle, 1, static_cast<std::int64_t>(grant.id));
    bind_text(settle, 2, grant.gateway_id);
    sqlite3_bind_int(settle, 3, static_cast<int>(state));
    bind_text(settle, 4, why);
    sqlite3_bind_int64(settle, 5, now_us);
    return step_once(settle_grant_, operation);
  }

  // Gives `units` of the gateway's lease of the (node, SKU) back to free_units, no more
  // than the lease still holds: what shipments already took from it is not given back
  // twice, and free_units never counts a unit it did not lease out. `note` records the
  // units on the lease's other figures (granted_units, returned_units), in the same
  // write. Where the gateway holds no lease nothing moves.
  template <typename Note>
  Status give_back_to_free(std::string_view gateway_id, std::string_view node_id,
                           std::string_view sku_id, std::int64_t units,
                           const std::string& operation, Note&& note) {
    Result<std::optional<EscrowLease>> lease = lease_of(gateway_id, node_id, sku_id, operation);
    if (!lease) return lease.status();
    if (!lease->has_value()) return Status::ok();
    EscrowLease changed = **lease;
    const std::int64_t taken = std::min(units, changed.outstanding_units);
    changed.outstanding_units -= taken;
    note(changed);
    if (Status put = put_lease(changed, operation); !put.is_ok()) return put;
    return move_free_units(node_id, sku_id, taken, operation);
  }

  // What a new handed_off fulfillment_event tells: its lines left their nodes, out of the
  // gateway's leases there; free_units stays (the units are gone from the node).
  Status record_shipments(std::string_view gateway_id, const StoredEntry& entry,
                          std::vector<std::uint64_t>& aligned, const std::string& operation) {
    for (const ShippedLine& line : shipments_told_by(entry, aligned)) {
      Result<std::optional<EscrowLease>> lease =
          lease_of(gateway_id, line.node_id, line.sku_id, operation);
      if (!lease) return lease.status();
      if (!lease->has_value()) continue;
      EscrowLease changed = **lease;
      changed.outstanding_units -= std::min<std::int64_t>(line.quantity, changed.outstanding_units);
      changed.shipped_units += line.quantity;
      if (Status put = put_lease(changed, operation + ": ship from escrow"); !put.is_ok())
        return put;
    }
    return Status::ok();
  }

  Status check_shared_key(std::string_view node_id, std::string_view sku_id,
                          const std::string& operation) const {
    if (node_id.empty() || sku_id.empty()) {
      return Status(StatusCode::invalid_argument,
                    fmt::format("{}: {}: {} is empty", path_, operation,
                                node_id.empty() ? "node_id" : "sku_id"));
    }
    return Status::ok();
  }

  // The shared stock of one (node, SKU), or of every one when `node_id` is empty.
  Result<std::vector<SharedStock>> shared_stock_rows(std::string_view node_id,
                                                     std::string_view sku_id,
                                                     std::string_view operation) const {
    sqlite3_stmt* select = select_shared_stock_.get();
    ResetOnExit reset(select_shared_stock_);
    bind_text(select, 1, node_id);
    bind_text(select, 2, sku_id);
    return rows_of<SharedStock>(select, operation, [](sqlite3_stmt* row) {
      SharedStock stock;
      stock.node_id = column_text(row, 0);
      stock.sku_id = column_text(row, 1);
      stock.free_units = sqlite3_column_int64(row, 2);
      stock.leased_units = sqlite3_column_int64(row, 3);
      stock.updated_at_us = sqlite3_column_int64(row, 4);
      stock.uncounted_units = sqlite3_column_int64(row, 5);
      return stock;
    });
  }

  Result<SharedStock> stock_after(std::string_view node_id, std::string_view sku_id,
                                  const std::string& operation) const {
    Result<std::vector<SharedStock>> rows = shared_stock_rows(node_id, sku_id, operation);
    if (!rows) return rows.status();
    if (rows->empty()) {
      return Status(StatusCode::internal,
                    fmt::format("{}: {}: the row written is not there", path_, operation));
    }
    return std::move(rows->front());
  }

  Status move_free_units(std::string_view node_id, std::string_view sku_id, std::int64_t units,
                         const std::string& operation) {
    if (units == 0) return Status::ok();
    sqlite3_stmt* update = move_free_units_.get();
    bind_text(update, 1, node_id);
    bind_text(update, 2, sku_id);
    sqlite3_bind_int64(update, 3, units);
    return step_once(move_free_units_, operation);
  }

  Result<std::optional<EscrowLease>> lease_of(std::string_view gateway_id, std::string_view node_id,
                                              std::string_view sku_id,
                                              std::string_view operation) const {
    sqlite3_stmt* select = select_lease_.get();
    ResetOnExit reset(select_lease_);
    bind_text(select, 1, gateway_id);
    bind_text(select, 2, node_id);
    bind_text(select, 3, sku_id);
    return row_of<EscrowLease>(select, operation, &lease_from);
  }

  Status put_lease(const EscrowLease& lease, const std::string& operation) {
    sqlite3_stmt* put = put_lease_.get();
    bind_text(put, 1, lease.gateway_id);
    bind_text(put, 2, lease.node_id);
    bind_text(put, 3, lease.sku_id);
    sqlite3_bind_int64(put, 4, static_cast<std::int64_t>(std::min(lease.epoch, kLargestSequence)));
    sqlite3_bind_int64(put, 5, lease.expires_at_us);
    sqlite3_bind_int64(put, 6, lease.outstanding_units);
    sqlite3_bind_int64(put, 7, lease.granted_units);
    sqlite3_bind_int64(put, 8, lease.returned_units);
    sqlite3_bind_int64(put, 9, lease.shipped_units);
    sqlite3_bind_int(put, 10, lease.reported_unreserved_units);
    sqlite3_bind_int(put, 11, lease.reported_reserved_units);
    sqlite3_bind_int64(put, 12, lease.reported_at_us);
    sqlite3_bind_int64(put, 13, lease.reclaimed_units);
    return step_once(put_lease_, operation);
  }

  // A row of kLeaseColumns.
  static EscrowLease lease_from(sqlite3_stmt* row) {
    EscrowLease lease;
    lease.gateway_id = column_text(row, 0);
    lease.node_id = column_text(row, 1);
    lease.sku_id = column_text(row, 2);
    lease.epoch = column_unsigned(row, 3);
    lease.expires_at_us = sqlite3_column_int64(row, 4);
    lease.outstanding_units = sqlite3_column_int64(row, 5);
    lease.granted_units = sqlite3_column_int64(row, 6);
    lease.returned_units = sqlite3_column_int64(row, 7);
    lease.shipped_units = sqlite3_column_int64(row, 8);
    lease.reported_unreserved_units = sqlite3_column_int(row, 9);
    lease.reported_reserved_units = sqlite3_column_int(row, 10);
    lease.reported_at_us = sqlite3_column_int64(row, 11);
    lease.reclaimed_units = sqlite3_column_int64(row, 12);
    return lease;
  }

  // Every row `select` yields, each made a T by `map`, or the error that stopped the scan,
  // named by `operation`. The caller binds the statement and resets it (ResetOnExit).
  template <typename T, typename Map>
  Result<std::vector<T>> rows_of(sqlite3_stmt* select, std::string_view operation, Map map) const {
    std::vector<T> rows;
    for (;;) {
      const int stepped = sqlite3_step(select);
      if (stepped == SQLITE_DONE) return rows;
      if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, operation);
      rows.push_back(map(select));
    }
  }

  // The one row `select` yields, made a T by `map`; nullopt when it yields none.
  template <typename T, typename Map>
  Result<std::optional<T>> row_of(sqlite3_stmt* select, std::string_view operation, Map map) const {
    const int stepped = sqlite3_step(select);
    if (stepped == SQLITE_DONE) return std::optional<T>();
    if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, operation);
    return std::optional<T>(map(select));
  }

  // A row of kGrantColumns.
  static EscrowGrantRecord grant_from(sqlite3_stmt* row) {
    EscrowGrantRecord grant;
    grant.id = column_unsigned(row, 0);
    grant.gateway_id = column_text(row, 1);
    grant.node_id = column_text(row, 2);
    grant.sku_id = column_text(row, 3);
    grant.epoch = column_unsigned(row, 4);
    grant.units = sqlite3_column_int(row, 5);
    grant.expires_at_us = sqlite3_column_int64(row, 6);
    grant.correlation_id = column_text(row, 7);
    grant.created_at_us = sqlite3_column_int64(row, 8);
    grant.state = static_cast<EscrowGrantRecord::State>(sqlite3_column_int(row, 9));
    grant.applied_at_sequence = column_unsigned(row, 10);
    grant.refusal = column_text(row, 11);
    grant.settled_at_us = sqlite3_column_int64(row, 12);
    return grant;
  }

  Result<std::optional<EscrowGrantRecord>> grant_by_id(std::uint64_t grant_id,
                                                       std::string_view operation) const {
    sqlite3_stmt* select = select_grant_.get();
    ResetOnExit reset(select_grant_);
    sqlite3_bind_int64(select, 1, static_cast<std::int64_t>(std::min(grant_id, kLargestSequence)));
    return row_of<EscrowGrantRecord>(select, operation, &grant_from);
  }

  // The grant, of any gateway, made under `correlation_id`, if any.
  Result<std::optional<EscrowGrantRecord>> grant_by_reference(std::string_view correlation_id,
                                                              std::string_view operation) const {
    sqlite3_stmt* select = select_grant_by_reference_.get();
    ResetOnExit reset(select_grant_by_reference_);
    bind_text(select, 1, correlation_id);
    return row_of<EscrowGrantRecord>(select, operation, &grant_from);
  }

  // The newest grant of the gateway's lease of the (node, SKU), if any.
  Result<std::optional<EscrowGrantRecord>> newest_grant(std::string_view gateway_id,
                                                        std::string_view node_id,
                                                        std::string_view sku_id,
                                                        std::string_view operation) const {
    sqlite3_stmt* select = select_newest_grant_.get();
    ResetOnExit reset(select_newest_grant_);
    bind_text(select, 1, gateway_id);
    bind_text(select, 2, node_id);
    bind_text(select, 3, sku_id);
    return row_of<EscrowGrantRecord>(select, operation, &grant_from);
  }

  // Whether the gateway holds any lease: most gateways' shipments never touch one, and
  // their entries need not be read for it. Leases are made by top-ups, and by a granted
  // escrow_change entry central had not counted (after which a batch asks again).
  Result<bool> holds_leases(std::string_view gateway_id, std::string_view operation) const {
    sqlite3_stmt* select = select_holds_leases_.get();
    ResetOnExit reset(select_holds_leases_);
    bind_text(select, 1, gateway_id);
    const int stepped = sqlite3_step(select);
    if (stepped != SQLITE_ROW) return sqlite_status(db(), stepped, path_, operation);
    return sqlite3_column_int(select, 0) != 0;
  }

  Status configure();
  // Adds what the format versions after the file's added, in one transaction (a no-op if
  // another process upgraded the file first).
  Status upgrade_to_current_format();

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
  Statement upsert_gateway_, retire_gateway_, select_gateway_, select_gateways_, update_contact_,
      update_mark_;
  Statement insert_entry_, select_entries_;
  Statement insert_delta_, select_deltas_, settle_delta_, select_delta_state_, apply_delta_;
  Statement insert_closure_, insert_delivery_, select_deliveries_, select_closures_,
      refuse_delivery_, apply_delivery_, select_delivery_state_, upsert_stranded_, clear_stranded_,
      select_stranded_;
  Statement insert_policy_, select_policies_, select_policy_bundle_, upsert_outcome_,
      select_outcomes_;
  Statement select_shared_stock_, set_shared_stock_, adjust_shared_stock_, move_free_units_,
      upsert_quota_, select_quotas_, select_lease_, select_leases_, select_holds_leases_,
      put_lease_, report_lease_, insert_grant_, select_grants_, select_grant_,
      select_grant_by_reference_, select_newest_grant_, settle_grant_, apply_grant_,
      add_uncounted_units_;
  Statement upsert_homed_stock_, select_homed_stock_;
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
  if (*version > kFormatVersion || *version < kOldestUpgradableFormatVersion) {
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
  if (*version < kFormatVersion) {
    if (Status upgraded = upgrade_to_current_format(); !upgraded.is_ok()) return upgraded;
  }
  const std::string select_gateway =
      fmt::format("SELECT {} FROM gateways WHERE id = ?1", kGatewayColumns);
  const std::string select_gateways =
      fmt::format("SELECT {} FROM gateways ORDER BY id", kGatewayColumns);
  const std::string select_policies = fmt::format("{} LIMIT ?1", kSelectPoliciesSql);
  const std::string select_lease = fmt::format(
      "SELECT {} FROM escrow_leases WHERE gateway_id = ?1 AND node_id = ?2 AND sku_id = ?3",
      kLeaseColumns);
  const std::string select_leases = fmt::format(
      "SELECT {} FROM escrow_leases ORDER BY gateway_id, node_id, sku_id", kLeaseColumns);
  // ?1 gateway ('' for all), ?2 state (-1 for any).
  const std::string select_grants = fmt::format(
      "SELECT {} FROM escrow_grants WHERE (?1 = '' OR gateway_id = ?1) "
      "AND (?2 < 0 OR state = ?2) ORDER BY id",
      kGrantColumns);
  const std::string select_grant =
      fmt::format("SELECT {} FROM escrow_grants WHERE id = ?1", kGrantColumns);
  const std::string select_grant_by_reference =
      fmt::format("SELECT {} FROM escrow_grants WHERE correlation_id = ?1", kGrantColumns);
  const std::string select_newest_grant = fmt::format(
      "SELECT {} FROM escrow_grants WHERE gateway_id = ?1 AND node_id = ?2 "
      "AND sku_id = ?3 ORDER BY id DESC LIMIT 1",
      kGrantColumns);
  const std::pair<Statement*, const char*> wanted[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&upsert_gateway_, kUpsertGatewaySql},
      {&retire_gateway_, kRetireGatewaySql},
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
      {&insert_closure_, kInsertClosureSql},
      {&insert_delivery_, kInsertDeliverySql},
      {&select_deliveries_, kSelectDeliveriesSql},
      {&select_closures_, kSelectClosuresSql},
      {&refuse_delivery_, kRefuseDeliverySql},
      {&apply_delivery_, kApplyDeliverySql},
      {&select_delivery_state_, kSelectDeliveryStateSql},
      {&upsert_stranded_, kUpsertStrandedSql},
      {&clear_stranded_, kClearStrandedSql},
      {&select_stranded_, kSelectStrandedSql},
      {&insert_policy_, kInsertPolicySql},
      {&select_policies_, select_policies.c_str()},
      {&select_policy_bundle_, kSelectPolicyBundleSql},
      {&upsert_outcome_, kUpsertOutcomeSql},
      {&select_outcomes_, kSelectOutcomesSql},
      {&select_shared_stock_, kSelectSharedStockSql},
      {&set_shared_stock_, kSetSharedStockSql},
      {&adjust_shared_stock_, kAdjustSharedStockSql},
      {&move_free_units_, kMoveFreeUnitsSql},
      {&add_uncounted_units_, kAddUncountedUnitsSql},
      {&upsert_quota_, kUpsertQuotaSql},
      {&select_quotas_, kSelectQuotasSql},
      {&select_lease_, select_lease.c_str()},
      {&select_leases_, select_leases.c_str()},
      {&select_holds_leases_, "SELECT EXISTS (SELECT 1 FROM escrow_leases WHERE gateway_id = ?1)"},
      {&put_lease_, kPutLeaseSql},
      {&report_lease_, kReportLeaseSql},
      {&insert_grant_, kInsertGrantSql},
      {&select_grants_, select_grants.c_str()},
      {&select_grant_, select_grant.c_str()},
      {&select_grant_by_reference_, select_grant_by_reference.c_str()},
      {&select_newest_grant_, select_newest_grant.c_str()},
      {&settle_grant_, kSettleGrantSql},
      {&apply_grant_, kApplyGrantSql},
      {&upsert_homed_stock_, kUpsertHomedStockSql},
      {&select_homed_stock_, kSelectHomedStockSql},
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

Status SqliteCentralStore::upgrade_to_current_format() {
  std::string operation = fmt::format("upgrade the store to format version {}", kFormatVersion);
  if (Status begun = connection_.execute("BEGIN IMMEDIATE", operation); !begun.is_ok())
    return begun;
  // Read again under the write lock: another process (the server, a command beside it)
  // may have upgraded the file since this one read the version.
  Result<std::int64_t> version = connection_.query_integer("PRAGMA user_version");
  Status upgraded = version ? Status::ok() : version.status();
  if (upgraded.is_ok() && *version >= kOldestUpgradableFormatVersion && *version < kFormatVersion) {
    operation =
        fmt::format("upgrade the store from format version {} to {}", *version, kFormatVersion);
    std::string upgrade = upgrade_sql_from(*version);
    upgrade += fmt::format(" PRAGMA user_version = {};", kFormatVersion);
    upgraded = connection_.execute(upgrade.c_str(), operation);
  }
  if (upgraded.is_ok()) upgraded = connection_.execute("COMMIT", operation);
  if (!upgraded.is_ok() && sqlite3_get_autocommit(db()) == 0)
    (void)connection_.execute("ROLLBACK", operation);
  return upgraded;
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

std::string_view to_string(PolicyChange change) {
  switch (change) {
    case PolicyChange::trial: return "trial";
    case PolicyChange::committed: return "committed";
    case PolicyChange::reverted: return "reverted";
    case PolicyChange::rolled_back: return "rolled_back";
    case PolicyChange::refused: return "refused";
  }
  return "unknown";
}

std::string_view to_string(PolicyRollout::State state) {
  switch (state) {
    case PolicyRollout::State::rolling_out: return "rolling_out";
    case PolicyRollout::State::complete: return "complete";
    case PolicyRollout::State::halted: return "halted";
    case PolicyRollout::State::superseded: return "superseded";
    case PolicyRollout::State::expired: return "expired";
  }
  return "unknown";
}

std::string_view to_string(NodeClosureDelivery::State state) {
  switch (state) {
    case NodeClosureDelivery::State::pending: return "pending";
    case NodeClosureDelivery::State::applied: return "applied";
    case NodeClosureDelivery::State::refused: return "refused";
  }
  return "unknown";
}

std::string_view to_string(EscrowGrantRecord::State state) {
  switch (state) {
    case EscrowGrantRecord::State::pending: return "pending";
    case EscrowGrantRecord::State::applied: return "applied";
    case EscrowGrantRecord::State::refused: return "refused";
  }
  return "unknown";
}

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
