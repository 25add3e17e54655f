// Specifies CapacityCounters on one thread. A claim of orders and units is admitted
// only if both stay within the day's limits, and a refused claim changes neither count;
// the first claim of a new day starts it from zero in the same step; today and the next
// days are counted side by side (the cut-off case), while a day whose slot has moved on
// is closed to claims and releases, so it can never be over-admitted; release gives back
// exactly what was claimed; nodes are independent; bad inputs are Statuses naming the
// node and day, and giving back more than was claimed is a bug and crashes.
#include <cstdint>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/routing/capacity_counters.h"

namespace edgeroute::routing {
namespace {

using ::testing::HasSubstr;

constexpr std::int32_t kToday = 19'876;  // 2024-06-02, a realistic day number
constexpr CapacityLimits kLimits{.orders_max = 3, .units_max = 10};

CapacityOutcome reserve(CapacityCounters& counters, std::uint32_t node, std::int32_t day,
                        std::uint32_t orders, std::uint32_t units,
                        CapacityLimits limits = kLimits) {
  const Result<CapacityOutcome> outcome = counters.try_reserve(node, day, orders, units, limits);
  EDGEROUTE_ASSERT(outcome.has_value(), "test claims are valid");
  return *outcome;
}

TEST(CapacityCounters, AdmitsClaimsUpToTheOrderLimit) {
  CapacityCounters counters(2);
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{0, 0, false}));
  for (int order = 0; order < 3; ++order) {
    EXPECT_EQ(reserve(counters, 0, kToday, 1, 2), CapacityOutcome::reserved);
  }
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{3, 6, false}));
  EXPECT_EQ(reserve(counters, 0, kToday, 1, 1), CapacityOutcome::orders_exhausted);
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{3, 6, false}));
}

TEST(CapacityCounters, AUnitShortfallTakesNoOrderEither) {
  CapacityCounters counters(1);
  EXPECT_EQ(reserve(counters, 0, kToday, 1, 8), CapacityOutcome::reserved);
  EXPECT_EQ(reserve(counters, 0, kToday, 1, 3), CapacityOutcome::units_exhausted);
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{1, 8, false}));
  EXPECT_EQ(reserve(counters, 0, kToday, 1, 2), CapacityOutcome::reserved);
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{2, 10, false}));
}

TEST(CapacityCounters, ANewDayStartsFromZero) {
  CapacityCounters counters(1);
  ASSERT_EQ(reserve(counters, 0, kToday, 3, 10), CapacityOutcome::reserved);
  // Same slot, a week and a day later: the old count is over and the new day is empty.
  const std::int32_t same_slot = kToday + static_cast<std::int32_t>(CapacityCounters::kDaySlots);
  EXPECT_EQ(reserve(counters, 0, same_slot, 1, 4), CapacityOutcome::reserved);
  EXPECT_EQ(counters.usage(0, same_slot), (CapacityUsage{1, 4, false}));
  // The old day reads empty, and closed: nothing can be claimed for it any more.
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{0, 0, true}));
}

TEST(CapacityCounters, TodayAndTheNextDaysAreCountedSideBySide) {
  CapacityCounters counters(1);
  ASSERT_EQ(reserve(counters, 0, kToday, 3, 9), CapacityOutcome::reserved);
  // After the cut-off new orders ship tomorrow; today's late orders still count today.
  EXPECT_EQ(reserve(counters, 0, kToday + 1, 2, 5), CapacityOutcome::reserved);
  EXPECT_EQ(reserve(counters, 0, kToday + 3, 1, 1), CapacityOutcome::reserved);  // Monday
  EXPECT_EQ(reserve(counters, 0, kToday, 1, 1), CapacityOutcome::orders_exhausted);
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{3, 9, false}));
  EXPECT_EQ(counters.usage(0, kToday + 1), (CapacityUsage{2, 5, false}));
  EXPECT_EQ(counters.usage(0, kToday + 3), (CapacityUsage{1, 1, false}));
}

TEST(CapacityCounters, ADayWhoseSlotMovedOnIsClosed) {
  CapacityCounters counters(1);
  ASSERT_EQ(reserve(counters, 0, kToday, 1, 1), CapacityOutcome::reserved);
  const std::int32_t same_slot = kToday + static_cast<std::int32_t>(CapacityCounters::kDaySlots);
  ASSERT_EQ(reserve(counters, 0, same_slot, 1, 1), CapacityOutcome::reserved);
  // Today's count was forgotten, so today may not start again from zero.
  EXPECT_EQ(reserve(counters, 0, kToday, 1, 1), CapacityOutcome::day_closed);
  const Result<CapacityRelease> late = counters.release(0, kToday, 1, 1);
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, CapacityRelease::day_already_over);
  EXPECT_EQ(counters.usage(0, same_slot), (CapacityUsage{1, 1, false}));
}

