#include "edgeroute/routing/tz/offset_schedule_from_tz.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace edgeroute::routing::tz {
namespace {

std::int32_t offset_seconds_at(const hal::TimeZone& zone, UnixSeconds instant_utc) {
  const hal::WallTime wall{std::chrono::seconds{instant_utc}};
  return static_cast<std::int32_t>(zone.offset_at(wall).offset.count());
}

// REQUIRES: the offset at `before` differs from the offset at `after`, before < after.
// The first second at which the offset is no longer the one at `before`.
UnixSeconds first_change(const hal::TimeZone& zone, UnixSeconds before, UnixSeconds after) {
  const std::int32_t old_offset_seconds = offset_seconds_at(zone, before);
  while (after - before > 1) {
    const UnixSeconds middle = before + (after - before) / 2;
    (offset_seconds_at(zone, middle) == old_offset_seconds ? before : after) = middle;
  }
  return after;
}

std::string describe(const hal::TimeZone& zone, UnixSeconds from_utc, UnixSeconds until_utc) {
  return std::string(zone.name()) + " over " + format_utc_instant(from_utc) + " .. " +
         format_utc_instant(until_utc);
}

}  // namespace

Result<UtcOffsetSchedule> make_offset_schedule(const hal::TimeZone& zone, UnixSeconds from_utc,
                                               UnixSeconds until_utc) {
  if (from_utc >= until_utc || from_utc < UtcOffsetSchedule::kInstantMin ||
      until_utc > UtcOffsetSchedule::kInstantEnd) {
    return Status(StatusCode::invalid_argument, "UTC offset horizon " + std::to_string(from_utc) +
                                                    " .. " + std::to_string(until_utc) + " of " +
                                                    std::string(zone.name()) +
                                                    " is empty or outside years 1970..9999");
  }
  std::vector<UtcOffsetTransition> transitions{{from_utc, offset_seconds_at(zone, from_utc)}};
  for (UnixSeconds probe = from_utc; probe < until_utc - 1;) {
    const UnixSeconds next = std::min(probe + kProbeStepSeconds, until_utc - 1);
    if (offset_seconds_at(zone, next) == transitions.back().offset_seconds) {
      probe = next;
      continue;
    }
    probe = first_change(zone, probe, next);
    transitions.push_back({probe, offset_seconds_at(zone, probe)});
  }
  if (transitions.size() > UtcOffsetSchedule::kTransitionsMax) {
    return Status(StatusCode::out_of_range, describe(zone, from_utc, until_utc) + ": " +
                                                std::to_string(transitions.size()) +
                                                " UTC offsets exceed the " +
                                                std::to_string(UtcOffsetSchedule::kTransitionsMax) +
                                                " a schedule holds; shorten the horizon");
  }
  Result<UtcOffsetSchedule> schedule = UtcOffsetSchedule::from_transitions(transitions, until_utc);
  if (!schedule) return schedule.status().with_context(describe(zone, from_utc, until_utc));
  return schedule;
}

}  // namespace edgeroute::routing::tz
