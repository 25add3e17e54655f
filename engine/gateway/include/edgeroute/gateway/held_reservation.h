// HeldReservation: the stock and capacity an order holds once its decision is made, as a
// value the gateway can keep in its order book, journal, and give back later.
//
// Why not the PlanReservation itself. A PlanReservation is one routing worker's scratch
// object (fixed storage, neither copyable nor movable, reused for the next order). Once
// the plan is reserved the worker copies its lines here and keep()s it: from then on the
// HeldReservation is the only owner of those units, and whoever holds it (the journal
// writer until the decision is durable, then the order book) is the one who may give
// them back.
//
// Thread-safety: a value type. release() works through the table's and counters' own
// lock-free operations; the hand-off of a HeldReservation between threads (a queue, a
// mutex) carries the happens-before.
#pragma once

#include <cstdint>
#include <vector>

#include "edgeroute/routing/capacity_counters.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/routing/plan_reservation.h"

namespace edgeroute::gateway {

struct HeldStock {
  const routing::InventoryCell* cell = nullptr;
  std::int32_t quantity = 0;
};

struct HeldCapacity {
  std::uint32_t node_index = 0;
  std::int32_t local_day = 0;
  std::uint32_t orders = 0;
  std::uint32_t units = 0;
};

class HeldReservation {
 public:
  HeldReservation() = default;

  // Takes over what `plan` holds: copies its lines and claims, then keep()s it.
  // REQUIRES: plan.holds_reservation().
  static HeldReservation take_over(routing::PlanReservation& plan);

  bool empty() const { return stock_.empty() && capacity_.empty(); }
  const std::vector<HeldStock>& stock() const { return stock_; }
  const std::vector<HeldCapacity>& capacity() const { return capacity_; }

  void add_stock(HeldStock line) { stock_.push_back(line); }
  void add_capacity(HeldCapacity claim) { capacity_.push_back(claim); }

  // Moves the stock lines and capacity claims held at `node_index` out into a
  // reservation of their own (a re-route gives them back while the rest stays).
  HeldReservation take_node(std::uint32_t node_index);
  // Adds what `other` holds to this reservation and empties it.
  void absorb(HeldReservation&& other);

  // Gives every unit and claim back (a claim whose day is over stays counted) and
  // empties this reservation.
  void release(routing::InventoryTable& inventory, routing::CapacityCounters& capacity);

  // The units of `line_cell` leave the building: reserved and on_hand drop together.
  // Forgets the line, and the node's capacity claims once its last line has left (the
  // capacity was used). A node that handed units off had them: when the books show fewer
  // on hand (a count came in low), on_hand is first raised to the quantity shipped.
  // not_found when the reservation holds no such line.
  // REQUIRES: only the calling thread changes on_hand (the journal writer).
  Status ship(routing::InventoryTable& inventory, const routing::InventoryCell& line_cell);

 private:
  std::vector<HeldStock> stock_;
  std::vector<HeldCapacity> capacity_;
};

}  // namespace edgeroute::gateway
