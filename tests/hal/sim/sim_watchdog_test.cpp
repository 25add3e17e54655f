// Specifies SimWatchdog, the stand-in for systemd's watchdog. It records what the
// daemon notified, asks for a keep-alive every half timeout, and expires once the
// SimClock has moved strictly more than the timeout since the last keep-alive (or
// since ready), which stays on record even if a late keep-alive follows. It is armed
// only between ready and stopping. The last test is the pattern a daemon test uses:
// a keep-alive loop driven in lockstep keeps it from expiring, and stopping the loop
// makes it expire.
#include <atomic>
#include <chrono>
#include <stop_token>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/hal/sim/sim_watchdog.h"

namespace edgeroute::hal {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

const WallTime kStartWall{std::chrono::seconds(1'709'280'000)};
const MonotonicTime kStart{std::chrono::hours(1)};

TEST(SimWatchdog, AsksForAKeepAliveEveryHalfTimeout) {
  SimClock clock(kStartWall, kStart);
  EXPECT_EQ(SimWatchdog(clock, 10s).keep_alive_interval(), Duration(5s));
  EXPECT_EQ(SimWatchdog(clock, std::nullopt).keep_alive_interval(), std::nullopt);
}

TEST(SimWatchdog, RecordsWhatTheDaemonNotified) {
  SimClock clock(kStartWall, kStart);
  SimWatchdog watchdog(clock, 10s);
  EXPECT_FALSE(watchdog.ready());

  EXPECT_TRUE(watchdog.notify_status("loading policy").is_ok());
  EXPECT_TRUE(watchdog.notify_ready().is_ok());
  EXPECT_TRUE(watchdog.keep_alive().is_ok());
  EXPECT_TRUE(watchdog.keep_alive().is_ok());
  EXPECT_TRUE(watchdog.notify_status("routing").is_ok());
  EXPECT_FALSE(watchdog.stopping());
  EXPECT_TRUE(watchdog.notify_stopping().is_ok());

  EXPECT_TRUE(watchdog.ready());
  EXPECT_TRUE(watchdog.stopping());
  EXPECT_EQ(watchdog.keep_alive_count(), 2u);
  EXPECT_THAT(watchdog.statuses(), ElementsAre("loading policy", "routing"));
}

TEST(SimWatchdog, ExpiresOnceMoreThanTheTimeoutPassesWithoutAKeepAlive) {
  SimClock clock(kStartWall, kStart);
  SimWatchdog watchdog(clock, 10s);
  ASSERT_TRUE(watchdog.notify_ready().is_ok());

  clock.advance(10s);
  EXPECT_FALSE(watchdog.expired());
  clock.advance(1ns);
  EXPECT_TRUE(watchdog.expired());
}

TEST(SimWatchdog, EachKeepAliveRearmsTheDeadline) {
  SimClock clock(kStartWall, kStart);
  SimWatchdog watchdog(clock, 10s);
  ASSERT_TRUE(watchdog.notify_ready().is_ok());
  for (int beat = 0; beat < 10; ++beat) {
    clock.advance(9s);
    ASSERT_TRUE(watchdog.keep_alive().is_ok());
  }
  EXPECT_FALSE(watchdog.expired());
  clock.advance(11s);
  EXPECT_TRUE(watchdog.expired());
}

TEST(SimWatchdog, AKeepAliveThatComesTooLateDoesNotUndoTheExpiry) {
  SimClock clock(kStartWall, kStart);
  SimWatchdog watchdog(clock, 10s);
  ASSERT_TRUE(watchdog.notify_ready().is_ok());
  clock.advance(11s);
  ASSERT_TRUE(watchdog.keep_alive().is_ok());
  EXPECT_TRUE(watchdog.expired());
}

TEST(SimWatchdog, IsArmedOnlyBetweenReadyAndStopping) {
  SimClock clock(kStartWall, kStart);
  SimWatchdog watchdog(clock, 10s);
  clock.advance(1h);  // a slow start-up is not the watchdog's business
  EXPECT_FALSE(watchdog.expired());

  ASSERT_TRUE(watchdog.notify_ready().is_ok());
  clock.advance(5s);
  ASSERT_TRUE(watchdog.notify_stopping().is_ok());
  clock.advance(1h);
  EXPECT_FALSE(watchdog.expired());
}

TEST(SimWatchdog, WithoutATimeoutItNeverExpires) {
  SimClock clock(kStartWall, kStart);
  SimWatchdog watchdog(clock, std::nullopt);
  ASSERT_TRUE(watchdog.notify_ready().is_ok());
  clock.advance(24h);
  EXPECT_FALSE(watchdog.expired());
}

TEST(SimWatchdog, ProvesAKeepAliveLoopWorksAndCatchesItsAbsence) {
  SimClock clock(kStartWall, kStart);
  SimWatchdog watchdog(clock, 10s);
  ASSERT_TRUE(watchdog.notify_ready().is_ok());
  const Duration interval = *watchdog.keep_alive_interval();
  std::jthread keep_alive_loop([&](std::stop_token stop) {
    while (clock.sleep_for(interval, stop)) EXPECT_TRUE(watchdog.keep_alive().is_ok());
  });

  for (int beat = 0; beat < 100; ++beat) {
    ASSERT_TRUE(clock.wait_for_sleepers(1));
    clock.advance(interval);
  }
  ASSERT_TRUE(clock.wait_for_sleepers(1));
  EXPECT_FALSE(watchdog.expired());
  EXPECT_EQ(watchdog.keep_alive_count(), 100u);

  keep_alive_loop.request_stop();
  keep_alive_loop.join();
  clock.advance(10s + 1ns);
  EXPECT_TRUE(watchdog.expired());
}

}  // namespace
}  // namespace edgeroute::hal
