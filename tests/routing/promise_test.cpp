// Specifies compute_promise() (routing/include/edgeroute/routing/promise.h) by worked
// examples that a person can recompute by hand from the node's calendar: where work
// starts, when the parcel is packed, which cut-off it makes, and the promised date.
// Most examples use the specification's New York node (Monday-Friday 08:00-20:00, 120
// minutes of processing, 17:00 cut-off) with New York's real 2026 UTC offsets written
// out by hand (promise_fixtures.h). Each instant is given in UTC with the node's wall
// clock beside it. The cases cover the same day, a missed cut-off, work split over two
// windows, weekends, a closed date (Thanksgiving), both DST changes of 2026, a +05:30
// node, and the two failures (no window within the search horizon; an order outside
// the UTC offset schedule).
#include <array>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "promise_fixtures.h"

namespace edgeroute::routing {
namespace {

using namespace promise_fixtures;

constexpr std::uint8_t kGroundDays = 3;
constexpr bool kBusinessDays = true;
constexpr bool kCalendarDays = false;

PromiseResult new_york_ground(const NodeCalendar& node, std::string_view order_utc) {
  return compute_promise(node, utc(order_utc), kNewYorkCutoff, kGroundDays, kBusinessDays);
}

// --- One day ---------------------------------------------------------------------

TEST(Promise, MorningOrderIsPackedAndShipsTheSameDay) {
  const PromiseResult promise =
      new_york_ground(new_york_fc(), "2026-06-16T14:00:00Z");  // Tue 10:00
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->pick_starts_at_utc), "2026-06-16T14:00:00Z");  // 10:00 EDT
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-16T16:00:00Z");       // 12:00 EDT
  EXPECT_EQ(text(promise->cutoff_at_utc), "2026-06-16T21:00:00Z");       // 17:00 EDT
  EXPECT_EQ(day_text(promise->ship_local_day), "2026-06-16");
  EXPECT_EQ(day_text(promise->delivery_local_day), "2026-06-19") << "Wed, Thu, Fri";
}

TEST(Promise, PackedAfterTheCutoffShipsAtTheNextDaysCutoff) {
  const PromiseResult promise = new_york_ground(new_york_fc(), "2026-06-16T20:30:00Z");  // 16:30
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-16T22:30:00Z");  // 18:30 EDT: missed 17:00
  EXPECT_EQ(text(promise->cutoff_at_utc), "2026-06-17T21:00:00Z");  // Wednesday 17:00 EDT
  EXPECT_EQ(day_text(promise->ship_local_day), "2026-06-17");
  EXPECT_EQ(day_text(promise->delivery_local_day), "2026-06-22") << "Thu, Fri, Mon";
}

TEST(Promise, ProcessingLeftAtClosingContinuesInTheNextMorningsWindow) {
  const PromiseResult promise = new_york_ground(new_york_fc(), "2026-06-16T23:30:00Z");  // 19:30
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->pick_starts_at_utc), "2026-06-16T23:30:00Z");  // 30 min Tue evening
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-17T13:30:00Z");       // + 90 min: Wed 09:30 EDT
  EXPECT_EQ(text(promise->cutoff_at_utc), "2026-06-17T21:00:00Z");
  EXPECT_EQ(day_text(promise->ship_local_day), "2026-06-17");
  EXPECT_EQ(day_text(promise->delivery_local_day), "2026-06-22");
}

TEST(Promise, OrderBeforeOpeningStartsWhenTheWindowOpens) {
  const PromiseResult promise = new_york_ground(new_york_fc(), "2026-06-16T10:00:00Z");  // 06:00
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->pick_starts_at_utc), "2026-06-16T12:00:00Z");  // 08:00 EDT
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-16T14:00:00Z");
  EXPECT_EQ(day_text(promise->ship_local_day), "2026-06-16");
}

TEST(Promise, OrderAtClosingTimeWaitsForTheNextWindow) {
  const PromiseResult promise = new_york_ground(new_york_fc(), "2026-06-17T00:00:00Z");  // 20:00
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->pick_starts_at_utc), "2026-06-17T12:00:00Z");  // Wed 08:00 EDT
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-17T14:00:00Z");
  EXPECT_EQ(day_text(promise->ship_local_day), "2026-06-17");
}

