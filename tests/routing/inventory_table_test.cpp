// Specifies InventoryTable on one thread. Layout: records given in any order come out as
// SKU-major runs sorted by node, 16 bytes a cell, and find() answers for present and
// absent nodes on both its short-run (scan) and long-run (bisect) paths; bad snapshots
// are refused naming the record. Arithmetic: ATP = on_hand - reserved - safety stock,
// a reservation succeeds exactly when ATP covers it and never leaves ATP below zero, a
// refusal changes nothing, release and shipment move the counts as the domain says,
// and an adjustment that leaves on_hand below reserved is reported as oversold (and
// blocks further reservations) rather than hidden. Bad quantities are Statuses naming
// the cell; releasing more than is reserved is a bug and crashes. Growth: a pair added
// after build() into the table's room is found, walked in node order among the built
// cells, owned and reservable like a built one; adding a pair twice, past the room, for
// an SKU beyond the catalog or with negative stock is refused naming what and where.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <ranges>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/routing/inventory_table.h"

namespace edgeroute::routing {
namespace {

using ::testing::HasSubstr;

InventoryTable build_or_die(std::uint32_t sku_count, const std::vector<StockRecord>& records) {
  Result<InventoryTable> table = InventoryTable::build(sku_count, records);
  EDGEROUTE_ASSERT(table.has_value(), "test table must build");
  return std::move(*table);
}

// One SKU (index 0) stocked at one node (index 7) with `on_hand` units.
InventoryTable single_cell(std::int32_t on_hand) {
  return build_or_die(1, {{0, 7, on_hand}});
}

std::vector<std::uint32_t> nodes_of(const InventoryTable& table, std::uint32_t sku) {
  std::vector<std::uint32_t> nodes;
  for (const InventoryCell& cell : table.stocked_nodes(sku)) nodes.push_back(cell.node_index());
  return nodes;
}

TEST(InventoryTableLayout, RunsAreSkuMajorContiguousAndSortedByNode) {
  // Deliberately shuffled: SKU 2 first, nodes descending, SKU 1 without stock.
  const InventoryTable table = build_or_die(
      4, {{2, 9, 1}, {0, 5, 2}, {2, 3, 3}, {3, 0, 4}, {0, 1, 5}, {2, 4, 6}, {0, 3, 7}});
  EXPECT_EQ(table.cell_count(), 7u);
  EXPECT_EQ(nodes_of(table, 0), (std::vector<std::uint32_t>{1, 3, 5}));
  EXPECT_TRUE(table.stocked_nodes(1).empty());
  EXPECT_EQ(nodes_of(table, 2), (std::vector<std::uint32_t>{3, 4, 9}));
  EXPECT_EQ(nodes_of(table, 3), (std::vector<std::uint32_t>{0}));
  // Contiguous and in SKU order: each run starts where the previous one ends.
  EXPECT_EQ(&*table.stocked_nodes(0).begin() + 3, &*table.stocked_nodes(2).begin());
  EXPECT_EQ(&*table.stocked_nodes(2).begin() + 3, &*table.stocked_nodes(3).begin());
  // Each cell carries its own record's stock, nothing reserved.
  EXPECT_EQ(table.find(2, 9)->levels(), (StockLevels{1, 0}));
  EXPECT_EQ(table.find(0, 3)->levels(), (StockLevels{7, 0}));
  EXPECT_EQ(table.find(0, 3)->sku_index(), 0u);
}

TEST(InventoryTableLayout, CellsAreSixteenBytesAndMemoryIsAccountedFor) {
  const InventoryTable table = build_or_die(1000, {{0, 1, 1}, {999, 2, 2}});
  EXPECT_EQ(sizeof(InventoryCell), 16u);
  EXPECT_EQ(table.memory_bytes(),
            sizeof(InventoryTable) + 1001 * sizeof(std::uint32_t) + 2 * sizeof(InventoryCell));
}

TEST(InventoryTableLayout, UnknownSkusAreStockedNowhere) {
  const InventoryTable table = build_or_die(2, {{0, 1, 1}});
  EXPECT_TRUE(table.stocked_nodes(2).empty());
  EXPECT_TRUE(table.stocked_nodes(std::numeric_limits<std::uint32_t>::max()).empty());
  EXPECT_EQ(table.find(2, 1), nullptr);
}

TEST(InventoryTableLayout, FindOnAShortRun) {
  const InventoryTable table = build_or_die(1, {{0, 10, 1}, {0, 20, 2}, {0, 30, 3}});
  ASSERT_NE(table.find(0, 20), nullptr);
  EXPECT_EQ(table.find(0, 20)->node_index(), 20u);
  EXPECT_EQ(table.find(0, 20)->levels().on_hand, 2);
  EXPECT_EQ(table.find(0, 10)->levels().on_hand, 1);
  EXPECT_EQ(table.find(0, 30)->levels().on_hand, 3);
  EXPECT_EQ(table.find(0, 5), nullptr);   // before the first
  EXPECT_EQ(table.find(0, 15), nullptr);  // between two
  EXPECT_EQ(table.find(0, 31), nullptr);  // after the last
}

TEST(InventoryTableLayout, FindOnALongRun) {
  std::vector<StockRecord> records;
  for (std::uint32_t node = 200; node > 0; node -= 2) {
    records.push_back({1, node, static_cast<std::int32_t>(node)});
  }
  const InventoryTable table = build_or_die(2, records);
  ASSERT_EQ(std::ranges::distance(table.stocked_nodes(1)), 100);
  for (std::uint32_t node = 0; node <= 201; ++node) {
    const InventoryCell* cell = table.find(1, node);
    if (node % 2 == 0 && node > 0) {
      ASSERT_NE(cell, nullptr) << "node " << node;
      EXPECT_EQ(cell->node_index(), node);
      EXPECT_EQ(cell->levels().on_hand, static_cast<std::int32_t>(node));
    } else {
      EXPECT_EQ(cell, nullptr) << "node " << node;
    }
  }
}

TEST(InventoryTableBuild, RefusesAnSkuBeyondTheCatalog) {
  const Result<InventoryTable> table =
      InventoryTable::build(3, std::vector<StockRecord>{{0, 1, 1}, {3, 1, 1}});
  ASSERT_FALSE(table);
  EXPECT_EQ(table.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(table.status().message(), HasSubstr("stock record 1: SKU index 3"));
}

TEST(InventoryTableBuild, RefusesNegativeOnHand) {
  const Result<InventoryTable> table =
      InventoryTable::build(1, std::vector<StockRecord>{{0, 1, -4}});
  ASSERT_FALSE(table);
  EXPECT_EQ(table.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(table.status().message(), HasSubstr("stock record 0: on_hand -4"));
}

TEST(InventoryTableBuild, RestoredReservationsMayExceedOnHand) {
  // A gateway restarting from its journal restores what acknowledged decisions hold, even
  // where a later cycle count left the cell oversold.
  StockRecord oversold{0, 2, 3};
  oversold.reserved = 5;
  InventoryTable table = build_or_die(1, {oversold});
  const InventoryCell& cell = *table.find(0, 2);
  EXPECT_EQ(cell.levels(), (StockLevels{3, 5}));
  EXPECT_FALSE(table.try_reserve(cell, 1, 0)->reserved);
  ASSERT_TRUE(table.release(cell, 2).is_ok());
  EXPECT_EQ(cell.levels(), (StockLevels{3, 3}));
}

TEST(InventoryTableBuild, RefusesNegativeReserved) {
  StockRecord record{0, 1, 4};
  record.reserved = -1;
  const Result<InventoryTable> table = InventoryTable::build(1, std::vector<StockRecord>{record});
  ASSERT_FALSE(table);
  EXPECT_THAT(table.status().message(), HasSubstr("stock record 0: reserved -1 is negative"));
}

TEST(InventoryTableBuild, RefusesAPairGivenTwice) {
  const Result<InventoryTable> table =
      InventoryTable::build(2, std::vector<StockRecord>{{1, 4, 1}, {1, 2, 1}, {1, 4, 5}});
  ASSERT_FALSE(table);
  EXPECT_EQ(table.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(table.status().message(), HasSubstr("SKU 1 at node 4 has more than one"));
}

TEST(InventoryTableBuild, AnEmptySnapshotIsAnEmptyTable) {
  const InventoryTable table = build_or_die(0, {});
  EXPECT_EQ(table.cell_count(), 0u);
  EXPECT_TRUE(table.stocked_nodes(0).empty());
}

TEST(InventoryReservation, AtpIsOnHandMinusReservedMinusSafetyStock) {
  InventoryTable table = single_cell(10);
  const InventoryCell& cell = *table.find(0, 7);
  // Safety stock 3: 7 may be promised, and exactly 7.
  Result<StockReservation> taken = table.try_reserve(cell, 7, 3);
  ASSERT_TRUE(taken);
  EXPECT_TRUE(taken->reserved);
  EXPECT_EQ(taken->levels, (StockLevels{10, 7}));
  EXPECT_EQ(taken->levels.available_to_promise(3), 0);
  Result<StockReservation> refused = table.try_reserve(cell, 1, 3);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->reserved);
  EXPECT_EQ(refused->levels, (StockLevels{10, 7}));
  // Another policy's safety stock of 0 sees 3 more.
  EXPECT_TRUE(table.try_reserve(cell, 3, 0)->reserved);
  EXPECT_EQ(cell.levels(), (StockLevels{10, 10}));
}

TEST(InventoryReservation, NeverTakesMoreThanAtpAndARefusalChangesNothing) {
  InventoryTable table = single_cell(5);
  const InventoryCell& cell = *table.find(0, 7);
  EXPECT_FALSE(table.try_reserve(cell, 6, 0)->reserved);
  EXPECT_FALSE(table.try_reserve(cell, 1, 6)->reserved);  // safety stock above on_hand
  EXPECT_EQ(cell.levels(), (StockLevels{5, 0}));
  EXPECT_TRUE(table.try_reserve(cell, 5, 0)->reserved);
  EXPECT_FALSE(table.try_reserve(cell, 1, 0)->reserved);
  EXPECT_EQ(cell.levels(), (StockLevels{5, 5}));
}

TEST(InventoryReservation, ReleaseReturnsUnitsToAtp) {
  InventoryTable table = single_cell(5);
  const InventoryCell& cell = *table.find(0, 7);
  ASSERT_TRUE(table.try_reserve(cell, 4, 0)->reserved);
  EXPECT_TRUE(table.release(cell, 3).is_ok());
  EXPECT_EQ(cell.levels(), (StockLevels{5, 1}));
  EXPECT_TRUE(table.try_reserve(cell, 4, 0)->reserved);
  EXPECT_EQ(cell.levels(), (StockLevels{5, 5}));
}

TEST(InventoryReservation, BadQuantitiesAreStatusesNamingTheCell) {
  InventoryTable table = single_cell(5);
  const InventoryCell& cell = *table.find(0, 7);
  for (std::int32_t quantity : {0, -1}) {
    const Result<StockReservation> reserved = table.try_reserve(cell, quantity, 0);
    ASSERT_FALSE(reserved);
    EXPECT_EQ(reserved.status().code(), StatusCode::invalid_argument);
    EXPECT_THAT(reserved.status().message(), HasSubstr("SKU 0 at node 7"));
    EXPECT_EQ(table.release(cell, quantity).code(), StatusCode::invalid_argument);
    EXPECT_EQ(table.commit_shipment(cell, quantity).code(), StatusCode::invalid_argument);
  }
  const Result<StockReservation> negative_safety = table.try_reserve(cell, 1, -1);
  ASSERT_FALSE(negative_safety);
  EXPECT_THAT(negative_safety.status().message(), HasSubstr("safety stock -1"));
  EXPECT_EQ(cell.levels(), (StockLevels{5, 0}));
}

TEST(InventoryReservationDeathTest, ReleasingMoreThanReservedCrashes) {
  InventoryTable table = single_cell(5);
  const InventoryCell& cell = *table.find(0, 7);
  ASSERT_TRUE(table.try_reserve(cell, 2, 0)->reserved);
  EXPECT_DEATH((void)table.release(cell, 3), "more units than the cell has reserved");
}

TEST(InventoryReservationDeathTest, CellsOfAnotherTableAreRefused) {
  InventoryTable table = single_cell(5);
  InventoryTable other = single_cell(5);
  EXPECT_FALSE(table.owns(*other.find(0, 7)));
  EXPECT_TRUE(table.owns(*table.find(0, 7)));
  EXPECT_DEATH((void)table.try_reserve(*other.find(0, 7), 1, 0), "another inventory table");
}

TEST(InventoryAdjustment, ReceiptsRaiseOnHand) {
  InventoryTable table = single_cell(5);
  const InventoryCell& cell = *table.find(0, 7);
  ASSERT_TRUE(table.try_reserve(cell, 5, 0)->reserved);
  const Result<StockAdjustment> received = table.adjust_on_hand(cell, 10);
  ASSERT_TRUE(received);
  EXPECT_FALSE(received->oversold());
  EXPECT_EQ(received->levels, (StockLevels{15, 5}));
  EXPECT_TRUE(table.try_reserve(cell, 10, 0)->reserved);
}

TEST(InventoryAdjustment, FallingBelowReservedIsReportedAndBlocksReservations) {
  InventoryTable table = single_cell(10);
  const InventoryCell& cell = *table.find(0, 7);
  ASSERT_TRUE(table.try_reserve(cell, 8, 0)->reserved);
  const Result<StockAdjustment> damaged = table.adjust_on_hand(cell, -5);  // 3 units damaged
  ASSERT_TRUE(damaged);
  EXPECT_TRUE(damaged->oversold());
  EXPECT_EQ(damaged->oversold_units(), 3);
  EXPECT_EQ(damaged->levels, (StockLevels{5, 8}));
  EXPECT_TRUE(cell.levels().oversold());
  EXPECT_EQ(cell.levels().available_to_promise(0), -3);
  EXPECT_FALSE(table.try_reserve(cell, 1, 0)->reserved);
  // Releasing the promises that cannot be kept brings the cell back in balance.
  ASSERT_TRUE(table.release(cell, 3).is_ok());
  EXPECT_FALSE(cell.levels().oversold());
  EXPECT_EQ(table.adjust_on_hand(cell, 0)->oversold_units(), 0);
}

TEST(InventoryAdjustment, OnHandStaysWithinItsRange) {
  InventoryTable table = single_cell(5);
  const InventoryCell& cell = *table.find(0, 7);
  const Result<StockAdjustment> below = table.adjust_on_hand(cell, -6);
  ASSERT_FALSE(below);
  EXPECT_EQ(below.status().code(), StatusCode::out_of_range);
  EXPECT_THAT(below.status().message(), HasSubstr("SKU 0 at node 7: on_hand 5 adjusted by -6"));
  const Result<StockAdjustment> above =
      table.adjust_on_hand(cell, std::numeric_limits<std::int32_t>::max());
  ASSERT_FALSE(above);
  EXPECT_EQ(above.status().code(), StatusCode::out_of_range);
  EXPECT_EQ(cell.levels(), (StockLevels{5, 0}));
  EXPECT_EQ(table.adjust_on_hand(cell, -5)->levels, (StockLevels{0, 0}));
}

TEST(InventoryShipment, ShippingMovesReservedAndOnHandTogether) {
  InventoryTable table = single_cell(10);
  const InventoryCell& cell = *table.find(0, 7);
  ASSERT_TRUE(table.try_reserve(cell, 4, 2)->reserved);
  const std::int64_t atp_before = cell.levels().available_to_promise(2);
  ASSERT_TRUE(table.commit_shipment(cell, 3).is_ok());
  EXPECT_EQ(cell.levels(), (StockLevels{7, 1}));
  EXPECT_EQ(cell.levels().available_to_promise(2), atp_before);
}

TEST(InventoryShipment, ShippingUnitsTheBooksDoNotHaveIsRefused) {
  InventoryTable table = single_cell(10);
  const InventoryCell& cell = *table.find(0, 7);
  ASSERT_TRUE(table.try_reserve(cell, 6, 0)->reserved);
  ASSERT_TRUE(table.adjust_on_hand(cell, -8)->oversold());  // on_hand 2, reserved 6
  const Status shipped = table.commit_shipment(cell, 3);
  EXPECT_EQ(shipped.code(), StatusCode::failed_precondition);
  EXPECT_THAT(shipped.message(), HasSubstr("on_hand is 2"));
  EXPECT_EQ(cell.levels(), (StockLevels{2, 6}));
  EXPECT_TRUE(table.commit_shipment(cell, 2).is_ok());
  EXPECT_EQ(cell.levels(), (StockLevels{0, 4}));
}

TEST(InventoryShipmentDeathTest, ShippingMoreThanReservedCrashes) {
  InventoryTable table = single_cell(10);
  const InventoryCell& cell = *table.find(0, 7);
  ASSERT_TRUE(table.try_reserve(cell, 2, 0)->reserved);
  EXPECT_DEATH((void)table.commit_shipment(cell, 3), "more units than the cell has reserved");
}

TEST(InventoryTableMove, CellReferencesSurviveAMove) {
  InventoryTable table = single_cell(5);
  const InventoryCell* cell = table.find(0, 7);
  InventoryTable moved = std::move(table);
  EXPECT_TRUE(moved.owns(*cell));
  EXPECT_TRUE(moved.try_reserve(*cell, 5, 0)->reserved);
}

// --- Growth: pairs added after build() ------------------------------------------------

static_assert(std::forward_iterator<InventoryTable::StockedNodes::iterator>);
static_assert(std::ranges::forward_range<InventoryTable::StockedNodes>);

InventoryTable build_with_room(std::uint32_t sku_count, const std::vector<StockRecord>& records,
                               std::size_t room) {
  Result<InventoryTable> table = InventoryTable::build(sku_count, records, room);
  EDGEROUTE_ASSERT(table.has_value(), "test table must build");
  return std::move(*table);
}

const InventoryCell& add_or_die(InventoryTable& table, std::uint32_t sku, std::uint32_t node,
                                std::int32_t on_hand) {
  Result<const InventoryCell*> added = table.add_cell(sku, node, on_hand);
  EDGEROUTE_ASSERT(added.has_value(), "test cell must be added");
  return **added;
}

TEST(InventoryTableGrowth, AnAddedPairIsFoundAndWalkedInNodeOrderAmongTheBuiltOnes) {
  InventoryTable table = build_with_room(3, {{0, 2, 1}, {0, 6, 1}, {2, 5, 1}}, 4);
  const InventoryCell& middle = add_or_die(table, 0, 4, 9);
  add_or_die(table, 0, 8, 1);  // after the run
  add_or_die(table, 0, 1, 3);  // before it
  EXPECT_EQ(nodes_of(table, 0), (std::vector<std::uint32_t>{1, 2, 4, 6, 8}));
  EXPECT_EQ(table.find(0, 4), &middle);
  EXPECT_EQ(middle.sku_index(), 0u);
  EXPECT_EQ(middle.node_index(), 4u);
  EXPECT_EQ(middle.levels(), (StockLevels{9, 0}));
  EXPECT_EQ(table.find(0, 1)->levels(), (StockLevels{3, 0}));
  EXPECT_EQ(table.find(0, 2)->levels(), (StockLevels{1, 0}));  // built cells are still found
  EXPECT_EQ(table.find(0, 5), nullptr);
  EXPECT_EQ(table.find(0, 9), nullptr);
  // Other SKUs are untouched.
  EXPECT_TRUE(table.stocked_nodes(1).empty());
  EXPECT_EQ(table.find(1, 4), nullptr);
  EXPECT_EQ(nodes_of(table, 2), (std::vector<std::uint32_t>{5}));
  EXPECT_TRUE(table.owns(middle));
  EXPECT_EQ(table.cell_count(), 6u);
  EXPECT_EQ(table.room_for_added_cells(), 1u);
}

TEST(InventoryTableGrowth, AnSkuStockedOnlyByAddedCellsListsThem) {
  InventoryTable table = build_with_room(3, {{0, 2, 1}}, 4);
  EXPECT_TRUE(table.stocked_nodes(1).empty());
  add_or_die(table, 1, 7, 2);
  add_or_die(table, 1, 3, 4);
  EXPECT_EQ(nodes_of(table, 1), (std::vector<std::uint32_t>{3, 7}));
  EXPECT_EQ(table.find(1, 7)->levels(), (StockLevels{2, 0}));
  // An SKU beyond the catalog stays stocked nowhere.
  EXPECT_TRUE(table.stocked_nodes(3).empty());
  EXPECT_EQ(table.find(3, 7), nullptr);
}

TEST(InventoryTableGrowth, AddedCellsInterleaveWithALongRun) {
  // A run past kLinearScanMax: find() bisects it and the walk splits it around the
  // added cells.
  std::vector<StockRecord> records;
  for (std::uint32_t node = 0; node <= 60; node += 2) records.push_back({0, node, 1});
  InventoryTable table = build_with_room(1, records, 8);
  for (std::uint32_t node : {61u, 15u, 1u, 33u, 35u}) add_or_die(table, 0, node, 2);
  std::vector<std::uint32_t> expected;
  for (std::uint32_t node = 0; node <= 61; ++node) {
    if (node % 2 == 0 || node == 1 || node == 15 || node == 33 || node == 35 || node == 61) {
      expected.push_back(node);
    }
  }
  EXPECT_EQ(nodes_of(table, 0), expected);
  for (std::uint32_t node = 0; node <= 62; ++node) {
    const InventoryCell* cell = table.find(0, node);
    const bool stocked = std::find(expected.begin(), expected.end(), node) != expected.end();
    ASSERT_EQ(cell != nullptr, stocked) << "node " << node;
    if (stocked) {
      EXPECT_EQ(cell->node_index(), node);
    }
  }
}

TEST(InventoryTableGrowth, AnAddedCellIsReservedReleasedAdjustedAndShippedLikeABuiltOne) {
  InventoryTable table = build_with_room(1, {{0, 2, 5}}, 1);
  const InventoryCell& cell = add_or_die(table, 0, 9, 10);
  ASSERT_TRUE(table.try_reserve(cell, 8, 2)->reserved);
  EXPECT_FALSE(table.try_reserve(cell, 1, 2)->reserved);
  EXPECT_EQ(cell.levels(), (StockLevels{10, 8}));
  ASSERT_TRUE(table.release(cell, 3).is_ok());
  EXPECT_EQ(cell.levels(), (StockLevels{10, 5}));
  EXPECT_EQ(table.adjust_on_hand(cell, 4)->levels, (StockLevels{14, 5}));
  ASSERT_TRUE(table.commit_shipment(cell, 5).is_ok());
  EXPECT_EQ(cell.levels(), (StockLevels{9, 0}));
  // The built cell beside it did not move.
  EXPECT_EQ(table.find(0, 2)->levels(), (StockLevels{5, 0}));
}

TEST(InventoryTableGrowth, AddingAPairTheTableStocksIsRefusedNamingIt) {
  InventoryTable table = build_with_room(2, {{1, 4, 3}}, 4);
  const Result<const InventoryCell*> built = table.add_cell(1, 4, 7);
  ASSERT_FALSE(built);
  EXPECT_EQ(built.status().code(), StatusCode::already_exists);
  EXPECT_THAT(built.status().message(), HasSubstr("SKU 1 at node 4 is stocked already"));
  const InventoryCell& added = add_or_die(table, 1, 6, 2);
  const Result<const InventoryCell*> again = table.add_cell(1, 6, 9);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().code(), StatusCode::already_exists);
  EXPECT_THAT(again.status().message(), HasSubstr("SKU 1 at node 6 is stocked already"));
  // Nothing changed, and the refusals took no room.
  EXPECT_EQ(table.find(1, 4)->levels(), (StockLevels{3, 0}));
  EXPECT_EQ(added.levels(), (StockLevels{2, 0}));
  EXPECT_EQ(nodes_of(table, 1), (std::vector<std::uint32_t>{4, 6}));
  EXPECT_EQ(table.cell_count(), 2u);
  EXPECT_EQ(table.room_for_added_cells(), 3u);
}

TEST(InventoryTableGrowth, AddingPastTheRoomIsRefusedNamingTheRoom) {
  InventoryTable table = build_with_room(2, {{0, 1, 1}}, 2);
  add_or_die(table, 0, 2, 1);
  add_or_die(table, 1, 2, 1);
  EXPECT_EQ(table.room_for_added_cells(), 0u);
  const Result<const InventoryCell*> full = table.add_cell(1, 3, 1);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(full.status().message(), HasSubstr("SKU 1 at node 3"));
  EXPECT_THAT(full.status().message(), HasSubstr("all 2 cells of the table's room"));
  EXPECT_EQ(table.find(1, 3), nullptr);
  EXPECT_EQ(table.cell_count(), 3u);
}

TEST(InventoryTableGrowth, AnSkuBeyondTheCatalogAndNegativeStockAreRefused) {
  InventoryTable table = build_with_room(3, {{0, 1, 1}}, 2);
  const Result<const InventoryCell*> unknown = table.add_cell(3, 1, 1);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("SKU index 3 is beyond the catalog's 3 SKUs"));
  const Result<const InventoryCell*> negative = table.add_cell(2, 5, -1);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(negative.status().message(), HasSubstr("SKU 2 at node 5: on_hand -1 is negative"));
  EXPECT_EQ(table.find(2, 5), nullptr);
  EXPECT_EQ(table.room_for_added_cells(), 2u);
}

TEST(InventoryTableGrowth, ATableBuiltWithoutRoomRefusesEveryAdd) {
  InventoryTable table = build_or_die(2, {{0, 1, 1}});
  EXPECT_EQ(table.room_for_added_cells(), 0u);
  const Result<const InventoryCell*> added = table.add_cell(1, 1, 1);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(added.status().message(), HasSubstr("SKU 1 at node 1"));
  EXPECT_THAT(added.status().message(), HasSubstr("room for 0 added cells"));
  EXPECT_TRUE(table.stocked_nodes(1).empty());
  EXPECT_EQ(table.cell_count(), 1u);
}

TEST(InventoryTableGrowth, MemoryCountsTheRoomFromBuildAndCellCountTheAddedCells) {
  const std::vector<StockRecord> records{{0, 1, 1}, {999, 2, 2}};
  const InventoryTable without_room = build_or_die(1000, records);
  InventoryTable with_room = build_with_room(1000, records, 100);
  // The room's cells, their links and a chain head per SKU are held from build() on.
  EXPECT_GE(with_room.memory_bytes(), without_room.memory_bytes() +
                                          100 * (sizeof(InventoryCell) + sizeof(std::uint32_t)) +
                                          1000 * sizeof(std::uint32_t));
  const std::size_t built_bytes = with_room.memory_bytes();
  EXPECT_EQ(with_room.cell_count(), 2u);
  add_or_die(with_room, 500, 3, 1);
  add_or_die(with_room, 0, 0, 1);
  EXPECT_EQ(with_room.cell_count(), 4u);
  EXPECT_EQ(with_room.memory_bytes(), built_bytes);
}

TEST(InventoryTableGrowth, RoomBeyondTheTableLimitIsRefused) {
  const Result<InventoryTable> table = InventoryTable::build(
      1, std::vector<StockRecord>{}, std::size_t{std::numeric_limits<std::uint32_t>::max()});
  ASSERT_FALSE(table);
  EXPECT_EQ(table.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(table.status().message(), HasSubstr("room for 4294967295 added cells"));
}

TEST(InventoryTableGrowth, AddedCellsSurviveAMove) {
  InventoryTable table = build_with_room(1, {{0, 1, 1}}, 2);
  const InventoryCell& cell = add_or_die(table, 0, 3, 4);
  InventoryTable moved = std::move(table);
  EXPECT_TRUE(moved.owns(cell));
  EXPECT_EQ(moved.find(0, 3), &cell);
  EXPECT_TRUE(moved.try_reserve(cell, 4, 0)->reserved);
  const InventoryCell& added_after_move = add_or_die(moved, 0, 2, 1);
  EXPECT_EQ(moved.find(0, 2), &added_after_move);
  EXPECT_EQ(nodes_of(moved, 0), (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST(InventoryTableGrowth, AWalkCanBeCopiedAndWalkedAgain) {
  InventoryTable table = build_with_room(1, {{0, 2, 1}, {0, 4, 1}}, 2);
  add_or_die(table, 0, 3, 1);
  const InventoryTable::StockedNodes nodes = table.stocked_nodes(0);
  auto second = std::next(nodes.begin());
  const auto copy = second;
  EXPECT_EQ(second->node_index(), 3u);
  EXPECT_EQ((second++)->node_index(), 3u);
  EXPECT_EQ(second->node_index(), 4u);
  EXPECT_EQ(copy->node_index(), 3u);
  EXPECT_EQ(std::next(second), nodes.end());
  EXPECT_EQ(std::ranges::distance(nodes), 3);
}

// The piece-at-a-time walk the router's hot loop uses.
std::vector<std::vector<std::uint32_t>> pieces_of(const InventoryTable& table, std::uint32_t sku) {
  std::vector<std::vector<std::uint32_t>> pieces;
  for (const std::span<const InventoryCell> piece : table.stocked_nodes(sku).pieces()) {
    pieces.emplace_back();
    for (const InventoryCell& cell : piece) pieces.back().push_back(cell.node_index());
  }
  return pieces;
}

TEST(InventoryTableGrowth, PiecesAreTheBuiltRunSplitAroundTheAddedCells) {
  InventoryTable table = build_with_room(3, {{0, 2, 1}, {0, 4, 1}, {0, 8, 1}, {1, 3, 1}}, 4);
  using Pieces = std::vector<std::vector<std::uint32_t>>;
  // Nothing added: the built run, in one piece; an empty run, none.
  EXPECT_EQ(pieces_of(table, 0), (Pieces{{2, 4, 8}}));
  EXPECT_EQ(pieces_of(table, 2), Pieces{});
  add_or_die(table, 0, 5, 1);
  add_or_die(table, 0, 9, 1);
  add_or_die(table, 0, 1, 1);
  add_or_die(table, 2, 6, 1);
  EXPECT_EQ(pieces_of(table, 0), (Pieces{{1}, {2, 4}, {5}, {8}, {9}}));
  EXPECT_EQ(pieces_of(table, 1), (Pieces{{3}}));  // cells added elsewhere split nothing
  EXPECT_EQ(pieces_of(table, 2), (Pieces{{6}}));
  EXPECT_EQ(pieces_of(table, 3), Pieces{});  // beyond the catalog
}

TEST(InventoryReservationDeathTest, AddedCellsOfAnotherTableAreRefused) {
  InventoryTable table = build_with_room(1, {{0, 1, 1}}, 1);
  InventoryTable other = build_with_room(1, {{0, 1, 1}}, 1);
  const InventoryCell& foreign = add_or_die(other, 0, 2, 5);
  EXPECT_FALSE(table.owns(foreign));
  EXPECT_DEATH((void)table.try_reserve(foreign, 1, 0), "another inventory table");
}

}  // namespace
}  // namespace edgeroute::routing
