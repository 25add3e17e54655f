// The objective a routing plan minimises, term by term. docs/routing.md states the same
// formula for people; this header is the one place the code computes it, and both the
// planner and the decision's explanation use it.
//
// Per shipment s from node n carrying units u(s) and weighing w(s) grams with carrier
// service c (chosen per shipment, see router.h):
//   handling   = n.per_order_cents
//   pick       = n.per_unit_cents * u(s)
//   partner    = n.partner_fee_cents
//   carrier    = c's rate for zone(n, ship-to) and w(s)
//   risk       = round_half_up(risk_centicents_per_bp * shortfall_bp(n) / 100)
//                shortfall_bp = (10000 - on_time) + (10000 - fill) + (10000 - acceptance)
//   lateness   = lateness_cents_per_day * max(0, delivery_day(s) - latest_delivery_day)
//                (0 when the order gives no latest date)
//   preference = node preference cents - (owned_bias_cents if n is owned_fc or store)
// Per plan: the sum over shipments, plus split = split_cents * (shipments - 1).
// Every figure is an integer number of cents; sums are 64-bit and cannot overflow for
// the ranges validation allows.
//
// Thread-safety: pure functions and value types.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {

struct CostTerms {
  std::int64_t handling_cents = 0;
  std::int64_t pick_cents = 0;
  std::int64_t partner_fee_cents = 0;
  std::int64_t carrier_cents = 0;
  std::int64_t risk_cents = 0;
  std::int64_t lateness_cents = 0;
  std::int64_t split_cents = 0;
  std::int64_t preference_cents = 0;

  std::int64_t objective_cents() const {
    return handling_cents + pick_cents + partner_fee_cents + carrier_cents + risk_cents +
           lateness_cents + split_cents + preference_cents;
  }
  CostTerms& operator+=(const CostTerms& other) {
    handling_cents += other.handling_cents;
    pick_cents += other.pick_cents;
    partner_fee_cents += other.partner_fee_cents;
    carrier_cents += other.carrier_cents;
    risk_cents += other.risk_cents;
    lateness_cents += other.lateness_cents;
    split_cents += other.split_cents;
    preference_cents += other.preference_cents;
    return *this;
  }
  friend bool operator==(const CostTerms&, const CostTerms&) = default;
};

// round_half_up(risk_centicents_per_bp * shortfall_bp / 100); both are >= 0.
constexpr std::int64_t risk_cents(std::int32_t risk_centicents_per_bp, std::int32_t shortfall_bp) {
  return (std::int64_t{risk_centicents_per_bp} * shortfall_bp + 50) / 100;
}

constexpr std::int64_t lateness_cents(std::int32_t lateness_cents_per_day, EpochDay delivery_day,
                                      std::optional<EpochDay> latest_delivery_day) {
  if (!latest_delivery_day) return 0;
  return std::int64_t{lateness_cents_per_day} *
         std::max<std::int64_t>(0, std::int64_t{delivery_day} - *latest_delivery_day);
}

constexpr std::int64_t split_cents(std::int32_t split_cents_per_shipment, int shipment_count) {
  return std::int64_t{split_cents_per_shipment} * std::max(0, shipment_count - 1);
}

}  // namespace edgeroute::routing
