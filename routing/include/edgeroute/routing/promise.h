// Promise: when an order placed at a node would be picked, packed, handed to a
// carrier service and delivered, computed from the node's calendar (node_calendar.h),
// the service's cut-off at that node and its transit time for the zone. It fills
// decision.fbs PromiseSteps. Asked once per (candidate node, carrier service) of every
// decision, so compute_promise() allocates nothing, does no I/O, reads no clock (the
// order time is the caller's) and costs a few loop turns per local day it visits.
//
// THE RULES (all local times in the node's time zone, through its UtcOffsetSchedule):
//  0. The order instant must be inside the schedule's horizon, and so must every
//     instant the promise passes through up to the cut-off; otherwise the answer is
//     outside_offset_schedule (the loader's horizon is too short; never guessed at).
//  1. Search horizon: the work and the departure must happen on the kSearchDays local
//     days starting with the order's local day (that day and the 27 after it);
//     otherwise the answer is promise_unmeetable (e.g. a node with no window at all,
//     or closed for a month).
//  2. Processing: the node's processing_minutes are consumed only inside pick windows
//     of operating days (a window whose date is a closed date does not count). On each
//     such day, in order, work runs from max(order instant, window opens) to the window's
//     close or until the processing is done, and continues in the next window.
//     pick_starts_at is where work first starts: the order instant itself if it falls
//     inside an open window, else the next window's opening. packed_at is where the
//     processing is done (equal to pick_starts_at with 0 processing minutes). An order
//     at or after a window's close waits for the next window (network.fbs).
//     Minutes are elapsed minutes: on the night of a DST change a window spanning the
//     jump is an hour shorter (spring) or longer (autumn) than its clock times say.
//  3. Cut-off: the parcel leaves at the first cut-off, on an operating day on or after
//     the local day of packed_at, whose instant is at or after packed_at (compared to
//     the second: packed at 17:00:00 makes a 17:00 cut-off, at 17:00:01 it does not).
//     So on the packed day it leaves only if packed by that day's cut-off; otherwise
//     at the next operating day's cut-off, which it always makes, having been packed
//     the day before or earlier. The cut-off need not lie inside the pick window (a
//     truck at 21:00 after a 20:00 close; a cut-off before the window opens can only
//     be made by parcels packed on an earlier day). ship_local_day is that day,
//     cutoff_at its cut-off instant.
//  4. Transit: delivery_local_day = delivery_day_after_transit(ship_local_day, ...)
//     (transit_days.h): 0 days is the ship day itself; calendar days add N; business
//     days land on the N-th Monday..Friday strictly after the ship day.
//  5. Local times that a DST change skips or repeats (a window opening or a cut-off at
//     02:30 on the spring-forward night) resolve as UtcOffsetSchedule::to_utc does: the
//     jump instant, or the earlier occurrence.
// Simplification: days are counted, and the delivery date is labelled, in the node's
// local calendar; the ship-to's time zone is not consulted. A carrier promises a date,
// not an instant, so this only matters at the edges of a day across zones.
//
// Worked example (tests/routing/promise_test.cpp): a New York node open Monday-Friday
// 08:00-20:00, 120 processing minutes, 17:00 cut-off. An order on Tuesday 2026-06-16 at
// 19:30 EDT works 19:30-20:00 (30 minutes) and 08:00-09:30 on Wednesday (90), is packed
// Wednesday 09:30, leaves at Wednesday's 17:00 cut-off (21:00Z), and with 3 business
// days of ground transit is delivered Monday 2026-06-22.
//
// Thread-safety: pure functions over immutable inputs; call from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "edgeroute/base/assert.h"
#include "edgeroute/routing/node_calendar.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {

// How far ahead compute_promise() looks for a pick window and a cut-off (rule 1).
inline constexpr EpochDay kPromiseSearchDays = 28;

struct Promise {
  UnixSeconds pick_starts_at_utc = 0;
  UnixSeconds packed_at_utc = 0;
  UnixSeconds cutoff_at_utc = 0;  // when the parcel leaves the node
  EpochDay ship_local_day = 0;
  EpochDay delivery_local_day = 0;
  friend bool operator==(const Promise&, const Promise&) = default;
};

enum class PromiseFailure : std::uint8_t {
  // No pick window, or no cut-off after packing, within kPromiseSearchDays (rule 1);
  // the decision's ReasonCode promise_unmeetable.
  promise_unmeetable,
  // The order instant, or one the promise needs, is outside the node's
  // UtcOffsetSchedule (rule 0).
  outside_offset_schedule,
};

std::string_view to_string(PromiseFailure failure);

// A step of the promise (Packing, Promise), or why there is none. A plain value, no
// allocation (unlike Result<T>, whose Status carries a message string): failures are
// routine on the hot path.
template <typename Step>
class [[nodiscard]] PromiseStepResult {
 public:
  PromiseStepResult(const Step& step) : step_(step), has_step_(true) {}  // NOLINT
  PromiseStepResult(PromiseFailure failure) : failure_(failure) {}       // NOLINT

  bool has_value() const { return has_step_; }
  explicit operator bool() const { return has_step_; }

  const Step& value() const {
    EDGEROUTE_ASSERT(has_step_, "value() of a failed promise step");
    return step_;
  }
  const Step& operator*() const { return value(); }
  const Step* operator->() const { return &value(); }

  PromiseFailure failure() const {
    EDGEROUTE_ASSERT(!has_step_, "failure() of a promise step that succeeded");
    return failure_;
  }

 private:
  Step step_{};
  PromiseFailure failure_ = PromiseFailure::promise_unmeetable;
  bool has_step_ = false;
};

// Rules 0-2: where the work starts and when it is packed. It does not depend on the
// carrier service, so a planner computes it once per node and then one departure per
// service of the node.
struct Packing {
  UnixSeconds pick_starts_at_utc = 0;
  UnixSeconds packed_at_utc = 0;
  // Local day of packed_at: the day whose capacity the shipment uses.
  EpochDay packed_local_day = 0;
  // Last local day of the search horizon (rule 1), counted from the order's local day.
  EpochDay search_last_local_day = 0;
  friend bool operator==(const Packing&, const Packing&) = default;
};

using PackingResult = PromiseStepResult<Packing>;
using PromiseResult = PromiseStepResult<Promise>;

// Rules 0-2 for an order placed at `order_utc_seconds` at the node of `calendar`.
PackingResult compute_packing(const NodeCalendar& calendar, UnixSeconds order_utc_seconds);

// Rules 3-5 after `packing` (from compute_packing with the same calendar), for a
// service whose cut-off at the node is `cutoff_local_minute` and whose transit time for
// the zone is `transit_days`. REQUIRES: 0 <= cutoff_local_minute < 1440.
PromiseResult compute_departure(const NodeCalendar& calendar, const Packing& packing,
                                LocalMinute cutoff_local_minute, std::uint8_t transit_days,
                                bool transit_business_days);

// The promise for an order placed at `order_utc_seconds` at the node of `calendar`,
// shipped with a service whose cut-off there is `cutoff_local_minute` and whose transit
// time for the zone is `transit_days` (business or calendar days). The rules are in the
// header comment; it is compute_packing() then compute_departure().
// REQUIRES: 0 <= cutoff_local_minute < 1440.
PromiseResult compute_promise(const NodeCalendar& calendar, UnixSeconds order_utc_seconds,
                              LocalMinute cutoff_local_minute, std::uint8_t transit_days,
                              bool transit_business_days);

}  // namespace edgeroute::routing
