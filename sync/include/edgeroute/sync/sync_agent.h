// SyncAgent: the gateway's end of the sync protocol. It dials central over mutual TLS
// whenever the WAN link is up, says Hello, and replays its journal from the mark
// central acknowledges: batches of consecutive entries read from the journal file (a
// read-only connection beside the daemon's writer, so routing never waits on it),
// several in flight, each acknowledged by central once durable there. Central's mark
// goes to `on_acknowledged` (the gateway persists it through its journal writer: an
// fsync) at most once a second while acknowledgements stream in, and at once when the
// agent has caught up. At least once from here, exactly once at central
// (central_store.h).
//
// Connections fail; the agent does not. A refusal, a timeout, a lost link or a dead
// central ends the session; the next attempt waits a backoff with full jitter (uniform
// in [minimum, ceiling], the ceiling doubling up to reconnect_max, reset by a session
// that got an acknowledgement). A link that comes back up cuts the wait short; a link
// that goes down ends the session at once.
//
// Inventory deltas from central go to `on_inventory_delta`, each at most once per
// process (central offers a delta again only in a later session, and only once it holds
// the journal the gateway reported; the entry that applied it is then among what it
// holds).
//
// Signed policies central offers go to `on_policy_offer`; a version the gateway took up
// is not handed over again by this process. Nothing goes back to central: the gateway
// journals what it did with the bundle, and central learns it from that entry and stops
// offering (until then it offers again now and then, central_server.h).
//
// Node closures central ops decided go to `on_node_closure`, each at most once per process
// unless the gateway answered "not now" (as deltas: central offers a closure only once it
// holds the journal the gateway reported, so one the gateway applied is marked applied
// there by its network_change entry). A closure the gateway refuses for good goes back
// as a NodeClosureRefused, a conflict at central.
//
// Escrow grants go to `escrow.on_grant`, as closures (EscrowGrantRefused for a refusal
// for good). In every session the agent sends central the gateway's escrow standing
// (`escrow.standing`: each lease's unreserved and reserved units) whenever it changed,
// looking at most once a second: central tops leases up from it.
//
// The stock of record of the nodes the gateway homes goes to central as StockReports
// (`stock.report`, a part of the catalog at a time, each read at one journal position):
// once a session has caught up with the journal, the whole catalog, then every
// stock_report_interval the parts whose records changed since this session sent them.
//
// Threading: one thread of its own runs the connection. start()/stop() from one
// controlling thread; figures() from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/hal/clock.h"
#include "edgeroute/hal/link.h"
#include "edgeroute/sync/escrow.h"
#include "edgeroute/sync/stock_report.h"
#include "edgeroute/sync/tls.h"

