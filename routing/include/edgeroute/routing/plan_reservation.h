// PlanReservation: the all-or-nothing reservation of one routing plan: its stock lines
// (cell, quantity, safety stock) and one capacity claim per shipment (node, local day,
// orders, units, limits). Either every line and claim is taken, or none is.
//
// How. reserve() takes the stock lines in a canonical order (by cell address, which is
// (SKU, node) order because the table is SKU-major), then the claims by (node, day),
// each with one compare-and-swap. On the first refusal it gives back, in reverse, what
// it has taken, and reports which line or claim failed (as added) and why:
// no_inventory (with the levels seen) or no_capacity (orders, units, day closed).
//
// Why rollback without locks cannot oversell. Each step is a single-word
// compare-and-swap that never lets ATP (or a day's count) pass its limit, whatever other
// threads do; a rollback returns exactly what this plan took, to the words it took it
// from. So at every instant every counter is within its limit, and the sum of what all
// plans hold equals what the counters show. What other threads may observe is a
// transient shortage: units this plan holds for a moment before giving them back. They
// are refused, and re-plan; the planner bounds its retries. The canonical order makes
// contention produce a winner: two plans needing the same scarce cells meet at the first
// cell they share, where one is refused before it has taken anything the other needs
// later, instead of each taking half and both failing.
//
// Limits: kStockLinesMax lines and kCapacityClaimsMax claims, fixed storage, no
// allocation after construction (errors aside). add_* validate their inputs, so that
// reserve() itself cannot fail for bad input.
//
// Ownership and threads. A PlanReservation is used by one thread at a time; it may be
// handed to another (the hand-off must carry a happens-before, as any queue does) to be
// released there. It holds its reservation from a successful reserve() until release()
// (cancel) or keep() (the decision is acknowledged and its record now owns the stock,
// to be shipped or released line by line). Destroying or clearing a plan that still
// holds its reservation would leak stock, and asserts. Not copyable or movable: a copy
// would hold the same units twice. It has no atomics of its own; those of
// InventoryTable and CapacityCounters carry the memory-ordering arguments.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "edgeroute/base/status.h"
#include "edgeroute/routing/capacity_counters.h"
#include "edgeroute/routing/inventory_table.h"

namespace edgeroute::routing {

struct StockLine {
  const InventoryCell* cell = nullptr;
  std::int32_t quantity = 0;
  std::int32_t safety_stock = 0;
};

struct CapacityClaim {
  std::uint32_t node_index = 0;
  std::int32_t local_day = 0;
  std::uint32_t orders = 0;
  std::uint32_t units = 0;
  CapacityLimits limits;
};

enum class PlanShortfall : std::uint8_t {
  none,          // reserved
  no_inventory,  // a stock line's cell had less ATP than the line's quantity
  no_capacity,   // a shipment's node could not take the claim on its day
};

struct PlanReservationOutcome {
  PlanShortfall shortfall = PlanShortfall::none;
  // The failing stock line (no_inventory) or capacity claim (no_capacity), as an index
  // in the order it was added.
  std::uint8_t failed_index = 0;
  StockLevels stock_seen;                                // no_inventory: the cell's levels
  CapacityOutcome capacity = CapacityOutcome::reserved;  // no_capacity: which limit

  bool reserved() const { return shortfall == PlanShortfall::none; }
};

class PlanReservation {
 public:
  static constexpr std::size_t kStockLinesMax = 32;
  static constexpr std::size_t kCapacityClaimsMax = 8;

  // Both must outlive the plan.
  PlanReservation(InventoryTable& inventory, CapacityCounters& capacity);
  ~PlanReservation();

  PlanReservation(const PlanReservation&) = delete;
  PlanReservation& operator=(const PlanReservation&) = delete;

  // invalid_argument for quantity <= 0 or safety_stock < 0; out_of_range when the plan
  // already has kStockLinesMax lines. REQUIRES: `cell` belongs to the plan's table, and
  // the plan does not hold its reservation (both asserted; also for the claim).
  Status add_stock_line(const InventoryCell& cell, std::int32_t quantity,
                        std::int32_t safety_stock);

  // invalid_argument as CapacityCounters::validate_claim and validate_limits;
  // out_of_range when the plan already has kCapacityClaimsMax claims.
  Status add_capacity_claim(const CapacityClaim& claim);

  // Takes every line and claim, or none (see above).
  // REQUIRES: the plan does not hold its reservation.
  [[nodiscard]] PlanReservationOutcome reserve();

  // Cancel: gives back every line and claim. A claim whose day is over is not given
  // back (the day's count is gone). The lines stay, so the plan may reserve again.
  // REQUIRES: holds_reservation().
  void release();

  // The reservation stays in force; this object stops owning it (see above).
  // REQUIRES: holds_reservation().
  void keep();

  // Forgets every line and claim, for the next plan. REQUIRES: !holds_reservation().
  void clear();

  bool holds_reservation() const { return holds_reservation_; }
  std::size_t stock_line_count() const { return stock_line_count_; }
  std::size_t capacity_claim_count() const { return capacity_claim_count_; }
  const StockLine& stock_line(std::size_t index) const;
  const CapacityClaim& capacity_claim(std::size_t index) const;

 private:
  void give_back(std::size_t stock_lines_taken, std::size_t claims_taken);

  InventoryTable* inventory_;
  CapacityCounters* capacity_;
  bool holds_reservation_ = false;
  std::uint8_t stock_line_count_ = 0;
  std::uint8_t capacity_claim_count_ = 0;
  // Lines and claims as added; the *_order_ arrays list their indexes in the canonical
  // reservation order, kept sorted on insertion so that reserve() does not sort.
  std::array<StockLine, kStockLinesMax> stock_lines_{};
  std::array<std::uint8_t, kStockLinesMax> stock_order_{};
  std::array<CapacityClaim, kCapacityClaimsMax> capacity_claims_{};
  std::array<std::uint8_t, kCapacityClaimsMax> claim_order_{};
};

}  // namespace edgeroute::routing
