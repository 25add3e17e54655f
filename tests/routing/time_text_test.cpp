// Specifies the text forms of time that people write in networks, policies and
// orders: exact formats are accepted and round-trip, impossible dates and times are
// refused (30 February, 24:00, 23:60, leap seconds, offsets other than Z), and the
// integer forms agree with the civil calendar (weekdays, leap years, days before and
// after the epoch).
#include <gtest/gtest.h>

#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {
namespace {

TEST(TimeText, LocalMinutesParseAndFormat) {
  EXPECT_EQ(parse_local_minute("00:00"), 0);
  EXPECT_EQ(parse_local_minute("17:30"), 17 * 60 + 30);
  EXPECT_EQ(parse_local_minute("23:59"), 1439);
  EXPECT_EQ(format_local_minute(17 * 60 + 5), "17:05");
  for (const char* bad : {"24:00", "12:60", "7:30", "07:3", "07-30", "", "07:30 ", "ab:cd"}) {
    EXPECT_FALSE(parse_local_minute(bad)) << bad;
  }
}

TEST(TimeText, DatesFollowTheCivilCalendar) {
  EXPECT_EQ(parse_epoch_day("1970-01-01"), 0);
  EXPECT_EQ(parse_epoch_day("2026-11-26"), 20783);
  EXPECT_EQ(parse_epoch_day("2024-02-29"), 19782) << "leap day exists in 2024";
  EXPECT_FALSE(parse_epoch_day("2026-02-29")) << "but not in 2026";
  EXPECT_FALSE(parse_epoch_day("2026-02-30"));
  EXPECT_FALSE(parse_epoch_day("2026-13-01"));
  EXPECT_FALSE(parse_epoch_day("2026-00-10"));
  EXPECT_FALSE(parse_epoch_day("1969-12-31")) << "no dates before the epoch";
  EXPECT_FALSE(parse_epoch_day("2026-1-01"));
  EXPECT_EQ(format_epoch_day(20783), "2026-11-26");
}

TEST(TimeText, WeekdaysStartOnMonday) {
  EXPECT_EQ(weekday_of(*parse_epoch_day("2026-11-26")), 3) << "Thanksgiving 2026 is a Thursday";
  EXPECT_EQ(weekday_of(*parse_epoch_day("2026-11-23")), 0);
  EXPECT_EQ(weekday_of(*parse_epoch_day("2026-11-29")), 6);
  EXPECT_EQ(weekday_of(-1), 2) << "1969-12-31 was a Wednesday";
}

TEST(TimeText, UtcInstantsRoundTrip) {
  const auto instant = parse_utc_instant("2026-11-24T15:04:05Z");
  ASSERT_TRUE(instant);
  EXPECT_EQ(*instant, 1795532645);
  EXPECT_EQ(format_utc_instant(*instant), "2026-11-24T15:04:05Z");
  for (const char* bad : {"2026-11-24T15:04:05", "2026-11-24T15:04:05+01:00",
                          "2026-11-24 15:04:05Z", "2026-11-24T15:04:60Z", "2026-11-24T24:00:00Z",
                          "2026-11-31T10:00:00Z", "2026-11-24T15:04:05.123Z"}) {
    EXPECT_FALSE(parse_utc_instant(bad)) << bad;
  }
}

TEST(TimeText, TextsHeldInPlaceReadAsTheFormattedStrings) {
  EXPECT_EQ(epoch_day_text(0).view(), "1970-01-01");
  EXPECT_EQ(epoch_day_text(20783).view(), "2026-11-26");
  EXPECT_EQ(epoch_day_text(-1).view(), "1969-12-31");
  EXPECT_EQ(utc_instant_text(1795532645).view(), "2026-11-24T15:04:05Z");
  EXPECT_EQ(utc_instant_text(-1).view(), "1969-12-31T23:59:59Z");
  EXPECT_EQ(utc_instant_text(20783 * kSecondsPerDay + kSecondsPerDay - 1).view(),
            "2026-11-26T23:59:59Z");
  // Beyond four-digit years the year takes the room it needs, as "%04d" gives it.
  constexpr EpochDay kYear12000 = 3'663'382;  // 12000-01-01
  constexpr EpochDay kYearMinus5 = -721'354;  // -0005-01-01, proleptic Gregorian
  EXPECT_EQ(epoch_day_text(kYear12000).view(), "12000-01-01");
  EXPECT_EQ(epoch_day_text(kYearMinus5).view(), "-005-01-01");
  EXPECT_EQ(utc_instant_text(kYear12000 * kSecondsPerDay + 3661).view(), "12000-01-01T01:01:01Z");
  for (const EpochDay day : {0, 1, 59, 365, 11016, 20783, 2932896}) {
    EXPECT_EQ(format_epoch_day(day), epoch_day_text(day).view()) << day;
  }
}

TEST(TimeText, DayOfRoundsTowardsTheEarlierDay) {
  EXPECT_EQ(day_of(0), 0);
  EXPECT_EQ(day_of(kSecondsPerDay - 1), 0);
  EXPECT_EQ(day_of(kSecondsPerDay), 1);
  EXPECT_EQ(day_of(-1), -1);
  EXPECT_EQ(day_of(-kSecondsPerDay), -1);
  EXPECT_EQ(day_of(-kSecondsPerDay - 1), -2);
}

}  // namespace
}  // namespace edgeroute::routing
