// Proves that InventoryTable grows safely while it is in use (this file is what
// ThreadSanitizer is pointed at for growth). Eight threads walk, find, reserve and
// release on a few hot SKUs while one thread adds cells for those SKUs at other nodes,
// some between the built nodes and some past them, publishing after each add how many
// it has made (the happens-before edge a gateway gets from its control-plane queue).
// Each reserving thread keeps its own ledger of what it holds; the threads join, then:
//   - no walk ever showed a cell of another SKU, a cell the table does not own, nodes out
//     of ascending order or a node twice, and no count went negative;
//   - a thread that had learnt of an add (through the published count) always found the
//     added cell, by find() and in the walk;
//   - every cell, built or added, conserves its stock: reserved equals the ledgers' held
//     quantities, and after every hold is released, on_hand is as built or added and
//     reserved is 0;
//   - the final walk of each SKU lists every built and added node exactly once.
// A second test races two adders for the same pairs: each pair is added once, the
// other adder is told it is stocked already. Bounded iterations, no sleeps.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <latch>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/inventory_table.h"

namespace edgeroute::routing {
namespace {

constexpr std::uint32_t kHotSkus = 3;
// Built at the nodes divisible by kBuiltEvery; the others are added while threads work.
constexpr std::uint32_t kNodes = 16;
constexpr std::uint32_t kBuiltEvery = 4;
constexpr std::size_t kCells = std::size_t{kHotSkus} * kNodes;
constexpr std::int32_t kBuiltOnHand = 6;
constexpr int kReaders = 8;
constexpr int kIterations = 12000;
constexpr std::size_t kHeldMax = 6;

// A number in [0, bound).
std::uint32_t pick(std::mt19937& random, std::size_t bound) {
  return static_cast<std::uint32_t>(random() % bound);
}

std::size_t cell_number(std::uint32_t sku, std::uint32_t node) {
  return std::size_t{sku} * kNodes + node;
}

bool built_at(std::uint32_t node) {
  return node % kBuiltEvery == 0;
}

// Added cells get stock that differs by pair, so a mix-up shows.
std::int32_t added_on_hand(std::uint32_t sku, std::uint32_t node) {
  return static_cast<std::int32_t>(1 + (sku + node) % 5);
}

std::int32_t initial_on_hand(std::uint32_t sku, std::uint32_t node) {
  return built_at(node) ? kBuiltOnHand : added_on_hand(sku, node);
}

struct Pair {
  std::uint32_t sku = 0;
  std::uint32_t node = 0;
};

// Every pair that is not built, in a shuffled (seeded) order: the adder's schedule.
std::vector<Pair> pairs_to_add() {
  std::vector<Pair> pairs;
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    for (std::uint32_t node = 0; node < kNodes; ++node) {
      if (!built_at(node)) pairs.push_back({sku, node});
    }
  }
  std::mt19937 random(7);
  std::shuffle(pairs.begin(), pairs.end(), random);
  return pairs;
}

InventoryTable build_table(std::size_t room) {
  std::vector<StockRecord> records;
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    for (std::uint32_t node = 0; node < kNodes; node += kBuiltEvery) {
      records.push_back({sku, node, kBuiltOnHand});
    }
  }
  Result<InventoryTable> table = InventoryTable::build(kHotSkus, records, room);
  EDGEROUTE_ASSERT(table.has_value(), "test table must build");
  return std::move(*table);
}

struct Hold {
  const InventoryCell* cell = nullptr;
  std::int32_t quantity = 0;
};

// What one reading thread holds and saw. Written only by its thread; read after join.
struct Ledger {
  std::array<std::int64_t, kCells> reserved{};
  std::vector<Hold> held;
  std::int64_t reservations = 0;
  std::int64_t reservations_on_added = 0;
  std::int64_t refusals = 0;
  std::int64_t added_cells_seen = 0;  // in walks, summed
  std::int64_t violations = 0;
  std::int64_t missed_published = 0;
};

class InventoryGrowthStress : public ::testing::Test {
 protected:
  InventoryGrowthStress() : schedule_(pairs_to_add()), table_(build_table(schedule_.size())) {}

