// Shared by the promise tests: readable instants and dates, the calendars of the
// specification's example nodes, and New York's 2026 UTC offsets written out by hand
// (EST = UTC-5 until 2026-03-08T07:00Z, EDT = UTC-4 until 2026-11-01T06:00Z, EST
// after), so that these tests need no tz database.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/node_calendar.h"
#include "edgeroute/routing/promise.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/routing/utc_offset_schedule.h"

namespace edgeroute::routing::promise_fixtures {

inline constexpr std::int32_t kEst = -5 * 3600;
inline constexpr std::int32_t kEdt = -4 * 3600;
inline constexpr std::int32_t kIst = 5 * 3600 + 30 * 60;

constexpr LocalMinute at(int hours, int minutes) {
  return hours * 60 + minutes;
}

// "2026-06-16T14:00:00Z"
inline UnixSeconds utc(std::string_view text) {
  const auto instant = parse_utc_instant(text);
  EXPECT_TRUE(instant.has_value()) << text;
  return instant.value_or(0);
}

// "2026-06-16T10:00:00": a reading of the node's wall clock.
inline LocalSeconds local(std::string_view text) {
  return utc(std::string(text) + "Z");
}

// "2026-06-16"
inline EpochDay date(std::string_view text) {
  const auto day = parse_epoch_day(text);
  EXPECT_TRUE(day.has_value()) << text;
  return day.value_or(0);
}

inline std::string text(UnixSeconds instant) {
  return format_utc_instant(instant);
}

inline std::string day_text(EpochDay day) {
  return format_epoch_day(day);
}

// America/New_York from the 2025 autumn change to the 2027 spring change.
inline UtcOffsetSchedule new_york_offsets() {
  const std::array<UtcOffsetTransition, 3> transitions = {{
      {utc("2025-11-02T06:00:00Z"), kEst},
      {utc("2026-03-08T07:00:00Z"), kEdt},
      {utc("2026-11-01T06:00:00Z"), kEst},
  }};
  Result<UtcOffsetSchedule> schedule =
      UtcOffsetSchedule::from_transitions(transitions, utc("2027-03-14T07:00:00Z"));
  EXPECT_TRUE(schedule.has_value()) << schedule.status().to_string();
  return *schedule;
}

inline NodeCalendar::WeekWindows monday_to_friday(LocalMinute opens, LocalMinute closes) {
  NodeCalendar::WeekWindows windows{};
  for (std::size_t weekday = 0; weekday < 5; ++weekday) windows[weekday] = {opens, closes};
  return windows;
}

inline NodeCalendar::WeekWindows every_day(LocalMinute opens, LocalMinute closes) {
  NodeCalendar::WeekWindows windows{};
  windows.fill({opens, closes});
  return windows;
}

inline NodeCalendar calendar(const NodeCalendar::WeekWindows& windows,
                             std::vector<EpochDay> closed_days, std::int32_t processing_minutes,
                             const UtcOffsetSchedule& offsets) {
  Result<NodeCalendar> built =
      NodeCalendar::create(windows, std::move(closed_days), processing_minutes, offsets);
  EXPECT_TRUE(built.has_value()) << built.status().to_string();
  return std::move(built).value();
}

// The specification's New York fulfillment center: Monday-Friday 08:00-20:00, 120
// minutes of processing; its carrier's cut-off is 17:00.
inline constexpr LocalMinute kNewYorkCutoff = at(17, 0);

inline NodeCalendar new_york_fc(std::vector<EpochDay> closed_days = {}) {
  return calendar(monday_to_friday(at(8, 0), at(20, 0)), std::move(closed_days), 120,
                  new_york_offsets());
}

}  // namespace edgeroute::routing::promise_fixtures