namespace edgeroute::sync {

struct SyncAgentOptions {
  std::string gateway_id;
  std::string central_host;
  std::uint16_t central_port = 0;
  // The name central's certificate must carry (SNI and verification); empty: central_host.
  std::string server_name;
  TlsFiles tls;
  // The gateway's journal (absolute path), read beside the daemon's writer.
  std::string journal_path;
  // Cut a batch at this many entries or bytes, whichever comes first.
  std::uint32_t batch_max_entries = 1024;
  std::size_t batch_max_bytes = 1024 * 1024;
  // Batches sent and not yet acknowledged, at most.
  std::uint32_t batches_in_flight = 4;
  // How often an idle session looks at the journal for new entries.
  std::chrono::milliseconds poll_interval{20};
  std::chrono::milliseconds reconnect_min{200};
  std::chrono::milliseconds reconnect_max{30'000};
  // Connecting, the handshake, the Welcome, and each acknowledgement while batches are
  // in flight: longer than this and the session is given up.
  std::chrono::milliseconds response_timeout{10'000};
  // How often a session walks the catalog again for stock reports, after the first walk
  // once caught up; and how many SKUs one part covers.
  std::chrono::milliseconds stock_report_interval{60'000};
  std::uint32_t stock_report_skus_per_part = 512;
  // Seeds the backoff jitter (tests make it repeatable).
  std::uint64_t jitter_seed = 0;
  // The gateway's wall clock, told to central in every Hello (central shows how far it is
  // off its own); nullptr: the system clock.
  const hal::Clock* clock = nullptr;
};

struct SyncFigures {
  bool connected = false;                     // a session is open (Welcome received)
  std::uint64_t acknowledged = 0;             // central's mark as last heard
  std::uint64_t sent = 0;                     // newest entry sent in this session
  std::uint64_t journal_newest = 0;           // newest entry the agent has seen in the journal
  std::uint64_t sessions = 0;                 // sessions opened (Welcomes)
  std::uint64_t failures = 0;                 // sessions or attempts that ended in an error
  std::uint64_t entries_sent = 0;             // over all sessions, resends included
  std::uint64_t deltas_applied = 0;           // inventory deltas the gateway journaled
  std::uint64_t deltas_refused = 0;           // inventory deltas sent back to central as conflicts
  std::uint64_t policies_offered = 0;         // policy versions handed to the gateway
  std::uint64_t policies_refused = 0;         // of those, refused by the gateway (not merely busy)
  std::uint64_t closures_applied = 0;         // node closures the gateway journaled
  std::uint64_t closures_refused = 0;         // node closures sent back to central as conflicts
  std::uint64_t escrow_grants_applied = 0;    // escrow grants the gateway journaled
  std::uint64_t escrow_grants_refused = 0;    // escrow grants sent back to central as conflicts
  std::uint64_t stock_records_reported = 0;   // stock records sent in StockReports
  std::uint64_t stock_reports_completed = 0;  // walks of the whole catalog finished
  std::string last_error;                     // why the last session or attempt ended
};

// A change of stock central decided, as the agent hands it to the gateway.
struct CentralInventoryDelta {
  std::uint64_t delta_id = 0;
  std::string node_id;
  std::string sku_id;
  std::int32_t units = 0;  // + a receipt, - a write-off
  std::string reason;
  // What the gateway journals the adjustment under ("central-delta:<id>", central_delta.h):
  // the entry tells central the delta is applied.
  std::string correlation_id;
};

// A node central closed, or reopened, as the agent hands it to the gateway.
struct CentralNodeClosure {
  std::uint64_t closure_id = 0;
  std::string node_id;
  std::string reason;
  bool reopen = false;  // central reopened the node (Gateway::reopen_node)
  // What the gateway journals the closure under ("central-closure:<nonce>",
  // central_delta.h): the entry tells central the closure is applied.
  std::string correlation_id;
};

class SyncAgent {
 public:
  using AcknowledgedSink = std::function<void(std::uint64_t sequence)>;
  // Applies a delta and calls `done` (from any thread) with ok once the adjustment is
  // journaled, or with why not. A refusal the gateway would give again however often it
  // is asked (invalid_argument, not_found, failed_precondition, out_of_range: a node it
  // does not home, an unknown SKU) goes back to central as a conflict; anything else
  // (busy, a full disk) ends the session, and central offers the delta again in the next.
  using InventoryDeltaSink =
      std::function<void(const CentralInventoryDelta& delta, std::function<void(Status)> done)>;
  // Takes up a signed policy bundle (Gateway::offer_policy) and calls `done` (from any
  // thread, once) with ok once it routes on trial, or with why not. `version` is the one
  // central claims, for logs only. Only a version taken up (ok) is not handed over
  // again by this process; after a refusal or "not now" (`unavailable`) central's next
  // offer is (central stops offering once the gateway's journal has answered).
  using PolicyOfferSink =
      std::function<void(std::uint64_t version, std::vector<std::uint8_t> signed_bundle,
                         std::function<void(Status)> done)>;
  // Closes a node (Gateway::close_node) and calls `done` (from any thread, once) with ok
  // once the closure is journaled, or with why not. A refusal the gateway would give
  // again (invalid_argument, not_found, failed_precondition, out_of_range: a node it does
  // not know) goes back to central as a conflict; anything else (unavailable: busy,
  // shutting down) ends the session, and central offers the closure again in the next.
  using NodeClosureSink =
      std::function<void(const CentralNodeClosure& closure, std::function<void(Status)> done)>;

  // Applies a grant (Gateway::grant_escrow) and calls `done` (from any thread, once) with
  // ok once it is journaled, or why not; refusals as for closures.
  using EscrowGrantSink =
      std::function<void(const EscrowGrant& grant, std::function<void(Status)> done)>;
  // The gateway's leases now (Gateway::escrow_standing). Called on the agent's thread;
  // must not block.
  using EscrowStandingSource = std::function<std::vector<EscrowLeaseStanding>()>;
  struct EscrowHooks {
    EscrowGrantSink on_grant;
    EscrowStandingSource standing;
  };
  // A part of the gateway's stock report (Gateway::stock_report): the SKUs [first_sku,
  // first_sku + sku_count), records left out when their digest equals `unless_digest`.
  // Called on the agent's thread; must not block.
  using StockReportSource =
      std::function<StockReportPart(std::uint32_t first_sku, std::uint32_t sku_count,
                                    std::optional<std::uint64_t> unless_digest)>;
  struct StockHooks {
    StockReportSource report;
  };

  // `acknowledged` is the mark the gateway's journal holds (what it tells central in
  // Hello). Without `on_inventory_delta` every delta is refused; without
  // `on_policy_offer` policy offers, and without `on_node_closure` node closures, are
  // logged and ignored (central's answer stays pending); without `escrow.on_grant` every
  // grant is refused, and without `escrow.standing` none is reported; without
  // `stock.report` no stock is reported. Errors: the TLS files (named), a journal that
  // cannot be opened.
  static Result<std::unique_ptr<SyncAgent>> start(SyncAgentOptions options, hal::Link& link,
                                                  std::uint64_t acknowledged,
                                                  AcknowledgedSink on_acknowledged,
                                                  InventoryDeltaSink on_inventory_delta = {},
                                                  PolicyOfferSink on_policy_offer = {},
                                                  NodeClosureSink on_node_closure = {},
                                                  EscrowHooks escrow = {}, StockHooks stock = {});
  ~SyncAgent();  // stops, if still running
  SyncAgent(const SyncAgent&) = delete;
  SyncAgent& operator=(const SyncAgent&) = delete;

  SyncFigures figures() const;
  // Ends the session (batches in flight are resent by the next one: at least once) and
  // joins the thread.
  void stop();

 private:
  struct Impl;
  explicit SyncAgent(std::shared_ptr<Impl> impl);
  // Shared with the gateway's answers to deltas, policies and closures, which may come
  // after the agent stopped.
  std::shared_ptr<Impl> impl_;
};

}  // namespace edgeroute::sync