  // Walks one SKU, checking its shape, and returns the cells seen.
  std::vector<const InventoryCell*> walk(std::uint32_t sku, Ledger& ledger) {
    std::vector<const InventoryCell*> cells;
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      if (cell.sku_index() != sku || cell.node_index() >= kNodes || !table_.owns(cell)) {
        ++ledger.violations;
        continue;
      }
      if (!cells.empty() && cells.back()->node_index() >= cell.node_index()) ++ledger.violations;
      const StockLevels levels = cell.levels();
      if (levels.on_hand != initial_on_hand(sku, cell.node_index()) || levels.reserved < 0 ||
          levels.oversold()) {
        ++ledger.violations;
      }
      if (!built_at(cell.node_index())) ++ledger.added_cells_seen;
      cells.push_back(&cell);
    }
    return cells;
  }

  // Every pair the adder had published before this thread looked must be there.
  void check_published(Ledger& ledger, std::mt19937& random) {
    // Acquire: pairs with the adder's release store; what it added before is visible.
    const std::uint32_t published = published_.load(std::memory_order_acquire);
    if (published == 0) return;
    const Pair& pair = schedule_[pick(random, published)];
    const InventoryCell* found = table_.find(pair.sku, pair.node);
    if (found == nullptr || found->node_index() != pair.node) ++ledger.missed_published;
    const std::vector<const InventoryCell*> cells = walk(pair.sku, ledger);
    if (std::none_of(cells.begin(), cells.end(),
                     [&](const InventoryCell* cell) { return cell == found; })) {
      ++ledger.missed_published;
    }
  }

  void reader_step(Ledger& ledger, std::mt19937& random) {
    if (!ledger.held.empty() && (ledger.held.size() == kHeldMax || pick(random, 2) == 0)) {
      const std::size_t i = pick(random, ledger.held.size());
      const Hold hold = ledger.held[i];
      ledger.held[i] = ledger.held.back();
      ledger.held.pop_back();
      ASSERT_TRUE(table_.release(*hold.cell, hold.quantity).is_ok());
      ledger.reserved[cell_number(hold.cell->sku_index(), hold.cell->node_index())] -=
          hold.quantity;
    } else {
      const std::uint32_t sku = pick(random, kHotSkus);
      const std::vector<const InventoryCell*> cells = walk(sku, ledger);
      if (cells.empty()) return;
      const InventoryCell& cell = *cells[pick(random, cells.size())];
      const auto quantity = static_cast<std::int32_t>(1 + pick(random, 2));
      const Result<StockReservation> taken = table_.try_reserve(cell, quantity, 0);
      ASSERT_TRUE(taken);
      if (!taken->reserved) {
        ++ledger.refusals;
      } else {
        ++ledger.reservations;
        if (!built_at(cell.node_index())) ++ledger.reservations_on_added;
        ledger.held.push_back({&cell, quantity});
        ledger.reserved[cell_number(sku, cell.node_index())] += quantity;
      }
    }
    check_published(ledger, random);
  }

  // Adds the schedule, one pair at a time, each after the readers made some progress, so
  // that adds land all through their work.
  void add_all(const std::atomic<std::int64_t>& reader_steps) {
    const std::int64_t steps_between_adds =
        std::int64_t{kReaders} * kIterations / 2 / static_cast<std::int64_t>(schedule_.size());
    for (std::size_t i = 0; i < schedule_.size(); ++i) {
      const Pair& pair = schedule_[i];
      while (reader_steps.load(std::memory_order_relaxed) <
             static_cast<std::int64_t>(i) * steps_between_adds) {
        std::this_thread::yield();
      }
      const Result<const InventoryCell*> added =
          table_.add_cell(pair.sku, pair.node, added_on_hand(pair.sku, pair.node));
      ASSERT_TRUE(added) << added.status().to_string();
      published_.store(static_cast<std::uint32_t>(i + 1), std::memory_order_release);
    }
  }

  const std::vector<Pair> schedule_;
  InventoryTable table_;
  // How many of schedule_ the adder has added: release by the adder, acquire by readers.
  std::atomic<std::uint32_t> published_{0};
};

