// Specifies SimClock, the time every simulated test runs on. It never moves by itself.
// Advancing it fires alarms in time order (ties in registration order, alarms that an
// alarm schedules inside the window included) with the clock reading each alarm's
// time. A thread in sleep_until wakes exactly when time reaches its deadline and not
// before, and returns false when its stop is requested. Tests synchronise with
// sleeping threads through wait_for_sleepers, never through real sleeps: a sleeper
// counts as awake from the moment advance() reaches its deadline, which makes
// "wait_for_sleepers; advance" a lockstep. Threads registered as Participants are
// lockstepped by advance() itself: it stops at each of their deadlines and waits for
// them to sleep again, so a 100 ms loop gets exactly ten turns from advance(1s), each
// reading its exact deadline, and several loops interleave in one fixed order. A
// participant that never sleeps again trips the hang guard; an alarm that sleeps or
// waits on its own clock asserts. sleep_for(Duration::max()) sleeps until stopped.
#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_clock.h"

namespace edgeroute::hal {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::Pair;

const WallTime kStartWall{std::chrono::seconds(1'709'280'000)};  // 2024-03-01T08:00:00Z
const MonotonicTime kStart{std::chrono::hours(1)};

using FiredLog = std::vector<std::pair<std::string, MonotonicTime>>;

SimClock::Alarm record(FiredLog& log, const SimClock& clock, std::string name) {
  return [&log, &clock, name = std::move(name)] { log.emplace_back(name, clock.monotonic_now()); };
}

TEST(SimClock, DoesNotMoveOnItsOwn) {
  SimClock clock(kStartWall, kStart);
  const MonotonicTime monotonic_before = clock.monotonic_now();
  const WallTime wall_before = clock.wall_now();

  // Let real time pass (busy work, not a sleep) and read again.
  const auto real_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - real_start < 5ms) {
  }

  EXPECT_EQ(monotonic_before, kStart);
  EXPECT_EQ(clock.monotonic_now(), monotonic_before);
  EXPECT_EQ(wall_before, kStartWall);
  EXPECT_EQ(clock.wall_now(), wall_before);
}

TEST(SimClock, WallTimeMovesWithMonotonicTimeAndCanBeSteppedAlone) {
  SimClock clock(kStartWall, kStart);
  clock.advance(90min);
  EXPECT_EQ(clock.monotonic_now(), kStart + 90min);
  EXPECT_EQ(clock.wall_now(), kStartWall + 90min);

  clock.step_wall_clock(-30s);  // NTP corrects the wall clock
  EXPECT_EQ(clock.wall_now(), kStartWall + 90min - 30s);
  EXPECT_EQ(clock.monotonic_now(), kStart + 90min);
}

TEST(SimClock, AdvanceToLandsOnTheTarget) {
  SimClock clock(kStartWall, kStart);
  clock.advance_to(kStart + 42s);
  EXPECT_EQ(clock.monotonic_now(), kStart + 42s);
  clock.advance_to(kStart + 42s);  // advancing to "now" is allowed and changes nothing
  EXPECT_EQ(clock.monotonic_now(), kStart + 42s);
}

TEST(SimClock, AlarmsFireInTimeOrderTiesInRegistrationOrder) {
  SimClock clock(kStartWall, kStart);
  FiredLog fired;
  clock.schedule_at(kStart + 3s, record(fired, clock, "c"));
  clock.schedule_at(kStart + 1s, record(fired, clock, "a1"));
  clock.schedule_at(kStart + 1s, record(fired, clock, "a2"));
  clock.schedule_after(2s, record(fired, clock, "b"));
  clock.schedule_at(kStart + 9s, record(fired, clock, "outside the window"));

  clock.advance(5s);

  EXPECT_THAT(fired, ElementsAre(Pair("a1", kStart + 1s), Pair("a2", kStart + 1s),
                                 Pair("b", kStart + 2s), Pair("c", kStart + 3s)));
  EXPECT_EQ(clock.monotonic_now(), kStart + 5s);
  EXPECT_EQ(clock.pending_alarms(), 1u);
  EXPECT_EQ(clock.next_alarm_time(), kStart + 9s);
}

TEST(SimClock, AlarmsScheduledByAnAlarmInsideTheWindowFireInTheSameAdvance) {
  SimClock clock(kStartWall, kStart);
  FiredLog fired;
  clock.schedule_at(kStart + 1s, [&] {
    fired.emplace_back("parent", clock.monotonic_now());
    clock.schedule_after(0s, record(fired, clock, "child now"));
    clock.schedule_at(kStart + 2s, record(fired, clock, "child later"));
    clock.schedule_at(kStart + 10s, record(fired, clock, "child outside"));
  });
  clock.schedule_at(kStart + 3s, record(fired, clock, "sibling"));

  clock.advance(5s);
  EXPECT_THAT(fired, ElementsAre(Pair("parent", kStart + 1s), Pair("child now", kStart + 1s),
                                 Pair("child later", kStart + 2s), Pair("sibling", kStart + 3s)));

  clock.advance(5s);
  EXPECT_EQ(fired.back(), std::make_pair(std::string("child outside"), kStart + 10s));
  EXPECT_EQ(clock.pending_alarms(), 0u);
}

TEST(SimClock, AlarmForAPassedTimeFiresAtTheNextAdvanceWithoutMovingTimeBack) {
  SimClock clock(kStartWall, kStart);
  clock.advance(5s);
  FiredLog fired;
  clock.schedule_at(kStart + 1s, record(fired, clock, "late"));
  EXPECT_TRUE(fired.empty());

  clock.advance(0s);
  EXPECT_THAT(fired, ElementsAre(Pair("late", kStart + 5s)));
}

TEST(SimClock, CancelledAlarmNeverFires) {
  SimClock clock(kStartWall, kStart);
  FiredLog fired;
  const SimClock::AlarmId cancelled = clock.schedule_after(1s, record(fired, clock, "cancelled"));
  clock.schedule_after(2s, record(fired, clock, "kept"));

  EXPECT_TRUE(clock.cancel(cancelled));
  EXPECT_FALSE(clock.cancel(cancelled));
  clock.advance(3s);
  EXPECT_THAT(fired, ElementsAre(Pair("kept", kStart + 2s)));
}

// The sleeper threads below get a stop request before they are joined: harmless once
// the deadline has woken them (the reason is settled at that moment), and it turns a
// clock that fails to wake them into a failed expectation instead of a hang.

TEST(SimClock, SleepUntilWakesExactlyWhenTimeReachesTheDeadlineAndNotBefore) {
  SimClock clock(kStartWall, kStart);
  std::atomic<bool> returned = false;
  bool deadline_reached = false;
  MonotonicTime woke_at{};
  std::jthread sleeper([&](std::stop_token stop) {
    deadline_reached = clock.sleep_until(kStart + 10s, stop);
    woke_at = clock.monotonic_now();
    returned = true;
  });

  ASSERT_TRUE(clock.wait_for_sleepers(1));
  clock.advance(10s - 1ns);
  EXPECT_EQ(clock.sleeper_count(), 1u);
  EXPECT_FALSE(returned);

  clock.advance(1ns);
  EXPECT_EQ(clock.sleeper_count(), 0u);
  sleeper.request_stop();
  sleeper.join();
  EXPECT_TRUE(deadline_reached);
  EXPECT_EQ(woke_at, kStart + 10s);
}

TEST(SimClock, SleepUntilWakesWhenAnAdvanceJumpsPastTheDeadline) {
  SimClock clock(kStartWall, kStart);
  bool deadline_reached = false;
  std::jthread sleeper(
      [&](std::stop_token stop) { deadline_reached = clock.sleep_until(kStart + 10s, stop); });

  ASSERT_TRUE(clock.wait_for_sleepers(1));
  clock.advance(1h);
  sleeper.request_stop();
  sleeper.join();
  EXPECT_TRUE(deadline_reached);
}

TEST(SimClock, SleepersWakeOneByOneAsTimeReachesEachDeadline) {
  SimClock clock(kStartWall, kStart);
  bool early_reached = false;
  bool late_reached = false;
  std::jthread early(
      [&](std::stop_token stop) { early_reached = clock.sleep_until(kStart + 2s, stop); });
  std::jthread late(
      [&](std::stop_token stop) { late_reached = clock.sleep_until(kStart + 5s, stop); });

  ASSERT_TRUE(clock.wait_for_sleepers(2));
  clock.advance(3s);
  EXPECT_EQ(clock.sleeper_count(), 1u);
  early.request_stop();
  early.join();
  EXPECT_TRUE(early_reached);

  clock.advance(2s);
  EXPECT_EQ(clock.sleeper_count(), 0u);
  late.request_stop();
  late.join();
  EXPECT_TRUE(late_reached);
}

TEST(SimClock, SleepUntilReturnsFalseWhenStopIsRequested) {
  SimClock clock(kStartWall, kStart);
  std::stop_source stop;
  std::optional<bool> deadline_reached;
  std::thread sleeper(
      [&] { deadline_reached = clock.sleep_until(kStart + 10s, stop.get_token()); });

  ASSERT_TRUE(clock.wait_for_sleepers(1));
  stop.request_stop();
  sleeper.join();
  EXPECT_EQ(deadline_reached, false);
  EXPECT_EQ(clock.monotonic_now(), kStart);
  EXPECT_EQ(clock.sleeper_count(), 0u);
}

TEST(SimClock, SleepReturnsAtOnceWhenTheDeadlinePassedOrStopWasAlreadyRequested) {
  SimClock clock(kStartWall, kStart);
  EXPECT_TRUE(clock.sleep_until(kStart, {}));
  EXPECT_TRUE(clock.sleep_until(kStart - 1s, {}));

  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(clock.sleep_until(kStart + 1s, stop.get_token()));
  EXPECT_EQ(clock.sleeper_count(), 0u);
}

TEST(SimClock, LockstepDrivesAPeriodicLoopOneTurnPerAdvance) {
  SimClock clock(kStartWall, kStart);
  std::atomic<int> turns = 0;
  std::jthread loop([&](std::stop_token stop) {
    while (clock.sleep_for(1s, stop)) ++turns;
  });

  for (int turn = 0; turn < 5; ++turn) {
    ASSERT_TRUE(clock.wait_for_sleepers(1));
    EXPECT_EQ(turns, turn);  // the loop finished its previous turn before sleeping again
    clock.advance(1s);
  }
  ASSERT_TRUE(clock.wait_for_sleepers(1));
  EXPECT_EQ(turns, 5);
  loop.request_stop();
  loop.join();
  EXPECT_EQ(turns, 5);
}

TEST(SimClock, SleepingForTheLongestDurationLastsUntilStopped) {
  SimClock clock(kStartWall, kStart);
  std::optional<bool> deadline_reached;
  std::stop_source stop;
  std::thread sleeper(
      [&] { deadline_reached = clock.sleep_for(Duration::max(), stop.get_token()); });
  ASSERT_TRUE(clock.wait_for_sleepers(1));
  clock.advance(24h * 365 * 100);
  EXPECT_EQ(clock.sleeper_count(), 1u);
  stop.request_stop();
  sleeper.join();
  EXPECT_EQ(deadline_reached, false);
}

TEST(SimClock, AParticipantsLoopGetsEveryTurnAtItsExactDeadline) {
  SimClock clock(kStartWall, kStart);
  // Written by the loop while the driver waits inside advance(), read by the driver
  // after advance() returned: advance() waiting for the loop to sleep orders the two.
  std::vector<MonotonicTime> turns;
  std::jthread loop([&](std::stop_token stop) {
    SimClock::Participant participant(clock);
    while (clock.sleep_for(100ms, stop)) turns.push_back(clock.monotonic_now());
  });
  ASSERT_TRUE(clock.wait_for_sleepers(1));  // the loop registered and sleeps

  std::vector<MonotonicTime> expected;
  for (int second = 1; second <= 3; ++second) {
    clock.advance(1s);
    for (int turn = 1; turn <= 10; ++turn) {
      expected.push_back(kStart + std::chrono::seconds(second - 1) + turn * 100ms);
    }
    ASSERT_EQ(turns, expected) << "after advance #" << second;
  }
  loop.request_stop();
}

TEST(SimClock, ParticipantsInterleaveInOneFixedOrder) {
  SimClock clock(kStartWall, kStart);
  std::mutex log_mutex;
  FiredLog log;
  const auto loop = [&](std::string name, Duration period) {
    return [&, name = std::move(name), period](std::stop_token stop) {
      SimClock::Participant participant(clock);
      while (clock.sleep_for(period, stop)) {
        std::lock_guard lock(log_mutex);
        log.emplace_back(name, clock.monotonic_now());
      }
    };
  };
  std::jthread fast(loop("fast", 250ms));
  std::jthread slow(loop("slow", 400ms));
  clock.schedule_at(kStart + 600ms, [&] {
    std::lock_guard lock(log_mutex);
    log.emplace_back("alarm", clock.monotonic_now());
  });
  ASSERT_TRUE(clock.wait_for_sleepers(2));

  clock.advance(1s);

  std::lock_guard lock(log_mutex);
  EXPECT_THAT(log, ElementsAre(Pair("fast", kStart + 250ms), Pair("slow", kStart + 400ms),
                               Pair("fast", kStart + 500ms), Pair("alarm", kStart + 600ms),
                               Pair("fast", kStart + 750ms), Pair("slow", kStart + 800ms),
                               Pair("fast", kStart + 1s)));
  fast.request_stop();
  slow.request_stop();
}

TEST(SimClock, AParticipantThatLeavesIsNoLongerWaitedFor) {
  SimClock clock(kStartWall, kStart);
  MonotonicTime woke_at{};
  std::jthread once([&](std::stop_token stop) {
    SimClock::Participant participant(clock);
    ASSERT_TRUE(clock.sleep_until(kStart + 1s, stop));
    woke_at = clock.monotonic_now();
  });  // leaves: the thread ends and its Participant with it
  ASSERT_TRUE(clock.wait_for_sleepers(1));
  clock.advance(1h);
  EXPECT_EQ(woke_at, kStart + 1s);  // advance() waited for it to leave before moving on
  EXPECT_EQ(clock.monotonic_now(), kStart + 1h);
}

TEST(SimClock, WaitForSleepersGivesUpAfterItsRealTimeLimit) {
  const SimClock clock(kStartWall, kStart);
  EXPECT_FALSE(clock.wait_for_sleepers(1, 1ms));
  EXPECT_TRUE(clock.wait_for_sleepers(0, 1ms));
}

TEST(SimClockDeathTest, MovingBackInTimeIsABug) {
  SimClock clock(kStartWall, kStart);
  clock.advance(5s);
  EXPECT_DEATH(clock.advance_to(kStart + 1s), "SimClock cannot move back in time");
}

TEST(SimClockDeathTest, AnAlarmMustNotAdvanceItsOwnClock) {
  SimClock clock(kStartWall, kStart);
  clock.schedule_after(1s, [&] { clock.advance(1s); });
  EXPECT_DEATH(clock.advance(2s), "an alarm must not advance the SimClock that fires it");
}

TEST(SimClockDeathTest, AnAlarmMustNotSleepOnItsOwnClock) {
  SimClock clock(kStartWall, kStart);
  clock.schedule_after(1s, [&] { (void)clock.sleep_for(1s, {}); });
  EXPECT_DEATH(clock.advance(2s), "an alarm must not sleep on the SimClock that fires it");
}

TEST(SimClockDeathTest, AnAlarmMustNotWaitForSleepersOnItsOwnClock) {
  SimClock clock(kStartWall, kStart);
  clock.schedule_after(1s, [&] { (void)clock.wait_for_sleepers(1, 1ms); });
  EXPECT_DEATH(clock.advance(2s),
               "an alarm must not wait for sleepers on the SimClock that fires it");
}

TEST(SimClockDeathTest, AParticipantThatBlocksElsewhereTripsTheHangGuard) {
  EXPECT_DEATH(
      {
        SimClock clock(kStartWall, kStart, /*participant_wait_limit=*/50ms);
        std::latch registered(1);
        std::latch never(1);
        std::thread stuck([&] {
          SimClock::Participant participant(clock);
          registered.count_down();
          never.wait();  // blocked, but not in sleep_until: advance() cannot know when to go on
        });
        registered.wait();
        clock.advance(1s);
      },
      "participant did not go back to sleep_until");
}

}  // namespace
}  // namespace edgeroute::hal
