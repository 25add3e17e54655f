#include "edgeroute/routing/plan_reservation.h"

#include <functional>
#include <string>
#include <tuple>

#include "edgeroute/base/assert.h"

namespace edgeroute::routing {

namespace {

// Inserts `added` (the newest index) into order[0, count) so that `before` stays a
// sorted order; equal keys keep the order they were added in.
template <typename Before>
void insert_in_order(std::uint8_t* order, std::size_t count, std::uint8_t added, Before before) {
  std::size_t position = count;
  while (position > 0 && before(added, order[position - 1])) {
    order[position] = order[position - 1];
    --position;
  }
  order[position] = added;
}

std::string stock_line_name(std::size_t index, const InventoryCell& cell) {
  return "plan stock line " + std::to_string(index) + " (SKU " + std::to_string(cell.sku_index()) +
         " at node " + std::to_string(cell.node_index()) + ")";
}

}  // namespace

PlanReservation::PlanReservation(InventoryTable& inventory, CapacityCounters& capacity)
    : inventory_(&inventory), capacity_(&capacity) {}

PlanReservation::~PlanReservation() {
  EDGEROUTE_ASSERT(!holds_reservation_,
                   "a plan destroyed while holding its reservation leaks stock and capacity");
}

Status PlanReservation::add_stock_line(const InventoryCell& cell, std::int32_t quantity,
                                       std::int32_t safety_stock) {
  EDGEROUTE_ASSERT(!holds_reservation_, "adding a line to a plan that holds its reservation");
  EDGEROUTE_ASSERT(inventory_->owns(cell), "a plan line on a cell of another inventory table");
  const std::size_t index = stock_line_count_;
  if (index == kStockLinesMax) {
    return {StatusCode::out_of_range, stock_line_name(index, cell) + ": a plan holds at most " +
                                          std::to_string(kStockLinesMax) + " stock lines"};
  }
  if (quantity <= 0 || safety_stock < 0) {
    return {StatusCode::invalid_argument, stock_line_name(index, cell) + ": quantity " +
                                              std::to_string(quantity) +
                                              " must be positive and safety stock " +
                                              std::to_string(safety_stock) + " not negative"};
  }
  stock_lines_[index] = {&cell, quantity, safety_stock};
  insert_in_order(stock_order_.data(), index, static_cast<std::uint8_t>(index),
                  [this](std::uint8_t a, std::uint8_t b) {
                    return std::less<const InventoryCell*>{}(stock_lines_[a].cell,
                                                             stock_lines_[b].cell);
                  });
  ++stock_line_count_;
  return Status::ok();
}

Status PlanReservation::add_capacity_claim(const CapacityClaim& claim) {
  EDGEROUTE_ASSERT(!holds_reservation_, "adding a claim to a plan that holds its reservation");
  EDGEROUTE_ASSERT(claim.node_index < capacity_->node_count(),
                   "a capacity claim on a node beyond the catalog");
  const std::size_t index = capacity_claim_count_;
  // Built only on failure: adding a valid claim must not allocate.
  const auto name = [index] { return "plan capacity claim " + std::to_string(index); };
  if (index == kCapacityClaimsMax) {
    return {StatusCode::out_of_range, name() + ": a plan holds at most " +
                                          std::to_string(kCapacityClaimsMax) + " capacity claims"};
  }
  Status valid = CapacityCounters::validate_claim(claim.node_index, claim.local_day, claim.orders,
                                                  claim.units);
  if (valid.is_ok()) {
    valid = CapacityCounters::validate_limits(claim.node_index, claim.local_day, claim.limits);
  }
  if (!valid.is_ok()) return valid.with_context(name());
  capacity_claims_[index] = claim;
  insert_in_order(claim_order_.data(), index, static_cast<std::uint8_t>(index),
                  [this](std::uint8_t a, std::uint8_t b) {
                    const CapacityClaim& x = capacity_claims_[a];
                    const CapacityClaim& y = capacity_claims_[b];
                    return std::tie(x.node_index, x.local_day) <
                           std::tie(y.node_index, y.local_day);
                  });
  ++capacity_claim_count_;
  return Status::ok();
}

PlanReservationOutcome PlanReservation::reserve() {
  EDGEROUTE_ASSERT(!holds_reservation_, "reserve() on a plan that already holds its reservation");
  for (std::size_t taken = 0; taken < stock_line_count_; ++taken) {
    const std::uint8_t index = stock_order_[taken];
    const StockLine& line = stock_lines_[index];
    const Result<StockReservation> outcome =
        inventory_->try_reserve(*line.cell, line.quantity, line.safety_stock);
    EDGEROUTE_ASSERT(outcome.has_value(), "a stock line validated when added was refused");
    if (!outcome->reserved) {
      give_back(taken, 0);
      return {PlanShortfall::no_inventory, index, outcome->levels, CapacityOutcome::reserved};
    }
  }
  for (std::size_t taken = 0; taken < capacity_claim_count_; ++taken) {
    const std::uint8_t index = claim_order_[taken];
    const CapacityClaim& claim = capacity_claims_[index];
    const Result<CapacityOutcome> outcome = capacity_->try_reserve(
        claim.node_index, claim.local_day, claim.orders, claim.units, claim.limits);
    EDGEROUTE_ASSERT(outcome.has_value(), "a capacity claim validated when added was refused");
    if (*outcome != CapacityOutcome::reserved) {
      give_back(stock_line_count_, taken);
      return {PlanShortfall::no_capacity, index, StockLevels{}, *outcome};
    }
  }
  holds_reservation_ = true;
  return {};
}

// Reverse order of taking: not needed for correctness (each give-back is independent),
// but it keeps the canonical order's mirror image and reads as an undo.
void PlanReservation::give_back(std::size_t stock_lines_taken, std::size_t claims_taken) {
  for (std::size_t taken = claims_taken; taken-- > 0;) {
    const CapacityClaim& claim = capacity_claims_[claim_order_[taken]];
    const Result<CapacityRelease> released =
        capacity_->release(claim.node_index, claim.local_day, claim.orders, claim.units);
    EDGEROUTE_ASSERT(released.has_value(), "a capacity claim validated when added was refused");
  }
  for (std::size_t taken = stock_lines_taken; taken-- > 0;) {
    const StockLine& line = stock_lines_[stock_order_[taken]];
    const Status released = inventory_->release(*line.cell, line.quantity);
    EDGEROUTE_ASSERT(released.is_ok(), "a stock line validated when added was refused");
  }
}

void PlanReservation::release() {
  EDGEROUTE_ASSERT(holds_reservation_, "release() of a plan that holds no reservation");
  give_back(stock_line_count_, capacity_claim_count_);
  holds_reservation_ = false;
}

void PlanReservation::keep() {
  EDGEROUTE_ASSERT(holds_reservation_, "keep() of a plan that holds no reservation");
  holds_reservation_ = false;
}

void PlanReservation::clear() {
  EDGEROUTE_ASSERT(!holds_reservation_, "clear() of a plan that holds its reservation");
  stock_line_count_ = 0;
  capacity_claim_count_ = 0;
}

const StockLine& PlanReservation::stock_line(std::size_t index) const {
  EDGEROUTE_ASSERT(index < stock_line_count_, "stock line index beyond the plan");
  return stock_lines_[index];
}

const CapacityClaim& PlanReservation::capacity_claim(std::size_t index) const {
  EDGEROUTE_ASSERT(index < capacity_claim_count_, "capacity claim index beyond the plan");
  return capacity_claims_[index];
}

}  // namespace edgeroute::routing
