#include "edgeroute/hal/sim/sim_clock.h"

#include <algorithm>
#include <utility>

#include "edgeroute/base/assert.h"

namespace edgeroute::hal {

SimClock::SimClock(WallTime start_wall, MonotonicTime start_monotonic)
    : start_wall_(start_wall), start_monotonic_(start_monotonic), now_(start_monotonic) {}

SimClock::~SimClock() {
  std::lock_guard lock(mutex_);
  EDGEROUTE_ASSERT(sleepers_.empty(), "SimClock destroyed while threads sleep on it");
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
  std::unique_lock lock(mutex_);
  if (now_ >= deadline) return true;
  if (stop.stop_requested()) return false;
  const SleeperHandle self = sleepers_.insert(sleepers_.end(), Sleeper{.deadline = deadline});
  ++sleeping_count_;
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
  assert_not_inside_alarm();
  std::lock_guard driver(advance_mutex_);
  fire_alarms_until(monotonic_now() + duration);
}

void SimClock::advance_to(MonotonicTime target) {
  assert_not_inside_alarm();
  std::lock_guard driver(advance_mutex_);
  fire_alarms_until(target);
}

void SimClock::assert_not_inside_alarm() const {
  EDGEROUTE_ASSERT(advancing_thread_.load() != std::this_thread::get_id(),
                   "an alarm must not advance the SimClock that fires it");
}

void SimClock::fire_alarms_until(MonotonicTime target) {
  advancing_thread_.store(std::this_thread::get_id());
  std::size_t fired = 0;
  while (Alarm alarm = take_next_alarm_or_finish(target)) {
    EDGEROUTE_ASSERT(++fired <= kAlarmsPerAdvanceMax,
                     "alarms keep rescheduling themselves inside one SimClock advance");
    alarm();
  }
  advancing_thread_.store(std::thread::id{});
}

SimClock::Alarm SimClock::take_next_alarm_or_finish(MonotonicTime target) {
  std::lock_guard lock(mutex_);
  EDGEROUTE_ASSERT(target >= now_, "SimClock cannot move back in time");
  const auto next = alarms_.begin();
  if (next == alarms_.end() || next->first.when > target) {
    set_now_locked(target);
    return {};
  }
  set_now_locked(std::max(now_, next->first.when));
  Alarm alarm = std::move(next->second);
  alarms_.erase(next);
  // An empty std::function would read as "no alarm left"; callers cannot register
  // one (asserted in schedule_at), so this holds.
  EDGEROUTE_ASSERT(static_cast<bool>(alarm), "empty SimClock alarm");
  return alarm;
}

void SimClock::set_now_locked(MonotonicTime now) {
  now_ = now;
  for (auto sleeper = sleepers_.begin(); sleeper != sleepers_.end(); ++sleeper) {
    if (!sleeper->woken && sleeper->deadline <= now_) {
      sleeper->deadline_reached = true;
      wake_locked(sleeper);
    }
  }
}

void SimClock::wake_locked(SleeperHandle sleeper) {
  if (sleeper->woken) return;
  sleeper->woken = true;
  --sleeping_count_;
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
  std::lock_guard lock(mutex_);
  const AlarmId id = next_alarm_id_++;
  alarms_.emplace(AlarmKey{.when = now_ + delay, .id = id}, std::move(alarm));
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
  std::unique_lock lock(mutex_);
  return sleepers_changed_.wait_for(lock, real_time_limit,
                                    [this, count] { return sleeping_count_ >= count; });
}

}  // namespace edgeroute::hal
