// Specifies NodeCalendar (node_calendar.h): which local days a node operates (a
// window on its weekday, not a closed date), and that building one refuses windows that
// are empty, reversed, negative or cross midnight and processing times beyond a week,
// naming the weekday or value, while accepting closed dates in any order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "promise_fixtures.h"

namespace edgeroute::routing {
namespace {

using namespace promise_fixtures;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(NodeCalendar, OperatingDaysHaveAWindowAndAreNotClosedDates) {
  const NodeCalendar node = new_york_fc({date("2026-11-26")});
  EXPECT_TRUE(node.is_operating_day(date("2026-11-25"))) << "Wednesday";
  EXPECT_FALSE(node.is_operating_day(date("2026-11-26"))) << "Thanksgiving";
  EXPECT_TRUE(node.is_closed_date(date("2026-11-26")));
  EXPECT_TRUE(node.is_operating_day(date("2026-11-27"))) << "Friday";
  EXPECT_FALSE(node.is_operating_day(date("2026-11-28"))) << "Saturday: no window";
  EXPECT_FALSE(node.is_operating_day(date("2026-11-29"))) << "Sunday: no window";
  EXPECT_EQ(node.pick_window_on(date("2026-11-27")), (PickWindow{at(8, 0), at(20, 0)}));
  EXPECT_FALSE(node.pick_window_on(date("2026-11-28")).is_open());
}

TEST(NodeCalendar, ClosedDatesAreSortedAndRepeatsDropped) {
  const NodeCalendar node =
      new_york_fc({date("2026-12-25"), date("2026-11-26"), date("2026-12-25")});
  EXPECT_THAT(node.closed_local_days(), ElementsAre(date("2026-11-26"), date("2026-12-25")));
  EXPECT_TRUE(node.is_closed_date(date("2026-12-25")));
  EXPECT_FALSE(node.is_closed_date(date("2026-12-24")));
}

TEST(NodeCalendar, AWindowMayRunToMidnight) {
  const NodeCalendar node = calendar(every_day(0, kMinutesPerDay), {}, 0, new_york_offsets());
  EXPECT_TRUE(node.is_operating_day(date("2026-11-28")));
}

Status refusal(NodeCalendar::WeekWindows windows, std::int32_t processing_minutes) {
  Result<NodeCalendar> built =
      NodeCalendar::create(windows, {}, processing_minutes, UtcOffsetSchedule::constant(0));
  EXPECT_FALSE(built.has_value());
  return built.status();
}

TEST(NodeCalendar, MalformedWindowsAndProcessingTimesAreRefused) {
  NodeCalendar::WeekWindows windows{};
  windows[2] = {at(20, 0), at(8, 0)};
  EXPECT_THAT(refusal(windows, 60).message(), HasSubstr("pick window of wednesday"));
  windows[2] = {at(8, 0), at(8, 0)};
  EXPECT_THAT(refusal(windows, 60).message(), HasSubstr("wednesday"));
  windows[2] = {-60, at(8, 0)};
  EXPECT_THAT(refusal(windows, 60).message(), HasSubstr("wednesday"));
  windows[2] = {at(22, 0), kMinutesPerDay + 120};
  EXPECT_THAT(refusal(windows, 60).message(), HasSubstr("do not cross midnight"));

  EXPECT_THAT(refusal({}, -1).message(), HasSubstr("processing_minutes -1"));
  EXPECT_THAT(refusal({}, NodeCalendar::kProcessingMinutesMax + 1).message(),
              HasSubstr("(one week)"));
  EXPECT_EQ(refusal({}, -1).code(), StatusCode::invalid_argument);
}

}  // namespace
}  // namespace edgeroute::routing
