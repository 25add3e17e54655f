// Cost of compute_promise(), asked once per (candidate node, carrier service) of every
// decision. The New York node of the promise tests (Monday-Friday 08:00-20:00, 120
// minutes of processing, 17:00 cut-off, real 2026 offsets, Thanksgiving closed) is
// asked about orders that ship the same day, miss the cut-off, wait over a weekend or
// over a closed date; the last figure mixes orders spread over a year, so that branch
// prediction cannot learn one path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "edgeroute/routing/node_calendar.h"
#include "edgeroute/routing/promise.h"

namespace edgeroute::routing {
namespace {

constexpr std::int32_t kEst = -5 * 3600;
constexpr std::int32_t kEdt = -4 * 3600;
constexpr LocalMinute kCutoff = 17 * 60;

UnixSeconds utc(const char* text) {
  const auto instant = parse_utc_instant(text);
  EDGEROUTE_ASSERT(instant.has_value(), "benchmark instants are well formed");
  return *instant;
}

const NodeCalendar& new_york_fc() {
  static const NodeCalendar node = [] {
    const std::array<UtcOffsetTransition, 3> transitions = {{
        {utc("2025-11-02T06:00:00Z"), kEst},
        {utc("2026-03-08T07:00:00Z"), kEdt},
        {utc("2026-11-01T06:00:00Z"), kEst},
    }};
    Result<UtcOffsetSchedule> offsets =
        UtcOffsetSchedule::from_transitions(transitions, utc("2027-03-14T07:00:00Z"));
    EDGEROUTE_ASSERT(offsets.has_value(), "the New York schedule must build");
    NodeCalendar::WeekWindows windows{};
    for (std::size_t weekday = 0; weekday < 5; ++weekday) windows[weekday] = {8 * 60, 20 * 60};
    Result<NodeCalendar> built =
        NodeCalendar::create(windows, {*parse_epoch_day("2026-11-26")}, 120, *offsets);
    EDGEROUTE_ASSERT(built.has_value(), "the New York calendar must build");
    return std::move(*built);
  }();
  return node;
}

void promise_for(benchmark::State& state, const char* order_text) {
  const NodeCalendar& node = new_york_fc();
  const UnixSeconds order = utc(order_text);
  for (auto _ : state) {
    PromiseResult promise = compute_promise(node, order, kCutoff, 3, true);
    benchmark::DoNotOptimize(promise);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PromiseSameDay(benchmark::State& state) {
  promise_for(state, "2026-06-16T14:00:00Z");  // Tue 10:00 EDT: packed 12:00, ships Tue
}
BENCHMARK(BM_PromiseSameDay);

void BM_PromiseCutoffMissed(benchmark::State& state) {
  promise_for(state, "2026-06-16T20:30:00Z");  // Tue 16:30 EDT: packed 18:30, ships Wed
}
BENCHMARK(BM_PromiseCutoffMissed);

void BM_PromiseOverTheWeekend(benchmark::State& state) {
  promise_for(state, "2026-06-19T23:00:00Z");  // Fri 19:00 EDT: packed and ships Mon
}
BENCHMARK(BM_PromiseOverTheWeekend);

void BM_PromiseOverAClosedDate(benchmark::State& state) {
  promise_for(state, "2026-11-26T00:00:00Z");  // Wed 19:00 EST, Thanksgiving: ships Fri
}
BENCHMARK(BM_PromiseOverAClosedDate);

void BM_PromiseMixedOrdersOverAYear(benchmark::State& state) {
  const NodeCalendar& node = new_york_fc();
  std::mt19937 generator(20260616);
  std::uniform_int_distribution<UnixSeconds> instant(utc("2026-01-01T00:00:00Z"),
                                                     utc("2026-12-31T23:59:59Z"));
  std::vector<UnixSeconds> orders(1 << 12);
  for (UnixSeconds& order : orders) order = instant(generator);
  std::size_t next = 0;
  for (auto _ : state) {
    PromiseResult promise = compute_promise(node, orders[next], kCutoff, 3, true);
    benchmark::DoNotOptimize(promise);
    next = (next + 1) & (orders.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PromiseMixedOrdersOverAYear);

}  // namespace
}  // namespace edgeroute::routing
