// Specifies make_offset_schedule() (routing/tz/), which turns a node's IANA time zone
// into the UtcOffsetSchedule the routing core computes with, against the real tz
// database: it finds New York's and London's 2026 changes to the second, a zone
// without DST yields one constant offset, a horizon with more changes than a schedule
// holds or an empty one is refused naming the zone, and a promise computed from the
// database's schedule equals the one from the hand-written schedule the promise tests
// use (promise_fixtures.h) on both sides of both changes.
#include <array>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../promise_fixtures.h"
#include "edgeroute/routing/tz/offset_schedule_from_tz.h"

namespace edgeroute::routing {
namespace {

using namespace promise_fixtures;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

hal::TimeZone zone(std::string_view name) {
  Result<hal::TimeZone> located = hal::TimeZone::locate(name);
  EXPECT_TRUE(located.has_value()) << located.status().to_string();
  return *located;
}

UtcOffsetSchedule schedule_2026(std::string_view name) {
  Result<UtcOffsetSchedule> schedule = tz::make_offset_schedule(
      zone(name), utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"));
  EXPECT_TRUE(schedule.has_value()) << schedule.status().to_string();
  return *schedule;
}

TEST(OffsetScheduleFromTz, NewYorkChangesAtTheDocumentedInstants) {
  const UtcOffsetSchedule new_york = schedule_2026("America/New_York");
  EXPECT_THAT(new_york.transitions(),
              ElementsAre(UtcOffsetTransition{utc("2026-01-01T00:00:00Z"), kEst},
                          UtcOffsetTransition{utc("2026-03-08T07:00:00Z"), kEdt},
                          UtcOffsetTransition{utc("2026-11-01T06:00:00Z"), kEst}));
  EXPECT_EQ(new_york.ends_utc(), utc("2027-01-01T00:00:00Z"));
}

TEST(OffsetScheduleFromTz, LondonChangesOnItsOwnDates) {
  EXPECT_THAT(schedule_2026("Europe/London").transitions(),
              ElementsAre(UtcOffsetTransition{utc("2026-01-01T00:00:00Z"), 0},
                          UtcOffsetTransition{utc("2026-03-29T01:00:00Z"), 3600},
                          UtcOffsetTransition{utc("2026-10-25T01:00:00Z"), 0}));
}

TEST(OffsetScheduleFromTz, ZoneWithoutDaylightSavingHasOneOffset) {
  EXPECT_THAT(schedule_2026("Asia/Kolkata").transitions(),
              ElementsAre(UtcOffsetTransition{utc("2026-01-01T00:00:00Z"), kIst}));
}

TEST(OffsetScheduleFromTz, HorizonBeyondTheScheduleCapacityIsRefused) {
  Result<UtcOffsetSchedule> decade = tz::make_offset_schedule(
      zone("America/New_York"), utc("2026-01-01T00:00:00Z"), utc("2036-01-01T00:00:00Z"));
  ASSERT_FALSE(decade.has_value());
  EXPECT_EQ(decade.status().code(), StatusCode::out_of_range);
  EXPECT_THAT(decade.status().message(), HasSubstr("America/New_York"));
  EXPECT_THAT(decade.status().message(), HasSubstr("shorten the horizon"));

  Result<UtcOffsetSchedule> empty = tz::make_offset_schedule(
      zone("America/New_York"), utc("2026-01-01T00:00:00Z"), utc("2026-01-01T00:00:00Z"));
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.status().code(), StatusCode::invalid_argument);
}

TEST(OffsetScheduleFromTz, PromisesMatchTheHandWrittenSchedule) {
  Result<UtcOffsetSchedule> loaded = tz::make_offset_schedule(
      zone("America/New_York"), utc("2025-11-02T06:00:00Z"), utc("2027-03-14T07:00:00Z"));
  ASSERT_TRUE(loaded.has_value()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, new_york_offsets());

  const NodeCalendar from_database =
      calendar(monday_to_friday(at(8, 0), at(20, 0)), {}, 120, *loaded);
  const NodeCalendar by_hand = new_york_fc();
  for (const char* order :
       {"2026-03-06T23:00:00Z", "2026-03-08T03:00:00Z", "2026-03-09T20:30:00Z",
        "2026-10-30T23:00:00Z", "2026-11-01T02:00:00Z", "2026-11-02T21:30:00Z"}) {
    const PromiseResult expected = compute_promise(by_hand, utc(order), kNewYorkCutoff, 3, true);
    const PromiseResult actual =
        compute_promise(from_database, utc(order), kNewYorkCutoff, 3, true);
    ASSERT_TRUE(expected) << order;
    ASSERT_TRUE(actual) << order;
    EXPECT_EQ(*actual, *expected) << order;
  }
}

}  // namespace
}  // namespace edgeroute::routing
