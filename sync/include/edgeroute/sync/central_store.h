// CentralStore: what the central control plane keeps of its gateways, durably. Today:
// which gateways exist, the certificate each authenticates with and whether an operator
// retired it (gone for good: it holds up no rollout and gets no new change), and every
// gateway's journal as replayed to central, with the high-water mark central
// acknowledged; the inventory deltas central decided; the signed policies central pushed,
// and what each gateway did with them (learnt from its journal); the nodes central
// closed (and reopened), whether each gateway applied it, and the orders left stranded at
// closed nodes (also learnt from the journals); the stock at nodes no gateway homes, and
// the escrow leases of it central granted each gateway.
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
#include "edgeroute/sync/escrow.h"
#include "edgeroute/sync/stock_report.h"

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
  // Central's clock (UTC µs) when an operator retired the gateway; 0: active.
  std::int64_t retired_at_us = 0;

  bool retired() const { return retired_at_us != 0; }
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

// A signed routing policy as central ops push it (`edgeroute-central policy push`).
// Central offers only the newest one pushed, gateway by gateway in waves: the active
// (registered, not retired) gateways ordered by id, index i in wave i / wave_size
// (wave_size 0: every gateway in wave 0). A gateway has settled once it committed the
// policy or failed with it. With wave_timeout_us above 0, a gateway of an open wave that
// has not settled by wave_timeout_us after its wave opened has timed out: it holds the
// later waves no longer, yet it is no failure, it is still offered the policy while it
// has reported nothing, and its answer is recorded when it comes. When wave w opened, on
// central's clock: wave 0 at the push; wave w + 1 once every gateway of waves 0..w has
// settled or timed out, at the latest of the moment wave w opened and, for each of those
// gateways, the moment it settled (PolicyOutcome::settled_at_us) or timed out (its wave's
// opening + wave_timeout_us), whichever came first. The rule reads stored times and the
// caller's `now_us` alone: no timer runs, and an answer that comes after its gateway
// timed out moves no wave's opening. A retired gateway takes no place in a wave and is
// offered nothing. The rollout halts once max_failures gateways have refused, reverted or
// rolled it back, and nothing is offered after expires_at_us.
struct PolicyRelease {
  std::uint64_t version = 0;  // the bundle's (claimed_policy_version()), above every pushed one
  std::vector<std::uint8_t> signed_bundle;  // a SignedPolicyBundle (policy_bundle.h)
  std::int64_t expires_at_us = 0;           // the bundle's expiry (central's clock, UTC µs)
  std::uint32_t wave_size = 0;              // 0: every gateway at once
  std::uint32_t max_failures = 1;           // refusals + reverts + rollbacks that halt it, >= 1
  std::int64_t wave_timeout_us = 0;         // how long a wave waits for a gateway; 0: no limit
};

// What a gateway did with a policy, as its journal's policy_change entries tell it
// (engine/gateway/schema/journal_records.fbs, PolicyChangeKind; same values).
enum class PolicyChange : std::uint8_t {
  trial = 0,        // accepted: it routes, on trial
  committed = 1,    // the trial passed its health checks
  reverted = 2,     // the trial failed them: routing went back (a failure of the rollout)
  rolled_back = 3,  // an operator at the gateway rolled it back
  refused = 4,      // not accepted (signature, version, expiry, validation): a failure
};
std::string_view to_string(PolicyChange change);

// A gateway's latest policy_change entry about one version.
struct PolicyOutcome {
  std::string gateway_id;
  std::uint64_t version = 0;
  PolicyChange change = PolicyChange::refused;
  std::string reason;               // refused, reverted, rolled_back: the gateway's words
  std::uint64_t sequence = 0;       // the journal entry that told it
  std::int64_t recorded_at_us = 0;  // the gateway's clock at that entry
  // Central's clock when it stored the entry that settled the gateway with this version
  // (committed or a failure; the first such since its last trial: a rollback after a
  // commit keeps the commit's time); 0 while its latest is a trial. A store upgraded from
  // format 4 or older holds the time the entry of the outcome it held arrived.
  std::int64_t settled_at_us = 0;
};

