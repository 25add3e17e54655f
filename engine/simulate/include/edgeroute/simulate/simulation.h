// run_simulation: one scenario, in one volume band, under one sensitivity, through the
// real routing core under a simulated clock, exactly as a gateway would route it.
//
// The run is a discrete-event simulation over simulated time:
//   - orders arrive on the ArrivalSchedule; each is generated (demo/order_generator.h:
//     ship-to by population, SKUs by Zipf popularity, multi-line baskets), resolved and
//     routed by a Router against the run's inventory and capacity counters, and its
//     plan reserved all-or-nothing, as a gateway's routing worker does;
//   - each shipment's fate is drawn (shipment_fate.h) and its reports come in at their
//     simulated times: a failure, or a delay past the promise, re-routes the node's
//     lines where the policy allows, through the gateway's own rules (gateway/reroute.h);
//     a hand-off ships the units (HeldReservation::ship);
//   - every report feeds a NodeHealthLedger, and the routing model is republished with
//     the blended health when it moves, as the gateway's journal writer does, so the
//     risk penalty learns which nodes fail;
//   - every morning (06:00 UTC, before any node's pick window opens) each stocked cell
//     is replenished up to its starting level; on a planned peak's days, up to the
//     peak's multiple of it (planners buy ahead for a peak they plan).
// The run ends when every order has ended: delivered, backordered, rejected or lost (a
// node failed it and no other node could take it over; its units are given back, as
// an operator cancelling it would).
//
// Time is the HAL's SimClock: every event is an alarm on it, and the run advances it
// until no alarm is left; what happens reads the time from it.
//
// Determinism: one thread, events in time order (ties in the order they were
// scheduled, SimClock's rule), every draw from one seeded stream. The same spec gives the same
// report, wall time apart, on every machine.
//
// Thread-safety: runs share nothing but the immutable BaseWorld; run them in parallel.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "edgeroute/base/validated.h"
#include "edgeroute/simulate/scenario.h"
#include "edgeroute/simulate/scenario_world.h"
#include "edgeroute/simulate/simulation_report.h"

namespace edgeroute::simulate {

// Volume bands: ordinary demand; the scenario's peak; ordinary demand with the
// scenario's failures injected.
enum class Band : std::uint8_t { baseline, peak, failure };
std::string_view to_string(Band band);
std::optional<Band> parse_band(std::string_view text);

struct RunSpec {
  Scenario scenario;
  Band band = Band::baseline;
  Sensitivity sensitivity = Sensitivity::none;
  std::uint64_t seed = 1;
  // When set, the scenario's ordinary orders per day is replaced by this (the shipped
  // scenarios share one demand; `edgeroute simulate --orders` scales them alike).
  std::optional<std::int32_t> orders_per_day;
};

// How many orders the run will route (its arrival schedule's total).
std::uint64_t planned_orders(const RunSpec& spec);

// Called every few thousand orders with how many arrived since the last call.
using RunProgress = std::function<void(std::uint64_t orders)>;

// Errors name the scenario field or policy file that could not be applied.
Validated<RunReport> run_simulation(const BaseWorld& base, const RunSpec& spec,
                                    const RunProgress& progress = {});

}  // namespace edgeroute::simulate
