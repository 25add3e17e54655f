// Specifies UtcOffsetSchedule (utc_offset_schedule.h), the routing core's only
// knowledge of time zones: offsets switch exactly at a transition's instant; UTC and
// local time convert both ways; a local time the spring change skips maps to the
// instant of the jump, one the autumn change repeats maps to its earlier instant;
// instants outside the horizon are refused rather than guessed; and malformed
// transition lists are refused with a message naming the entry. New York's 2026
// offsets are written out by hand (promise_fixtures.h).
#include <array>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "promise_fixtures.h"

namespace edgeroute::routing {
namespace {

using namespace promise_fixtures;
using ::testing::HasSubstr;

TEST(UtcOffsetSchedule, OffsetChangesAtTheTransitionInstant) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  EXPECT_EQ(new_york.offset_at(utc("2026-03-08T06:59:59Z")), kEst);
  EXPECT_EQ(new_york.offset_at(utc("2026-03-08T07:00:00Z")), kEdt);
  EXPECT_EQ(new_york.offset_at(utc("2026-11-01T05:59:59Z")), kEdt);
  EXPECT_EQ(new_york.offset_at(utc("2026-11-01T06:00:00Z")), kEst);
  EXPECT_EQ(new_york.offset_at(utc("2025-11-02T06:00:00Z")), kEst) << "first instant";
  EXPECT_EQ(new_york.offset_at(utc("2027-03-14T06:59:59Z")), kEst) << "last instant";
}

TEST(UtcOffsetSchedule, WallClockJumpsFromTwoToThreeAndBackFromTwoToOne) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  EXPECT_EQ(new_york.to_local(utc("2026-03-08T06:59:59Z")), local("2026-03-08T01:59:59"));
  EXPECT_EQ(new_york.to_local(utc("2026-03-08T07:00:00Z")), local("2026-03-08T03:00:00"));
  EXPECT_EQ(new_york.to_local(utc("2026-11-01T05:59:59Z")), local("2026-11-01T01:59:59"));
  EXPECT_EQ(new_york.to_local(utc("2026-11-01T06:00:00Z")), local("2026-11-01T01:00:00"));
}

TEST(UtcOffsetSchedule, UniqueLocalTimesConvertToTheirInstant) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  EXPECT_EQ(new_york.to_utc(local("2026-01-15T10:00:00")), utc("2026-01-15T15:00:00Z"));
  EXPECT_EQ(new_york.to_utc(local("2026-06-16T10:00:00")), utc("2026-06-16T14:00:00Z"));
  EXPECT_EQ(new_york.to_utc(local("2026-03-08T01:59:59")), utc("2026-03-08T06:59:59Z"));
  EXPECT_EQ(new_york.to_utc(local("2026-03-08T03:00:00")), utc("2026-03-08T07:00:00Z"));
  EXPECT_EQ(new_york.to_utc(local("2026-11-01T02:00:00")), utc("2026-11-01T07:00:00Z"));
}

TEST(UtcOffsetSchedule, SkippedLocalTimesMapToTheJump) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  for (const char* skipped :
       {"2026-03-08T02:00:00", "2026-03-08T02:30:00", "2026-03-08T02:59:59"}) {
    EXPECT_EQ(new_york.to_utc(local(skipped)), utc("2026-03-08T07:00:00Z")) << skipped;
  }
}

TEST(UtcOffsetSchedule, RepeatedLocalTimesMapToTheirEarlierInstant) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  EXPECT_EQ(new_york.to_utc(local("2026-11-01T01:00:00")), utc("2026-11-01T05:00:00Z"));
  EXPECT_EQ(new_york.to_utc(local("2026-11-01T01:30:00")), utc("2026-11-01T05:30:00Z"));
  EXPECT_EQ(new_york.to_utc(local("2026-11-01T01:59:59")), utc("2026-11-01T05:59:59Z"));
}

// Every quarter hour of the horizon: local -> UTC undoes UTC -> local, except in the
// repeated hour, whose second pass maps back to the first.
TEST(UtcOffsetSchedule, ConversionsRoundTripAcrossTheWholeHorizon) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  const UnixSeconds repeated_from = utc("2026-11-01T06:00:00Z");
  const UnixSeconds repeated_until = utc("2026-11-01T07:00:00Z");
  for (UnixSeconds instant = new_york.starts_utc(); instant < new_york.ends_utc(); instant += 900) {
    const auto back = new_york.to_utc(new_york.to_local(instant));
    ASSERT_TRUE(back.has_value()) << text(instant);
    const bool second_pass = instant >= repeated_from && instant < repeated_until;
    EXPECT_EQ(*back, second_pass ? instant - 3600 : instant) << text(instant);
  }
}

