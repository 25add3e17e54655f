// SimClock: simulated time for tests and simulations. Time stands still until the
// test (the "driver") calls advance() or advance_to(); there is no background thread.
// Code under test reads it, sleeps on it and schedules work on it exactly as it would
// on the Linux clock, so time-dependent behaviour runs deterministically and instantly.
//
// An advance moves time in steps, stopping at every alarm time and every sleeper's
// deadline inside the window, in time order:
//   - at each stop the clock reads exactly that time; alarms (schedule_at/
//     schedule_after) due then fire first, on the driver's thread, ties in registration
//     order; an alarm may schedule further alarms, and those also fire if they fall
//     inside the window; then every thread blocked in sleep_until() whose deadline has
//     come is woken;
//   - wall time moves by the same amount (wall_now() = start wall time + elapsed
//     monotonic time + any step_wall_clock() offsets).
//
// Lockstep (as PX4's lockstep scheduler): a thread that registers as a Participant is
// waited for. An advance moves time only while every registered participant is blocked
// in sleep_until() on this clock (or has left, by destroying its Participant): it waits
// for that before its first step and again after every step. So a participant woken at
// a stop runs its turn with the clock reading exactly its deadline, and the next turn
// cannot be skipped: a 100 ms loop gets ten turns, at 100, 200, ... 1000 ms, from one
// advance(1s). Hence a participant must block only in sleep_until() on this clock; if
// one has not gone back to sleep within participant_wait_limit of real time (a hang
// guard, not a timing tool), advance() asserts, naming the contract. Register before the
// thread first sleeps; a driver that waits for the first sleep (wait_for_sleepers) then
// knows every participant is registered.
//
// Threads that do not register still wake at their deadline's stop, but nothing waits
// for them: what they do after waking, and so the time they read, races with the rest
// of the advance. For them a driver synchronises by hand: wait_for_sleepers(n) blocks
// until n threads are asleep. A sleeper stops counting as asleep the moment advance()
// reaches its deadline, not when its thread gets scheduled, so
// "wait_for_sleepers(1); advance(step); wait_for_sleepers(1);" waits for one full turn
// of a sleeping loop.
//
// Ownership: the test (or SimHal) owns the clock; it must outlive every thread
// sleeping on it, every Participant and every object holding alarms on it.
// Thread-safety: every method may be called from any thread, except that an alarm must
// not advance, sleep on or wait_for_sleepers on the clock that fires it, and a
// participant must not advance (all asserted: each would wait for itself). Concurrent
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
#include <set>
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

  // Registers the calling thread as a lockstep participant for its lifetime (see above).
  // REQUIRES: created and destroyed on the same thread, which is not yet a participant
  // of this clock.
  class Participant {
   public:
    explicit Participant(SimClock& clock);
    Participant(const Participant&) = delete;
    Participant& operator=(const Participant&) = delete;
    ~Participant();

   private:
    SimClock& clock_;
    const std::thread::id thread_;
  };

  SimClock(WallTime start_wall, MonotonicTime start_monotonic,
           std::chrono::steady_clock::duration participant_wait_limit = std::chrono::seconds(30));
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
  // and whose stop has not been requested (participants or not).
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
    bool participant = false;
    bool woken = false;
    bool deadline_reached = false;
  };
  using SleeperHandle = std::list<Sleeper>::iterator;

  // One stop of an advance: an alarm to fire, or sleepers already woken, or the end.
  struct Step {
    Alarm alarm;
    bool finished = false;
  };

  void assert_not_inside_alarm(const char* message) const;
  // REQUIRES: advance_mutex_ held.
  void advance_locked(MonotonicTime target);
  // Moves the clock to the next stop at or before `target` and takes its alarm or
  // wakes its sleepers; with no stop left, moves the clock to `target` and finishes.
  Step take_next_step(MonotonicTime target);
  // Blocks until every participant sleeps; asserts after participant_wait_limit_.
  void wait_for_participants_asleep();
  void wake_locked(SleeperHandle sleeper);  // REQUIRES: mutex_ held

  const WallTime start_wall_;
  const MonotonicTime start_monotonic_;
  const std::chrono::steady_clock::duration participant_wait_limit_;

  // Serialises drivers; held for a whole advance, never while mutex_ is wanted by an
  // alarm (alarms run with mutex_ released).
  std::mutex advance_mutex_;
  std::atomic<std::thread::id> advancing_thread_{};

  mutable std::mutex mutex_;
  MonotonicTime now_;                       // guarded by mutex_
  Duration wall_offset_{0};                 // guarded by mutex_
  AlarmId next_alarm_id_ = 1;               // guarded by mutex_
  std::map<AlarmKey, Alarm> alarms_;        // guarded by mutex_
  std::list<Sleeper> sleepers_;             // guarded by mutex_
  std::size_t sleeping_count_ = 0;          // guarded by mutex_: sleepers not yet woken
  std::set<std::thread::id> participants_;  // guarded by mutex_
  std::size_t participants_asleep_ = 0;     // guarded by mutex_: of sleeping_count_
  std::condition_variable time_moved_;      // sleepers wait on it
  // wait_for_sleepers and wait_for_participants_asleep wait on it.
  mutable std::condition_variable sleepers_changed_;
};

}  // namespace edgeroute::hal
