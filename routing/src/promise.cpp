#include "edgeroute/routing/promise.h"

#include <algorithm>
#include <optional>

#include "edgeroute/routing/transit_days.h"

namespace edgeroute::routing {
namespace {

// Rule 2 of promise.h: where work starts and where it is done, or why neither is.
struct WorkSpan {
  std::optional<PromiseFailure> failure = std::nullopt;
  UnixSeconds pick_starts_at_utc = 0;
  UnixSeconds packed_at_utc = 0;
};

// The instant work can start in `day`'s window, no earlier than `cursor_utc`, or
// nullopt when the window is over by then; fails outside the schedule.
struct WindowStart {
  std::optional<PromiseFailure> failure = std::nullopt;
  std::optional<UnixSeconds> starts_at_utc = std::nullopt;
  UnixSeconds closes_at_utc = 0;
};

WindowStart start_in_window(const NodeCalendar& calendar, EpochDay day, UnixSeconds cursor_utc) {
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  const PickWindow& window = calendar.pick_window_on(day);
  const auto closes_utc = offsets.to_utc(local_instant(day, window.closes_minute));
  if (!closes_utc) return {.failure = PromiseFailure::outside_offset_schedule};
  if (*closes_utc <= cursor_utc) return {.closes_at_utc = *closes_utc};
  // The window closes inside the horizon, so an opening the schedule cannot place lies
  // before the horizon's start, hence before the cursor (which is inside it).
  const auto opens_utc = offsets.to_utc(local_instant(day, window.opens_minute));
  const UnixSeconds starts_utc = opens_utc ? std::max(cursor_utc, *opens_utc) : cursor_utc;
  return {.starts_at_utc = starts_utc, .closes_at_utc = *closes_utc};
}

WorkSpan pick_and_pack(const NodeCalendar& calendar, UnixSeconds order_utc, EpochDay first_day,
                       EpochDay last_day) {
  std::int64_t processing_left_seconds = calendar.processing_seconds();
  std::optional<UnixSeconds> pick_starts_at_utc;
  UnixSeconds cursor_utc = order_utc;
  for (EpochDay day = first_day; day <= last_day; ++day) {
    if (!calendar.is_operating_day(day)) continue;
    const WindowStart window = start_in_window(calendar, day, cursor_utc);
    if (window.failure) return {.failure = window.failure};
    if (!window.starts_at_utc) continue;
    if (!pick_starts_at_utc) pick_starts_at_utc = window.starts_at_utc;
    const std::int64_t window_left_seconds = window.closes_at_utc - *window.starts_at_utc;
    if (processing_left_seconds <= window_left_seconds) {
      return {.pick_starts_at_utc = *pick_starts_at_utc,
              .packed_at_utc = *window.starts_at_utc + processing_left_seconds};
    }
    processing_left_seconds -= window_left_seconds;
    cursor_utc = window.closes_at_utc;
  }
  return {.failure = PromiseFailure::promise_unmeetable};
}

// Rule 3 of promise.h: the day the parcel leaves and its cut-off instant.
struct Departure {
  std::optional<PromiseFailure> failure = std::nullopt;
  EpochDay ship_local_day = 0;
  UnixSeconds cutoff_at_utc = 0;
};

Departure first_cutoff_after(const NodeCalendar& calendar, UnixSeconds packed_at_utc,
                             LocalMinute cutoff_local_minute, EpochDay last_day) {
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  const LocalSeconds packed_local = offsets.to_local(packed_at_utc);
  for (EpochDay day = day_of(packed_local); day <= last_day; ++day) {
    if (!calendar.is_operating_day(day)) continue;
    const LocalSeconds cutoff_local = local_instant(day, cutoff_local_minute);
    const auto cutoff_utc = offsets.to_utc(cutoff_local);
    if (!cutoff_utc) {
      // Before the horizon's start means before packing too: a missed cut-off.
      if (cutoff_local < packed_local) continue;
      return {.failure = PromiseFailure::outside_offset_schedule};
    }
    if (*cutoff_utc >= packed_at_utc) return {.ship_local_day = day, .cutoff_at_utc = *cutoff_utc};
  }
  return {.failure = PromiseFailure::promise_unmeetable};
}

}  // namespace

std::string_view to_string(PromiseFailure failure) {
  switch (failure) {
    case PromiseFailure::promise_unmeetable: return "promise_unmeetable";
    case PromiseFailure::outside_offset_schedule: return "outside_offset_schedule";
  }
  return "unknown";
}

PackingResult compute_packing(const NodeCalendar& calendar, UnixSeconds order_utc_seconds) {
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  if (!offsets.covers(order_utc_seconds)) return PromiseFailure::outside_offset_schedule;
  const EpochDay order_day = day_of(offsets.to_local(order_utc_seconds));
  const EpochDay last_day = order_day + kPromiseSearchDays - 1;
  const WorkSpan work = pick_and_pack(calendar, order_utc_seconds, order_day, last_day);
  if (work.failure) return *work.failure;
  return Packing{
      .pick_starts_at_utc = work.pick_starts_at_utc,
      .packed_at_utc = work.packed_at_utc,
      .packed_local_day = day_of(offsets.to_local(work.packed_at_utc)),
      .search_last_local_day = last_day,
  };
}

PromiseResult compute_departure(const NodeCalendar& calendar, const Packing& packing,
                                LocalMinute cutoff_local_minute, std::uint8_t transit_days,
                                bool transit_business_days) {
  EDGEROUTE_ASSERT(cutoff_local_minute >= 0 && cutoff_local_minute < kMinutesPerDay,
                   "a cut-off is a minute of the day, 0..1439");
  const Departure departure = first_cutoff_after(
      calendar, packing.packed_at_utc, cutoff_local_minute, packing.search_last_local_day);
  if (departure.failure) return *departure.failure;
  return Promise{
      .pick_starts_at_utc = packing.pick_starts_at_utc,
      .packed_at_utc = packing.packed_at_utc,
      .cutoff_at_utc = departure.cutoff_at_utc,
      .ship_local_day = departure.ship_local_day,
      .delivery_local_day =
          delivery_day_after_transit(departure.ship_local_day, transit_days, transit_business_days),
  };
}

PromiseResult compute_promise(const NodeCalendar& calendar, UnixSeconds order_utc_seconds,
                              LocalMinute cutoff_local_minute, std::uint8_t transit_days,
                              bool transit_business_days) {
  EDGEROUTE_ASSERT(cutoff_local_minute >= 0 && cutoff_local_minute < kMinutesPerDay,
                   "a cut-off is a minute of the day, 0..1439");
  const PackingResult packing = compute_packing(calendar, order_utc_seconds);
  if (!packing) return packing.failure();
  return compute_departure(calendar, *packing, cutoff_local_minute, transit_days,
                           transit_business_days);
}

}  // namespace edgeroute::routing
