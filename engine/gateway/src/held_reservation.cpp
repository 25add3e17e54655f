#include "edgeroute/gateway/held_reservation.h"

#include <algorithm>
#include <iterator>

#include "edgeroute/base/assert.h"

namespace edgeroute::gateway {

HeldReservation HeldReservation::take_over(routing::PlanReservation& plan) {
  EDGEROUTE_ASSERT(plan.holds_reservation(), "take_over of a plan that holds nothing");
  HeldReservation held;
  held.stock_.reserve(plan.stock_line_count());
  for (std::size_t i = 0; i < plan.stock_line_count(); ++i) {
    const routing::StockLine& line = plan.stock_line(i);
    held.stock_.push_back({line.cell, line.quantity});
  }
  held.capacity_.reserve(plan.capacity_claim_count());
  for (std::size_t i = 0; i < plan.capacity_claim_count(); ++i) {
    const routing::CapacityClaim& claim = plan.capacity_claim(i);
    held.capacity_.push_back({claim.node_index, claim.local_day, claim.orders, claim.units});
  }
  plan.keep();
  return held;
}

HeldReservation HeldReservation::take_node(std::uint32_t node_index) {
  HeldReservation taken;
  const auto at_node = [&](const HeldStock& line) { return line.cell->node_index() == node_index; };
  std::copy_if(stock_.begin(), stock_.end(), std::back_inserter(taken.stock_), at_node);
  std::erase_if(stock_, at_node);
  const auto claim_at_node = [&](const HeldCapacity& claim) {
    return claim.node_index == node_index;
  };
  std::copy_if(capacity_.begin(), capacity_.end(), std::back_inserter(taken.capacity_),
               claim_at_node);
  std::erase_if(capacity_, claim_at_node);
  return taken;
}

void HeldReservation::absorb(HeldReservation&& other) {
  stock_.insert(stock_.end(), other.stock_.begin(), other.stock_.end());
  capacity_.insert(capacity_.end(), other.capacity_.begin(), other.capacity_.end());
  other.stock_.clear();
  other.capacity_.clear();
}

void HeldReservation::release(routing::InventoryTable& inventory,
                              routing::CapacityCounters& capacity) {
  for (const HeldStock& line : stock_) {
    // Quantities came from a reservation that succeeded: positive, and held.
    const Status released = inventory.release(*line.cell, line.quantity);
    EDGEROUTE_ASSERT(released.is_ok(), "releasing a held stock line failed");
  }
  for (const HeldCapacity& claim : capacity_) {
    const auto released =
        capacity.release(claim.node_index, claim.local_day, claim.orders, claim.units);
    EDGEROUTE_ASSERT(released.has_value(), "releasing a held capacity claim failed");
  }
  stock_.clear();
  capacity_.clear();
}

Status HeldReservation::ship(routing::InventoryTable& inventory,
                             const routing::InventoryCell& line_cell) {
  const auto line = std::find_if(stock_.begin(), stock_.end(),
                                 [&](const HeldStock& held) { return held.cell == &line_cell; });
  if (line == stock_.end()) {
    return {StatusCode::not_found, "the order holds no stock of this SKU at this node"};
  }
  const routing::StockLevels levels = line_cell.levels();
  if (levels.on_hand < line->quantity) {
    // The node handed the units to the carrier, so they were there: the books (a count
    // that came in low) were wrong. Raise on_hand to what shipped, then ship it.
    const auto raised = inventory.adjust_on_hand(line_cell, line->quantity - levels.on_hand);
    if (!raised) return raised.status();
  }
  if (Status shipped = inventory.commit_shipment(line_cell, line->quantity); !shipped.is_ok()) {
    return shipped;
  }
  const std::uint32_t node_index = line_cell.node_index();
  stock_.erase(line);
  // The node's last line gone, its capacity claims were used: they stay counted for the
  // day the parcel left, and neither a cancel nor a re-route gives them back.
  if (std::none_of(stock_.begin(), stock_.end(),
                   [&](const HeldStock& held) { return held.cell->node_index() == node_index; })) {
    std::erase_if(capacity_,
                  [&](const HeldCapacity& claim) { return claim.node_index == node_index; });
  }
  return Status::ok();
}

}  // namespace edgeroute::gateway
