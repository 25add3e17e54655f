#include "edgeroute/gateway/node_health.h"

#include <cstdlib>

#include "edgeroute/base/assert.h"

namespace edgeroute::gateway {
namespace {

std::int32_t blend(std::int32_t configured_bp, std::int64_t good, std::int64_t observed) {
  const std::int64_t weight = NodeHealthLedger::kPriorWeight;
  return static_cast<std::int32_t>((std::int64_t{configured_bp} * weight + good * 10000) /
                                   (weight + observed));
}

}  // namespace

void NodeHealthLedger::record(const ShipmentReport& report) {
  EDGEROUTE_ASSERT(report.node_index < counts_.size(), "a report from a node not in the network");
  Counts& node = counts_[report.node_index];
  using Event = protocol::fbs::FulfillmentEventKind;
  ++reports_;
  if (report.first_report_at_node) {
    ++node.first_reports;
    if (report.event == Event::failed) ++node.refused;
  }
  if (report.event == Event::failed) ++node.failed;
  if (report.event == Event::handed_off) {
    ++node.handed_off;
    if (report.occurred_at && report.promised_cutoff_at) {
      ++node.handed_off_timed;
      if (*report.occurred_at <= *report.promised_cutoff_at) ++node.on_time;
    }
  }
}

std::vector<routing::NodeHealth> NodeHealthLedger::blended(
    const routing::NetworkModel& network) const {
  EDGEROUTE_ASSERT(network.node_count() == counts_.size(), "the ledger is for another network");
  std::vector<routing::NodeHealth> health;
  health.reserve(counts_.size());
  for (std::uint32_t i = 0; i < network.node_count(); ++i) {
    const routing::NodeModel& configured = network.node(i);
    const Counts& node = counts_[i];
    health.push_back(
        {blend(configured.on_time_bp, node.on_time, node.handed_off_timed),
         blend(configured.fill_bp, node.handed_off, node.handed_off + node.failed),
         blend(configured.acceptance_bp, node.first_reports - node.refused, node.first_reports)});
  }
  return health;
}

bool health_moved(std::span<const routing::NodeHealth> published,
                  std::span<const routing::NodeHealth> blended) {
  for (std::size_t i = 0; i < blended.size() && i < published.size(); ++i) {
    const routing::NodeHealth& was = published[i];
    const routing::NodeHealth& is = blended[i];
    if (std::abs(is.on_time_bp - was.on_time_bp) >= kRepublishBp ||
        std::abs(is.fill_bp - was.fill_bp) >= kRepublishBp ||
        std::abs(is.acceptance_bp - was.acceptance_bp) >= kRepublishBp) {
      return true;
    }
  }
  return false;
}

}  // namespace edgeroute::gateway