TEST(Promise, ParcelPackedExactlyAtTheCutoffMakesItOneSecondLaterDoesNot) {
  const PromiseResult on_time = new_york_ground(new_york_fc(), "2026-06-16T19:00:00Z");  // 15:00
  ASSERT_TRUE(on_time);
  EXPECT_EQ(text(on_time->packed_at_utc), "2026-06-16T21:00:00Z");
  EXPECT_EQ(text(on_time->cutoff_at_utc), "2026-06-16T21:00:00Z");

  const PromiseResult late = new_york_ground(new_york_fc(), "2026-06-16T19:00:01Z");
  ASSERT_TRUE(late);
  EXPECT_EQ(text(late->packed_at_utc), "2026-06-16T21:00:01Z");
  EXPECT_EQ(text(late->cutoff_at_utc), "2026-06-17T21:00:00Z");
}

TEST(Promise, ZeroProcessingMinutesPacksWhereWorkStarts) {
  const NodeCalendar node =
      calendar(monday_to_friday(at(8, 0), at(20, 0)), {}, 0, new_york_offsets());
  const PromiseResult in_window = new_york_ground(node, "2026-06-16T14:12:34Z");
  ASSERT_TRUE(in_window);
  EXPECT_EQ(in_window->pick_starts_at_utc, utc("2026-06-16T14:12:34Z"));
  EXPECT_EQ(in_window->packed_at_utc, utc("2026-06-16T14:12:34Z"));

  const PromiseResult before_opening = new_york_ground(node, "2026-06-16T10:00:00Z");
  ASSERT_TRUE(before_opening);
  EXPECT_EQ(text(before_opening->packed_at_utc), "2026-06-16T12:00:00Z");
}

TEST(Promise, CutoffBeforeTheWindowOpensIsMadeOnlyByTheNextDay) {
  const PromiseResult promise = compute_promise(new_york_fc(), utc("2026-06-16T14:00:00Z"),
                                                at(7, 0), kGroundDays, kBusinessDays);
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-16T16:00:00Z");
  EXPECT_EQ(text(promise->cutoff_at_utc), "2026-06-17T11:00:00Z");  // Wed 07:00 EDT
}

// --- Weekends and transit ----------------------------------------------------------

TEST(Promise, FridayEveningOrderShipsMondayAndGroundArrivesThursday) {
  const PromiseResult promise = new_york_ground(new_york_fc(), "2026-06-19T23:00:00Z");  // 19:00
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->pick_starts_at_utc), "2026-06-19T23:00:00Z");  // 60 min Friday
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-22T13:00:00Z");       // + 60: Mon 09:00 EDT
  EXPECT_EQ(text(promise->cutoff_at_utc), "2026-06-22T21:00:00Z");
  EXPECT_EQ(day_text(promise->ship_local_day), "2026-06-22");
  EXPECT_EQ(day_text(promise->delivery_local_day), "2026-06-25");

  const PromiseResult after_closing = new_york_ground(new_york_fc(), "2026-06-20T01:00:00Z");
  ASSERT_TRUE(after_closing);
  EXPECT_EQ(text(after_closing->pick_starts_at_utc), "2026-06-22T12:00:00Z");  // Mon 08:00
  EXPECT_EQ(day_text(after_closing->ship_local_day), "2026-06-22");
}

TEST(Promise, CalendarDayTransitRunsThroughTheWeekendBusinessDaysDoNot) {
  const NodeCalendar node = new_york_fc();
  const UnixSeconds friday_morning = utc("2026-06-19T13:00:00Z");  // 09:00 EDT
  const PromiseResult calendar_days =
      compute_promise(node, friday_morning, kNewYorkCutoff, 2, kCalendarDays);
  const PromiseResult business_days =
      compute_promise(node, friday_morning, kNewYorkCutoff, 2, kBusinessDays);
  ASSERT_TRUE(calendar_days);
  ASSERT_TRUE(business_days);
  EXPECT_EQ(day_text(calendar_days->ship_local_day), "2026-06-19");
  EXPECT_EQ(day_text(calendar_days->delivery_local_day), "2026-06-21") << "Sunday";
  EXPECT_EQ(day_text(business_days->delivery_local_day), "2026-06-23") << "Mon, Tue";
}

