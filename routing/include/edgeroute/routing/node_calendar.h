// NodeCalendar: when a fulfillment node works, in its own local time: one pick window
// per weekday, the dates it is closed although a window exists, how long an order
// takes from release to packed, and the node's UTC offsets (utc_offset_schedule.h).
// It is the routing core's form of network.fbs Node.pick_windows, closed_dates,
// processing_minutes and time_zone; compute_promise() (promise.h) reads it.
//
// Conventions:
//   - weekdays are Monday = 0 .. Sunday = 6, as fbs::Weekday and weekday_of();
//   - a window is [opens_minute, closes_minute) in minutes since local midnight, with
//     0 <= opens < closes <= 1440: it never crosses midnight (network validation
//     refuses such windows; a node working through the night has one window ending at
//     midnight and the next day's starting there). A weekday with no window is closed;
//   - closed days are local calendar dates (days since 1970-01-01 on the local
//     calendar, EpochDay); a closed date cancels that day's window;
//   - an operating day is a local day whose weekday has a window and which is not a
//     closed date.
//
// Built once per snapshot (create() sorts the closed days, and allocates); after that
// nothing allocates: is_operating_day() is a table load and a binary search.
//
// Thread-safety: immutable once built; every const method may be called from any
// number of threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/routing/utc_offset_schedule.h"

namespace edgeroute::routing {

inline constexpr LocalMinute kMinutesPerDay = 1440;

// The local instant of `minute` (0..1440) on `local_day`, in the local seconds
// UtcOffsetSchedule::to_utc() takes.
constexpr LocalSeconds local_instant(EpochDay local_day, LocalMinute minute) {
  return static_cast<LocalSeconds>(local_day) * kSecondsPerDay + LocalSeconds{minute} * 60;
}

struct PickWindow {
  LocalMinute opens_minute = 0;
  LocalMinute closes_minute = 0;  // both 0 (the default): no window, closed that weekday

  bool is_open() const { return closes_minute > opens_minute; }
  friend bool operator==(const PickWindow&, const PickWindow&) = default;
};

class NodeCalendar {
 public:
  // Processing may take up to a week, as network validation allows.
  static constexpr std::int32_t kProcessingMinutesMax = 7 * kMinutesPerDay;

  using WeekWindows = std::array<PickWindow, 7>;  // indexed by weekday, Monday first

  // Errors (invalid_argument, naming the weekday or value): a window that is neither
  // closed (0, 0) nor 0 <= opens < closes <= 1440; processing_minutes outside
  // 0..kProcessingMinutesMax. Closed days may come in any order, repeated.
  static Result<NodeCalendar> create(const WeekWindows& pick_windows,
                                     std::vector<EpochDay> closed_local_days,
                                     std::int32_t processing_minutes,
                                     const UtcOffsetSchedule& utc_offsets);

  // REQUIRES: 0 <= weekday <= 6.
  const PickWindow& pick_window(int weekday) const;
  const PickWindow& pick_window_on(EpochDay local_day) const {
    return pick_window(weekday_of(local_day));
  }
  bool is_closed_date(EpochDay local_day) const;
  bool is_operating_day(EpochDay local_day) const {
    return pick_window_on(local_day).is_open() && !is_closed_date(local_day);
  }

  std::int32_t processing_minutes() const { return processing_minutes_; }
  std::int64_t processing_seconds() const { return std::int64_t{processing_minutes_} * 60; }
  const UtcOffsetSchedule& utc_offsets() const { return utc_offsets_; }
  // Ascending, without repeats.
  std::span<const EpochDay> closed_local_days() const { return closed_local_days_; }

 private:
  NodeCalendar(const WeekWindows& pick_windows, std::vector<EpochDay> closed_local_days,
               std::int32_t processing_minutes, const UtcOffsetSchedule& utc_offsets)
      : pick_windows_(pick_windows),
        closed_local_days_(std::move(closed_local_days)),
        processing_minutes_(processing_minutes),
        utc_offsets_(utc_offsets) {}

  WeekWindows pick_windows_;
  std::vector<EpochDay> closed_local_days_;  // ascending, unique
  std::int32_t processing_minutes_;
  UtcOffsetSchedule utc_offsets_;
};

}  // namespace edgeroute::routing
