// Specifies LinuxClock against the kernel's clocks: monotonic time never goes back,
// wall time is the system's UTC time, sleep_until() returns true only once the deadline
// has passed, and a stop request, from the same or another thread, ends even an
// hour-long sleep promptly with false. "Promptly" is bounded generously (5 s) so a
// loaded machine cannot fail the test, while a sleeper that ignored the stop would.
#include <chrono>
#include <latch>
#include <stop_token>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/hal/linux/linux_clock.h"

namespace edgeroute::hal {
namespace {

using namespace std::chrono_literals;

constexpr auto kPromptly = 5s;

TEST(LinuxClock, MonotonicTimeNeverGoesBack) {
  LinuxClock clock;
  MonotonicTime previous = clock.monotonic_now();
  for (int i = 0; i < 1000; ++i) {
    const MonotonicTime now = clock.monotonic_now();
    ASSERT_GE(now, previous);
    previous = now;
  }
}

TEST(LinuxClock, WallTimeIsTheSystemsUtcTime) {
  LinuxClock clock;
  const auto before = std::chrono::system_clock::now();
  const WallTime wall = clock.wall_now();
  const auto after = std::chrono::system_clock::now();
  EXPECT_GE(wall, before);
  EXPECT_LE(wall, after);
}

TEST(LinuxClock, SleepUntilReturnsTrueOnceTheDeadlineHasPassed) {
  LinuxClock clock;
  const MonotonicTime deadline = clock.monotonic_now() + 20ms;
  EXPECT_TRUE(clock.sleep_until(deadline, std::stop_token{}));
  EXPECT_GE(clock.monotonic_now(), deadline);
}

TEST(LinuxClock, SleepForWaitsAtLeastTheDuration) {
  LinuxClock clock;
  const MonotonicTime start = clock.monotonic_now();
  EXPECT_TRUE(clock.sleep_for(10ms, std::stop_token{}));
  EXPECT_GE(clock.monotonic_now() - start, 10ms);
}

TEST(LinuxClock, ADeadlineInThePastReturnsTrueAtOnce) {
  LinuxClock clock;
  std::stop_source stop;
  EXPECT_TRUE(clock.sleep_until(clock.monotonic_now() - 1s, stop.get_token()));
}

TEST(LinuxClock, AnAlreadyRequestedStopReturnsFalseAtOnce) {
  LinuxClock clock;
  std::stop_source stop;
  stop.request_stop();
  const MonotonicTime start = clock.monotonic_now();
  EXPECT_FALSE(clock.sleep_until(start + 1h, stop.get_token()));
  EXPECT_LT(clock.monotonic_now() - start, kPromptly);
}

TEST(LinuxClock, AStopFromAnotherThreadWakesALongSleepPromptly) {
  LinuxClock clock;
  std::stop_source stop;
  std::latch sleeping(1);
  bool reached_deadline = true;
  MonotonicTime woke{};
  std::thread sleeper([&] {
    sleeping.count_down();
    reached_deadline = clock.sleep_until(clock.monotonic_now() + 1h, stop.get_token());
    woke = clock.monotonic_now();
  });
  sleeping.wait();
  const MonotonicTime requested = clock.monotonic_now();
  stop.request_stop();
  sleeper.join();
  EXPECT_FALSE(reached_deadline);
  EXPECT_LT(woke - requested, kPromptly);
}

TEST(LinuxClock, SleepingForTheLongestDurationLastsUntilStopped) {
  // Duration::max() is "until stopped": the deadline saturates instead of overflowing
  // (UBSan would abort on the overflow).
  LinuxClock clock;
  std::stop_source stop;
  std::latch sleeping(1);
  bool reached_deadline = true;
  std::thread sleeper([&] {
    sleeping.count_down();
    reached_deadline = clock.sleep_for(Duration::max(), stop.get_token());
  });
  sleeping.wait();
  stop.request_stop();
  sleeper.join();
  EXPECT_FALSE(reached_deadline);
}

TEST(LinuxClock, ManySleepersAreAllWokenByTheirOwnStops) {
  LinuxClock clock;
  constexpr int kSleepers = 8;
  std::vector<std::jthread> sleepers;
  std::vector<int> results(kSleepers, -1);
  const MonotonicTime start = clock.monotonic_now();
  for (int i = 0; i < kSleepers; ++i) {
    sleepers.emplace_back([&clock, &results, i](std::stop_token stop) {
      results[static_cast<std::size_t>(i)] = clock.sleep_until(clock.monotonic_now() + 1h, stop);
    });
  }
  for (auto& sleeper : sleepers) sleeper.request_stop();
  sleepers.clear();  // joins
  EXPECT_LT(clock.monotonic_now() - start, kPromptly);
  for (int result : results) EXPECT_EQ(result, 0);
}

}  // namespace
}  // namespace edgeroute::hal