// The policy a gateway should be offered now.
struct PolicyOffer {
  std::uint64_t version = 0;
  std::vector<std::uint8_t> signed_bundle;
};

// One pushed policy's rollout, for `edgeroute-central policy status`.
struct PolicyRollout {
  enum class State : std::uint8_t {
    rolling_out,  // being offered, wave by wave
    complete,     // every active gateway committed it
    halted,       // max_failures gateways refused, reverted or rolled it back
    superseded,   // a newer policy was pushed: this one is offered no more
    expired,      // past expires_at_us
  };
  // Where one registered gateway stands with this policy.
  enum class Standing : std::uint8_t {
    reported,     // its journal told central an outcome (`outcome`)
    waiting,      // its wave is open: offered when it is caught up, answer not yet held
    later_wave,   // its wave is not open yet: not yet offered
    not_offered,  // no outcome, and the rollout stopped before it got one
    retired,      // retired: no wave place, offered nothing (`outcome`: any it reported)
    // Its wave's time ran out (PolicyRelease::wave_timeout_us) before it settled: it holds
    // the later waves no longer and is no failure. With no answer from it, it is offered
    // the policy still; on a trial with no verdict yet (`outcome`), it is not offered again.
    // A settling answer that comes later makes it reported.
    timed_out,
  };
  struct Gateway {
    std::string gateway_id;
    std::uint32_t wave = 0;  // retired: 0, and no place in any wave
    Standing standing = Standing::waiting;
    std::optional<PolicyOutcome> outcome;  // reported, timed_out on trial, and retired if any
    // When its wave opened (central's clock, PolicyRelease); 0 while it has not opened,
    // and for a retired gateway.
    std::int64_t wave_opened_at_us = 0;
  };

  std::uint64_t version = 0;
  std::int64_t pushed_at_us = 0;
  std::int64_t expires_at_us = 0;
  std::uint32_t wave_size = 0;
  std::uint32_t max_failures = 1;
  std::int64_t wave_timeout_us = 0;  // 0: no limit
  // Gateways that refused, reverted or rolled it back (retired ones too: what they did
  // happened).
  std::uint32_t failures = 0;
  State state = State::rolling_out;
  std::vector<Gateway> gateways;  // every registered gateway, by id, retired ones too
};
std::string_view to_string(PolicyRollout::State state);

// A node central ops closed (`edgeroute-central node close`), or reopened after closing it
// (`node reopen`: a closure record with `reopen` set), and where each gateway stands with
// it. The record goes to every gateway active (registered, not retired) when it was made,
// each with a correlation id of its own (central_delta.h); the gateway journals it as a
// network_change entry under it (kind node_closed, or node_reopened for a reopening), and
// when that entry reaches central the delivery is applied, in the same transaction. A
// gateway that cannot apply it (a node it does not know) refuses it: a conflict an
// operator settles. A gateway registered later, or registered again after its retirement,
// is not sent it. A delivery pending when its gateway is retired stays pending: it is
// offered should the gateway be registered again. Records go out in id order, so a
// gateway applies a node's closures and reopenings in the order central made them.
struct NodeClosureDelivery {
  enum class State : std::uint8_t { pending = 0, applied = 1, refused = 2 };

  std::uint64_t closure_id = 0;
  std::string gateway_id;
  std::string node_id;
  std::string reason;
  bool reopen = false;         // the record reopens the node rather than closing it
  std::string correlation_id;  // "central-closure:<nonce>", unique
  std::int64_t created_at_us = 0;
  State state = State::pending;
  std::uint64_t applied_at_sequence = 0;  // applied: the gateway's network_change entry
  std::string refusal;                    // refused: the gateway's words
  std::int64_t settled_at_us = 0;         // applied or refused: central's clock then
};

std::string_view to_string(NodeClosureDelivery::State state);

struct NodeClosure {
  std::uint64_t id = 0;  // central's, 1, 2, 3, ..., closures and reopenings alike
  std::string node_id;
  std::string reason;
  bool reopen = false;  // a reopening of the node, not a closure
  std::int64_t created_at_us = 0;
  std::vector<NodeClosureDelivery> deliveries;  // one per gateway it went to, by gateway id
};

