// The UtcOffsetSchedule of a time zone, read from the tz database through
// hal::TimeZone, for a horizon such as a snapshot's build time - 1 day to + 400 days.
// This is how a node's IANA time zone (network.fbs Node.time_zone) reaches the routing
// core, which knows offsets only (utc_offset_schedule.h).
//
// hal::TimeZone answers "what is the offset at this instant" but does not list its
// transitions, so the horizon is sampled every kProbeStepSeconds and each change of
// offset is then located to the second by bisection. That finds every transition
// unless two of them fall within one step and cancel out; the tz database has none
// such (its changes are months apart), and a step of six hours keeps the cost at a
// few thousand lookups for a 400-day horizon, paid once per zone at load.
//
// Thread-safety: a pure function of its arguments (the tz database is immutable);
// call from any thread. Allocates; not for the per-order path.
#pragma once

#include "edgeroute/base/result.h"
#include "edgeroute/hal/time_zone.h"
#include "edgeroute/routing/utc_offset_schedule.h"

namespace edgeroute::routing::tz {

inline constexpr UnixSeconds kProbeStepSeconds = 6 * 3600;

// The offsets of `zone` over [from_utc, until_utc): the first transition starts at
// from_utc with the offset then in force, the others where the offset changes.
// Errors: invalid_argument when from_utc >= until_utc or either is outside
// UtcOffsetSchedule's instant range; out_of_range when the horizon holds more than
// UtcOffsetSchedule::kTransitionsMax offsets (shorten it). Messages name the zone.
Result<UtcOffsetSchedule> make_offset_schedule(const hal::TimeZone& zone, UnixSeconds from_utc,
                                               UnixSeconds until_utc);

}  // namespace edgeroute::routing::tz
