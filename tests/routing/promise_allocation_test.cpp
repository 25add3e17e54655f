// Proves compute_promise() allocates nothing: once the node calendars exist, computing
// promises on the same day, over a missed cut-off, a weekend, a closed date and a DST
// change, and failing (a node never open; an order outside the offset schedule) makes no
// call to operator new. The binary links edgeroute::test_allocation_counter, which counts
// every allocation, and compares the count around the calls.
#include <cstddef>
#include <cstdint>

#include <gtest/gtest.h>

#include "edgeroute/testing/allocation_counter.h"

#include "promise_fixtures.h"

namespace edgeroute::routing {
namespace {

using namespace promise_fixtures;

TEST(PromiseHotPath, MakesNoAllocation) {
  const NodeCalendar node = new_york_fc({date("2026-11-26")});
  const NodeCalendar never_open = calendar({}, {}, 120, new_york_offsets());
  const UnixSeconds orders[] = {
      utc("2026-06-16T14:00:00Z"),  // same day
      utc("2026-06-16T20:30:00Z"),  // cut-off missed
      utc("2026-06-19T23:00:00Z"),  // over the weekend
      utc("2026-11-25T21:00:00Z"),  // over Thanksgiving
      utc("2026-03-08T03:00:00Z"),  // over the spring change
      utc("2030-01-01T00:00:00Z"),  // outside the schedule
  };

  const std::int64_t before = edgeroute::testing::allocation_count();
  int promised = 0;
  int refused = 0;
  for (int round = 0; round < 100; ++round) {
    for (const UnixSeconds order : orders) {
      const PromiseResult promise = compute_promise(node, order, kNewYorkCutoff, 3, true);
      const PromiseResult none = compute_promise(never_open, order, kNewYorkCutoff, 3, true);
      promised += promise ? 1 : 0;
      refused += none ? 0 : 1;
    }
  }
  const std::int64_t after = edgeroute::testing::allocation_count();

  EXPECT_EQ(after - before, 0);
  EXPECT_EQ(promised, 500) << "all but the order outside the schedule";
  EXPECT_EQ(refused, 600);
}

}  // namespace
}  // namespace edgeroute::routing