TEST(CapacityCounters, ReleaseGivesBackExactlyTheClaim) {
  CapacityCounters counters(1);
  ASSERT_EQ(reserve(counters, 0, kToday, 2, 7), CapacityOutcome::reserved);
  ASSERT_EQ(reserve(counters, 0, kToday, 1, 3), CapacityOutcome::reserved);
  const Result<CapacityRelease> released = counters.release(0, kToday, 1, 3);
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, CapacityRelease::released);
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{2, 7, false}));
  EXPECT_EQ(reserve(counters, 0, kToday, 1, 3), CapacityOutcome::reserved);
}

TEST(CapacityCounters, NodesAreIndependent) {
  CapacityCounters counters(3);
  ASSERT_EQ(reserve(counters, 1, kToday, 3, 10), CapacityOutcome::reserved);
  EXPECT_EQ(reserve(counters, 0, kToday, 3, 10), CapacityOutcome::reserved);
  EXPECT_EQ(reserve(counters, 2, kToday, 3, 10), CapacityOutcome::reserved);
  EXPECT_EQ(counters.usage(1, kToday), (CapacityUsage{3, 10, false}));
}

TEST(CapacityCounters, TheFieldWidthsAreTheCeiling) {
  CapacityCounters counters(1);
  const CapacityLimits widest{CapacityCounters::kOrdersMax, CapacityCounters::kUnitsMax};
  EXPECT_EQ(reserve(counters, 0, static_cast<std::int32_t>(CapacityCounters::kLocalDayMax),
                    CapacityCounters::kOrdersMax, CapacityCounters::kUnitsMax, widest),
            CapacityOutcome::reserved);
  EXPECT_EQ(counters.usage(0, static_cast<std::int32_t>(CapacityCounters::kLocalDayMax)),
            (CapacityUsage{CapacityCounters::kOrdersMax, CapacityCounters::kUnitsMax, false}));
  EXPECT_GT(counters.memory_bytes(), 64u);
}

TEST(CapacityCounters, BadClaimsAreStatusesNamingNodeAndDay) {
  CapacityCounters counters(1);
  const auto code_of = [&](std::int32_t day, std::uint32_t orders, std::uint32_t units,
                           CapacityLimits limits) {
    return counters.try_reserve(0, day, orders, units, limits).status().code();
  };
  EXPECT_EQ(code_of(-1, 1, 1, kLimits), StatusCode::invalid_argument);
  EXPECT_EQ(code_of(static_cast<std::int32_t>(CapacityCounters::kLocalDayMax) + 1, 1, 1, kLimits),
            StatusCode::invalid_argument);
  EXPECT_EQ(code_of(kToday, 0, 0, kLimits), StatusCode::invalid_argument);
  EXPECT_EQ(code_of(kToday, CapacityCounters::kOrdersMax + 1, 1, kLimits),
            StatusCode::invalid_argument);
  EXPECT_EQ(code_of(kToday, 1, 1, {CapacityCounters::kOrdersMax + 1, 1}),
            StatusCode::invalid_argument);
  EXPECT_EQ(code_of(kToday, 1, 1, {1, CapacityCounters::kUnitsMax + 1}),
            StatusCode::invalid_argument);
  const Result<CapacityOutcome> nothing = counters.try_reserve(0, kToday, 0, 0, kLimits);
  EXPECT_THAT(nothing.status().message(), HasSubstr("node 0, local day 19876"));
  EXPECT_EQ(counters.release(0, kToday, 0, 0).status().code(), StatusCode::invalid_argument);
  EXPECT_EQ(counters.usage(0, kToday), (CapacityUsage{0, 0, false}));
}

TEST(CapacityCountersDeathTest, GivingBackMoreThanClaimedCrashes) {
  CapacityCounters counters(1);
  ASSERT_EQ(reserve(counters, 0, kToday, 1, 2), CapacityOutcome::reserved);
  EXPECT_DEATH((void)counters.release(0, kToday, 1, 3), "more than the day has counted");
  EXPECT_DEATH((void)counters.release(0, kToday + 1, 1, 1), "never reached");
}

}  // namespace
}  // namespace edgeroute::routing
