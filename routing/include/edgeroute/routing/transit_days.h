// Transit days: the date a parcel arrives, from the date it leaves and the carrier
// service's transit time (network.fbs CarrierService.transit_days and
// transit_business_days).
//
// The rule, so that anyone can count a promise by hand:
//   - 0 transit days: delivered on the ship day itself, whatever the day;
//   - calendar days: ship day + N;
//   - business days: the N-th Monday..Friday day strictly after the ship day. Counting
//     starts on the first business day after the ship day, so a Friday ship with 1
//     business day arrives Monday, and so does a Saturday or Sunday ship (the parcel
//     moves over the weekend, as a carrier's Saturday pickup does; it is not held until
//     Monday). Public holidays are not skipped: carrier holiday calendars are not
//     modelled, and a node's closed dates are the node's, not the carrier's.
// Days are counted in the node's local calendar (see promise.h).
//
// Thread-safety: a pure function; no allocation, at most seven loop turns.
#pragma once

#include <cstdint>

#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {

EpochDay delivery_day_after_transit(EpochDay ship_local_day, std::uint8_t transit_days,
                                    bool transit_business_days);

}  // namespace edgeroute::routing
