// NodeHealthLedger: what the nodes' own reports say about their health, blended into the
// figures the network configures, so that the routing risk penalty (docs/routing.md,
// section 2.3) follows how nodes actually perform.
//
// Observed rates, per node, from the fulfillment reports the gateway journals:
//   - on time: of its hand-offs, those that came no later than the carrier cut-off the
//     shipment's promise was planned on;
//   - fill: of its shipments that ended (handed off or failed), those handed off;
//   - acceptance: of its shipments, those whose first report was not `failed` (a node
//     that fails an order before picking anything did not take the work).
// Blending: rate_bp = (configured_bp × kPriorWeight + good × 10000) / (kPriorWeight +
// observed), in integers: the configured figure counts as kPriorWeight reports, so a
// handful of reports nudge it and hundreds dominate it.
//
// The ledger is fed in journal order, by replay at start and by the journal writer once
// a report is durable, so a restarted gateway has the same figures as before.
//
// Thread-safety: none; one thread at a time (replay, then the journal writer).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "edgeroute/protocol/fbs/protocol_generated.h"
#include "edgeroute/routing/network_model.h"

namespace edgeroute::gateway {

// One fulfillment report, as the ledger counts it.
struct ShipmentReport {
  std::uint32_t node_index = 0;
  protocol::fbs::FulfillmentEventKind event = protocol::fbs::FulfillmentEventKind::picked;
  // The node had not reported on this order before.
  bool first_report_at_node = false;
  // UTC seconds; absent when the report's time or the promise's cut-off does not read.
  std::optional<std::int64_t> occurred_at;
  std::optional<std::int64_t> promised_cutoff_at;
};

class NodeHealthLedger {
 public:
  static constexpr std::int64_t kPriorWeight = 50;

  explicit NodeHealthLedger(std::size_t node_count) : counts_(node_count) {}

  void record(const ShipmentReport& report);

  // Every node's blended health, from the configured figures of `network`.
  std::vector<routing::NodeHealth> blended(const routing::NetworkModel& network) const;

  std::uint64_t reports() const { return reports_; }

 private:
  struct Counts {
    std::int64_t handed_off = 0;
    std::int64_t handed_off_timed = 0;  // hand-offs whose timeliness could be judged
    std::int64_t on_time = 0;
    std::int64_t failed = 0;
    std::int64_t first_reports = 0;
    std::int64_t refused = 0;  // first report was `failed`
  };
  std::vector<Counts> counts_;
  std::uint64_t reports_ = 0;
};

// Whether `blended` health moved far enough from the `published` one to publish a new
// routing model: some node's figure moved by kRepublishBp or more. A few basis points
// change no decision worth copying the network for; the blend moves by at most
// 10000 / (kPriorWeight + n) bp per report, so a node republishes often only over its
// first few hundred reports.
inline constexpr std::int32_t kRepublishBp = 25;
bool health_moved(std::span<const routing::NodeHealth> published,
                  std::span<const routing::NodeHealth> blended);

}  // namespace edgeroute::gateway
