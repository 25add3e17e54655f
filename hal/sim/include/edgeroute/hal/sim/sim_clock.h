// SimClock: simulated time for tests and simulations. Time stands still until the
// test (the "driver") calls advance() or advance_to(); there is no background thread.
// Code under test reads it, sleeps on it and schedules work on it exactly as it would
// on the Linux clock, so time-dependent behaviour runs deterministically and instantly.
//
// Three things happen when the driver advances the clock:
//   - alarms (schedule_at/schedule_after) whose time falls inside the advance window
//     fire on the driver's thread, in time order, ties in registration order, with
//     the clock reading exactly the alarm's time while each runs; an alarm may
//     schedule further alarms, and those also fire if they fall inside the window;
//   - threads blocked in sleep_until() whose deadline has been reached are woken;
//   - wall time moves by the same amount (wall_now() = start wall time + elapsed
//     monotonic time + any step_wall_clock() offsets).
// Like PX4's lockstep scheduler, a driver can wait until the threads it expects are
// all asleep (wait_for_sleepers) before moving time, so a test synchronises with the
// code under test without real sleeps. A sleeper stops counting as asleep the moment
// advance() reaches its deadline, not when its thread gets scheduled, so
// "wait_for_sleepers(1); advance(step); wait_for_sleepers(1);" waits for one full
// turn of a sleeping loop.
//
// Ownership: the test (or SimHal) owns the clock; it must outlive every thread
// sleeping on it and every object holding alarms on it.
// Thread-safety: every method may be called from any thread, except that advance()
// and advance_to() must not be called from inside an alarm (asserted). Concurrent
// advances from several threads are serialised.
#pragma once

#include <atomic>
#include <chrono>
#include <compare>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "edgeroute/hal/clock.h"

namespace edgeroute::hal {

class SimClock final : public Clock {
 public:
  using AlarmId = std::uint64_t;
  using Alarm = std::function<void()>;

  // More alarms than this in one advance means an alarm keeps rescheduling itself
  // inside the window, which would otherwise spin forever; advance() asserts.
  static constexpr std::size_t kAlarmsPerAdvanceMax = 1'000'000;

  SimClock(WallTime start_wall, MonotonicTime start_monotonic);
  SimClock(const SimClock&) = delete;
  SimClock& operator=(const SimClock&) = delete;
  ~SimClock() override;

  MonotonicTime monotonic_now() const override;
  WallTime wall_now() const override;
  bool sleep_until(MonotonicTime deadline, std::stop_token stop) override;

  // REQUIRES: duration >= 0.
  void advance(Duration duration);
  // REQUIRES: target >= monotonic_now().
  void advance_to(MonotonicTime target);

  // Runs `alarm` when an advance reaches `when`. An alarm for a time already passed
  // fires at the next advance (even advance(0)) without moving the clock back.
  AlarmId schedule_at(MonotonicTime when, Alarm alarm);
  AlarmId schedule_after(Duration delay, Alarm alarm);
  // Returns false if the alarm already fired, was cancelled, or never existed.
  bool cancel(AlarmId id);
  std::size_t pending_alarms() const;
  std::optional<MonotonicTime> next_alarm_time() const;

  // Steps wall time by `offset` (either sign) without touching monotonic time, as NTP
  // does when it corrects a clock.
  void step_wall_clock(Duration offset);

  // Threads currently blocked in sleep_until() whose deadline has not been reached
  // and whose stop has not been requested.
  std::size_t sleeper_count() const;
  // Blocks until sleeper_count() >= count. Returns false if that has not happened
  // after `real_time_limit` of real time, which only bounds a broken test's hang.
  [[nodiscard]] bool wait_for_sleepers(
      std::size_t count,
      std::chrono::steady_clock::duration real_time_limit = std::chrono::seconds(30)) const;

 private:
  struct AlarmKey {
    MonotonicTime when;
    AlarmId id;  // increases with registration, so it orders ties
    auto operator<=>(const AlarmKey&) const = default;
  };
  struct Sleeper {
    MonotonicTime deadline;
    bool woken = false;
    bool deadline_reached = false;
  };
  using SleeperHandle = std::list<Sleeper>::iterator;

  void assert_not_inside_alarm() const;
  // REQUIRES: advance_mutex_ held.
  void fire_alarms_until(MonotonicTime target);
  // Pops the next alarm due at or before `target` and moves the clock to its time,
  // or, when none is due, moves the clock to `target` and returns an empty Alarm.
  Alarm take_next_alarm_or_finish(MonotonicTime target);
  void set_now_locked(MonotonicTime now);   // REQUIRES: mutex_ held
  void wake_locked(SleeperHandle sleeper);  // REQUIRES: mutex_ held

  const WallTime start_wall_;
  const MonotonicTime start_monotonic_;

  // Serialises drivers; held for a whole advance, never while mutex_ is wanted by an
  // alarm (alarms run with mutex_ released).
  std::mutex advance_mutex_;
  std::atomic<std::thread::id> advancing_thread_{};

  mutable std::mutex mutex_;
  MonotonicTime now_;                                 // guarded by mutex_
  Duration wall_offset_{0};                           // guarded by mutex_
  AlarmId next_alarm_id_ = 1;                         // guarded by mutex_
  std::map<AlarmKey, Alarm> alarms_;                  // guarded by mutex_
  std::list<Sleeper> sleepers_;                       // guarded by mutex_
  std::size_t sleeping_count_ = 0;                    // guarded by mutex_: sleepers not yet woken
  std::condition_variable time_moved_;                // sleepers wait on it
  mutable std::condition_variable sleepers_changed_;  // wait_for_sleepers waits on it
};

}  // namespace edgeroute::hal