TEST(Promise, WeekendShipDaysCountBusinessDaysFromMondayAndZeroDaysIsTheShipDay) {
  const NodeCalendar store = calendar(every_day(at(8, 0), at(20, 0)), {}, 120, new_york_offsets());
  const UnixSeconds saturday = utc("2026-06-20T14:00:00Z");  // Sat 10:00 EDT
  const UnixSeconds sunday = utc("2026-06-21T14:00:00Z");
  const PromiseResult saturday_one = compute_promise(store, saturday, kNewYorkCutoff, 1, true);
  const PromiseResult sunday_one = compute_promise(store, sunday, kNewYorkCutoff, 1, true);
  const PromiseResult saturday_zero = compute_promise(store, saturday, kNewYorkCutoff, 0, true);
  ASSERT_TRUE(saturday_one);
  ASSERT_TRUE(sunday_one);
  ASSERT_TRUE(saturday_zero);
  EXPECT_EQ(day_text(saturday_one->ship_local_day), "2026-06-20");
  EXPECT_EQ(day_text(saturday_one->delivery_local_day), "2026-06-22");
  EXPECT_EQ(day_text(sunday_one->delivery_local_day), "2026-06-22");
  EXPECT_EQ(day_text(saturday_zero->delivery_local_day), "2026-06-20") << "same-day delivery";
}

// --- Closed dates ------------------------------------------------------------------

TEST(Promise, ThanksgivingIsSkippedByTheWork) {
  const EpochDay thanksgiving = date("2026-11-26");
  const UnixSeconds wednesday_evening = utc("2026-11-26T00:00:00Z");  // Wed 19:00 EST
  const PromiseResult closed =
      compute_promise(new_york_fc({thanksgiving}), wednesday_evening, kNewYorkCutoff, 3, true);
  ASSERT_TRUE(closed);
  EXPECT_EQ(text(closed->pick_starts_at_utc), "2026-11-26T00:00:00Z");  // 60 min Wednesday
  EXPECT_EQ(text(closed->packed_at_utc), "2026-11-27T14:00:00Z");       // + 60: Fri 09:00 EST
  EXPECT_EQ(text(closed->cutoff_at_utc), "2026-11-27T22:00:00Z");       // Fri 17:00 EST
  EXPECT_EQ(day_text(closed->ship_local_day), "2026-11-27");
  EXPECT_EQ(day_text(closed->delivery_local_day), "2026-12-02") << "Mon, Tue, Wed";

  const PromiseResult open =
      compute_promise(new_york_fc(), wednesday_evening, kNewYorkCutoff, 3, true);
  ASSERT_TRUE(open);
  EXPECT_EQ(text(open->packed_at_utc), "2026-11-26T14:00:00Z") << "Thursday, if it were open";
}

TEST(Promise, ThanksgivingIsSkippedByTheNextCutoff) {
  const PromiseResult promise =
      new_york_ground(new_york_fc({date("2026-11-26")}), "2026-11-25T21:00:00Z");  // Wed 16:00
  ASSERT_TRUE(promise);
  EXPECT_EQ(text(promise->packed_at_utc), "2026-11-25T23:00:00Z");  // 18:00 EST: missed
  EXPECT_EQ(text(promise->cutoff_at_utc), "2026-11-27T22:00:00Z");  // Friday, not Thursday
  EXPECT_EQ(day_text(promise->ship_local_day), "2026-11-27");
}

// --- Daylight saving time ------------------------------------------------------------

