// Specifies what clock.h itself computes, the same for every backend: a deadline made
// from "now + duration" saturates at the ends of MonotonicTime instead of overflowing,
// so sleep_for(Duration::max()) means "until stopped" and a huge negative duration means
// "already passed". Built with UBSan (preset dev), an overflow would abort the test.
#include <chrono>

#include <gtest/gtest.h>

#include "edgeroute/hal/clock.h"

namespace edgeroute::hal {
namespace {

using namespace std::chrono_literals;

const MonotonicTime kNow{std::chrono::hours(1)};

TEST(ClockSaturatingAdd, AddsOrdinaryDurationsExactly) {
  EXPECT_EQ(Clock::saturating_add(kNow, 5s), kNow + 5s);
  EXPECT_EQ(Clock::saturating_add(kNow, -5s), kNow - 5s);
  EXPECT_EQ(Clock::saturating_add(kNow, Duration::zero()), kNow);
}

TEST(ClockSaturatingAdd, ClampsAtTheEndsOfTime) {
  EXPECT_EQ(Clock::saturating_add(kNow, Duration::max()), MonotonicTime::max());
  EXPECT_EQ(Clock::saturating_add(MonotonicTime::max() - 1ns, 2ns), MonotonicTime::max());
  EXPECT_EQ(Clock::saturating_add(-kNow.time_since_epoch() + MonotonicTime{}, Duration::min()),
            MonotonicTime::min());
  EXPECT_EQ(Clock::saturating_add(MonotonicTime::max(), Duration::min()),
            MonotonicTime{Duration::max() + Duration::min()});
}

}  // namespace
}  // namespace edgeroute::hal