// An order a gateway could not route away from a node after central's change: a closure
// of the node, or a count there below what the gateway's orders held. Its journal holds a
// failed fulfillment_event at the node with exception code "node_closed" or
// "central_count_short" (the gateway failing the order's part there) and, so far, no
// reroute of the order away from that node, nor a release of the order. An operator
// must settle it.
struct StrandedOrder {
  std::string gateway_id;
  std::string order_id;
  std::string node_id;
  std::uint64_t sequence = 0;  // the fulfillment_event entry
  std::string reason;          // the record's detail, or its exception code without one
};

inline constexpr std::string_view kNodeClosedExceptionCode = "node_closed";
inline constexpr std::string_view kCountShortExceptionCode = "central_count_short";

// Escrow (docs/sync.md, "Escrow"). Shared stock is stock at a node no gateway homes (a
// partner 3PL, a drop-shipper): every gateway may route there, so none may count it as
// its own. Central holds it per (node, SKU) as `free_units`, the units it can still lease;
// a gateway reserves there only within the units central leased it. A grant takes its
// units out of free_units in the transaction that records it, so the leases of one
// (node, SKU) never hold more than central had: no unit is sold by two gateways, even
// while both are cut off. Units come back to free_units only when the gateway's journal
// says so (a returned escrow_change entry: the unreserved units of a lease that ran out),
// or when the gateway refuses the grant. The journal is the record: a grant it holds that
// central did not count (made by a copy of the store lost when an older one was
// restored, or taken as refused) goes into the lease when its entry arrives.
struct SharedStock {
  std::string node_id;
  std::string sku_id;
  // Units central can still lease. Negative: a count at central below what the leases
  // hold (`inventory set`, a write-off), or grants a gateway's journal holds that central
  // had not counted: a conflict until stock comes back or the leases do.
  std::int64_t free_units = 0;
  // What the leases of the (node, SKU) hold: Σ EscrowLease::outstanding_units.
  std::int64_t leased_units = 0;
  // Central's clock at the last set or adjust; 0: never (a (node, SKU) central first
  // learnt of from a lease in a gateway's journal).
  std::int64_t updated_at_us = 0;
  // Units reclaimed from retired gateways' leases since the last count: neither free nor
  // leased, because only a count can say how many of them the retired gateway sold. The
  // next `inventory set` settles them (0 again).
  std::int64_t uncounted_units = 0;
};

// The stock of record of a node a gateway homes (docs/sync.md, "Stock of record"): what
// the gateway's last StockReport said of the (node, SKU). Its on-hand is exactly that of
// the gateway's journal through `as_of_sequence`; entries central holds beyond it
// (`central_mark`) are not in it yet.
struct HomedStock {
  std::string node_id;
  std::string sku_id;
  std::string gateway_id;
  std::int64_t on_hand = 0;
  // What orders held there when the gateway read it.
  std::int64_t reserved = 0;
  std::uint64_t as_of_sequence = 0;
  std::int64_t reported_at_us = 0;  // central's clock
  // The gateway's mark at central now: how much of its journal central holds.
  std::uint64_t central_mark = 0;
};

// The most units one shared (node, SKU) count, adjustment or quota names.
inline constexpr std::int64_t kMaxSharedUnits = 1'000'000'000;

// An operator's standing order (`edgeroute-central quota grant`): keep `gateway_id`
// topped up to `units` unreserved units of the (node, SKU), each grant running
// `lease_seconds`.
struct EscrowQuota {
  std::string gateway_id;
  std::string node_id;
  std::string sku_id;
  std::int32_t units = 0;  // 0: no more top-ups (the lease runs out and comes back)
  std::int64_t lease_seconds = 0;
  std::int64_t set_at_us = 0;
};