TEST_F(InventoryGrowthStress, ReadersAndReservationsRunWhileCellsAreAdded) {
  std::vector<Ledger> ledgers(kReaders);
  std::atomic<std::int64_t> reader_steps{0};
  {
    std::latch start(kReaders + 1);
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      start.arrive_and_wait();
      add_all(reader_steps);
    });
    for (int t = 0; t < kReaders; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 random(static_cast<std::uint32_t>(3000 + t));
        Ledger& ledger = ledgers[static_cast<std::size_t>(t)];
        start.arrive_and_wait();
        for (int i = 0; i < kIterations; ++i) {
          reader_step(ledger, random);
          reader_steps.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }

  std::array<std::int64_t, kCells> held{};
  std::int64_t reservations_on_added = 0;
  std::int64_t refusals = 0;
  std::int64_t added_cells_seen = 0;
  for (const Ledger& ledger : ledgers) {
    EXPECT_EQ(ledger.violations, 0);
    EXPECT_EQ(ledger.missed_published, 0);
    for (std::size_t c = 0; c < kCells; ++c) held[c] += ledger.reserved[c];
    reservations_on_added += ledger.reservations_on_added;
    refusals += ledger.refusals;
    added_cells_seen += ledger.added_cells_seen;
  }
  // The run did what it is meant to: added cells were met and reserved while the hot
  // cells ran short.
  EXPECT_GT(added_cells_seen, 0);
  EXPECT_GT(reservations_on_added, 0);
  EXPECT_GT(refusals, 0) << "the SKUs were not hot enough to run short";

  // Every pair, built or added, exactly once, ascending; each cell's reserved units are
  // the ledgers' holds.
  EXPECT_EQ(table_.cell_count(), kCells);
  EXPECT_EQ(table_.room_for_added_cells(), 0u);
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    std::vector<std::uint32_t> nodes;
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      nodes.push_back(cell.node_index());
      EXPECT_EQ(cell.levels().reserved, held[cell_number(sku, cell.node_index())])
          << "SKU " << sku << " node " << cell.node_index();
      EXPECT_EQ(table_.find(sku, cell.node_index()), &cell);
    }
    std::vector<std::uint32_t> every_node(kNodes);
    for (std::uint32_t node = 0; node < kNodes; ++node) every_node[node] = node;
    EXPECT_EQ(nodes, every_node) << "SKU " << sku;
  }

  // The joins handed every hold to this thread; give everything back.
  for (Ledger& ledger : ledgers) {
    for (const Hold& hold : ledger.held) {
      ASSERT_TRUE(table_.release(*hold.cell, hold.quantity).is_ok());
    }
  }
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      EXPECT_EQ(cell.levels(), (StockLevels{initial_on_hand(sku, cell.node_index()), 0}))
          << "SKU " << sku << " node " << cell.node_index();
    }
  }
}

TEST_F(InventoryGrowthStress, RacingAddersAddEachPairOnce) {
  constexpr int kAdders = 2;
  std::array<std::vector<const InventoryCell*>, kAdders> added;
  std::array<std::int64_t, kAdders> told_stocked{};
  std::array<std::int64_t, kAdders> other_errors{};
  {
    std::latch start(kAdders);
    std::vector<std::thread> threads;
    for (int t = 0; t < kAdders; ++t) {
      threads.emplace_back([&, t] {
        const auto a = static_cast<std::size_t>(t);
        start.arrive_and_wait();
        for (const Pair& pair : schedule_) {
          const Result<const InventoryCell*> cell =
              table_.add_cell(pair.sku, pair.node, added_on_hand(pair.sku, pair.node));
          if (cell) {
            added[a].push_back(*cell);
          } else if (cell.status().code() == StatusCode::already_exists) {
            ++told_stocked[a];
          } else {
            ++other_errors[a];
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  EXPECT_EQ(added[0].size() + added[1].size(), schedule_.size());
  EXPECT_EQ(told_stocked[0] + told_stocked[1], static_cast<std::int64_t>(schedule_.size()));
  EXPECT_EQ(other_errors[0] + other_errors[1], 0);
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    std::vector<std::uint32_t> nodes;
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      nodes.push_back(cell.node_index());
      EXPECT_EQ(cell.levels(), (StockLevels{initial_on_hand(sku, cell.node_index()), 0}));
    }
    EXPECT_EQ(nodes.size(), kNodes) << "SKU " << sku;
    EXPECT_TRUE(std::is_sorted(nodes.begin(), nodes.end())) << "SKU " << sku;
    EXPECT_EQ(std::adjacent_find(nodes.begin(), nodes.end()), nodes.end()) << "SKU " << sku;
  }
}

}  // namespace
}  // namespace edgeroute::routing
