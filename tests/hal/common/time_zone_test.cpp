// Specifies TimeZone (hal/src/time_zone.cpp), the conversion every cut-off and promised
// date goes through, against the operating system's tz database on real 2026
// transitions: New York springs forward on 8 March (02:00 EST → 03:00 EDT, 07:00 UTC)
// and falls back on 1 November (02:00 EDT → 01:00 EST, 06:00 UTC); Berlin on 29 March
// and 25 October (both at 01:00 UTC). Unique local times convert both ways; a local time
// skipped by spring-forward is rejected with a message naming the zone, or resolved to
// the instant of the jump; a local time repeated by fall-back is rejected, or resolved
// to its first or second occurrence, one hour apart. offset_at() reports the offset,
// the DST flag and the abbreviation; Kolkata's half-hour offset works like any other;
// an unknown zone is not_found naming it.
#include <chrono>

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/time_zone.h"

namespace edgeroute::hal {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using date::March;
using date::November;
using date::October;

WallTime utc(date::year_month_day day, std::chrono::minutes time_of_day) {
  return WallTime{date::sys_days{day} + time_of_day};
}

LocalTime local(date::year_month_day day, std::chrono::minutes time_of_day) {
  return LocalTime{date::local_days{day} + time_of_day};
}

TimeZone zone(std::string_view name) {
  Result<TimeZone> located = TimeZone::locate(name);
  EXPECT_TRUE(located) << located.status().to_string();
  return *located;
}

constexpr auto k2026 = date::year{2026};

TEST(TimeZone, LocatesZonesByTheirIanaName) {
  EXPECT_EQ(zone("America/New_York").name(), "America/New_York");
}

TEST(TimeZone, AnUnknownZoneIsNotFoundNamingIt) {
  Result<TimeZone> located = TimeZone::locate("Mars/Olympus_Mons");
  ASSERT_FALSE(located);
  EXPECT_EQ(located.status().code(), StatusCode::not_found);
  EXPECT_THAT(located.status().message(), HasSubstr("'Mars/Olympus_Mons'"));
}

TEST(TimeZone, UniqueTimesConvertBothWaysInWinterAndSummer) {
  const TimeZone new_york = zone("America/New_York");
  const auto january = k2026 / 1 / 15;
  const auto july = k2026 / 7 / 1;
  EXPECT_EQ(new_york.to_local(utc(january, 17h)), local(january, 12h));  // EST, UTC-5
  EXPECT_EQ(new_york.to_local(utc(july, 16h)), local(july, 12h));        // EDT, UTC-4
  EXPECT_EQ(new_york.to_wall(local(january, 12h), LocalTimeResolution::reject).value(),
            utc(january, 17h));
  EXPECT_EQ(new_york.to_wall(local(july, 12h), LocalTimeResolution::reject).value(),
            utc(july, 16h));
}

TEST(TimeZone, SpringForwardJumpsFromTwoToThree) {
  const TimeZone new_york = zone("America/New_York");
  const auto day = k2026 / March / 8;
  EXPECT_EQ(new_york.to_local(utc(day, 6h + 59min)), local(day, 1h + 59min));
  EXPECT_EQ(new_york.to_local(utc(day, 7h)), local(day, 3h));
}

TEST(TimeZone, ASkippedLocalTimeIsRejectedNamingTheZone) {
  const TimeZone new_york = zone("America/New_York");
  Result<WallTime> wall =
      new_york.to_wall(local(k2026 / March / 8, 2h + 30min), LocalTimeResolution::reject);
  ASSERT_FALSE(wall);
  EXPECT_EQ(wall.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(wall.status().message(), HasSubstr("America/New_York"));
  EXPECT_THAT(wall.status().message(), HasSubstr("does not exist"));
}

TEST(TimeZone, ASkippedLocalTimeResolvesToTheInstantOfTheJump) {
  const TimeZone new_york = zone("America/New_York");
  const auto day = k2026 / March / 8;
  const WallTime jump = utc(day, 7h);
  EXPECT_EQ(new_york.to_wall(local(day, 2h + 30min), LocalTimeResolution::earliest).value(), jump);
  EXPECT_EQ(new_york.to_wall(local(day, 2h + 30min), LocalTimeResolution::latest).value(), jump);
}

TEST(TimeZone, ARepeatedLocalTimeIsRejectedNamingTheZone) {
  const TimeZone new_york = zone("America/New_York");
  Result<WallTime> wall =
      new_york.to_wall(local(k2026 / November / 1, 1h + 30min), LocalTimeResolution::reject);
  ASSERT_FALSE(wall);
  EXPECT_EQ(wall.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(wall.status().message(), HasSubstr("America/New_York"));
  EXPECT_THAT(wall.status().message(), HasSubstr("occurs twice"));
}

TEST(TimeZone, ARepeatedLocalTimeResolvesToEitherOccurrenceOneHourApart) {
  const TimeZone new_york = zone("America/New_York");
  const auto day = k2026 / November / 1;
  const WallTime first =
      new_york.to_wall(local(day, 1h + 30min), LocalTimeResolution::earliest).value();
  const WallTime second =
      new_york.to_wall(local(day, 1h + 30min), LocalTimeResolution::latest).value();
  EXPECT_EQ(first, utc(day, 5h + 30min));   // 01:30 EDT
  EXPECT_EQ(second, utc(day, 6h + 30min));  // 01:30 EST
  EXPECT_EQ(second - first, 1h);
  EXPECT_EQ(new_york.to_local(first), local(day, 1h + 30min));
  EXPECT_EQ(new_york.to_local(second), local(day, 1h + 30min));
}

TEST(TimeZone, OffsetReportsDaylightSavingAndAbbreviation) {
  const TimeZone new_york = zone("America/New_York");
  const auto day = k2026 / March / 8;
  const UtcOffset winter = new_york.offset_at(utc(day, 6h + 59min));
  EXPECT_EQ(winter.offset, -5h);
  EXPECT_FALSE(winter.is_daylight_saving);
  EXPECT_EQ(winter.abbreviation, "EST");
  const UtcOffset summer = new_york.offset_at(utc(day, 7h));
  EXPECT_EQ(summer.offset, -4h);
  EXPECT_TRUE(summer.is_daylight_saving);
  EXPECT_EQ(summer.abbreviation, "EDT");
}

TEST(TimeZone, BerlinChangesAtOneUtcOnTheLastSundays) {
  const TimeZone berlin = zone("Europe/Berlin");
  const auto spring = k2026 / March / 29;
  const auto autumn = k2026 / October / 25;

  EXPECT_FALSE(berlin.to_wall(local(spring, 2h + 30min), LocalTimeResolution::reject));
  EXPECT_EQ(berlin.to_wall(local(spring, 2h + 30min), LocalTimeResolution::earliest).value(),
            utc(spring, 1h));

  EXPECT_FALSE(berlin.to_wall(local(autumn, 2h + 30min), LocalTimeResolution::reject));
  EXPECT_EQ(berlin.to_wall(local(autumn, 2h + 30min), LocalTimeResolution::earliest).value(),
            utc(autumn, 30min));  // 02:30 CEST
  EXPECT_EQ(berlin.to_wall(local(autumn, 2h + 30min), LocalTimeResolution::latest).value(),
            utc(autumn, 1h + 30min));  // 02:30 CET

  const UtcOffset summer = berlin.offset_at(utc(k2026 / 7 / 1, 12h));
  EXPECT_EQ(summer.offset, 2h);
  EXPECT_TRUE(summer.is_daylight_saving);
  EXPECT_EQ(summer.abbreviation, "CEST");
  const UtcOffset winter = berlin.offset_at(utc(k2026 / 12 / 1, 12h));
  EXPECT_EQ(winter.offset, 1h);
  EXPECT_FALSE(winter.is_daylight_saving);
  EXPECT_EQ(winter.abbreviation, "CET");
}

TEST(TimeZone, KolkatasHalfHourOffsetConvertsExactly) {
  const TimeZone kolkata = zone("Asia/Kolkata");
  const auto day = k2026 / 6 / 1;
  EXPECT_EQ(kolkata.to_local(utc(day, 0h)), local(day, 5h + 30min));
  EXPECT_EQ(kolkata.to_wall(local(day, 5h + 30min), LocalTimeResolution::reject).value(),
            utc(day, 0h));
  const UtcOffset offset = kolkata.offset_at(utc(day, 0h));
  EXPECT_EQ(offset.offset, 5h + 30min);
  EXPECT_FALSE(offset.is_daylight_saving);
  EXPECT_EQ(offset.abbreviation, "IST");
}

}  // namespace
}  // namespace edgeroute::hal