// The same Saturday-night order a week apart, before and after a change: Monday's
// 08:00 start and 17:00 cut-off stay on the local clock, so their UTC instants move.
TEST(Promise, SpringForwardKeepsLocalTimesAndShiftsUtcByAnHour) {
  const NodeCalendar node = new_york_fc();
  const UtcOffsetSchedule& offsets = node.utc_offsets();
  const PromiseResult before = new_york_ground(node, "2026-03-01T03:00:00Z");  // Sat 22:00 EST
  const PromiseResult after = new_york_ground(node, "2026-03-08T03:00:00Z");   // Sat 22:00 EST
  ASSERT_TRUE(before);
  ASSERT_TRUE(after);
  EXPECT_EQ(text(before->pick_starts_at_utc), "2026-03-02T13:00:00Z");  // Mon 08:00 EST
  EXPECT_EQ(text(after->pick_starts_at_utc), "2026-03-09T12:00:00Z");   // Mon 08:00 EDT
  EXPECT_EQ(text(before->cutoff_at_utc), "2026-03-02T22:00:00Z");
  EXPECT_EQ(text(after->cutoff_at_utc), "2026-03-09T21:00:00Z");
  EXPECT_EQ(offsets.to_local(after->pick_starts_at_utc), local("2026-03-09T08:00:00"));
  EXPECT_EQ(offsets.to_local(after->cutoff_at_utc), local("2026-03-09T17:00:00"));
}

TEST(Promise, FallBackKeepsLocalTimesAndShiftsUtcByAnHour) {
  const NodeCalendar node = new_york_fc();
  const PromiseResult before = new_york_ground(node, "2026-10-25T02:00:00Z");  // Sat 22:00 EDT
  const PromiseResult after = new_york_ground(node, "2026-11-01T02:00:00Z");   // Sat 22:00 EDT
  ASSERT_TRUE(before);
  ASSERT_TRUE(after);
  EXPECT_EQ(text(before->pick_starts_at_utc), "2026-10-26T12:00:00Z");  // Mon 08:00 EDT
  EXPECT_EQ(text(after->pick_starts_at_utc), "2026-11-02T13:00:00Z");   // Mon 08:00 EST
  EXPECT_EQ(text(before->cutoff_at_utc), "2026-10-26T21:00:00Z");
  EXPECT_EQ(text(after->cutoff_at_utc), "2026-11-02T22:00:00Z");
}

// A store open every day: Saturday-evening work resumes on the morning of the change.
TEST(Promise, WorkStraddlingTheChangeNightResumesAtTheNewOffset) {
  const NodeCalendar store = calendar(every_day(at(8, 0), at(20, 0)), {}, 120, new_york_offsets());
  const PromiseResult spring = new_york_ground(store, "2026-03-08T00:00:00Z");  // Sat 19:00 EST
  ASSERT_TRUE(spring);
  EXPECT_EQ(text(spring->packed_at_utc), "2026-03-08T13:00:00Z");  // 60 + 60: Sun 09:00 EDT
  EXPECT_EQ(text(spring->cutoff_at_utc), "2026-03-08T21:00:00Z");  // Sun 17:00 EDT
  EXPECT_EQ(day_text(spring->ship_local_day), "2026-03-08");

  const PromiseResult autumn = new_york_ground(store, "2026-10-31T23:00:00Z");  // Sat 19:00 EDT
  ASSERT_TRUE(autumn);
  EXPECT_EQ(text(autumn->packed_at_utc), "2026-11-01T14:00:00Z");  // 60 + 60: Sun 09:00 EST
  EXPECT_EQ(text(autumn->cutoff_at_utc), "2026-11-01T22:00:00Z");  // Sun 17:00 EST
  EXPECT_EQ(day_text(autumn->ship_local_day), "2026-11-01");
}

