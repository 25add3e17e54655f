// Costs of the reservation core. A decision reserves its plan once and, when it loses
// a race or is cancelled, releases it: reserve + release of a 3-line plan is the unit
// here, with and without a capacity claim, alone and with two threads on the same hot
// SKU (where the cells' cache lines bounce between cores). The memory side: bytes per
// stocked (SKU, node) cell and the table for 1 M SKUs x 10 stocked nodes, built for
// real and measured both by the table's own accounting and by the growth of the
// process's resident set.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include <unistd.h>

#include <benchmark/benchmark.h>

#include "edgeroute/routing/plan_reservation.h"

namespace edgeroute::routing {
namespace {

constexpr std::uint32_t kNodes = 10;
constexpr std::int32_t kDay = 19'876;
// Enough that no benchmark loop ever runs short: every iteration takes and gives back.
constexpr std::int32_t kPlentiful = 1'000'000'000;

InventoryTable build_table(std::uint32_t sku_count, std::int32_t on_hand) {
  std::vector<StockRecord> records;
  records.reserve(std::size_t{sku_count} * kNodes);
  for (std::uint32_t sku = 0; sku < sku_count; ++sku) {
    for (std::uint32_t node = 0; node < kNodes; ++node) records.push_back({sku, node, on_hand});
  }
  Result<InventoryTable> table = InventoryTable::build(sku_count, records);
  EDGEROUTE_ASSERT(table.has_value(), "the benchmark table must build");
  return std::move(*table);
}

// Shared by every benchmark and thread: built once, before any thread reserves.
InventoryTable& shared_table() {
  static InventoryTable table = build_table(1000, kPlentiful);
  return table;
}
CapacityCounters& shared_capacity() {
  static CapacityCounters capacity(kNodes);
  return capacity;
}

constexpr CapacityLimits kUnlimited{CapacityCounters::kOrdersMax, CapacityCounters::kUnitsMax};

void reserve_and_release(benchmark::State& state, PlanReservation& plan) {
  for (auto _ : state) {
    const PlanReservationOutcome outcome = plan.reserve();
    benchmark::DoNotOptimize(outcome);
    plan.release();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CellTryReserveRelease(benchmark::State& state) {
  InventoryTable& table = shared_table();
  const InventoryCell& cell = *table.find(7, 3);
  for (auto _ : state) {
    Result<StockReservation> taken = table.try_reserve(cell, 2, 5);
    benchmark::DoNotOptimize(taken);
    (void)table.release(cell, 2);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CellTryReserveRelease);

// Three lines on three SKUs at three nodes: reserve + release, uncontended.
void BM_Plan3LinesReserveRelease(benchmark::State& state) {
  InventoryTable& table = shared_table();
  PlanReservation plan(table, shared_capacity());
  (void)plan.add_stock_line(*table.find(11, 2), 1, 3);
  (void)plan.add_stock_line(*table.find(42, 5), 2, 3);
  (void)plan.add_stock_line(*table.find(97, 8), 1, 0);
  reserve_and_release(state, plan);
}
BENCHMARK(BM_Plan3LinesReserveRelease);

// The same plan shipped from one node, with its capacity claim.
void BM_Plan3LinesAndCapacityReserveRelease(benchmark::State& state) {
  InventoryTable& table = shared_table();
  PlanReservation plan(table, shared_capacity());
  (void)plan.add_stock_line(*table.find(11, 4), 1, 3);
  (void)plan.add_stock_line(*table.find(42, 4), 2, 3);
  (void)plan.add_stock_line(*table.find(97, 4), 1, 0);
  (void)plan.add_capacity_claim({4, kDay, 1, 4, kUnlimited});
  reserve_and_release(state, plan);
}
BENCHMARK(BM_Plan3LinesAndCapacityReserveRelease);

// Every thread reserves 3 lines of the same hot SKU at the same three nodes.
void BM_Plan3LinesHotSkuContended(benchmark::State& state) {
  InventoryTable& table = shared_table();
  PlanReservation plan(table, shared_capacity());
  (void)plan.add_stock_line(*table.find(500, 1), 1, 0);
  (void)plan.add_stock_line(*table.find(500, 2), 1, 0);
  (void)plan.add_stock_line(*table.find(500, 3), 1, 0);
  reserve_and_release(state, plan);
}
BENCHMARK(BM_Plan3LinesHotSkuContended)->ThreadRange(1, 2)->UseRealTime();

void BM_FindInTenNodeRun(benchmark::State& state) {
  const InventoryTable& table = shared_table();
  std::uint32_t node = 0;
  for (auto _ : state) {
    const InventoryCell* cell = table.find(123, node);
    benchmark::DoNotOptimize(cell);
    node = (node + 7) % kNodes;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindInTenNodeRun);

std::size_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long size_pages = 0;
  unsigned long resident_pages = 0;
  const int read = std::fscanf(statm, "%lu %lu", &size_pages, &resident_pages);
  std::fclose(statm);
  if (read != 2) return 0;
  return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// The memory budget: 1 M SKUs, each stocked at 10 nodes, must fit in 200 MB.
void BM_Build1MSkus10Nodes(benchmark::State& state) {
  constexpr std::uint32_t kSkus = 1'000'000;
  constexpr double kMegabyte = 1e6;
  // Outside the loop, so that freeing 300 MB is not timed.
  std::vector<StockRecord> records;
  std::optional<Result<InventoryTable>> table;
  for (auto _ : state) {
    state.PauseTiming();
    records.clear();
    records.reserve(std::size_t{kSkus} * kNodes);
    for (std::uint32_t sku = 0; sku < kSkus; ++sku) {
      for (std::uint32_t node = 0; node < kNodes; ++node) records.push_back({sku, node, 100});
    }
    table.reset();
    const std::size_t resident_before = resident_bytes();
    state.ResumeTiming();
    table.emplace(InventoryTable::build(kSkus, records));
    state.PauseTiming();
    EDGEROUTE_ASSERT(table->has_value(), "the benchmark table must build");
    const std::size_t resident_after = resident_bytes();
    state.counters["bytes_per_cell"] = static_cast<double>(sizeof(InventoryCell));
    state.counters["table_MB"] = static_cast<double>((*table)->memory_bytes()) / kMegabyte;
    state.counters["rss_growth_MB"] =
        static_cast<double>(resident_after - resident_before) / kMegabyte;
    state.counters["cells"] = static_cast<double>((*table)->cell_count());
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Build1MSkus10Nodes)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace edgeroute::routing
