// Properties of compute_promise() (promise.h) over random calendars and random order
// times in 2026, with fixed seeds so a failure replays. Calendars draw a window or none
// for each weekday, up to a dozen closed dates, 0..15 hours of processing, any cut-off,
// and either New York's offsets (both DST changes) or a constant offset in quarter
// hours between -12:00 and +14:00.
//
// Two checks:
//   - invariants of every promise: pick start >= order, packed >= pick start (by at
//     least the processing time), cut-off >= packed, the pick starts inside a window of
//     an operating day, the ship day is an operating day whose cut-off is the first one
//     not before packing, delivery >= ship day, and business-day deliveries never fall
//     on a Saturday or Sunday;
//   - an independent oracle for the pick start and packing instant: walk UTC minute by
//     minute from the order, counting the minutes whose local wall-clock reading lies in
//     an open window. Orders are whole minutes here. Window edges are kept out of New
//     York's 01:00-03:00 (the hours the DST changes skip or repeat), where the oracle's
//     reading of a repeated hour and the promise rules legitimately differ; those hours
//     are specified by example in promise_test.cpp.
#include <algorithm>
#include <array>
#include <optional>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/node_day_promises.h"
#include "promise_fixtures.h"

namespace edgeroute::routing {
namespace {

using namespace promise_fixtures;

constexpr int kCases = 1500;

struct Scenario {
  NodeCalendar calendar;
  LocalMinute cutoff_minute;
  std::uint8_t transit_days;
  bool transit_business_days;
};

class ScenarioGenerator {
 public:
  explicit ScenarioGenerator(std::uint32_t seed) : random_(seed) {}

  Scenario next() {
    const bool new_york = coin(0.5);
    const UtcOffsetSchedule offsets =
        new_york ? new_york_offsets() : UtcOffsetSchedule::constant(quarter_hour_offset());
    NodeCalendar::WeekWindows windows{};
    for (PickWindow& window : windows) {
      if (coin(0.75)) window = random_window();
    }
    std::vector<EpochDay> closed_days;
    for (int i = uniform(0, 12); i > 0; --i) closed_days.push_back(uniform(kFirstDay, kLastDay));
    return Scenario{calendar(windows, std::move(closed_days), uniform(0, 900), offsets),
                    uniform(0, kMinutesPerDay - 1), static_cast<std::uint8_t>(uniform(0, 10)),
                    coin(0.5)};
  }

  UnixSeconds order_second() {
    return static_cast<UnixSeconds>(uniform(kFirstDay, kLastDay)) * kSecondsPerDay +
           uniform(0, kSecondsPerDay - 1);
  }
  UnixSeconds order_minute() { return order_second() / 60 * 60; }

 private:
  static constexpr EpochDay kFirstDay = 20454;  // 2026-01-01
  static constexpr EpochDay kLastDay = 20818;   // 2026-12-31

  // Edges outside 01:00..03:00, where New York's changes skip or repeat wall time.
  static bool is_clear_of_dst_hours(LocalMinute minute) { return minute < 60 || minute >= 180; }

  PickWindow random_window() {
    for (;;) {
      const LocalMinute opens = uniform(0, kMinutesPerDay - 1);
      const LocalMinute closes = uniform(opens + 1, kMinutesPerDay);
      if (is_clear_of_dst_hours(opens) && is_clear_of_dst_hours(closes)) return {opens, closes};
    }
  }

  std::int32_t quarter_hour_offset() { return uniform(-12 * 4, 14 * 4) * 900; }

  template <typename Integer>
  Integer uniform(Integer low, Integer high) {
    return std::uniform_int_distribution<Integer>(low, high)(random_);
  }
  std::int64_t uniform(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random_);
  }
  bool coin(double probability) { return std::bernoulli_distribution(probability)(random_); }