// Processing minutes are elapsed minutes: two hours of work across the jump read three
// hours (spring) or one hour (autumn) on the wall clock.
TEST(Promise, ProcessingAcrossTheJumpCountsElapsedTime) {
  const NodeCalendar round_the_clock =
      calendar(every_day(0, kMinutesPerDay), {}, 120, new_york_offsets());
  const UtcOffsetSchedule& offsets = round_the_clock.utc_offsets();
  const PromiseResult spring = new_york_ground(round_the_clock, "2026-03-08T06:30:00Z");  // 01:30
  ASSERT_TRUE(spring);
  EXPECT_EQ(text(spring->packed_at_utc), "2026-03-08T08:30:00Z");
  EXPECT_EQ(offsets.to_local(spring->packed_at_utc), local("2026-03-08T04:30:00"));

  const PromiseResult autumn = new_york_ground(round_the_clock, "2026-11-01T04:30:00Z");  // 00:30
  ASSERT_TRUE(autumn);
  EXPECT_EQ(text(autumn->packed_at_utc), "2026-11-01T06:30:00Z");
  EXPECT_EQ(offsets.to_local(autumn->packed_at_utc), local("2026-11-01T01:30:00")) << "the 2nd";
}

// Rule 5: a cut-off the change skips is the jump; one it repeats is the first of the two.
TEST(Promise, CutoffsTheChangeSkipsOrRepeatsResolveToTheJumpOrTheFirstOccurrence) {
  const auto node_with_processing = [](std::int32_t minutes) {
    return calendar(every_day(0, kMinutesPerDay), {}, minutes, new_york_offsets());
  };
  const PromiseResult skipped = compute_promise(
      node_with_processing(60), utc("2026-03-08T05:00:00Z"), at(2, 30), 1, kBusinessDays);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(text(skipped->cutoff_at_utc), "2026-03-08T07:00:00Z") << "02:30 does not exist";

  const UnixSeconds autumn_midnight = utc("2026-11-01T04:00:00Z");  // 00:00 EDT
  const PromiseResult first =
      compute_promise(node_with_processing(90), autumn_midnight, at(1, 30), 1, kBusinessDays);
  ASSERT_TRUE(first);
  EXPECT_EQ(text(first->cutoff_at_utc), "2026-11-01T05:30:00Z") << "01:30 EDT";

  const PromiseResult second =
      compute_promise(node_with_processing(91), autumn_midnight, at(1, 30), 1, kBusinessDays);
  ASSERT_TRUE(second);
  EXPECT_EQ(text(second->packed_at_utc), "2026-11-01T05:31:00Z");
  EXPECT_EQ(text(second->cutoff_at_utc), "2026-11-02T06:30:00Z") << "not 01:30 EST, the 2nd";
}

// --- Other offsets -------------------------------------------------------------------

TEST(Promise, HalfHourOffsetNodeWorksOnItsOwnLocalDay) {
  NodeCalendar::WeekWindows monday_to_saturday = monday_to_friday(at(9, 0), at(18, 0));
  monday_to_saturday[5] = {at(9, 0), at(18, 0)};
  const NodeCalendar kolkata =
      calendar(monday_to_saturday, {}, 90, UtcOffsetSchedule::constant(kIst));
  const PromiseResult morning =
      compute_promise(kolkata, utc("2026-06-16T04:00:00Z"), at(16, 0), 2, true);  // Tue 09:30
  ASSERT_TRUE(morning);
  EXPECT_EQ(text(morning->packed_at_utc), "2026-06-16T05:30:00Z");  // 11:00 IST
  EXPECT_EQ(text(morning->cutoff_at_utc), "2026-06-16T10:30:00Z");  // 16:00 IST
  EXPECT_EQ(day_text(morning->ship_local_day), "2026-06-16");

  // 20:00 UTC on the 16th is already 01:30 on Wednesday the 17th in Kolkata.
  const PromiseResult night =
      compute_promise(kolkata, utc("2026-06-16T20:00:00Z"), at(16, 0), 2, true);
  ASSERT_TRUE(night);
  EXPECT_EQ(text(night->pick_starts_at_utc), "2026-06-17T03:30:00Z");  // Wed 09:00 IST
  EXPECT_EQ(text(night->packed_at_utc), "2026-06-17T05:00:00Z");
  EXPECT_EQ(day_text(night->ship_local_day), "2026-06-17");
  EXPECT_EQ(day_text(night->delivery_local_day), "2026-06-19");
}

// --- Failures ------------------------------------------------------------------------

