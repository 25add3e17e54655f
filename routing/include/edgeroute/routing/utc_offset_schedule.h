// UtcOffsetSchedule: a node's offset from UTC over a bounded span of time (its
// horizon), so that the routing core can move between UTC instants and the node's
// local clock without the tz database.
//
// A loader outside the core (edgeroute::routing_tz, which reads hal::TimeZone) builds
// it when a snapshot is built, for a horizon such as build time - 1 day to + 400 days,
// as a list of transitions: from `starts_utc` on, local = UTC + `offset_seconds`, until
// the next transition or the end of the horizon. The list lives in a fixed-capacity
// array inside the object: building it allocates nothing and querying it never does.
// Instants outside the horizon are not guessed at: covers() says whether an instant is
// inside, offset_at() and to_local() require it, to_utc() answers nullopt.
//
// Local times are counted like UTC ones, as seconds since 1970-01-01 00:00 on the
// local wall clock (LocalSeconds), so day_of() and weekday_of() (time_text.h) apply to
// them unchanged. Twice a year a local time is not one instant; to_utc() resolves it
// deterministically, matching hal::LocalTimeResolution::earliest:
//   - skipped (a jump forward: 02:30 on the spring change in New York does not exist):
//     the instant of the jump, i.e. the first instant whose local time is later;
//   - repeated (a jump back: 01:30 on the autumn change happens twice): the earlier
//     of the two instants.
//
// Thread-safety: immutable once built; every const method may be called from any
// number of threads at once. A plain value: copy it freely.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {

// Seconds since 1970-01-01T00:00:00 on a node's local wall clock.
using LocalSeconds = std::int64_t;

// From `starts_utc` on, the node's clock reads UTC + `offset_seconds`.
struct UtcOffsetTransition {
  UnixSeconds starts_utc = 0;
  std::int32_t offset_seconds = 0;
  friend bool operator==(const UtcOffsetTransition&, const UtcOffsetTransition&) = default;
};

class UtcOffsetSchedule {
 public:
  // Room for a 400-day horizon in any zone: DST zones change twice a year, a few
  // (Morocco around Ramadan) four times; 16 leaves room for rule changes too.
  static constexpr std::size_t kTransitionsMax = 16;
  // The instants a schedule may span: years 1970..9999, as time_text.h accepts.
  static constexpr UnixSeconds kInstantMin = 0;
  static constexpr UnixSeconds kInstantEnd = 253402300800;  // 10000-01-01T00:00:00Z
  // Real offsets lie within -12 h .. +14 h; anything beyond 18 h is a loader bug.
  static constexpr std::int32_t kOffsetSecondsMax = 18 * 3600;

  // The schedule that starts at transitions[0].starts_utc and ends (exclusive) at
  // `ends_utc`. Errors (invalid_argument, naming the entry): no transition, more than
  // kTransitionsMax, starts not strictly increasing, an offset beyond
  // +-kOffsetSecondsMax, an instant outside [kInstantMin, kInstantEnd], or `ends_utc`
  // not after the last start.
  static Result<UtcOffsetSchedule> from_transitions(
      std::span<const UtcOffsetTransition> transitions, UnixSeconds ends_utc);

  // One offset over the whole instant range [kInstantMin, kInstantEnd): UTC nodes,
  // zones without DST, tests. REQUIRES: |offset_seconds| <= kOffsetSecondsMax.
  static UtcOffsetSchedule constant(std::int32_t offset_seconds);

  // The horizon is [starts_utc(), ends_utc()).
  UnixSeconds starts_utc() const { return transitions_[0].starts_utc; }
  UnixSeconds ends_utc() const { return ends_utc_; }
  bool covers(UnixSeconds instant_utc) const {
    return instant_utc >= starts_utc() && instant_utc < ends_utc_;
  }

  // REQUIRES (both): covers(instant_utc). At a transition's instant the new offset
  // applies already.
  std::int32_t offset_at(UnixSeconds instant_utc) const;
  LocalSeconds to_local(UnixSeconds instant_utc) const {
    return instant_utc + offset_at(instant_utc);
  }

  // The instant the local clock reads `local` (skipped and repeated times resolved as
  // the header says), or nullopt when that instant would be outside the horizon.
  std::optional<UnixSeconds> to_utc(LocalSeconds local) const;

  std::span<const UtcOffsetTransition> transitions() const {
    return std::span<const UtcOffsetTransition>(transitions_.data(), transition_count_);
  }

  friend bool operator==(const UtcOffsetSchedule&, const UtcOffsetSchedule&) = default;

 private:
  UtcOffsetSchedule() = default;

  // Where the period of transitions_[index] ends, exclusive.
  UnixSeconds period_ends_utc(std::size_t index) const {
    return index + 1 < transition_count_ ? transitions_[index + 1].starts_utc : ends_utc_;
  }

  std::array<UtcOffsetTransition, kTransitionsMax> transitions_{};  // unused slots zero
  std::size_t transition_count_ = 0;
  UnixSeconds ends_utc_ = 0;
};

}  // namespace edgeroute::routing