  std::mt19937 random_;
};

LocalSeconds local_instant(EpochDay day, LocalMinute minute) {
  return static_cast<LocalSeconds>(day) * kSecondsPerDay + minute * 60;
}

UnixSeconds cutoff_on(const Scenario& scenario, EpochDay day) {
  const auto cutoff =
      scenario.calendar.utc_offsets().to_utc(local_instant(day, scenario.cutoff_minute));
  EXPECT_TRUE(cutoff.has_value());
  return cutoff.value_or(0);
}

bool is_inside_open_window(const NodeCalendar& calendar, LocalSeconds local) {
  const EpochDay day = day_of(local);
  const LocalSeconds second_of_day = local - static_cast<LocalSeconds>(day) * kSecondsPerDay;
  const PickWindow& window = calendar.pick_window_on(day);
  return calendar.is_operating_day(day) && second_of_day >= window.opens_minute * 60 &&
         second_of_day < window.closes_minute * 60;
}

void expect_invariants(const Scenario& scenario, UnixSeconds order, const Promise& promise) {
  const NodeCalendar& calendar = scenario.calendar;
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  EXPECT_GE(promise.pick_starts_at_utc, order);
  EXPECT_GE(promise.packed_at_utc - promise.pick_starts_at_utc, calendar.processing_minutes() * 60);
  EXPECT_GE(promise.cutoff_at_utc, promise.packed_at_utc);
  EXPECT_TRUE(is_inside_open_window(calendar, offsets.to_local(promise.pick_starts_at_utc)));

  const EpochDay packed_day = day_of(offsets.to_local(promise.packed_at_utc));
  EXPECT_GE(promise.ship_local_day, packed_day);
  EXPECT_TRUE(calendar.is_operating_day(promise.ship_local_day));
  EXPECT_EQ(promise.cutoff_at_utc, cutoff_on(scenario, promise.ship_local_day));
  for (EpochDay day = packed_day; day < promise.ship_local_day; ++day) {
    if (!calendar.is_operating_day(day)) continue;
    EXPECT_LT(cutoff_on(scenario, day), promise.packed_at_utc) << "an earlier cut-off was made";
  }

  EXPECT_GE(promise.delivery_local_day, promise.ship_local_day);
  if (!scenario.transit_business_days) {
    EXPECT_EQ(promise.delivery_local_day, promise.ship_local_day + scenario.transit_days);
  } else if (scenario.transit_days > 0) {
    EXPECT_GT(promise.delivery_local_day, promise.ship_local_day);
    EXPECT_LT(weekday_of(promise.delivery_local_day), 5) << "delivered on a weekend";
  }
}

struct OraclePacking {
  UnixSeconds pick_starts_at_utc;
  UnixSeconds packed_at_utc;
};

// Minute by minute from a whole-minute order; nullopt when the search days run out.
std::optional<OraclePacking> oracle_packing(const NodeCalendar& calendar, UnixSeconds order) {
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  const EpochDay last_day = day_of(offsets.to_local(order)) + kPromiseSearchDays - 1;
  std::optional<UnixSeconds> pick_starts_at_utc;
  std::int32_t minutes_worked = 0;
  for (UnixSeconds minute = order; day_of(offsets.to_local(minute)) <= last_day; minute += 60) {
    if (!is_inside_open_window(calendar, offsets.to_local(minute))) continue;
    if (!pick_starts_at_utc) pick_starts_at_utc = minute;
    if (calendar.processing_minutes() == 0) return OraclePacking{minute, minute};
    if (++minutes_worked == calendar.processing_minutes()) {
      return OraclePacking{*pick_starts_at_utc, minute + 60};
    }
  }
  return std::nullopt;
}

TEST(PromiseProperties, EveryPromiseKeepsTheInvariants) {
  ScenarioGenerator generator(20260308);
  int promised = 0;
  for (int i = 0; i < kCases; ++i) {
    const Scenario scenario = generator.next();
    const UnixSeconds order = generator.order_second();
    const PromiseResult result =
        compute_promise(scenario.calendar, order, scenario.cutoff_minute, scenario.transit_days,
                        scenario.transit_business_days);
    SCOPED_TRACE(::testing::Message() << "case " << i << ", order " << text(order));
    if (!result) {
      EXPECT_EQ(result.failure(), PromiseFailure::promise_unmeetable);
      continue;
    }
    ++promised;
    expect_invariants(scenario, order, *result);
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(promised, kCases * 9 / 10) << "the generator should mostly make open nodes";
}

TEST(PromiseProperties, PickAndPackingAgreeWithAMinuteByMinuteWalk) {
  ScenarioGenerator generator(20261101);
  for (int i = 0; i < kCases; ++i) {
    const Scenario scenario = generator.next();
    const UnixSeconds order = generator.order_minute();
    const PromiseResult result =
        compute_promise(scenario.calendar, order, scenario.cutoff_minute, scenario.transit_days,
                        scenario.transit_business_days);
    const std::optional<OraclePacking> oracle = oracle_packing(scenario.calendar, order);
    SCOPED_TRACE(::testing::Message() << "case " << i << ", order " << text(order));
    if (!oracle) {
      ASSERT_FALSE(result);
      EXPECT_EQ(result.failure(), PromiseFailure::promise_unmeetable);
      continue;
    }
    if (!result) {
      // Packed in time, but no cut-off left within the search days.
      EXPECT_EQ(result.failure(), PromiseFailure::promise_unmeetable);
      continue;
    }
    EXPECT_EQ(text(result->pick_starts_at_utc), text(oracle->pick_starts_at_utc));
    ASSERT_EQ(text(result->packed_at_utc), text(oracle->packed_at_utc));
  }
}

// The per-day shortcut the router takes (node_day_promises.h) must give exactly what the
// full rules give whenever it answers, and it must answer for the common case. Several
// orders share each prepared day, some released before the window opens, some inside it.
TEST(PromiseProperties, TheNodeDayShortcutAgreesWithTheFullRules) {
  ScenarioGenerator generator(20261124);
  int shortcuts = 0;
  for (int i = 0; i < kCases; ++i) {
    const Scenario scenario = generator.next();
    const std::array<NodeServiceModel, 1> services{NodeServiceModel{0, scenario.cutoff_minute}};
    NodeDayPromises day;
    const NodeDayPromises::Owner owner{1, 0};
    const UnixSeconds first_order = generator.order_second();
    day.prepare(owner, scenario.calendar, services, first_order);
    for (int j = 0; j < 8; ++j) {
      const UnixSeconds order = first_order + static_cast<UnixSeconds>(j) * 3 * 3600;
      if (!day.covers(owner, order)) break;
      SCOPED_TRACE(::testing::Message() << "case " << i << ", order " << text(order));
      const std::optional<Packing> packing = day.packing(order);
      if (!packing) continue;
      const std::optional<CutoffDeparture> departure = day.departure(0, *packing);
      if (!departure) continue;
      ++shortcuts;
      const PromiseResult full =
          compute_promise(scenario.calendar, order, scenario.cutoff_minute, scenario.transit_days,
                          scenario.transit_business_days);
      ASSERT_TRUE(full);
      EXPECT_EQ(text(packing->pick_starts_at_utc), text(full->pick_starts_at_utc));
      EXPECT_EQ(text(packing->packed_at_utc), text(full->packed_at_utc));
      EXPECT_EQ(text(departure->cutoff_at_utc), text(full->cutoff_at_utc));
      ASSERT_EQ(departure->ship_local_day, full->ship_local_day);
    }
  }
  EXPECT_GT(shortcuts, kCases / 2) << "the shortcut should cover most orders at open nodes";
}

// Work that today's window cannot finish continues in the next operating day's window
// (the weekend skipped), and the per-day shortcut answers for it as the full rules do:
// the specification's New York node (08:00-20:00, 120 minutes), orders at 19:30 EDT.
TEST(PromiseProperties, TheNodeDayShortcutCoversWorkThatContinuesInTheNextWindow) {
  const NodeCalendar node = new_york_fc();
  const std::array<NodeServiceModel, 1> services{NodeServiceModel{0, kNewYorkCutoff}};
  struct Case {
    const char* order;
    const char* packed;
  };
  for (const Case& example : {Case{"2026-06-16T23:30:00Z", "2026-06-17T13:30:00Z"},     // Tue, Wed
                              Case{"2026-06-19T23:30:00Z", "2026-06-22T13:30:00Z"}}) {  // Fri, Mon
    SCOPED_TRACE(example.order);
    const UnixSeconds order = utc(example.order);
    NodeDayPromises day;
    day.prepare({1, 0}, node, services, order);
    const std::optional<Packing> packing = day.packing(order);
    ASSERT_TRUE(packing.has_value());
    const std::optional<CutoffDeparture> departure = day.departure(0, *packing);
    ASSERT_TRUE(departure.has_value());
    const PromiseResult full = compute_promise(node, order, kNewYorkCutoff, 3, true);
    ASSERT_TRUE(full);
    EXPECT_EQ(text(packing->pick_starts_at_utc), example.order);
    EXPECT_EQ(text(packing->packed_at_utc), example.packed);
    EXPECT_EQ(text(packing->packed_at_utc), text(full->packed_at_utc));
    EXPECT_EQ(packing->packed_local_day, full->ship_local_day) << "packed by the cut-off";
    EXPECT_EQ(text(departure->cutoff_at_utc), text(full->cutoff_at_utc));
    EXPECT_EQ(departure->ship_local_day, full->ship_local_day);
    EXPECT_EQ(departure->ship_weekday, weekday_of(full->ship_local_day));
  }
}

}  // namespace
}  // namespace edgeroute::routing
