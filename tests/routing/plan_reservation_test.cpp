// Specifies PlanReservation on one thread. A plan whose every line and claim fits is
// reserved whole, and release() puts every cell and counter back exactly; a plan with
// one line or claim that does not fit takes nothing, leaves every cell and counter
// exactly as before, and reports which line (as added) failed and why. The lines are
// taken in canonical (SKU, node) order whatever order they were added in, which the
// reported line shows when two lines are short. Input limits (line count, quantities,
// claims) are Statuses; destroying a plan that still holds stock is a bug and crashes.
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/plan_reservation.h"

namespace edgeroute::routing {
namespace {

constexpr std::int32_t kDay = 19'876;
constexpr CapacityLimits kLimits{.orders_max = 2, .units_max = 20};

class PlanReservationTest : public ::testing::Test {
 protected:
  // SKUs 0..2, each at nodes 0 and 1, on_hand 10 + sku.
  PlanReservationTest() : table_(build()), capacity_(2) {}

  static InventoryTable build() {
    std::vector<StockRecord> records;
    for (std::uint32_t sku = 0; sku < 3; ++sku) {
      for (std::uint32_t node = 0; node < 2; ++node) {
        records.push_back({sku, node, 10 + static_cast<std::int32_t>(sku)});
      }
    }
    Result<InventoryTable> table = InventoryTable::build(3, records);
    EDGEROUTE_ASSERT(table.has_value(), "test table must build");
    return std::move(*table);
  }

  const InventoryCell& cell(std::uint32_t sku, std::uint32_t node) {
    return *table_.find(sku, node);
  }

  // Every cell's levels and both nodes' usage: the whole observable state.
  struct State {
    std::vector<StockLevels> cells;
    std::vector<CapacityUsage> nodes;
    friend bool operator==(const State&, const State&) = default;
  };
  State state() {
    State now;
    for (std::uint32_t sku = 0; sku < 3; ++sku) {
      for (const InventoryCell& stocked : table_.stocked_nodes(sku)) {
        now.cells.push_back(stocked.levels());
      }
    }
    for (std::uint32_t node = 0; node < 2; ++node) now.nodes.push_back(capacity_.usage(node, kDay));
    return now;
  }

