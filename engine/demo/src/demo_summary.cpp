#include "edgeroute/demo/demo_summary.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"

namespace edgeroute::demo {
namespace {

namespace fbs = routing::fbs;

std::size_t kind_index(fbs::NodeKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  EDGEROUTE_ASSERT(index < 4, "a node kind the summary does not know");
  return index;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string dollars(double cents) {
  return fmt::format("${:.2f}", cents / 100.0);
}

std::string milliseconds(std::chrono::nanoseconds duration) {
  return fmt::format("{:.2f} ms", static_cast<double>(duration.count()) / 1e6);
}

std::string by_reason(const std::map<std::string, std::uint64_t>& counts) {
  if (counts.empty()) return "none";
  std::string text;
  for (const auto& [reason, count] : counts) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", reason, count);
  }
  return text;
}

}  // namespace

DemoSummary::DemoSummary(std::unordered_map<std::string, fbs::NodeKind> node_kinds)
    : node_kinds_(std::move(node_kinds)) {}

void DemoSummary::add_decision(const fbs::Decision& decision, std::chrono::nanoseconds latency) {
  latencies_ns_.push_back(latency.count());
  latencies_sorted_ = false;
  const char* reason = fbs::EnumNameReasonCode(decision.reason());
  switch (decision.outcome()) {
    case fbs::Outcome::rejected:
      ++rejected_;
      ++rejections_by_reason_[reason];
      return;
    case fbs::Outcome::backordered:
      ++backordered_;
      ++backorders_by_reason_[reason];
      return;
    case fbs::Outcome::routed: break;
  }
  ++routed_;
  if (!decision.proven_optimal()) ++not_proven_optimal_;
  if (const fbs::CostBreakdown* cost = decision.cost()) {
    fulfilment_cents_ += cost->handling_cents() + cost->pick_cents() + cost->partner_fee_cents() +
                         cost->carrier_cents();
    carrier_cents_ += cost->carrier_cents();
    if (cost->lateness_cents() == 0) ++promises_kept_;
  }
  const auto* shipments = decision.shipments();
  if (shipments == nullptr) return;
  if (shipments->size() > 1) ++split_orders_;
  std::set<std::size_t> kinds;
  for (const fbs::Shipment* shipment : *shipments) {
    const auto found = node_kinds_.find(shipment->node_id()->str());
    EDGEROUTE_ASSERT(found != node_kinds_.end(), "a decision ships from a node not in the network");
    const std::size_t kind = kind_index(found->second);
    ++shipments_by_kind_[kind];
    kinds.insert(kind);
  }
  for (const std::size_t kind : kinds) ++orders_by_kind_[kind];
}

void DemoSummary::add_refusal(std::string_view error_code, std::chrono::nanoseconds latency) {
  latencies_ns_.push_back(latency.count());
  latencies_sorted_ = false;
  ++refusals_[std::string(error_code)];
}

std::uint64_t DemoSummary::refused_total() const {
  std::uint64_t total = 0;
  for (const auto& [code, count] : refusals_) total += count;
  return total;
}

std::uint64_t DemoSummary::orders_from(fbs::NodeKind kind) const {
  return orders_by_kind_[kind_index(kind)];
}

std::uint64_t DemoSummary::shipments_from(fbs::NodeKind kind) const {
  return shipments_by_kind_[kind_index(kind)];
}

std::chrono::nanoseconds DemoSummary::latency_quantile(double fraction) const {
  EDGEROUTE_ASSERT(!latencies_ns_.empty(), "no latencies recorded");
  if (!latencies_sorted_) {
    std::sort(latencies_ns_.begin(), latencies_ns_.end());
    latencies_sorted_ = true;
  }
  // Nearest rank: the smallest value with at least `fraction` of the samples at or below.
  const double rank = std::ceil(fraction * static_cast<double>(latencies_ns_.size()));
  const auto index = static_cast<std::size_t>(std::max(rank, 1.0)) - 1;
  return std::chrono::nanoseconds(latencies_ns_[std::min(index, latencies_ns_.size() - 1)]);
}

std::string DemoSummary::to_text() const {
  const std::uint64_t total = answered();
  std::string text;
  text += fmt::format("  {:<14}{:>8}{:>9}\n", "outcome", "orders", "share");
  text += fmt::format("  {:<14}{:>8}{:>9}\n", "routed", routed_, percent(routed_, total));
  text += fmt::format("  {:<14}{:>8}{:>9}\n", "backordered", backordered_,
                      percent(backordered_, total));
  text += fmt::format("  {:<14}{:>8}{:>9}\n", "rejected", rejected_, percent(rejected_, total));
  if (refused_total() > 0) {
    text += fmt::format("  {:<14}{:>8}{:>9}  ({})\n", "refused", refused_total(),
                        percent(refused_total(), total), by_reason(refusals_));
  }
  text += fmt::format("\n  {:<14}{:>8}{:>9}{:>11}\n", "ships from", "orders", "share", "shipments");
  for (const fbs::NodeKind kind : {fbs::NodeKind::owned_fc, fbs::NodeKind::store,
                                   fbs::NodeKind::partner_3pl, fbs::NodeKind::dropship}) {
    text +=
        fmt::format("  {:<14}{:>8}{:>9}{:>11}\n", fbs::EnumNameNodeKind(kind), orders_from(kind),
                    percent(orders_from(kind), routed_), shipments_from(kind));
  }
  const double per_order =
      routed_ == 0 ? 0.0 : static_cast<double>(fulfilment_cents_) / static_cast<double>(routed_);
  const double carrier_per_order =
      routed_ == 0 ? 0.0 : static_cast<double>(carrier_cents_) / static_cast<double>(routed_);
  text += fmt::format("\n  fulfilment cost per routed order  {} (carrier {})\n", dollars(per_order),
                      dollars(carrier_per_order));
  text += fmt::format("  promise kept                      {} of routed orders\n",
                      percent(promises_kept_, routed_));
  text += fmt::format("  split into several parcels        {} of routed orders\n",
                      percent(split_orders_, routed_));
  if (not_proven_optimal_ > 0) {
    text += fmt::format("  chosen by bounded search          {} orders (may be sub-optimal)\n",
                        not_proven_optimal_);
  }
  text += fmt::format("  rejected, by reason               {}\n", by_reason(rejections_by_reason_));
  text += fmt::format("  backordered, by reason            {}\n", by_reason(backorders_by_reason_));
  if (total > 0) {
    text += fmt::format("  decision latency (durable)        p50 {}, p99 {}, p99.9 {}, max {}\n",
                        milliseconds(latency_quantile(0.50)), milliseconds(latency_quantile(0.99)),
                        milliseconds(latency_quantile(0.999)), milliseconds(latency_quantile(1.0)));
  }
  if (elapsed_.count() > 0) {
    const double seconds = static_cast<double>(elapsed_.count()) / 1e9;
    text += fmt::format("  throughput                        {:.0f} orders/s ({} in {:.2f} s)\n",
                        static_cast<double>(total) / seconds, total, seconds);
  }
  return text;
}

}  // namespace edgeroute::demo
