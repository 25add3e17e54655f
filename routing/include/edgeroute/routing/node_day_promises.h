// NodeDayPromises: the parts of a promise (promise.h) that every order placed at one
// node on one of its local days shares, computed once per (node, day) and reused by the
// orders of that day: the day's pick window in UTC and, per carrier service of the node,
// today's cut-off and the next operating day's departure.
//
// Why. compute_packing() and compute_departure() walk the node's calendar and convert
// local times to UTC for every (order, node, service); a decision asks for dozens of
// them. Orders released inside today's pick window that are packed before it closes
// (the common case at a working node) differ only in their own instant, so:
//   pick starts  = max(order instant, window opens)
//   packed       = pick starts + processing minutes
//   departure    = today's cut-off if packed by it, else the next operating day's;
// exactly what rules 2 and 3 of promise.h give in that case. Every other case (a closed
// day, an order after the window, processing that spills into another window, an
// instant the offset schedule cannot place) answers nullopt, and the caller computes
// the promise in full. Transit (rule 4) depends on the zone, so callers add it.
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
  struct ServiceDay {
    bool known = false;                           // false: compute the departure in full
    std::optional<UnixSeconds> today_cutoff_utc;  // nullopt: today is not operating
    std::optional<CutoffDeparture> next;          // the first operating day after today
  };

  Owner owner_;
  UnixSeconds day_starts_utc_ = 0;
  UnixSeconds day_ends_utc_ = 0;  // empty range until prepared
  EpochDay local_day_ = 0;
  EpochDay search_last_local_day_ = 0;
  bool window_known_ = false;  // today is an operating day whose window converts to UTC
  UnixSeconds opens_utc_ = 0;
  UnixSeconds closes_utc_ = 0;
  std::int64_t processing_seconds_ = 0;
  std::vector<ServiceDay> services_;  // capacity kept across days: no steady-state allocation
};

}  // namespace edgeroute::routing
