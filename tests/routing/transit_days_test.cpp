// Specifies delivery_day_after_transit() (transit_days.h): calendar days add N;
// business days land on the N-th Monday..Friday strictly after the ship day, so a
// Friday, Saturday or Sunday ship with 1 business day arrives Monday; 0 days is the ship
// day itself; and, checked against a day-by-day count for every ship weekday and
// 0..20 days, the whole-week shortcut never lands on a weekend or miscounts.
#include <gtest/gtest.h>

#include "edgeroute/routing/transit_days.h"
#include "promise_fixtures.h"

namespace edgeroute::routing {
namespace {

using namespace promise_fixtures;

std::string arrival(std::string_view ship_day, std::uint8_t days, bool business_days) {
  return day_text(delivery_day_after_transit(date(ship_day), days, business_days));
}

TEST(TransitDays, CalendarDaysAddTheirCount) {
  EXPECT_EQ(arrival("2026-06-19", 0, false), "2026-06-19");
  EXPECT_EQ(arrival("2026-06-19", 1, false), "2026-06-20") << "Friday + 1 is Saturday";
  EXPECT_EQ(arrival("2026-12-30", 5, false), "2027-01-04");
}

TEST(TransitDays, BusinessDaysStartCountingOnTheNextBusinessDay) {
  EXPECT_EQ(arrival("2026-06-16", 1, true), "2026-06-17") << "Tuesday -> Wednesday";
  EXPECT_EQ(arrival("2026-06-19", 1, true), "2026-06-22") << "Friday -> Monday";
  EXPECT_EQ(arrival("2026-06-20", 1, true), "2026-06-22") << "Saturday -> Monday";
  EXPECT_EQ(arrival("2026-06-21", 1, true), "2026-06-22") << "Sunday -> Monday";
  EXPECT_EQ(arrival("2026-06-19", 5, true), "2026-06-26") << "Friday -> next Friday";
  EXPECT_EQ(arrival("2026-06-20", 5, true), "2026-06-26") << "Saturday -> Friday";
  EXPECT_EQ(arrival("2026-06-17", 10, true), "2026-07-01") << "two weeks";
  EXPECT_EQ(arrival("2026-06-20", 0, true), "2026-06-20") << "same day, even on Saturday";
}

TEST(TransitDays, AgreesWithCountingDayByDay) {
  for (EpochDay ship = date("2026-06-15"); ship < date("2026-06-22"); ++ship) {
    for (std::uint8_t days = 0; days <= 20; ++days) {
      EpochDay expected = ship;
      for (int left = days; left > 0;) {
        ++expected;
        if (weekday_of(expected) < 5) --left;
      }
      EXPECT_EQ(delivery_day_after_transit(ship, days, true), expected)
          << day_text(ship) << " + " << int{days};
    }
  }
  EXPECT_EQ(delivery_day_after_transit(date("2026-06-15"), 255, true), date("2026-06-15") + 51 * 7)
      << "255 business days are 51 weeks";
}

}  // namespace
}  // namespace edgeroute::routing
