#include "edgeroute/routing/utc_offset_schedule.h"

#include <string>

#include "edgeroute/base/assert.h"

namespace edgeroute::routing {
namespace {

Status invalid_transition(std::size_t index, const std::string& why) {
  return Status(StatusCode::invalid_argument,
                "UTC offset transitions[" + std::to_string(index) + "]: " + why);
}

bool is_instant_in_range(UnixSeconds instant_utc) {
  return instant_utc >= UtcOffsetSchedule::kInstantMin &&
         instant_utc <= UtcOffsetSchedule::kInstantEnd;
}

bool is_offset_in_range(std::int32_t offset_seconds) {
  return offset_seconds >= -UtcOffsetSchedule::kOffsetSecondsMax &&
         offset_seconds <= UtcOffsetSchedule::kOffsetSecondsMax;
}

Status check_transitions(std::span<const UtcOffsetTransition> transitions, UnixSeconds ends_utc) {
  if (transitions.empty()) {
    return Status(StatusCode::invalid_argument, "a UTC offset schedule needs a transition");
  }
  if (transitions.size() > UtcOffsetSchedule::kTransitionsMax) {
    return Status(StatusCode::invalid_argument,
                  std::to_string(transitions.size()) + " UTC offset transitions exceed the " +
                      std::to_string(UtcOffsetSchedule::kTransitionsMax) + " a schedule holds");
  }
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    const UtcOffsetTransition& transition = transitions[i];
    if (!is_instant_in_range(transition.starts_utc)) {
      return invalid_transition(
          i, "starts_utc " + std::to_string(transition.starts_utc) + " is not in years 1970..9999");
    }
    if (!is_offset_in_range(transition.offset_seconds)) {
      return invalid_transition(
          i, "offset " + std::to_string(transition.offset_seconds) + " s is beyond 18 hours");
    }
    if (i > 0 && transition.starts_utc <= transitions[i - 1].starts_utc) {
      return invalid_transition(i, "starts_utc " + std::to_string(transition.starts_utc) +
                                       " is not after the previous transition's");
    }
  }
  if (!is_instant_in_range(ends_utc) || ends_utc <= transitions.back().starts_utc) {
    return Status(StatusCode::invalid_argument,
                  "UTC offset schedule ends_utc " + std::to_string(ends_utc) +
                      " is not after its last transition (or not in years 1970..9999)");
  }
  return Status::ok();
}

}  // namespace

Result<UtcOffsetSchedule> UtcOffsetSchedule::from_transitions(
    std::span<const UtcOffsetTransition> transitions, UnixSeconds ends_utc) {
  if (Status checked = check_transitions(transitions, ends_utc); !checked.is_ok()) return checked;
  UtcOffsetSchedule schedule;
  for (const UtcOffsetTransition& transition : transitions) {
    schedule.transitions_[schedule.transition_count_++] = transition;
  }
  schedule.ends_utc_ = ends_utc;
  return schedule;
}

UtcOffsetSchedule UtcOffsetSchedule::constant(std::int32_t offset_seconds) {
  EDGEROUTE_ASSERT(is_offset_in_range(offset_seconds), "a UTC offset is within 18 hours");
  UtcOffsetSchedule schedule;
  schedule.transitions_[0] = UtcOffsetTransition{kInstantMin, offset_seconds};
  schedule.transition_count_ = 1;
  schedule.ends_utc_ = kInstantEnd;
  return schedule;
}

std::int32_t UtcOffsetSchedule::offset_at(UnixSeconds instant_utc) const {
  EDGEROUTE_ASSERT(covers(instant_utc), "offset_at() of an instant outside the schedule");
  std::size_t index = transition_count_ - 1;
  while (transitions_[index].starts_utc > instant_utc) --index;
  return transitions_[index].offset_seconds;
}

// Scans the periods in time order for the first whose local span ends after `local`:
// if that span contains `local`, no earlier period does, so this is the earlier
// occurrence of a repeated time; if it does not, `local` fell in the jump forward
// between the previous period and this one, and the jump is this period's start.
std::optional<UnixSeconds> UtcOffsetSchedule::to_utc(LocalSeconds local) const {
  for (std::size_t i = 0; i < transition_count_; ++i) {
    const std::int64_t offset_seconds = transitions_[i].offset_seconds;
    if (local >= period_ends_utc(i) + offset_seconds) continue;
    if (local >= transitions_[i].starts_utc + offset_seconds) return local - offset_seconds;
    if (i == 0) return std::nullopt;  // before the horizon
    return transitions_[i].starts_utc;
  }
  return std::nullopt;  // after the horizon
}

}  // namespace edgeroute::routing
