// DemoSummary: what a day of orders through the gateway came to, in the words an
// operations lead uses: where orders shipped from (by node kind), what an order cost to
// fulfil, how many kept the delivery promise the customer asked for, how many split,
// what was rejected or backordered and why, and how long the client waited for each
// decision.
//
// Definitions (each decision is the gateway's RouteOrderResult):
//   - fulfilment cost of a routed order: handling + pick + partner fee + carrier, the
//     money terms of its objective (docs/routing.md), without the risk, lateness, split
//     and preference terms, which are weights rather than spend;
//   - promise kept: a routed order whose plan meets its requested service level and
//     latest delivery date, i.e. whose objective has no lateness term;
//   - split: a routed order shipped as more than one parcel;
//   - latency: from the moment the client wrote the request to the moment it read the
//     answer, which the gateway sends only once the decision is durable.
//
// Thread-safety: none; fed by one thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/fbs/network_generated.h"

namespace edgeroute::demo {

class DemoSummary {
 public:
  // Node kinds by node id, to attribute shipments.
  explicit DemoSummary(std::unordered_map<std::string, routing::fbs::NodeKind> node_kinds);

  void add_decision(const routing::fbs::Decision& decision, std::chrono::nanoseconds latency);
  // A request the gateway refused (busy, journal unavailable): named by its error code.
  void add_refusal(std::string_view error_code, std::chrono::nanoseconds latency);
  void set_elapsed(std::chrono::nanoseconds wall_time) { elapsed_ = wall_time; }

  std::uint64_t answered() const { return routed_ + backordered_ + rejected_ + refused_total(); }
  std::uint64_t routed() const { return routed_; }
  std::uint64_t backordered() const { return backordered_; }
  std::uint64_t rejected() const { return rejected_; }
  std::uint64_t split_orders() const { return split_orders_; }
  std::uint64_t promises_kept() const { return promises_kept_; }
  std::int64_t fulfilment_cents() const { return fulfilment_cents_; }
  // Orders with at least one shipment from a node of that kind (a split order counts
  // once for each kind it ships from), and shipments, by routing::fbs::NodeKind.
  std::uint64_t orders_from(routing::fbs::NodeKind kind) const;
  std::uint64_t shipments_from(routing::fbs::NodeKind kind) const;
  // Rejections and backorders by reason code name ("no_inventory", ...).
  const std::map<std::string, std::uint64_t>& rejections_by_reason() const {
    return rejections_by_reason_;
  }
  const std::map<std::string, std::uint64_t>& backorders_by_reason() const {
    return backorders_by_reason_;
  }
  const std::map<std::string, std::uint64_t>& refusals() const { return refusals_; }
  // The latency below which `fraction` (0..1] of the answers came. REQUIRES: answered().
  std::chrono::nanoseconds latency_quantile(double fraction) const;

  // The summary as a table for a terminal.
  std::string to_text() const;

 private:
  std::uint64_t refused_total() const;

  std::unordered_map<std::string, routing::fbs::NodeKind> node_kinds_;
  std::uint64_t routed_ = 0, backordered_ = 0, rejected_ = 0;
  std::uint64_t split_orders_ = 0, promises_kept_ = 0, not_proven_optimal_ = 0;
  std::int64_t fulfilment_cents_ = 0;
  std::int64_t carrier_cents_ = 0;
  std::array<std::uint64_t, 4> orders_by_kind_{};
  std::array<std::uint64_t, 4> shipments_by_kind_{};
  std::map<std::string, std::uint64_t> rejections_by_reason_;
  std::map<std::string, std::uint64_t> backorders_by_reason_;
  std::map<std::string, std::uint64_t> refusals_;
  mutable std::vector<std::int64_t> latencies_ns_;
  mutable bool latencies_sorted_ = true;
  std::chrono::nanoseconds elapsed_{0};
};

}  // namespace edgeroute::demo