TEST(Promise, NodeWithoutAnyWindowCannotPromise) {
  const NodeCalendar never_open = calendar({}, {}, 120, new_york_offsets());
  const PromiseResult promise = new_york_ground(never_open, "2026-06-16T14:00:00Z");
  ASSERT_FALSE(promise);
  EXPECT_EQ(promise.failure(), PromiseFailure::promise_unmeetable);
  EXPECT_EQ(to_string(promise.failure()), "promise_unmeetable");
}

// The search covers the order's local day and the 27 after it (kPromiseSearchDays).
TEST(Promise, SearchStopsAfterTwentyEightLocalDays) {
  const auto closed_from_order_day_through = [](std::string_view last_closed) {
    std::vector<EpochDay> days;
    for (EpochDay day = date("2026-06-15"); day <= date(last_closed); ++day) days.push_back(day);
    return new_york_fc(std::move(days));
  };
  const std::string_view monday_order = "2026-06-15T14:00:00Z";
  const PromiseResult day_26 =
      new_york_ground(closed_from_order_day_through("2026-07-09"), monday_order);
  ASSERT_TRUE(day_26);
  EXPECT_EQ(day_text(day_26->ship_local_day), "2026-07-10");

  const PromiseResult day_29 =
      new_york_ground(closed_from_order_day_through("2026-07-10"), monday_order);
  ASSERT_FALSE(day_29) << "Monday 2026-07-13 is the 29th day";
  EXPECT_EQ(day_29.failure(), PromiseFailure::promise_unmeetable);
}

TEST(Promise, OrderOutsideTheOffsetScheduleIsRefused) {
  const NodeCalendar node = new_york_fc();
  for (const char* order :
       {"2025-11-02T05:59:59Z", "2027-03-14T07:00:00Z", "2040-01-01T00:00:00Z"}) {
    const PromiseResult promise = new_york_ground(node, order);
    ASSERT_FALSE(promise) << order;
    EXPECT_EQ(promise.failure(), PromiseFailure::outside_offset_schedule) << order;
  }
  const PromiseResult first_instant = new_york_ground(node, "2025-11-02T06:00:00Z");
  EXPECT_TRUE(first_instant) << "the schedule's first instant is covered";
}

// Rule 0 asks only for the instants the promise passes through: a window that opened,
// or a cut-off that passed, before the schedule starts (and before the order) is fine.
TEST(Promise, OrderJustAfterTheScheduleStartsNeedsNothingBeforeIt) {
  const std::array<UtcOffsetTransition, 1> from_noon = {{{utc("2026-06-16T12:00:00Z"), kEdt}}};
  Result<UtcOffsetSchedule> offsets =
      UtcOffsetSchedule::from_transitions(from_noon, utc("2026-07-16T12:00:00Z"));
  ASSERT_TRUE(offsets.has_value());
  const NodeCalendar node = calendar(every_day(at(7, 0), at(20, 0)), {}, 60, *offsets);
  const PromiseResult promise = compute_promise(node, utc("2026-06-16T12:30:00Z"),  // 08:30 EDT
                                                at(7, 30), kGroundDays, kBusinessDays);
  ASSERT_TRUE(promise) << "07:00 and 07:30 EDT are before the schedule's first instant";
  EXPECT_EQ(text(promise->pick_starts_at_utc), "2026-06-16T12:30:00Z");
  EXPECT_EQ(text(promise->packed_at_utc), "2026-06-16T13:30:00Z");
  EXPECT_EQ(text(promise->cutoff_at_utc), "2026-06-17T11:30:00Z");  // next day 07:30 EDT
}

// Friday 2027-03-12 16:00 EST misses its cut-off; Monday's lies past the schedule's end
// (2027-03-14T07:00Z), so it is not guessed at.
TEST(Promise, PromiseNeedingInstantsPastTheScheduleIsRefused) {
  const PromiseResult promise = new_york_ground(new_york_fc(), "2027-03-12T21:00:00Z");
  ASSERT_FALSE(promise);
  EXPECT_EQ(promise.failure(), PromiseFailure::outside_offset_schedule);
}

}  // namespace
}  // namespace edgeroute::routing
