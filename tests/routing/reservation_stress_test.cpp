// Proves the reservation core keeps its promises under real concurrency (this file is
// what ThreadSanitizer is pointed at). Eight threads reserve multi-line plans, with
// capacity claims for today and tomorrow, on a handful of hot SKUs stocked at three
// nodes, hold some, and release others, while reading the cells and counters as they
// go. Each thread keeps its own ledger of what it holds; the threads join (which orders
// their ledgers before the checks), then:
//   - no read ever showed a cell oversold (reserved > on_hand) or a counter beyond its
//     limit, and every count stayed non-negative;
//   - every cell conserves its stock: initial on_hand == available + reserved, and
//     reserved equals the sum of the ledgers' held quantities; every node's usage equals
//     the ledgers' claims;
//   - contention really happened (some plans were refused for stock, some succeeded);
//   - releasing every plan still held brings every count back to its start.
// A second test mixes in receipts and damage (adjust_on_hand) and shipments: on_hand
// then equals initial + adjustments - shipments, reservations still never leave ATP
// below zero, and a cell is only ever seen oversold if an adjustment reported it.
// Bounded iterations, no sleeps; a few seconds under ThreadSanitizer and qemu.
#include <array>
#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/plan_reservation.h"

namespace edgeroute::routing {
namespace {

constexpr std::uint32_t kHotSkus = 4;
constexpr std::uint32_t kNodes = 3;
constexpr std::size_t kCells = std::size_t{kHotSkus} * kNodes;
constexpr std::uint32_t kDays = 2;  // today and tomorrow
constexpr std::int32_t kToday = 19'876;
constexpr std::int32_t kInitialOnHand = 12;
constexpr int kThreads = 8;
constexpr int kIterations = 20000;
constexpr std::size_t kPlansPerThread = 4;
// Tight enough that plans are refused for capacity too, not only for stock.
constexpr CapacityLimits kTightLimits{.orders_max = 8, .units_max = 30};

// A number in [0, bound).
std::uint32_t pick(std::mt19937& random, std::size_t bound) {
  return static_cast<std::uint32_t>(random() % bound);
}

std::size_t cell_number(const InventoryCell& cell) {
  return std::size_t{cell.sku_index()} * kNodes + cell.node_index();
}
std::size_t node_day_number(std::uint32_t node, std::int32_t day) {
  return std::size_t{node} * kDays + static_cast<std::size_t>(day - kToday);
}

// What one thread holds and did. Written only by its thread; read after join.
struct Ledger {
  std::array<std::int64_t, kCells> reserved{};
  std::array<std::int64_t, kCells> shipped{};
  std::array<std::int64_t, kCells> adjusted{};
  std::array<std::int64_t, kCells> oversold_reports{};
  std::array<bool, kCells> oversold_seen{};
  std::array<std::int64_t, kNodes * kDays> orders{};
  std::array<std::int64_t, kNodes * kDays> units{};
  std::int64_t plans_reserved = 0;
  std::int64_t plans_short_of_stock = 0;
  std::int64_t plans_short_of_capacity = 0;
  std::int64_t violations = 0;
};

class ReservationStress : public ::testing::Test {
 protected:
  ReservationStress() : table_(build()), capacity_(kNodes) {}

  static InventoryTable build() {
    std::vector<StockRecord> records;
    for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
      for (std::uint32_t node = 0; node < kNodes; ++node) {
        records.push_back({sku, node, kInitialOnHand});
      }
    }
    Result<InventoryTable> table = InventoryTable::build(kHotSkus, records);
    EDGEROUTE_ASSERT(table.has_value(), "test table must build");
    return std::move(*table);
  }

