#include "edgeroute/hal/sim/sim_clock.h"

#include <algorithm>
#include <utility>

#include "edgeroute/base/assert.h"

namespace edgeroute::hal {

SimClock::Participant::Participant(SimClock& clock)
    : clock_(clock), thread_(std::this_thread::get_id()) {
  std::lock_guard lock(clock_.mutex_);
  const bool registered = clock_.participants_.insert(thread_).second;
  EDGEROUTE_ASSERT(registered, "a thread can be a SimClock participant only once at a time");
}

SimClock::Participant::~Participant() {
  EDGEROUTE_ASSERT(std::this_thread::get_id() == thread_,
                   "a SimClock participant must leave on the thread that joined");
  std::lock_guard lock(clock_.mutex_);
  clock_.participants_.erase(thread_);
  clock_.sleepers_changed_.notify_all();
}

SimClock::SimClock(WallTime start_wall, MonotonicTime start_monotonic,
                   std::chrono::steady_clock::duration participant_wait_limit)
    : start_wall_(start_wall),
      start_monotonic_(start_monotonic),
      participant_wait_limit_(participant_wait_limit),
      now_(start_monotonic) {}

SimClock::~SimClock() {
  std::lock_guard lock(mutex_);
  EDGEROUTE_ASSERT(sleepers_.empty(), "SimClock destroyed while threads sleep on it");
  EDGEROUTE_ASSERT(participants_.empty(), "SimClock destroyed while it has participants");
}

MonotonicTime SimClock::monotonic_now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

WallTime SimClock::wall_now() const {
  std::lock_guard lock(mutex_);
  return start_wall_ + wall_offset_ + (now_ - start_monotonic_);
}

bool SimClock::sleep_until(MonotonicTime deadline, std::stop_token stop) {
  assert_not_inside_alarm("an alarm must not sleep on the SimClock that fires it");
  std::unique_lock lock(mutex_);
  if (now_ >= deadline) return true;
  if (stop.stop_requested()) return false;
  const bool participant = participants_.contains(std::this_thread::get_id());
  const SleeperHandle self =
      sleepers_.insert(sleepers_.end(), Sleeper{.deadline = deadline, .participant = participant});
  ++sleeping_count_;
  if (participant) ++participants_asleep_;
  sleepers_changed_.notify_all();
  {
    // The callback takes mutex_, and runs inline in its constructor if stop was
    // requested meanwhile, so it is built (and destroyed, which waits for a running
    // callback) with mutex_ released.
    lock.unlock();
    std::stop_callback wake_on_stop(stop, [this, self] {
      std::lock_guard stop_lock(mutex_);
      wake_locked(self);
    });
    lock.lock();
    time_moved_.wait(lock, [self] { return self->woken; });
    lock.unlock();
  }
  lock.lock();
  const bool deadline_reached = self->deadline_reached;
  sleepers_.erase(self);
  return deadline_reached;
}

void SimClock::advance(Duration duration) {
  EDGEROUTE_ASSERT(duration >= Duration::zero(), "SimClock cannot move back in time");
  assert_not_inside_alarm("an alarm must not advance the SimClock that fires it");
  std::lock_guard driver(advance_mutex_);
  advance_locked(saturating_add(monotonic_now(), duration));
}

void SimClock::advance_to(MonotonicTime target) {
  assert_not_inside_alarm("an alarm must not advance the SimClock that fires it");
  std::lock_guard driver(advance_mutex_);
  advance_locked(target);
}

void SimClock::assert_not_inside_alarm(const char* message) const {
  EDGEROUTE_ASSERT(advancing_thread_.load() != std::this_thread::get_id(), message);
}

void SimClock::advance_locked(MonotonicTime target) {
  {
    std::lock_guard lock(mutex_);
    EDGEROUTE_ASSERT(!participants_.contains(std::this_thread::get_id()),
                     "a SimClock participant must not advance the clock (it would wait for "
                     "itself to sleep)");
  }
  advancing_thread_.store(std::this_thread::get_id());
  wait_for_participants_asleep();
  std::size_t fired = 0;
  for (;;) {
    Step step = take_next_step(target);
    if (step.alarm) {
      EDGEROUTE_ASSERT(++fired <= kAlarmsPerAdvanceMax,
                       "alarms keep rescheduling themselves inside one SimClock advance");
      step.alarm();
    }
    if (step.finished) break;
    wait_for_participants_asleep();
  }
  advancing_thread_.store(std::thread::id{});
}

SimClock::Step SimClock::take_next_step(MonotonicTime target) {
  std::lock_guard lock(mutex_);
  EDGEROUTE_ASSERT(target >= now_, "SimClock cannot move back in time");
  std::optional<MonotonicTime> next_stop;
  if (!alarms_.empty()) next_stop = alarms_.begin()->first.when;
  for (const Sleeper& sleeper : sleepers_) {
    if (!sleeper.woken && (!next_stop || sleeper.deadline < *next_stop)) {
      next_stop = sleeper.deadline;
    }
  }
  if (!next_stop || *next_stop > target) {
    now_ = target;  // no sleeper's deadline is this early, so nobody is due
    return Step{.alarm = {}, .finished = true};
  }
  now_ = std::max(now_, *next_stop);  // an alarm for a time already passed fires now
  if (const auto alarm = alarms_.begin(); alarm != alarms_.end() && alarm->first.when <= now_) {
    Step step{.alarm = std::move(alarm->second), .finished = false};
    alarms_.erase(alarm);
    // An empty std::function would read as "no alarm"; callers cannot register one
    // (asserted in schedule_at), so this holds.
    EDGEROUTE_ASSERT(static_cast<bool>(step.alarm), "empty SimClock alarm");
    return step;
  }
  for (auto sleeper = sleepers_.begin(); sleeper != sleepers_.end(); ++sleeper) {
    if (!sleeper->woken && sleeper->deadline <= now_) {
      sleeper->deadline_reached = true;
      wake_locked(sleeper);
    }
  }
  return Step{.alarm = {}, .finished = false};
}

void SimClock::wait_for_participants_asleep() {
  std::unique_lock lock(mutex_);
  const bool all_asleep = sleepers_changed_.wait_for(lock, participant_wait_limit_, [this] {
    return participants_asleep_ == participants_.size();
  });
  EDGEROUTE_ASSERT(all_asleep,
                   "a SimClock participant did not go back to sleep_until() (or leave) within the "
                   "real-time limit; participants must block only in sleep_until() on the clock");
}

void SimClock::wake_locked(SleeperHandle sleeper) {
  if (sleeper->woken) return;
  sleeper->woken = true;
  --sleeping_count_;
  if (sleeper->participant) --participants_asleep_;
  time_moved_.notify_all();
}

SimClock::AlarmId SimClock::schedule_at(MonotonicTime when, Alarm alarm) {
  EDGEROUTE_ASSERT(static_cast<bool>(alarm), "SimClock alarm without an action");
  std::lock_guard lock(mutex_);
  const AlarmId id = next_alarm_id_++;
  alarms_.emplace(AlarmKey{.when = when, .id = id}, std::move(alarm));
  return id;
}

SimClock::AlarmId SimClock::schedule_after(Duration delay, Alarm alarm) {
  EDGEROUTE_ASSERT(delay >= Duration::zero(), "SimClock alarm delay is negative");
  EDGEROUTE_ASSERT(static_cast<bool>(alarm), "SimClock alarm without an action");
  std::lock_guard lock(mutex_);
  const AlarmId id = next_alarm_id_++;
  alarms_.emplace(AlarmKey{.when = saturating_add(now_, delay), .id = id}, std::move(alarm));
  return id;
}

bool SimClock::cancel(AlarmId id) {
  std::lock_guard lock(mutex_);
  const auto alarm = std::find_if(alarms_.begin(), alarms_.end(),
                                  [id](const auto& entry) { return entry.first.id == id; });
  if (alarm == alarms_.end()) return false;
  alarms_.erase(alarm);
  return true;
}

std::size_t SimClock::pending_alarms() const {
  std::lock_guard lock(mutex_);
  return alarms_.size();
}

std::optional<MonotonicTime> SimClock::next_alarm_time() const {
  std::lock_guard lock(mutex_);
  if (alarms_.empty()) return std::nullopt;
  return alarms_.begin()->first.when;
}

void SimClock::step_wall_clock(Duration offset) {
  std::lock_guard lock(mutex_);
  wall_offset_ += offset;
}

std::size_t SimClock::sleeper_count() const {
  std::lock_guard lock(mutex_);
  return sleeping_count_;
}

bool SimClock::wait_for_sleepers(std::size_t count,
                                 std::chrono::steady_clock::duration real_time_limit) const {
  assert_not_inside_alarm("an alarm must not wait for sleepers on the SimClock that fires it");
  std::unique_lock lock(mutex_);
  return sleepers_changed_.wait_for(lock, real_time_limit,
                                    [this, count] { return sleeping_count_ >= count; });
}

}  // namespace edgeroute::hal