// One gateway's lease of one shared (node, SKU), as central knows it.
struct EscrowLease {
  std::string gateway_id;
  std::string node_id;
  std::string sku_id;
  std::uint64_t epoch = 0;         // the newest grant's
  std::int64_t expires_at_us = 0;  // the newest grant's expiry
  // Units the gateway may hold there: granted (applied or pending) - returned - shipped
  // (handed_off fulfillment_event entries at the node) - refused grants.
  std::int64_t outstanding_units = 0;
  // In total, refused grants excluded; grants the gateway's journal holds that central
  // had not counted included.
  std::int64_t granted_units = 0;
  std::int64_t returned_units = 0;  // in total
  std::int64_t shipped_units = 0;   // in total
  // The gateway's last EscrowStanding about this lease at `epoch`; -1: none since the
  // newest grant.
  std::int32_t reported_unreserved_units = -1;
  std::int32_t reported_reserved_units = 0;
  std::int64_t reported_at_us = 0;
  // In total, taken out of the lease by reclaim_escrow_leases() once its gateway was
  // retired and the lease had run out.
  std::int64_t reclaimed_units = 0;
};

// One grant of escrow: sent to the gateway until its journal says applied (an
// escrow_change `granted` entry under the grant's correlation id), or the gateway refuses
// it. A refused grant the journal later shows applied becomes applied (keeping the
// refusal's words, the record of the conflict).
struct EscrowGrantRecord {
  enum class State : std::uint8_t { pending = 0, applied = 1, refused = 2 };

  std::uint64_t id = 0;  // central's, 1, 2, 3, ...
  std::string gateway_id;
  std::string node_id;
  std::string sku_id;
  std::uint64_t epoch = 0;  // the lease's epoch with this grant
  std::int32_t units = 0;
  std::int64_t expires_at_us = 0;
  std::string correlation_id;  // "central-escrow:<nonce>", unique (central_delta.h)
  std::int64_t created_at_us = 0;
  State state = State::pending;
  std::uint64_t applied_at_sequence = 0;
  std::string refusal;
  std::int64_t settled_at_us = 0;
};
std::string_view to_string(EscrowGrantRecord::State state);

struct AppliedBatch {
  std::uint64_t acknowledged = 0;  // the gateway's mark after the batch
  std::uint64_t applied = 0;       // entries new to central, now held
  std::uint64_t duplicates = 0;    // entries at or below the mark before: skipped
};

class CentralStore {
 public:
  virtual ~CentralStore() = default;

  // Registers a gateway and its certificate, or replaces the certificate of a gateway
  // already known (rotation: the old certificate stops being accepted). A retired gateway
  // registered again is active again (retired_at_us 0), its journal and mark kept. A
  // gateway id is lowercase letters, digits, '-' and '_', 1..64 characters
  // (invalid_argument otherwise, naming it); the fingerprint is 64 lowercase hex digits.
  virtual Status register_gateway(std::string_view gateway_id, std::string_view certificate_sha256,
                                  std::int64_t now_us) = 0;

  // Retires a gateway gone for good (hardware replaced, a warehouse closed), at central's
  // `now_us` (> 0): it takes no place in policy rollouts and is offered no policy, new node
  // closures are not sent to it, no inventory delta can be added for it, and central
  // refuses its Hello. Its journal, mark, outcomes, deltas and closure deliveries stay as
  // they are (pending ones stay pending). Retiring a retired gateway keeps the first
  // time (ok); not_found for a gateway never registered; invalid_argument for a time not
  // after the epoch. register_gateway() brings it back.
  virtual Status retire_gateway(std::string_view gateway_id, std::int64_t now_us) = 0;

  // nullopt for a gateway never registered.
  virtual Result<std::optional<GatewayRecord>> gateway(std::string_view gateway_id) const = 0;
  // Every registered gateway, ordered by id, retired ones too.
  virtual Result<std::vector<GatewayRecord>> gateways() const = 0;

  // A gateway said hello at central's `now_us`, with `newest_sequence` the newest entry
  // of its journal and its clock `clock_skew_us` off central's (not_found for an unknown
  // gateway).
  virtual Status record_contact(std::string_view gateway_id, std::int64_t now_us,
                                std::uint64_t newest_sequence, std::int64_t clock_skew_us) = 0;

