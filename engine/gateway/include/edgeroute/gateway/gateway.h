// Gateway: what a gateway does with each request of the wire protocol
// (docs/protocol.md). Requests that decide or change something (RouteOrder,
// CancelOrder, AdjustInventory, ReportFulfillment) go through the pipeline: a routing
// worker decides and reserves, the journal writer makes the change durable, and only
// then is it applied where others can see it and answered. Quotes go to a worker too
// (they need a Router) but are answered at once, and so do QueryOrder requests (the
// order's decision document is read back from the journal). QueryInventory, Ping and
// status are answered on the caller's thread from lock-free counters.
//
// Order of changes. Everything that changes on_hand (adjustments, shipments) is applied
// by the journal writer in journal order, so the state after a restart, replayed in that
// order, is the state the replies described. Reservations are taken by the workers
// before the journal (a plan must be reserved atomically when it is made); one that does
// not reach the journal is given back.
//
// Thread-safety: handle() may be called from any number of I/O threads at once; the
// sink it is given is called from the pipeline's threads, or from the caller's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgeroute/gateway/gateway_metrics.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/gateway/pipeline.h"
#include "edgeroute/gateway/policy_trial.h"
#include "edgeroute/hal/clock.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/sync/escrow.h"
#include "edgeroute/sync/policy_bundle.h"
#include "edgeroute/sync/stock_report.h"

namespace edgeroute::gateway {

// Where the responses of one connection go.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Called from any thread; must not block.
  virtual void send(protocol::Frame frame) = 0;
};

// A request as received: its verified payload, owned (8-byte aligned).
struct ReceivedRequest {
  std::vector<std::uint8_t> payload;
  // Set by apply_central_adjustment() (central_adjustment.h) only: an adjustment central
  // decided, the one kind of request that may carry a reference reserved for central.
  bool from_central = false;
  const protocol::fbs::Request& request() const {
    return *flatbuffers::GetRoot<protocol::fbs::Request>(payload.data());
  }
};

struct GatewayOptions {
  std::string gateway_id;
  PipelineOptions pipeline;
  // The key every policy bundle must be signed with (configuration policy_trust_anchor).
  sync::Ed25519PublicKey policy_trust_anchor{};
  PolicyTrialOptions policy_trial;
};

// What the sync agent says of itself, for `edgeroute status`.
struct SyncReport {
  bool connected = false;
  std::string last_error;  // why the last session or attempt ended
};

// The escrow leases this gateway holds, summed (`edgeroute status`, /metrics).
struct EscrowFigures {
  std::uint32_t leases = 0;
  std::uint64_t unreserved_units = 0;  // what is left to sell of shared stock
  std::uint32_t expired_leases = 0;    // past their expiry: their unreserved units go back
};