  // One to three lines on random hot cells; one claim per node used, for one day.
  void make_plan(PlanReservation& plan, std::mt19937& random) {
    plan.clear();
    std::array<std::uint32_t, kNodes> units_at{};
    const int lines = 1 + static_cast<int>(pick(random, 3));
    for (int line = 0; line < lines; ++line) {
      const InventoryCell& cell = *table_.find(pick(random, kHotSkus), pick(random, kNodes));
      const auto quantity = static_cast<std::int32_t>(1 + pick(random, 3));
      ASSERT_TRUE(
          plan.add_stock_line(cell, quantity, static_cast<std::int32_t>(pick(random, 3))).is_ok());
      units_at[cell.node_index()] += static_cast<std::uint32_t>(quantity);
    }
    const std::int32_t day = kToday + static_cast<std::int32_t>(pick(random, kDays));
    for (std::uint32_t node = 0; node < kNodes; ++node) {
      if (units_at[node] == 0) continue;
      ASSERT_TRUE(plan.add_capacity_claim({node, day, 1, units_at[node], limits_}).is_ok());
    }
  }

  static void record(Ledger& ledger, const PlanReservation& plan, std::int64_t sign) {
    for (std::size_t i = 0; i < plan.stock_line_count(); ++i) {
      const StockLine& line = plan.stock_line(i);
      ledger.reserved[cell_number(*line.cell)] += sign * line.quantity;
    }
    for (std::size_t i = 0; i < plan.capacity_claim_count(); ++i) {
      const CapacityClaim& claim = plan.capacity_claim(i);
      ledger.orders[node_day_number(claim.node_index, claim.local_day)] += sign * claim.orders;
      ledger.units[node_day_number(claim.node_index, claim.local_day)] += sign * claim.units;
    }
  }

  void try_plan(PlanReservation& plan, Ledger& ledger, std::mt19937& random) {
    make_plan(plan, random);
    const PlanReservationOutcome outcome = plan.reserve();
    switch (outcome.shortfall) {
      case PlanShortfall::none:
        ++ledger.plans_reserved;
        record(ledger, plan, +1);
        break;
      case PlanShortfall::no_inventory: ++ledger.plans_short_of_stock; break;
      case PlanShortfall::no_capacity: ++ledger.plans_short_of_capacity; break;
    }
  }

  // Reads every cell of one SKU and every counter; `oversold_allowed` when adjustments
  // run, in which case oversold cells are noted for the end-of-test check.
  void inspect(std::uint32_t sku, Ledger& ledger, bool oversold_allowed) {
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      const StockLevels levels = cell.levels();
      if (levels.on_hand < 0 || levels.reserved < 0) ++ledger.violations;
      if (levels.oversold()) {
        if (!oversold_allowed) ++ledger.violations;
        ledger.oversold_seen[cell_number(cell)] = true;
      }
    }
    for (std::uint32_t node = 0; node < kNodes; ++node) {
      for (std::int32_t day = kToday; day < kToday + static_cast<std::int32_t>(kDays); ++day) {
        const CapacityUsage usage = capacity_.usage(node, day);
        if (usage.orders > limits_.orders_max || usage.units > limits_.units_max) {
          ++ledger.violations;
        }
      }
    }
  }