  // Applies a batch of one gateway's journal entries, exactly once, in one durable
  // transaction (entries and the new mark together). `entries` must ascend by one
  // (invalid_argument otherwise, nothing applied). Entries at or below the mark are
  // counted as duplicates and skipped (their bytes are not compared: a gateway's journal
  // never rewrites an entry); the first entry above it must be mark + 1, else
  // failed_precondition "sequence gap: ... holds up to M, batch starts at N" and nothing
  // is applied. An entry kind outside journal::EntryKind is invalid_argument. Unknown
  // gateway: not_found. A full disk: no_space, nothing applied, the store stays usable. A
  // new inventory_adjustment entry whose correlation id is that of a pending delta of this
  // gateway (central_delta.h) marks it applied in the same transaction. A new
  // policy_change entry records the gateway's outcome for the version it names, in the
  // same transaction (the latest entry about a version wins); one whose payload is not a
  // PolicyChangeRecord is held like any entry and records nothing. A new network_change
  // entry whose correlation id is that of a pending node closure delivery of this gateway
  // marks it applied when its NetworkChangeRecord's kind is the record's (node_closed for a
  // closure, node_reopened for a reopening); another kind, or a payload that does not
  // verify, marks nothing. A new fulfillment_event entry whose FulfillmentRecord is a failure
  // with exception code kNodeClosedExceptionCode records its order as stranded at the node
  // (replacing an earlier stranding of the order); a new reroute entry moving the order
  // away from that node, or a release entry of the order, clears it. A new escrow_change
  // entry (EscrowChangeRecord): `granted` under the correlation id of a pending grant of
  // this gateway marks it applied (its units were counted when it was made). The journal
  // is the record: a `granted` entry naming no grant central knows, or a grant of this
  // gateway central holds as refused, counts its units now: the gateway's lease of the
  // (node, SKU) (made if missing) gets outstanding_units and granted_units += units, epoch
  // = max(epoch, the entry's) and the entry's expiry when its epoch is the lease's newest;
  // free_units -= units (a (node, SKU) not yet shared stock becomes one, at 0 - units),
  // which may go below 0, a conflict; the refused grant becomes applied. One naming
  // another gateway's grant, or an applied one, moves nothing. `returned` takes its units
  // out of the gateway's lease of the (node, SKU) and gives them back to free_units
  // (returned_units grows by the units the entry names; outstanding_units and free_units
  // move by no more than the lease held, so no unit comes back twice; a return where the
  // gateway holds no lease moves nothing). A new fulfillment_event entry of kind
  // handed_off takes its shipped lines out of the gateway's leases at each line's (node,
  // SKU): outstanding_units falls by min(quantity, outstanding_units), shipped_units grows
  // by the quantity (they left the node; free_units does not change). Payloads that do not
  // verify record nothing.
  virtual Result<AppliedBatch> apply_journal_batch(std::string_view gateway_id,
                                                   std::span<const journal::StoredEntry> entries,
                                                   std::int64_t now_us) = 0;

  // Records a delta for `gateway_id` (not_found for an unknown gateway;
  // failed_precondition for a retired one, "gateway 'X' is retired", and for a (node, SKU)
  // that is shared stock, "... is shared stock, counted at central": no gateway homes it,
  // set_shared_stock() and adjust_shared_stock() change it; invalid_argument for 0 units,
  // more than kMaxDeltaUnits either way, or an empty node or SKU) and returns its id.
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

  // Closes `node_id` at every active gateway: one closure, one pending delivery per active
  // gateway, in one transaction; returns the closure's id. invalid_argument for an empty
  // node id; failed_precondition when no gateway is registered, or every one is retired
  // (nothing is stored).
  virtual Result<std::uint64_t> add_node_closure(std::string_view node_id, std::string_view reason,
                                                 std::int64_t now_us) = 0;
  // Reopens `node_id` at every active gateway: a closure record with `reopen` set, under
  // the same rules as add_node_closure() (its id is drawn from the same sequence). It does
  // not ask whether the node is closed: what central recorded need not be what each
  // gateway holds (a closure one refused, or one still pending), and a gateway that
  // reopens a node it has open changes nothing.
  virtual Result<std::uint64_t> add_node_reopening(std::string_view node_id,
                                                   std::string_view reason,
                                                   std::int64_t now_us) = 0;
  // The deliveries of closures to one gateway (every gateway's when `gateway_id` is
  // empty), by closure id then gateway id; only those in `state` when it is given.
  virtual Result<std::vector<NodeClosureDelivery>> node_closure_deliveries(
      std::string_view gateway_id, std::optional<NodeClosureDelivery::State> state) const = 0;
  // Every closure and reopening with its deliveries, by id.
  virtual Result<std::vector<NodeClosure>> node_closures() const = 0;
  // The gateway refused a closure (or reopening) pending for it: a conflict. failed_precondition
  // when its delivery is not pending, not_found when the closure was not sent to that gateway.
  virtual Status refuse_node_closure(std::uint64_t closure_id, std::string_view gateway_id,
                                     std::string_view why, std::int64_t now_us) = 0;
  // Orders stranded by central's changes (closed nodes, counts short), by gateway id then
  // order id.
  virtual Result<std::vector<StrandedOrder>> stranded_orders() const = 0;

