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
// Thread-safety: pure functions; no allocation, no loop.
#pragma once

#include <cstdint>

#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {

EpochDay delivery_day_after_transit(EpochDay ship_local_day, std::uint8_t transit_days,
                                    bool transit_business_days);

// The same, when the caller knows the ship day's weekday (weekday_of(ship_local_day)):
// a router asks once per (candidate node, carrier service) of every decision, for the
// few ship days of a node's day (node_day_promises.h), whose weekdays it keeps. Inline,
// and in closed form. A weekend ship day counts like the Friday before it (the first
// business day after either is the same Monday). From a weekday w (Monday 0 .. Friday
// 4), the n-th business day after it is n calendar days later plus two for every
// weekend crossed, and (w + n) / 5 weekends are crossed.
constexpr EpochDay delivery_day_after_transit(EpochDay ship_local_day, int ship_weekday,
                                              std::uint8_t transit_days,
                                              bool transit_business_days) {
  constexpr int kFriday = 4;
  constexpr int kBusinessDaysPerWeek = 5;
  constexpr int kWeekendDays = 2;
  if (!transit_business_days || transit_days == 0) return ship_local_day + transit_days;
  EpochDay day = ship_local_day;
  int weekday = ship_weekday;
  if (weekday > kFriday) {
    day -= weekday - kFriday;
    weekday = kFriday;
  }
  return day + transit_days + kWeekendDays * ((weekday + transit_days) / kBusinessDaysPerWeek);
}

}  // namespace edgeroute::routing