  // Runs `body(thread_index)` on kThreads threads released together.
  template <typename Body>
  static void run_threads(Body body) {
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&start, &body, t] {
        start.arrive_and_wait();
        body(t);
      });
    }
    for (std::thread& thread : threads) thread.join();
  }

  struct Worker {
    std::vector<std::unique_ptr<PlanReservation>> plans;
    Ledger ledger;
  };

  std::vector<Worker> make_workers() {
    std::vector<Worker> workers(kThreads);
    for (Worker& worker : workers) {
      for (std::size_t i = 0; i < kPlansPerThread; ++i) {
        worker.plans.push_back(std::make_unique<PlanReservation>(table_, capacity_));
      }
    }
    return workers;
  }

  // One planner step: reserve into a free slot, or cancel a held plan, then look.
  void planner_step(Worker& worker, std::mt19937& random, bool oversold_allowed) {
    PlanReservation& plan = *worker.plans[pick(random, kPlansPerThread)];
    if (!plan.holds_reservation()) {
      try_plan(plan, worker.ledger, random);
    } else {
      record(worker.ledger, plan, -1);
      plan.release();
    }
    inspect(pick(random, kHotSkus), worker.ledger, oversold_allowed);
  }

  Ledger total(const std::vector<Worker>& workers) {
    Ledger sum;
    for (const Worker& worker : workers) {
      const Ledger& one = worker.ledger;
      for (std::size_t c = 0; c < kCells; ++c) {
        sum.reserved[c] += one.reserved[c];
        sum.shipped[c] += one.shipped[c];
        sum.adjusted[c] += one.adjusted[c];
        sum.oversold_reports[c] += one.oversold_reports[c];
        sum.oversold_seen[c] = sum.oversold_seen[c] || one.oversold_seen[c];
      }
      for (std::size_t n = 0; n < kNodes * kDays; ++n) {
        sum.orders[n] += one.orders[n];
        sum.units[n] += one.units[n];
      }
      sum.plans_reserved += one.plans_reserved;
      sum.plans_short_of_stock += one.plans_short_of_stock;
      sum.plans_short_of_capacity += one.plans_short_of_capacity;
      sum.violations += one.violations;
    }
    return sum;
  }

  void expect_capacity_matches(const Ledger& sum) {
    for (std::uint32_t node = 0; node < kNodes; ++node) {
      for (std::int32_t day = kToday; day < kToday + static_cast<std::int32_t>(kDays); ++day) {
        const CapacityUsage usage = capacity_.usage(node, day);
        EXPECT_EQ(usage.orders, sum.orders[node_day_number(node, day)]) << "node " << node;
        EXPECT_EQ(usage.units, sum.units[node_day_number(node, day)]) << "node " << node;
      }
    }
  }

  InventoryTable table_;
  CapacityCounters capacity_;
  CapacityLimits limits_ = kTightLimits;
};

TEST_F(ReservationStress, ConcurrentPlansNeverOversellAndConserveStock) {
  std::vector<Worker> workers = make_workers();
  run_threads([&](int t) {
    std::mt19937 random(static_cast<std::uint32_t>(1000 + t));
    Worker& worker = workers[static_cast<std::size_t>(t)];
    for (int i = 0; i < kIterations; ++i) planner_step(worker, random, false);
  });

  const Ledger sum = total(workers);
  EXPECT_EQ(sum.violations, 0);
  EXPECT_GT(sum.plans_reserved, 0);
  EXPECT_GT(sum.plans_short_of_stock, 0) << "the SKUs were not hot enough to run short";
  EXPECT_GT(sum.plans_short_of_capacity, 0) << "the limits were not tight enough to bind";
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      const StockLevels levels = cell.levels();
      EXPECT_EQ(levels.on_hand, kInitialOnHand);
      EXPECT_EQ(kInitialOnHand, levels.available_to_promise(0) + levels.reserved);
      EXPECT_GE(levels.available_to_promise(0), 0);
      EXPECT_EQ(levels.reserved, sum.reserved[cell_number(cell)])
          << "SKU " << sku << " node " << cell.node_index();
    }
  }
  expect_capacity_matches(sum);

  // The joins handed every plan to this thread; give everything back.
  for (Worker& worker : workers) {
    for (auto& plan : worker.plans) {
      if (plan->holds_reservation()) plan->release();
    }
  }
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      EXPECT_EQ(cell.levels(), (StockLevels{kInitialOnHand, 0}));
    }
  }
  for (std::uint32_t node = 0; node < kNodes; ++node) {
    EXPECT_EQ(capacity_.usage(node, kToday), (CapacityUsage{0, 0, false}));
    EXPECT_EQ(capacity_.usage(node, kToday + 1), (CapacityUsage{0, 0, false}));
  }
}

// Threads 0 and 1 adjust on_hand; the others plan, ship some plans (commit_shipment,
// line by line, after keep()) and make single-cell reservations checked for ATP >= 0.
class MixedStress : public ReservationStress {
 protected:
  // Shipped plans keep their capacity for good; tight limits would soon refuse every
  // plan and leave the stock alone.
  MixedStress() { limits_ = {CapacityCounters::kOrdersMax, CapacityCounters::kUnitsMax}; }