  // Stores a pushed policy. failed_precondition when its version is not above the newest
  // pushed ("policy version 3 is not above 5, the newest pushed"); invalid_argument for
  // version 0, an empty bundle or one above kMaxPolicyBundleBytes, a bundle that claims
  // another version, an expiry not after `now_us`, max_failures 0, or a wave_timeout_us
  // below 0.
  virtual Status add_policy(const PolicyRelease& release, std::int64_t now_us) = 0;
  // The policy to offer `gateway_id` at `now_us`, if any: only the newest pushed, not once
  // expired, not once the rollout halted, not to a gateway that already reported an
  // outcome for it, and only once the gateway's wave is open (PolicyRelease; a gateway
  // that timed out without answering is offered it still). nullopt too for a gateway not
  // registered, or retired.
  virtual Result<std::optional<PolicyOffer>> policy_offer_for(std::string_view gateway_id,
                                                              std::int64_t now_us) const = 0;
  // policy_offer_for()'s version without its bundle: what a session asks on every tick.
  virtual Result<std::optional<std::uint64_t>> policy_version_for(std::string_view gateway_id,
                                                                  std::int64_t now_us) const = 0;
  // Every pushed policy's rollout at `now_us`, newest first.
  virtual Result<std::vector<PolicyRollout>> policy_rollouts(std::int64_t now_us) const = 0;
  // The outcomes the gateways reported for `version`, by gateway id.
  virtual Result<std::vector<PolicyOutcome>> policy_outcomes(std::uint64_t version) const = 0;

  // Shared stock (SharedStock). set: an operator's count of what is at the node
  // (`inventory set`): free_units becomes counted - leased_units. adjust: a receipt (+) or
  // a write-off (-) at the node (`inventory adjust` without a gateway): free_units moves
  // by `units`. Either may leave free_units negative (a conflict, `conflicts`). A
  // (node, SKU) not known yet starts at 0. invalid_argument for an empty node or SKU, a
  // count below 0 or above kMaxSharedUnits, an adjustment of 0 or beyond
  // kMaxSharedUnits either way. Returns the stock after the change.
  virtual Result<SharedStock> set_shared_stock(std::string_view node_id, std::string_view sku_id,
                                               std::int64_t counted_units, std::int64_t now_us) = 0;
  virtual Result<SharedStock> adjust_shared_stock(std::string_view node_id, std::string_view sku_id,
                                                  std::int64_t units, std::int64_t now_us) = 0;
  // Every shared (node, SKU), by node then SKU.
  virtual Result<std::vector<SharedStock>> shared_stock() const = 0;

  // Keeps the records of a gateway's StockReport part (stock_report.h), each with
  // `as_of_sequence` and `now_us`, in one transaction; a record the store already holds
  // from a later journal position of the gateway stays (a part that arrives late never
  // undoes a newer one). not_found for an unknown gateway; invalid_argument for an empty
  // node or SKU id or negative units (the message verifier refuses them before).
  virtual Status record_stock_report(std::string_view gateway_id, std::uint64_t as_of_sequence,
                                     std::span<const StockRecordReport> records,
                                     std::int64_t now_us) = 0;
  // The homed stock of record of one node (of every node when empty), by node, SKU, gateway.
  virtual Result<std::vector<HomedStock>> homed_stock(std::string_view node_id) const = 0;