  InventoryTable table_;
  CapacityCounters capacity_;
};

TEST_F(PlanReservationTest, AFittingPlanIsReservedWholeAndReleasedExactly) {
  const State before = state();
  PlanReservation plan(table_, capacity_);
  ASSERT_TRUE(plan.add_stock_line(cell(0, 0), 3, 2).is_ok());
  ASSERT_TRUE(plan.add_stock_line(cell(1, 0), 4, 0).is_ok());
  ASSERT_TRUE(plan.add_stock_line(cell(2, 1), 5, 1).is_ok());
  ASSERT_TRUE(plan.add_capacity_claim({0, kDay, 1, 7, kLimits}).is_ok());
  ASSERT_TRUE(plan.add_capacity_claim({1, kDay, 1, 5, kLimits}).is_ok());
  const PlanReservationOutcome outcome = plan.reserve();
  EXPECT_TRUE(outcome.reserved());
  EXPECT_TRUE(plan.holds_reservation());
  EXPECT_EQ(cell(0, 0).levels(), (StockLevels{10, 3}));
  EXPECT_EQ(cell(1, 0).levels(), (StockLevels{11, 4}));
  EXPECT_EQ(cell(2, 1).levels(), (StockLevels{12, 5}));
  EXPECT_EQ(capacity_.usage(0, kDay), (CapacityUsage{1, 7, false}));
  EXPECT_EQ(capacity_.usage(1, kDay), (CapacityUsage{1, 5, false}));
  plan.release();
  EXPECT_FALSE(plan.holds_reservation());
  EXPECT_EQ(state(), before);
  // The lines stay: the same plan can be reserved again.
  EXPECT_TRUE(plan.reserve().reserved());
  plan.release();
}

TEST_F(PlanReservationTest, AShortLineTakesNothingAndIsReported) {
  ASSERT_TRUE(table_.try_reserve(cell(1, 1), 9, 0)->reserved);  // ATP at (1, 1) is now 2
  const State before = state();
  PlanReservation plan(table_, capacity_);
  ASSERT_TRUE(plan.add_stock_line(cell(2, 0), 1, 0).is_ok());
  ASSERT_TRUE(plan.add_stock_line(cell(0, 0), 1, 0).is_ok());
  ASSERT_TRUE(plan.add_stock_line(cell(1, 1), 3, 0).is_ok());  // short by 1
  ASSERT_TRUE(plan.add_capacity_claim({1, kDay, 1, 5, kLimits}).is_ok());
  const PlanReservationOutcome outcome = plan.reserve();
  EXPECT_FALSE(outcome.reserved());
  EXPECT_EQ(outcome.shortfall, PlanShortfall::no_inventory);
  EXPECT_EQ(outcome.failed_index, 2);
  EXPECT_EQ(outcome.stock_seen, (StockLevels{11, 9}));
  EXPECT_FALSE(plan.holds_reservation());
  EXPECT_EQ(state(), before);
}

TEST_F(PlanReservationTest, SafetyStockIsPerLine) {
  PlanReservation plan(table_, capacity_);
  ASSERT_TRUE(plan.add_stock_line(cell(0, 0), 5, 5).is_ok());  // ATP 10 - 5 = 5: fits
  ASSERT_TRUE(plan.add_stock_line(cell(0, 1), 5, 6).is_ok());  // ATP 10 - 6 = 4: short
  const PlanReservationOutcome outcome = plan.reserve();
  EXPECT_EQ(outcome.shortfall, PlanShortfall::no_inventory);
  EXPECT_EQ(outcome.failed_index, 1);
  EXPECT_EQ(cell(0, 0).levels(), (StockLevels{10, 0}));
}

TEST_F(PlanReservationTest, NoCapacityGivesBackTheStockAndIsReported) {
  ASSERT_EQ(*capacity_.try_reserve(1, kDay, 2, 1, kLimits), CapacityOutcome::reserved);
  const State before = state();
  PlanReservation plan(table_, capacity_);
  ASSERT_TRUE(plan.add_stock_line(cell(0, 0), 2, 0).is_ok());
  ASSERT_TRUE(plan.add_stock_line(cell(0, 1), 2, 0).is_ok());
  ASSERT_TRUE(plan.add_capacity_claim({1, kDay, 1, 2, kLimits}).is_ok());  // node 1: orders full
  ASSERT_TRUE(plan.add_capacity_claim({0, kDay, 1, 2, kLimits}).is_ok());
  const PlanReservationOutcome outcome = plan.reserve();
  EXPECT_EQ(outcome.shortfall, PlanShortfall::no_capacity);
  EXPECT_EQ(outcome.failed_index, 0);
  EXPECT_EQ(outcome.capacity, CapacityOutcome::orders_exhausted);
  // Node 0's claim (taken first, canonical order) was given back too.
  EXPECT_EQ(state(), before);
}

TEST_F(PlanReservationTest, LinesAreTakenInCanonicalOrderWhateverTheOrderAdded) {
  // Both lines are short; the one reported is the first in (SKU, node) order.
  PlanReservation plan(table_, capacity_);
  ASSERT_TRUE(plan.add_stock_line(cell(2, 1), 100, 0).is_ok());
  ASSERT_TRUE(plan.add_stock_line(cell(1, 0), 100, 0).is_ok());
  const PlanReservationOutcome outcome = plan.reserve();
  EXPECT_EQ(outcome.shortfall, PlanShortfall::no_inventory);
  EXPECT_EQ(outcome.failed_index, 1);  // cell (1, 0), added second, tried first
  EXPECT_EQ(outcome.stock_seen, (StockLevels{11, 0}));
}

TEST_F(PlanReservationTest, TwoLinesOnOneCellMustFitTogether) {
  PlanReservation plan(table_, capacity_);
  ASSERT_TRUE(plan.add_stock_line(cell(0, 0), 6, 0).is_ok());
  ASSERT_TRUE(plan.add_stock_line(cell(0, 0), 5, 0).is_ok());
  const PlanReservationOutcome outcome = plan.reserve();
  EXPECT_EQ(outcome.shortfall, PlanShortfall::no_inventory);
  EXPECT_EQ(outcome.failed_index, 1);
  EXPECT_EQ(cell(0, 0).levels(), (StockLevels{10, 0}));
}

TEST_F(PlanReservationTest, KeepLeavesTheReservationInForce) {
  {
    PlanReservation plan(table_, capacity_);
    ASSERT_TRUE(plan.add_stock_line(cell(0, 1), 4, 0).is_ok());
    ASSERT_TRUE(plan.reserve().reserved());
    plan.keep();
    plan.clear();
    EXPECT_EQ(plan.stock_line_count(), 0u);
  }
  EXPECT_EQ(cell(0, 1).levels(), (StockLevels{10, 4}));
}

TEST_F(PlanReservationTest, InputLimitsAreStatuses) {
  PlanReservation plan(table_, capacity_);
  EXPECT_EQ(plan.add_stock_line(cell(0, 0), 0, 0).code(), StatusCode::invalid_argument);
  EXPECT_EQ(plan.add_stock_line(cell(0, 0), 1, -1).code(), StatusCode::invalid_argument);
  EXPECT_EQ(plan.add_capacity_claim({0, kDay, 0, 0, kLimits}).code(), StatusCode::invalid_argument);
  EXPECT_EQ(plan.add_capacity_claim({0, -1, 1, 1, kLimits}).code(), StatusCode::invalid_argument);
  EXPECT_EQ(plan.stock_line_count(), 0u);
  EXPECT_EQ(plan.capacity_claim_count(), 0u);
  for (std::size_t i = 0; i < PlanReservation::kStockLinesMax; ++i) {
    ASSERT_TRUE(plan.add_stock_line(cell(0, 0), 1, 0).is_ok());
  }
  EXPECT_EQ(plan.add_stock_line(cell(0, 0), 1, 0).code(), StatusCode::out_of_range);
  for (std::size_t i = 0; i < PlanReservation::kCapacityClaimsMax; ++i) {
    ASSERT_TRUE(plan.add_capacity_claim({0, kDay, 0, 1, kLimits}).is_ok());
  }
  EXPECT_EQ(plan.add_capacity_claim({0, kDay, 0, 1, kLimits}).code(), StatusCode::out_of_range);
  EXPECT_EQ(plan.stock_line(31).quantity, 1);
  EXPECT_EQ(plan.capacity_claim(7).units, 1u);
}

using PlanReservationDeathTest = PlanReservationTest;

TEST_F(PlanReservationDeathTest, DestroyingAPlanThatHoldsStockCrashes) {
  EXPECT_DEATH(
      {
        PlanReservation plan(table_, capacity_);
        (void)plan.add_stock_line(cell(0, 0), 1, 0);
        (void)plan.reserve();
      },
      "leaks stock");
}

}  // namespace
}  // namespace edgeroute::routing
