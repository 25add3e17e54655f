#include "edgeroute/routing/transit_days.h"

namespace edgeroute::routing {
namespace {

constexpr int kFriday = 4;
constexpr int kBusinessDaysPerWeek = 5;
constexpr int kWeekendDays = 2;

}  // namespace

// Closed form, no loop: asked once per (candidate node, carrier service) of every
// decision. A weekend ship day counts like the Friday before it (the first business day
// after either is the same Monday). From a weekday w (Monday 0 .. Friday 4), the n-th
// business day after it is n calendar days later plus two for every weekend crossed,
// and (w + n) / 5 weekends are crossed.
EpochDay delivery_day_after_transit(EpochDay ship_local_day, std::uint8_t transit_days,
                                    bool transit_business_days) {
  if (!transit_business_days || transit_days == 0) return ship_local_day + transit_days;
  EpochDay day = ship_local_day;
  int weekday = weekday_of(day);
  if (weekday > kFriday) {
    day -= weekday - kFriday;
    weekday = kFriday;
  }
  return day + transit_days + kWeekendDays * ((weekday + transit_days) / kBusinessDaysPerWeek);
}

}  // namespace edgeroute::routing