  // Sets (replaces) a quota (EscrowQuota; set_at_us is `now_us`). not_found for an
  // unknown gateway, failed_precondition for a retired one, invalid_argument for an empty
  // node or SKU, units below 0 or above kMaxSharedUnits, lease_seconds <= 0, or a
  // (node, SKU) that is not shared stock ("set it first with inventory set").
  virtual Status set_escrow_quota(const EscrowQuota& quota, std::int64_t now_us) = 0;
  // The quotas of one gateway (every gateway's when empty), by gateway, node, SKU.
  virtual Result<std::vector<EscrowQuota>> escrow_quotas(std::string_view gateway_id) const = 0;

  // Tops `gateway_id` up to its quotas at `now_us`, in one transaction, and returns the
  // grants it made (pending). It works out what is due with reads first and takes the
  // write lock only when a grant is due, working it out again under the lock (that answer
  // is the one acted on): a session asks on every tick. For each quota of the gateway with
  // no grant of its lease pending, and whose newest grant was not refused since the quota
  // was set (a refusal is a conflict: granting again would be refused again; setting the
  // quota again asks anew): the gateway's unreserved units are taken to be 0 once the
  // lease expired, else its last report at the lease's epoch, else outstanding_units (an
  // upper bound: central never grants on a guess of demand); the need is units minus that;
  // a grant is made when the need is at least a quarter of the quota (at least 1), or
  // positive with no lease or an expired one. It grants min(need, free_units) when that is
  // positive: free_units falls by it, the lease's outstanding_units rises by it, its epoch
  // by one, its expiry becomes now + lease_seconds. Nothing for a retired or unknown
  // gateway.
  virtual Result<std::vector<EscrowGrantRecord>> top_up_escrow(std::string_view gateway_id,
                                                               std::int64_t now_us) = 0;
  // The grants of one gateway (every gateway's when empty), by id; only those in
  // `state` when given.
  virtual Result<std::vector<EscrowGrantRecord>> escrow_grants(
      std::string_view gateway_id, std::optional<EscrowGrantRecord::State> state) const = 0;
  // The gateway refused a pending grant of its own: a conflict; its units leave the
  // lease (outstanding_units, and granted_units) and go back to free_units, no more than
  // the lease still holds. The lease keeps its epoch (never handed out twice) and the
  // refused grant's expiry. failed_precondition when it is not pending, not_found when it
  // is not that gateway's.
  virtual Status refuse_escrow_grant(std::uint64_t grant_id, std::string_view gateway_id,
                                     std::string_view why, std::int64_t now_us) = 0;
  // The gateway's standing (EscrowLeaseStanding, escrow.h): a report at a lease's current epoch is
  // kept on the lease (EscrowLease::reported_*); one about another epoch or an unknown
  // lease is ignored.
  virtual Status record_escrow_standing(std::string_view gateway_id,
                                        std::span<const EscrowLeaseStanding> leases,
                                        std::int64_t now_us) = 0;
  // Every lease, by gateway, node, SKU.
  virtual Result<std::vector<EscrowLease>> escrow_leases() const = 0;

  // Takes back the leases of a retired gateway that will not sync again (`quota reclaim`),
  // in one transaction, and returns them as they were. Each lease that holds units gives
  // them all up (outstanding_units 0, reclaimed_units grows by them) into its (node, SKU)'s
  // uncounted_units, not free_units: the gateway may have sold some of them, and only a
  // count at the node (set_shared_stock()) can say how many are still there. Its pending
  // grants become refused (they are not sent again should it be registered again). What its
  // journal says later still counts: a granted entry central had not counted goes into the
  // lease as ever; a return or a shipment moves no more than the lease then holds.
  // not_found for an unknown gateway; failed_precondition, nothing changed, for an active
  // one (its journal returns its leases) and while any of its leases holding units has
  // not run out by `now_us`, allowing for how far the gateway's clock was behind central's
  // at its last contact (until then it may still sell from the lease), naming the lease
  // and when that is.
  virtual Result<std::vector<EscrowLease>> reclaim_escrow_leases(std::string_view gateway_id,
                                                                 std::int64_t now_us) = 0;

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
// build does not read. A store of an older format this build knows how to upgrade is
// upgraded in place, in one transaction.
Result<std::unique_ptr<CentralStore>> open_sqlite_central_store(const std::string& path);

}  // namespace edgeroute::sync