  void adjuster_step(Ledger& ledger, std::mt19937& random) {
    const InventoryCell& cell = *table_.find(pick(random, kHotSkus), pick(random, kNodes));
    const auto delta = static_cast<std::int32_t>(pick(random, 7)) - 3;
    const Result<StockAdjustment> adjusted = table_.adjust_on_hand(cell, delta);
    if (!adjusted) return;  // would have left on_hand negative: refused, nothing changed
    ledger.adjusted[cell_number(cell)] += delta;
    if (adjusted->oversold()) ++ledger.oversold_reports[cell_number(cell)];
  }

  // Ships a held plan: its record takes over (keep), then each line leaves the shelf;
  // a line the books cannot ship (oversold by an adjustment) is released instead.
  // Capacity stays consumed: the shipments were made.
  void ship(PlanReservation& plan, Ledger& ledger) {
    plan.keep();
    for (std::size_t i = 0; i < plan.stock_line_count(); ++i) {
      const StockLine& line = plan.stock_line(i);
      const std::size_t c = cell_number(*line.cell);
      ledger.reserved[c] -= line.quantity;
      if (table_.commit_shipment(*line.cell, line.quantity).is_ok()) {
        ledger.shipped[c] += line.quantity;
      } else {
        ASSERT_TRUE(table_.release(*line.cell, line.quantity).is_ok());
      }
    }
  }

  void single_cell_step(Ledger& ledger, std::mt19937& random) {
    const InventoryCell& cell = *table_.find(pick(random, kHotSkus), pick(random, kNodes));
    const auto safety_stock = static_cast<std::int32_t>(pick(random, 3));
    const Result<StockReservation> taken = table_.try_reserve(cell, 1, safety_stock);
    ASSERT_TRUE(taken);
    if (!taken->reserved) return;
    if (taken->levels.available_to_promise(safety_stock) < 0) ++ledger.violations;
    ASSERT_TRUE(table_.release(cell, 1).is_ok());
  }

  void mixed_planner_step(Worker& worker, std::mt19937& random) {
    PlanReservation& plan = *worker.plans[pick(random, kPlansPerThread)];
    if (plan.holds_reservation() && pick(random, 2) == 0) ship(plan, worker.ledger);
    planner_step(worker, random, true);
    single_cell_step(worker.ledger, random);
  }
};

TEST_F(MixedStress, AdjustmentsAndShipmentsKeepTheBooksStraight) {
  std::vector<Worker> workers = make_workers();
  run_threads([&](int t) {
    std::mt19937 random(static_cast<std::uint32_t>(2000 + t));
    Worker& worker = workers[static_cast<std::size_t>(t)];
    for (int i = 0; i < kIterations; ++i) {
      if (t < 2) {
        adjuster_step(worker.ledger, random);
      } else {
        mixed_planner_step(worker, random);
      }
    }
  });

  const Ledger sum = total(workers);
  EXPECT_EQ(sum.violations, 0);
  EXPECT_GT(sum.plans_reserved, 0);
  std::int64_t shipped = 0;
  for (std::int64_t units : sum.shipped) shipped += units;
  EXPECT_GT(shipped, 0);
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      const std::size_t c = cell_number(cell);
      const StockLevels levels = cell.levels();
      EXPECT_EQ(levels.on_hand, kInitialOnHand + sum.adjusted[c] - sum.shipped[c]) << "cell " << c;
      EXPECT_EQ(levels.reserved, sum.reserved[c]) << "cell " << c;
      if (levels.oversold() || sum.oversold_seen[c]) {
        EXPECT_GT(sum.oversold_reports[c], 0) << "cell " << c << " oversold without a report";
      }
    }
  }
  expect_capacity_matches(sum);

  for (Worker& worker : workers) {
    for (auto& plan : worker.plans) {
      if (plan->holds_reservation()) plan->release();
    }
  }
  for (std::uint32_t sku = 0; sku < kHotSkus; ++sku) {
    for (const InventoryCell& cell : table_.stocked_nodes(sku)) {
      EXPECT_EQ(cell.levels().reserved, 0);
    }
  }
}

}  // namespace
}  // namespace edgeroute::routing