TEST(UtcOffsetSchedule, InstantsOutsideTheHorizonAreNotCovered) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  EXPECT_FALSE(new_york.covers(utc("2025-11-02T05:59:59Z")));
  EXPECT_TRUE(new_york.covers(utc("2025-11-02T06:00:00Z")));
  EXPECT_TRUE(new_york.covers(utc("2027-03-14T06:59:59Z")));
  EXPECT_FALSE(new_york.covers(utc("2027-03-14T07:00:00Z")));
  EXPECT_FALSE(new_york.to_utc(local("2025-11-02T00:59:59")).has_value()) << "before the start";
  EXPECT_EQ(new_york.to_utc(local("2025-11-02T01:00:00")), utc("2025-11-02T06:00:00Z"));
  EXPECT_EQ(new_york.to_utc(local("2027-03-14T01:59:59")), utc("2027-03-14T06:59:59Z"));
  EXPECT_FALSE(new_york.to_utc(local("2027-03-14T02:00:00")).has_value()) << "at the end";
}

TEST(UtcOffsetSchedule, ConstantOffsetCoversEveryYearFrom1970To9999) {
  const UtcOffsetSchedule kolkata = UtcOffsetSchedule::constant(kIst);
  EXPECT_TRUE(kolkata.covers(0));
  EXPECT_TRUE(kolkata.covers(utc("9999-12-31T23:59:59Z")));
  EXPECT_FALSE(kolkata.covers(-1));
  EXPECT_EQ(kolkata.to_local(utc("2026-06-16T20:00:00Z")), local("2026-06-17T01:30:00"));
  EXPECT_EQ(kolkata.to_utc(local("2026-06-17T09:00:00")), utc("2026-06-17T03:30:00Z"));
  EXPECT_FALSE(kolkata.to_utc(local("1970-01-01T05:29:59")).has_value());
}

Status refusal(std::vector<UtcOffsetTransition> transitions, UnixSeconds ends_utc) {
  Result<UtcOffsetSchedule> schedule = UtcOffsetSchedule::from_transitions(transitions, ends_utc);
  EXPECT_FALSE(schedule.has_value());
  return schedule.status();
}

TEST(UtcOffsetSchedule, MalformedTransitionListsAreRefusedNamingTheEntry) {
  const UnixSeconds jan = utc("2026-01-01T00:00:00Z");
  const UnixSeconds mar = utc("2026-03-08T07:00:00Z");
  const UnixSeconds end = utc("2027-01-01T00:00:00Z");
  EXPECT_THAT(refusal({}, end).message(), HasSubstr("needs a transition"));
  EXPECT_THAT(refusal({{mar, kEdt}, {jan, kEst}}, end).message(),
              HasSubstr("transitions[1]: starts_utc"));
  EXPECT_THAT(refusal({{jan, kEst}, {jan, kEdt}}, end).message(),
              HasSubstr("not after the previous"));
  EXPECT_THAT(refusal({{jan, 19 * 3600}}, end).message(), HasSubstr("transitions[0]: offset"));
  EXPECT_THAT(refusal({{-1, 0}}, end).message(), HasSubstr("years 1970..9999"));
  EXPECT_THAT(refusal({{jan, kEst}, {mar, kEdt}}, mar).message(), HasSubstr("ends_utc"));
  std::vector<UtcOffsetTransition> too_many;
  for (UnixSeconds i = 0; i <= static_cast<UnixSeconds>(UtcOffsetSchedule::kTransitionsMax); ++i) {
    too_many.push_back({jan + i * 86400, i % 2 == 0 ? kEst : kEdt});
  }
  const Status status = refusal(too_many, end);
  EXPECT_EQ(status.code(), StatusCode::invalid_argument);
  EXPECT_THAT(status.message(), HasSubstr("17 UTC offset transitions exceed the 16"));
}

TEST(UtcOffsetSchedule, HoldsTheTransitionsItWasBuiltFrom) {
  const UtcOffsetSchedule new_york = new_york_offsets();
  ASSERT_EQ(new_york.transitions().size(), 3u);
  EXPECT_EQ(new_york.transitions()[1], (UtcOffsetTransition{utc("2026-03-08T07:00:00Z"), kEdt}));
  EXPECT_EQ(new_york.starts_utc(), utc("2025-11-02T06:00:00Z"));
  EXPECT_EQ(new_york.ends_utc(), utc("2027-03-14T07:00:00Z"));
}

}  // namespace
}  // namespace edgeroute::routing
