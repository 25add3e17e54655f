// NodeDayPromises: the parts of a promise (promise.h) that every order placed at one
// node on one of its local days shares, computed once per (node, day) and reused by the
// orders of that day: the day's pick window in UTC and, per carrier service of the node,
// today's cut-off and the next operating day's departure.
//
// Why. compute_packing() and compute_departure() walk the node's calendar and convert
// local times to UTC for every (order, node, service); a decision asks for dozens of
// them. Orders whose work fits in one pick window, or in what is left of today's and
// the next operating day's (the common cases), differ only in their own instant. The
// work day W is today if the order comes before today's window closes on an operating
// day, else the next operating day N (the node is closed, or done for the day); then:
//   pick starts  = max(order instant, W's window opens)
//   packed       = pick starts + processing minutes   (if within W's window)
//                  or, W being today, N's window opens + what today's window did not
//                  finish                               (if within N's window)
//   departure    = the packed day's cut-off if packed by it, else the next operating
//                  day's;
// exactly what rules 2 and 3 of promise.h give in those cases. Every other case
// (processing that needs a third window, an instant the offset schedule cannot place,
// no operating day in reach) answers nullopt, and the caller computes the promise in
// full. Transit (rule 4) depends on the zone, so callers add it, from the ship day's
// weekday that the departure carries.
//
// Thread-safety: a value owned by one Router; not shared.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/promise.h"

namespace edgeroute::routing {

struct CutoffDeparture {
  EpochDay ship_local_day = 0;
  UnixSeconds cutoff_at_utc = 0;
  // weekday_of(ship_local_day), worked out once per prepared day: the caller's transit
  // (delivery_day_after_transit) needs it for every service.
  int ship_weekday = 0;
};

class NodeDayPromises {
 public:
  // True when this holds the day of `order_utc` for the node that `owner` names. The
  // router's owner is (network instance id, node index): a new network snapshot
  // invalidates every entry, even one built at a freed model's address.
  struct Owner {
    std::uint64_t network_instance = 0;  // 0: never prepared
    std::uint32_t node_index = 0;
    friend bool operator==(const Owner&, const Owner&) = default;
  };
  bool covers(Owner owner, UnixSeconds order_utc) const {
    return owner_ == owner && order_utc >= day_starts_utc_ && order_utc < day_ends_utc_;
  }

  // Recomputes for the local day of `order_utc` at the node of `calendar`, whose carrier
  // services (cut-offs) are `services`.
  void prepare(Owner owner, const NodeCalendar& calendar,
               std::span<const NodeServiceModel> services, UnixSeconds order_utc);

  // The packing of an order at `order_utc` (covered), when the fast case applies.
  std::optional<Packing> packing(UnixSeconds order_utc) const;

  // The departure with the node's `service_position`-th service (NodeModel::services) of
  // a parcel packed per `packing` (from packing()), when known.
  std::optional<CutoffDeparture> departure(std::size_t service_position,
                                           const Packing& packing) const;

 private:
  // An operating day whose window and end convert to UTC.
  struct WorkDay {
    bool known = false;
    EpochDay local_day = 0;
    int weekday = 0;  // weekday_of(local_day)
    UnixSeconds opens_utc = 0;
    UnixSeconds closes_utc = 0;
    UnixSeconds ends_utc = 0;  // the next local midnight
  };
  // Per service: the cut-off on today (if operating), on the next operating day, and the
  // departure on the operating day after that; nullopt where not computable.
  struct ServiceDays {
    std::optional<UnixSeconds> today_cutoff_utc;
    std::optional<UnixSeconds> next_cutoff_utc;
    std::optional<CutoffDeparture> after_next;
  };

  static WorkDay work_day(const NodeCalendar& calendar, EpochDay local_day);

  Owner owner_;
  UnixSeconds day_starts_utc_ = 0;
  UnixSeconds day_ends_utc_ = 0;  // empty range until prepared
  EpochDay search_last_local_day_ = 0;
  bool today_operating_ = false;
  WorkDay today_;
  WorkDay next_;  // the first operating day after today, within the search horizon
  std::int64_t processing_seconds_ = 0;
  std::vector<ServiceDays> services_;  // capacity kept across days: no steady-state allocation
};

// Inline: asked once per candidate node of every decision.
inline std::optional<Packing> NodeDayPromises::packing(UnixSeconds order_utc) const {
  // Today's window if the order comes before it closes; otherwise the next operating
  // day's (a closed day, or today's window over), where work starts at the opening.
  const bool today = today_operating_ && order_utc < today_.closes_utc;
  if (today_operating_ && !today_.known) return std::nullopt;
  const WorkDay& work = today ? today_ : next_;
  if (!work.known) return std::nullopt;
  const UnixSeconds starts = std::max(order_utc, work.opens_utc);
  UnixSeconds packed = starts + processing_seconds_;
  const WorkDay* packed_in = &work;
  if (packed > work.closes_utc) {
    // Today's window runs out first: the rest of the work is done in the next operating
    // day's window, from its opening (or from today's close, were that later), when it
    // fits there. A next-day window that would still be over by today's close is the
    // full rules' case.
    if (!today || !next_.known || next_.closes_utc <= work.closes_utc) return std::nullopt;
    const UnixSeconds resumes = std::max(work.closes_utc, next_.opens_utc);
    packed = resumes + (packed - work.closes_utc);
    packed_in = &next_;
    if (packed > next_.closes_utc) return std::nullopt;
  }
  // Packed before the local day of its window ends (a window closing at midnight could
  // pack on the following day, whose cut-offs this does not hold).
  if (packed >= packed_in->ends_utc) return std::nullopt;
  return Packing{.pick_starts_at_utc = starts,
                 .packed_at_utc = packed,
                 .packed_local_day = packed_in->local_day,
                 .search_last_local_day = search_last_local_day_};
}

// Inline: asked once per (candidate node, carrier service) of every decision.
inline std::optional<CutoffDeparture> NodeDayPromises::departure(std::size_t service_position,
                                                                 const Packing& packing) const {
  const ServiceDays& days = services_[service_position];
  // The work day's cut-off if packed by it, else the next operating day's.
  const bool packed_today = today_operating_ && packing.packed_local_day == today_.local_day;
  const std::optional<UnixSeconds>& same_day =
      packed_today ? days.today_cutoff_utc : days.next_cutoff_utc;
  if (!same_day) return std::nullopt;
  if (*same_day >= packing.packed_at_utc) {
    // packing() packs today or on the next operating day, whose weekdays are known.
    EDGEROUTE_ASSERT(packed_today || packing.packed_local_day == next_.local_day,
                     "a packing that packing() did not give");
    return CutoffDeparture{packing.packed_local_day, *same_day,
                           packed_today ? today_.weekday : next_.weekday};
  }
  if (packed_today) {
    if (!days.next_cutoff_utc) return std::nullopt;
    return CutoffDeparture{next_.local_day, *days.next_cutoff_utc, next_.weekday};
  }
  return days.after_next;
}

}  // namespace edgeroute::routing
