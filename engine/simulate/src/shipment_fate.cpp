#include "edgeroute/simulate/shipment_fate.h"

#include <algorithm>

namespace edgeroute::simulate {
namespace {

constexpr routing::UnixSeconds kRefusalDelaySeconds = 3600;
constexpr routing::UnixSeconds kSecondsPerDay = 86400;

// True with probability bp / 10000.
bool happens(demo::DemoRandom& random, std::int64_t bp) {
  return static_cast<std::int64_t>(random.below(10000)) < bp;
}

}  // namespace

ShipmentFate draw_fate(demo::DemoRandom& random, const TrueHealth& health,
                       const FateConditions& conditions, const routing::Promise& promise,
                       routing::UnixSeconds planned_at) {
  // Every draw is made whatever the earlier ones gave, so that one shipment's fate
  // consumes the same amount of the stream whatever it turns out to be.
  const bool refused = happens(random, 10000 - health.acceptance_bp);
  const bool unfilled = happens(random, 10000 - health.fill_bp);
  const bool late_at_node = happens(random, 10000 - health.on_time_bp);
  const bool late_by_injection = happens(random, std::int64_t{conditions.extra_late_percent} * 100);
  const bool late = late_at_node || late_by_injection;
  ShipmentFate fate;
  if (conditions.node_dark) {
    fate.end = ShipmentEnd::failed;
    fate.at = promise.cutoff_at_utc;
    fate.exception_code = "node_unresponsive";
    fate.picked = false;
  } else if (refused) {
    fate.end = ShipmentEnd::failed;
    fate.at = std::min(planned_at + kRefusalDelaySeconds, promise.cutoff_at_utc);
    fate.exception_code = "not_accepted";
    fate.picked = false;
  } else if (unfilled) {
    fate.end = ShipmentEnd::failed;
    fate.at = std::max(planned_at, promise.packed_at_utc);
    fate.exception_code = "short_pick";
  } else if (late) {
    fate.at = promise.cutoff_at_utc + kSecondsPerDay;
    fate.late_days = 1;
    fate.exception_code = "missed_cutoff";
  } else {
    fate.at = promise.cutoff_at_utc;
  }
  return fate;
}

}  // namespace edgeroute::simulate
