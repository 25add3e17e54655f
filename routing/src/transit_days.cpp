#include "edgeroute/routing/transit_days.h"

namespace edgeroute::routing {
namespace {

constexpr int kSaturday = 5;
constexpr int kBusinessDaysPerWeek = 5;

bool is_business_day(EpochDay day) {
  return weekday_of(day) < kSaturday;
}

}  // namespace

EpochDay delivery_day_after_transit(EpochDay ship_local_day, std::uint8_t transit_days,
                                    bool transit_business_days) {
  if (!transit_business_days || transit_days == 0) return ship_local_day + transit_days;
  // Whole weeks first (each holds five business days and keeps the weekday), leaving
  // 1..5 business days to walk one day at a time: a remainder of 0 would stop a weekend
  // ship day on a weekend, so the last full week is walked instead.
  const int full_weeks = (transit_days - 1) / kBusinessDaysPerWeek;
  int business_days_left = transit_days - full_weeks * kBusinessDaysPerWeek;
  EpochDay day = ship_local_day + 7 * full_weeks;
  while (business_days_left > 0) {
    ++day;
    if (is_business_day(day)) --business_days_left;
  }
  return day;
}

}  // namespace edgeroute::routing