// Figures for the ops endpoint and `edgeroute status`.
struct GatewayFigures {
  bool accepting = false;
  std::uint64_t journal_last_sequence = 0;
  // Central's high-water mark as persisted here: entries above it are not yet at central.
  std::uint64_t central_acknowledged = 0;
  std::uint64_t policy_version = 0;
  std::uint64_t network_version = 0;
  std::size_t ingress_depth = 0;
  std::size_t journal_depth = 0;
  PipelineCounters pipeline;
  std::uint64_t uptime_seconds = 0;
  std::string detail;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, journal::Journal& journal, GatewayState& state,
          hal::Clock& clock);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Starts the threads, then reroute_from_closed_nodes(): a restart finishes the
  // re-routes of a closure that a crash cut short.
  void start();
  // Finishes every request already accepted (decided, journaled, answered), then stops
  // the threads. Requests handled afterwards get shutting_down.
  void stop();

  // REQUIRES: request.payload was verified with protocol::verify_request.
  void handle(ReceivedRequest request, const std::shared_ptr<ResponseSink>& sink);

  GatewayFigures figures() const;
  // Central holds the journal up to `sequence` (the sync agent heard it): the journal
  // writer persists the mark. Any thread; never blocks.
  void record_central_acknowledged(std::uint64_t sequence);
  // A signed policy bundle central pushed (policy_admission.h says what is checked).
  // `done` gets ok once the bundle's policy routes, on trial; otherwise why it was
  // refused: permission_denied (the signature), failed_precondition (a version not above
  // the highest accepted), out_of_range (expired), invalid_argument (malformed, or the
  // policy does not validate against this gateway's network), all journaled as a
  // refused policy change, which is how central learns of them; or unavailable (another
  // policy change under way, the journal busy or refusing work, shutting down: worth
  // offering again later), which is not journaled. Any thread; `done` is called once,
  // from a pipeline thread or the caller's.
  void offer_policy(std::vector<std::uint8_t> signed_bundle, std::function<void(Status)> done);
  // Central closed `node_id` (docs/sync.md, "Node closures"). Journaled as a
  // network_change entry whose correlation id is `reference` (central recognises it by
  // that); from then on nothing is routed to the node, and each order holding stock there
  // is routed again where the policy allows, as after a failed report with exception
  // code `node_closed`; an order no other node can take keeps its stock there, with an
  // open exception, for an operator. A node this gateway does not know is closed all the
  // same (journaled, nothing to move). `done` gets ok once the closure is durable (the
  // re-routes follow it), or unavailable (busy, the journal refusing work, shutting
  // down: worth asking again).
  // Any thread; `done` is called once, from a pipeline thread or the caller's.
  void close_node(std::string node_id, std::string reason, std::string reference,
                  std::function<void(Status)> done);
  // Central reopened `node_id`: journaled as a network_change entry (node_reopened) under
  // `reference`; from then on it is routed to again. Orders moved away stay where they
  // went; those left there with an open exception stay for an operator. A node not closed,
  // or unknown, changes nothing (journaled all the same, as close_node). `done` as for
  // close_node.
  void reopen_node(std::string node_id, std::string reason, std::string reference,
                   std::function<void(Status)> done);
  // Central leased this gateway `grant.units` more of a node it does not home
  // (escrow_ledger.h). Journaled as an escrow_change entry whose correlation id is the
  // grant's reference (central recognises it by that); once durable the units are on
  // hand there, for routing to reserve. `done` gets ok then, or at once for a grant this
  // journal already holds (same reference); otherwise why not: failed_precondition
  // (escrow off here, a node this gateway homes, an epoch not above the lease's), not_found
  // (a node or SKU it does not know), invalid_argument (units that do not fit), or
  // unavailable (busy, the journal refusing work, shutting down, no room for a new stock
  // record until a restart: worth sending again). A node that has not stocked the SKU so
  // far gets a stock record for it (GatewayState::stock_record). Any thread; `done` is
  // called once, from a pipeline thread or the caller's.
  void grant_escrow(const sync::EscrowGrant& grant, std::function<void(Status)> done);
  // Gives back, journaled, the unreserved units of every lease past its expiry (this
  // gateway's wall clock against central's expiry). The daemon calls it every second;
  // cheap when nothing expired. Any thread.
  void return_expired_escrow();
  // Every lease this gateway holds, by SKU then node. Any thread.
  std::vector<sync::EscrowLeaseStanding> escrow_standing() const;
  EscrowFigures escrow_figures() const;
  // The stock of record of the nodes this gateway homes (every node, escrow off), a part
  // for central (docs/sync.md, "Stock of record"): the records of SKUs [first_sku,
  // first_sku + sku_count) of the catalog, read at one journal position (each on-hand
  // exactly the journal's through the part's as_of_sequence; applied_position.h), with a
  // digest of them. Records are left out when the digest equals `unless_digest` (nothing
  // changed since the part was last sent). Any thread; never blocks the journal writer.
  sync::StockReportPart stock_report(std::uint32_t first_sku, std::uint32_t sku_count,
                                     std::optional<std::uint64_t> unless_digest) const;
  // Reports failed, on central's behalf, every order still holding stock at a node
  // central closed and not yet reported there: those a crash kept from being moved, and
  // any decided under a routing model read just before the closure was published. The
  // daemon calls it at start and every few seconds; cheap when no node is closed. Any
  // thread.
  void reroute_from_closed_nodes();
  // Judges the policy on trial (policy_trial.h) and commits or reverts it when the
  // verdict is in. Call it periodically (the daemon: once a second); cheap when no trial
  // is open. Any thread.
  void check_policy_trial();
  // A policy change (offer, verdict, rollback) is on its way to the journal: another is
  // turned away until it is applied. Any thread.
  bool policy_change_under_way() const {
    return policy_change_under_way_.load(std::memory_order_acquire);
  }
  // What the policy stage holds, and its last change in words. Any thread.
  PolicyFigures policy_figures() const { return state_.policy_figures(); }
  std::string policy_detail() const;
  // Where `edgeroute status` learns the sync agent's state; without one it says sync is
  // off. Any thread.
  void report_sync_with(std::function<SyncReport()> reporter);
  // The journal failed in a way only a restart can settle (Pipeline::failed).
  bool failed() const;
  const GatewayOptions& options() const { return options_; }
  GatewayState& state() { return state_; }
  hal::Clock& clock() { return clock_; }
  // What the ops endpoint shows of this gateway (/metrics).
  GatewayMetrics& metrics() { return metrics_; }

 private:
  void answer_query_inventory(std::uint64_t request_id, const protocol::fbs::QueryInventory& query,
                              ResponseSink& sink);
  void answer_status(std::uint64_t request_id, ResponseSink& sink);
  void roll_back_policy(std::uint64_t request_id, std::string_view reason,
                        const std::shared_ptr<ResponseSink>& sink);
  // Journals `facts` and then applies `change` (gateway_policy.cpp); `done` gets the
  // entry's sequence or why it was not made. REQUIRES: this thread set
  // policy_change_under_way_; it is cleared before `done` is called.
  void change_policy(const PolicyChangeFacts& facts, PolicyChange change,
                     std::function<void(Result<std::uint64_t>)> done);
  // Why the pipeline did not take a job: the gateway is shutting down, or its queue is
  // full (unavailable either way: worth trying again, elsewhere or later).
  Status not_taken() const;
  // Submits a change of the gateway's own making (a policy change, a closure); one the
  // pipeline does not take finishes through its not_journaled(not_taken()).
  void submit_change(std::unique_ptr<Job> job);
  // Reports every order holding stock at the closed node failed there, on central's
  // behalf (gateway_central_changes.cpp). Any thread.
  void reroute_from_closed_node(std::uint32_t node_index, const std::string& node_id,
                                const std::string& reason);
  // An adjustment central decided left `cell` with `oversold` units reserved beyond its
  // stock: the newest orders holding stock there, enough to cover it, are reported
  // failed at the node (exception central_count_short), which re-routes them where the
  // policy allows. Journal writer (after the adjustment is durable).
  void reroute_oversold(const routing::InventoryCell& cell, std::int32_t oversold,
                        std::string_view reference);
  // A failed report at `node_id` for `order_id`, sent to this gateway on central's
  // behalf; sent again while the order is busy. Any thread.
  void report_failed_for_central(const std::string& order_id, const std::string& node_id,
                                 std::string_view exception_code, const std::string& detail);
  // The policy that routes changed: a new span of decisions begins; `trial_version` is
  // the policy now on trial, 0 for none (journal writer).
  void policy_began_routing(std::uint64_t trial_version);

  GatewayOptions options_;
  GatewayState& state_;
  hal::Clock& clock_;
  hal::MonotonicTime started_at_;
  // Before pipeline_: the pipeline reports its commits here until it has stopped.
  GatewayMetrics metrics_;
  std::unique_ptr<Pipeline> pipeline_;
  std::atomic<bool> stopped_{false};
  // One policy change at a time, from offer (or verdict, or rollback) to journaled: the
  // stage's precondition is checked against a stage no one else is changing.
  std::atomic<bool> policy_change_under_way_{false};
  // One return of expired escrow at a time (return_expired_escrow).
  std::atomic<bool> escrow_return_under_way_{false};
  mutable std::mutex policy_trial_mutex_;  // guards the four below
  DecisionTally tally_when_policy_began_;  // when the policy routing now began
  DecisionTally tally_before_trial_;       // decisions under the policy the trial replaced
  hal::MonotonicTime trial_began_at_{};
  std::string policy_detail_;  // the last change, in words
  mutable std::mutex sync_reporter_mutex_;
  std::function<SyncReport()> sync_reporter_;  // guarded by sync_reporter_mutex_
};

}  // namespace edgeroute::gateway
