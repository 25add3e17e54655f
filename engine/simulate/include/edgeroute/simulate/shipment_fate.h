// ShipmentFate: how one planned shipment really goes, drawn when it is planned from the
// node's true health (scenario_world.h) and the failures injected on its ship day:
//   - the node refuses it (1 - acceptance): reported failed an hour after the plan;
//   - a dark node never picks it: reported failed at its cut-off;
//   - the node cannot fill it (1 - fill): reported failed when it should be packed;
//   - it leaves a day late (1 - on time, plus a partner's SLA misses and a carrier's
//     missed pick-ups): reported delayed at its cut-off, handed off a day later;
//   - otherwise it is handed off at its cut-off.
// A shipment the node takes on reports `picked` and, once packed, `packed` first, as a
// warehouse does.
// The draws come from the run's random stream in the order shipments are planned, so a
// run is a function of its seed.
//
// Thread-safety: a pure function of its arguments and the generator's state.
#pragma once

#include <cstdint>
#include <string_view>

#include "edgeroute/demo/random.h"
#include "edgeroute/routing/promise.h"
#include "edgeroute/simulate/scenario_world.h"

namespace edgeroute::simulate {

enum class ShipmentEnd : std::uint8_t { handed_off, failed };

struct ShipmentFate {
  ShipmentEnd end = ShipmentEnd::handed_off;
  // failed: when the node reports it; handed off: when the parcel leaves.
  routing::UnixSeconds at = 0;
  // Days the parcel leaves after its cut-off (0: on time). A late parcel is reported
  // `delayed` at the cut-off first.
  std::int32_t late_days = 0;
  // The exception code of a failed or late shipment ("" otherwise): not_accepted,
  // node_unresponsive, short_pick, missed_cutoff.
  std::string_view exception_code;
  // The node started the work: it reports `picked` when its pick window opens (and
  // `packed` when the parcel is packed, unless the pick fails). A refused shipment, or a
  // dark node's, is never picked.
  bool picked = true;
};

// What, beyond the node's own health, bears on shipments leaving on one day.
struct FateConditions {
  bool node_dark = false;
  std::int32_t extra_late_percent = 0;  // partner SLA misses + carrier missed pick-ups
};

ShipmentFate draw_fate(demo::DemoRandom& random, const TrueHealth& health,
                       const FateConditions& conditions, const routing::Promise& promise,
                       routing::UnixSeconds planned_at);

}  // namespace edgeroute::simulate
