// Proves the reservation hot path does not allocate: after the table, the counters and a
// plan's lines exist, reserving (whole, refused for stock, refused for capacity, with its
// rollback), releasing, shipping and adjusting make no call to operator new. The test
// binary links edgeroute::test_allocation_counter, which counts every allocation, and
// compares the count around the calls; error paths, which build messages, are deliberately left
// out.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/testing/allocation_counter.h"

#include "edgeroute/routing/plan_reservation.h"

namespace edgeroute::routing {
namespace {

constexpr std::int32_t kDay = 19'876;

InventoryTable two_cells() {
  Result<InventoryTable> table =
      InventoryTable::build(2, std::vector<StockRecord>{{0, 0, 100}, {1, 0, 100}});
  EDGEROUTE_ASSERT(table.has_value(), "test table must build");
  return std::move(*table);
}

TEST(ReservationHotPath, MakesNoAllocation) {
  InventoryTable table = two_cells();
  CapacityCounters capacity(1);
  const CapacityLimits limits{.orders_max = 1000, .units_max = 100'000};
  PlanReservation fits(table, capacity);
  ASSERT_TRUE(fits.add_stock_line(*table.find(0, 0), 2, 1).is_ok());
  ASSERT_TRUE(fits.add_stock_line(*table.find(1, 0), 3, 0).is_ok());
  ASSERT_TRUE(fits.add_capacity_claim({0, kDay, 1, 5, limits}).is_ok());
  PlanReservation too_much_stock(table, capacity);
  ASSERT_TRUE(too_much_stock.add_stock_line(*table.find(0, 0), 1, 0).is_ok());
  ASSERT_TRUE(too_much_stock.add_stock_line(*table.find(1, 0), 101, 0).is_ok());
  PlanReservation too_many_units(table, capacity);
  ASSERT_TRUE(too_many_units.add_stock_line(*table.find(0, 0), 1, 0).is_ok());
  ASSERT_TRUE(too_many_units.add_capacity_claim({0, kDay, 1, 100'000, limits}).is_ok());

  const std::int64_t before = edgeroute::testing::allocation_count();
  int reserved = 0;
  for (int i = 0; i < 100; ++i) {
    reserved += fits.reserve().reserved() ? 1 : 0;
    reserved += too_much_stock.reserve().reserved() ? 1 : 0;
    reserved += too_many_units.reserve().reserved() ? 1 : 0;
    fits.release();
    const InventoryCell& cell = *table.find(0, 0);
    reserved += table.try_reserve(cell, 1, 0)->reserved ? 1 : 0;
    (void)table.commit_shipment(cell, 1);
    (void)table.adjust_on_hand(cell, 1);
  }
  const std::int64_t after = edgeroute::testing::allocation_count();

  EXPECT_GT(before, 0) << "the counting operator new is not in use";  // building allocated
  EXPECT_EQ(after, before);
  EXPECT_EQ(reserved, 200);  // `fits` and the single cell, every time; the others never
  EXPECT_EQ(table.find(0, 0)->levels(), (StockLevels{100, 0}));
}

}  // namespace
}  // namespace edgeroute::routing
