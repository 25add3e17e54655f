#include "edgeroute/routing/inventory_table.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "edgeroute/base/assert.h"

namespace edgeroute::routing {

namespace {

constexpr std::int64_t kCountMax = std::numeric_limits<std::int32_t>::max();

std::string record_name(std::size_t record_index) {
  return "stock record " + std::to_string(record_index);
}

}  // namespace

Result<InventoryTable> InventoryTable::build(std::uint32_t sku_count,
                                             std::span<const StockRecord> records) {
  if (Status valid = validate(sku_count, records); !valid.is_ok()) return valid;
  InventoryTable table;
  table.sku_count_ = sku_count;
  table.cell_count_ = records.size();
  // Value-initialised: the run lengths are counted into it.
  table.sku_begin_.reset(new std::uint32_t[std::size_t{sku_count} + 1]());
  table.cells_.reset(new InventoryCell[records.size()]);
  table.place_cells(records);
  if (Status sorted = table.sort_runs_by_node(); !sorted.is_ok()) return sorted;
  // The cells were written with relaxed stores by this thread alone; whoever hands the
  // table to the routing threads (thread start, a release/acquire publication) makes
  // those writes visible to them.
  return table;
}

Status InventoryTable::validate(std::uint32_t sku_count, std::span<const StockRecord> records) {
  if (sku_count == std::numeric_limits<std::uint32_t>::max()) {
    return {StatusCode::invalid_argument,
            "inventory snapshot: a catalog of 2^32 - 1 SKUs leaves no room for the run offsets"};
  }
  if (records.size() >= std::numeric_limits<std::uint32_t>::max()) {
    return {StatusCode::invalid_argument,
            "inventory snapshot: " + std::to_string(records.size()) +
                " stock records exceed the table's limit of 2^32 - 1 cells"};
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    const StockRecord& record = records[i];
    if (record.sku_index >= sku_count) {
      return {StatusCode::invalid_argument,
              record_name(i) + ": SKU index " + std::to_string(record.sku_index) +
                  " is beyond the catalog's " + std::to_string(sku_count) + " SKUs"};
    }
    if (record.on_hand < 0) {
      return {StatusCode::invalid_argument,
              record_name(i) + ": on_hand " + std::to_string(record.on_hand) + " is negative"};
    }
    if (record.reserved < 0) {
      return {StatusCode::invalid_argument,
              record_name(i) + ": reserved " + std::to_string(record.reserved) + " is negative"};
    }
  }
  return Status::ok();
}

// Counting sort by SKU: run lengths, then offsets, then each record into its run.
void InventoryTable::place_cells(std::span<const StockRecord> records) {
  std::uint32_t* const begin = sku_begin_.get();
  for (const StockRecord& record : records) ++begin[record.sku_index + 1];
  for (std::uint32_t sku = 0; sku < sku_count_; ++sku) begin[sku + 1] += begin[sku];
  std::vector<std::uint32_t> next(begin, begin + sku_count_);
  for (const StockRecord& record : records) {
    InventoryCell& cell = cells_[next[record.sku_index]++];
    cell.sku_index_ = record.sku_index;
    cell.node_index_ = record.node_index;
    cell.stock_word_.store(InventoryCell::pack({record.on_hand, record.reserved}),
                           std::memory_order_relaxed);
  }
}

// Runs are short; most arrive already in node order and are only checked.
Status InventoryTable::sort_runs_by_node() {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> run_scratch;  // (node, word)
  for (std::uint32_t sku = 0; sku < sku_count_; ++sku) {
    InventoryCell* const first = cells_.get() + sku_begin_[sku];
    InventoryCell* const last = cells_.get() + sku_begin_[sku + 1];
    const bool sorted = std::is_sorted(
        first, last, [](const auto& a, const auto& b) { return a.node_index_ < b.node_index_; });
    if (!sorted) {
      run_scratch.clear();
      for (InventoryCell* cell = first; cell != last; ++cell) {
        run_scratch.emplace_back(cell->node_index_,
                                 cell->stock_word_.load(std::memory_order_relaxed));
      }
      std::sort(run_scratch.begin(), run_scratch.end());
      for (std::size_t i = 0; i < run_scratch.size(); ++i) {
        first[i].node_index_ = run_scratch[i].first;
        first[i].stock_word_.store(run_scratch[i].second, std::memory_order_relaxed);
      }
    }
    const InventoryCell* repeated = std::adjacent_find(
        first, last, [](const auto& a, const auto& b) { return a.node_index_ == b.node_index_; });
    if (repeated != last) {
      return {StatusCode::invalid_argument,
              "inventory snapshot: " + describe(*repeated) + " has more than one stock record"};
    }
  }
  return Status::ok();
}

std::size_t InventoryTable::memory_bytes() const {
  return sizeof(*this) + (std::size_t{sku_count_} + 1) * sizeof(std::uint32_t) +
         cell_count_ * sizeof(InventoryCell);
}

std::span<const InventoryCell> InventoryTable::stocked_nodes(std::uint32_t sku_index) const {
  if (sku_index >= sku_count_) return {};
  return {cells_.get() + sku_begin_[sku_index], cells_.get() + sku_begin_[sku_index + 1]};
}

const InventoryCell* InventoryTable::find(std::uint32_t sku_index, std::uint32_t node_index) const {
  const std::span<const InventoryCell> run = stocked_nodes(sku_index);
  if (run.size() <= kLinearScanMax) {
    for (const InventoryCell& cell : run) {
      if (cell.node_index_ >= node_index) {
        return cell.node_index_ == node_index ? &cell : nullptr;
      }
    }
    return nullptr;
  }
  const auto found = std::lower_bound(
      run.begin(), run.end(), node_index,
      [](const InventoryCell& cell, std::uint32_t node) { return cell.node_index_ < node; });
  return found != run.end() && found->node_index_ == node_index ? &*found : nullptr;
}

bool InventoryTable::owns(const InventoryCell& cell) const {
  const std::less<const InventoryCell*> before;
  const InventoryCell* const first = cells_.get();
  return !before(&cell, first) && before(&cell, first + cell_count_);
}

std::string InventoryTable::describe(const InventoryCell& cell) const {
  return "SKU " + std::to_string(cell.sku_index_) + " at node " + std::to_string(cell.node_index_);
}

// Lock-free, not wait-free: a failed compare-and-swap means another thread's update
// of this word succeeded, so the system as a whole always makes progress. The retry
// re-checks ATP against the value that beat it.
Result<StockReservation> InventoryTable::try_reserve(const InventoryCell& cell,
                                                     std::int32_t quantity,
                                                     std::int32_t safety_stock) {
  EDGEROUTE_ASSERT(owns(cell), "try_reserve on a cell of another inventory table");
  if (quantity <= 0) {
    return Status{StatusCode::invalid_argument, describe(cell) + ": reservation quantity " +
                                                    std::to_string(quantity) + " is not positive"};
  }
  if (safety_stock < 0) {
    return Status{StatusCode::invalid_argument, describe(cell) + ": safety stock " +
                                                    std::to_string(safety_stock) + " is negative"};
  }
  // Relaxed: see InventoryCell::stock_word_. The CAS fails on any newer value, so the
  // ATP check below is only ever committed against the latest counts.
  std::uint64_t seen = cell.stock_word_.load(std::memory_order_relaxed);
  for (;;) {
    const StockLevels before = InventoryCell::unpack(seen);
    if (before.available_to_promise(safety_stock) < quantity)
      return StockReservation{false, before};
    // Cannot overflow: reserved + quantity <= on_hand - safety_stock <= INT32_MAX.
    const StockLevels after{before.on_hand, before.reserved + quantity};
    if (cell.stock_word_.compare_exchange_weak(seen, InventoryCell::pack(after),
                                               std::memory_order_relaxed,
                                               std::memory_order_relaxed)) {
      return StockReservation{true, after};
    }
  }
}

Status InventoryTable::release(const InventoryCell& cell, std::int32_t quantity) {
  EDGEROUTE_ASSERT(owns(cell), "release on a cell of another inventory table");
  if (quantity <= 0) {
    return {StatusCode::invalid_argument,
            describe(cell) + ": release quantity " + std::to_string(quantity) + " is not positive"};
  }
  // One subtraction from the high half (reserved); on_hand, in the low half, cannot be
  // touched because reserved >= quantity (asserted; a violation would borrow off the top
  // of the word, and the assertion stops the process before anything reads it).
  // Relaxed: see InventoryCell::stock_word_.
  const std::uint64_t before = cell.stock_word_.fetch_sub(
      std::uint64_t{static_cast<std::uint32_t>(quantity)} << 32, std::memory_order_relaxed);
  EDGEROUTE_ASSERT(InventoryCell::unpack(before).reserved >= quantity,
                   "release of more units than the cell has reserved");
  return Status::ok();
}

Result<StockAdjustment> InventoryTable::adjust_on_hand(const InventoryCell& cell,
                                                       std::int32_t delta) {
  EDGEROUTE_ASSERT(owns(cell), "adjust_on_hand on a cell of another inventory table");
  // Relaxed: see InventoryCell::stock_word_.
  std::uint64_t seen = cell.stock_word_.load(std::memory_order_relaxed);
  for (;;) {
    const StockLevels before = InventoryCell::unpack(seen);
    const std::int64_t on_hand = std::int64_t{before.on_hand} + delta;
    if (on_hand < 0 || on_hand > kCountMax) {
      return Status{StatusCode::out_of_range, describe(cell) + ": on_hand " +
                                                  std::to_string(before.on_hand) + " adjusted by " +
                                                  std::to_string(delta) + " leaves [0, 2^31 - 1]"};
    }
    const StockLevels after{static_cast<std::int32_t>(on_hand), before.reserved};
    if (cell.stock_word_.compare_exchange_weak(seen, InventoryCell::pack(after),
                                               std::memory_order_relaxed,
                                               std::memory_order_relaxed)) {
      return StockAdjustment{after};
    }
  }
}

Status InventoryTable::commit_shipment(const InventoryCell& cell, std::int32_t quantity) {
  EDGEROUTE_ASSERT(owns(cell), "commit_shipment on a cell of another inventory table");
  if (quantity <= 0) {
    return {StatusCode::invalid_argument, describe(cell) + ": shipment quantity " +
                                              std::to_string(quantity) + " is not positive"};
  }
  // Relaxed: see InventoryCell::stock_word_.
  std::uint64_t seen = cell.stock_word_.load(std::memory_order_relaxed);
  for (;;) {
    const StockLevels before = InventoryCell::unpack(seen);
    EDGEROUTE_ASSERT(before.reserved >= quantity,
                     "shipment of more units than the cell has reserved");
    if (before.on_hand < quantity) {
      return {StatusCode::failed_precondition,
              describe(cell) + ": shipment of " + std::to_string(quantity) +
                  " units but on_hand is " + std::to_string(before.on_hand)};
    }
    const StockLevels after{before.on_hand - quantity, before.reserved - quantity};
    if (cell.stock_word_.compare_exchange_weak(seen, InventoryCell::pack(after),
                                               std::memory_order_relaxed,
                                               std::memory_order_relaxed)) {
      return Status::ok();
    }
  }
}

}  // namespace edgeroute::routing
