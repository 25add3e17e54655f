// NodeDayPromises: the parts of a promise (promise.h) that every order placed at one
// node on one of its local days shares, computed once per (node, day) and reused by the
// orders of that day: the day's pick window in UTC and, per carrier service of the node,
// today's cut-off and the next operating day's departure.
//
// Why. compute_packing() and compute_departure() walk the node's calendar and convert
// local times to UTC for every (order, node, service); a decision asks for dozens of
// them. Orders whose work fits in one pick window (the common case) differ only in their
// own instant. The work day W is today if the order comes before today's window closes
// on an operating day, else the next operating day (the node is closed, or done for the
// day); then:
//   pick starts  = max(order instant, W's window opens)
//   packed       = pick starts + processing minutes   (must be within W's window)
//   departure    = W's cut-off if packed by it, else the next operating day's;
// exactly what rules 2 and 3 of promise.h give in that case. Every other case
// (processing that spills into another window, an instant the offset schedule cannot
// place, no operating day in reach) answers nullopt, and the caller computes the
// promise in full. Transit (rule 4) depends on the zone, so callers add it.
//
// Thread-safety: a value owned by one Router; not shared.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/promise.h"

namespace edgeroute::routing {

struct CutoffDeparture {
  EpochDay ship_local_day = 0;
  UnixSeconds cutoff_at_utc = 0;
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

}  // namespace edgeroute::routing
