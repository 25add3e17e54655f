#include "edgeroute/routing/inventory_table.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
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
                                             std::span<const StockRecord> records,
                                             std::size_t room_for_added_cells) {
  if (Status valid = validate(sku_count, records, room_for_added_cells); !valid.is_ok()) {
    return valid;
  }
  InventoryTable table;
  table.sku_count_ = sku_count;
  table.built_cell_count_ = records.size();
  // Value-initialised: the run lengths are counted into it.
  table.sku_begin_.reset(new std::uint32_t[std::size_t{sku_count} + 1]());
  table.cells_.reset(new InventoryCell[records.size()]);
  table.place_cells(records);
  if (Status sorted = table.sort_runs_by_node(); !sorted.is_ok()) return sorted;
  if (room_for_added_cells != 0) {
    table.added_ =
        std::make_unique<AddedCells>(sku_count, static_cast<std::uint32_t>(room_for_added_cells));
  }
  // The cells and chain heads were written by this thread alone; whoever hands the
  // table to the routing threads (thread start, a release/acquire publication) makes
  // those writes visible to them.
  return table;
}

InventoryTable::AddedCells::AddedCells(std::uint32_t sku_count, std::uint32_t room_in)
    : room(room_in),
      cells(new InventoryCell[room_in]),
      next_added(new std::atomic<std::uint32_t>[room_in]),
      first_added(new std::atomic<std::uint32_t>[sku_count]) {
  // Relaxed: published with the table (see build()).
  for (std::uint32_t sku = 0; sku < sku_count; ++sku) {
    first_added[sku].store(kNoAddedCell, std::memory_order_relaxed);
  }
}

Status InventoryTable::validate(std::uint32_t sku_count, std::span<const StockRecord> records,
                                std::size_t room_for_added_cells) {
  if (sku_count == std::numeric_limits<std::uint32_t>::max()) {
    return {StatusCode::invalid_argument,
            "inventory snapshot: a catalog of 2^32 - 1 SKUs leaves no room for the run offsets"};
  }
  // An added cell is numbered by a uint32 (kNoAddedCell excluded) and takes a cell and a
  // link; on a 32-bit target the bytes of the room must fit a size_t too (the tighter
  // limit there).
  constexpr std::size_t kBytesPerAddedCell =
      sizeof(InventoryCell) + sizeof(std::atomic<std::uint32_t>);
  if (room_for_added_cells >= kNoAddedCell ||
      room_for_added_cells > std::numeric_limits<std::size_t>::max() / kBytesPerAddedCell) {
    return {StatusCode::invalid_argument,
            "inventory snapshot: room for " + std::to_string(room_for_added_cells) +
                " added cells is more than the table can number (2^32 - 2) or address"};
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

std::size_t InventoryTable::cell_count() const {
  // Relaxed: a count of some instant (see AddedCells::count).
  return built_cell_count_ + (added_ ? added_->count.load(std::memory_order_relaxed) : 0);
}

std::size_t InventoryTable::room_for_added_cells() const {
  if (!added_) return 0;
  return added_->room - added_->count.load(std::memory_order_relaxed);
}

std::size_t InventoryTable::memory_bytes() const {
  std::size_t bytes = sizeof(*this) + (std::size_t{sku_count_} + 1) * sizeof(std::uint32_t) +
                      built_cell_count_ * sizeof(InventoryCell);
  if (added_) {
    bytes +=
        sizeof(AddedCells) +
        std::size_t{added_->room} * (sizeof(InventoryCell) + sizeof(std::atomic<std::uint32_t>)) +
        std::size_t{sku_count_} * sizeof(std::atomic<std::uint32_t>);
  }
  return bytes;
}

std::span<const InventoryCell> InventoryTable::built_run(std::uint32_t sku_index) const {
  if (sku_index >= sku_count_) return {};
  return {cells_.get() + sku_begin_[sku_index], cells_.get() + sku_begin_[sku_index + 1]};
}

InventoryTable::StockedNodes::iterator InventoryTable::StockedNodes::iterator::next_piece(
    iterator at) {
  const InventoryCell* piece_end = at.run_end_;
  if (at.added_next_ != kNoAddedCell) {
    const InventoryCell& added = at.added_->cells[at.added_next_];
    if (at.run_next_ == at.run_end_ || added.node_index_ < at.run_next_->node_index_) {
      at.at_ = &added;
      at.piece_end_ = at.at_ + 1;
      // Acquire: see AddedCells::next_added.
      at.added_next_ = at.added_->next_added[at.added_next_].load(std::memory_order_acquire);
      return at;
    }
    // The built cells before the added one. Never empty: the pair is not in the run.
    piece_end = std::lower_bound(
        at.run_next_, at.run_end_, added.node_index_,
        [](const InventoryCell& cell, std::uint32_t node) { return cell.node_index_ < node; });
  } else if (at.run_next_ == at.run_end_) {
    return {};
  }
  at.at_ = at.run_next_;
  at.piece_end_ = piece_end;
  at.run_next_ = piece_end;
  return at;
}

const InventoryCell* InventoryTable::find(std::uint32_t sku_index, std::uint32_t node_index) const {
  if (const InventoryCell* built = find_built(sku_index, node_index)) return built;
  return find_added(sku_index, node_index);
}

const InventoryCell* InventoryTable::find_built(std::uint32_t sku_index,
                                                std::uint32_t node_index) const {
  const std::span<const InventoryCell> run = built_run(sku_index);
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

const InventoryCell* InventoryTable::find_added(std::uint32_t sku_index,
                                                std::uint32_t node_index) const {
  // Relaxed count, acquire links: see AddedCells.
  if (!added_ || sku_index >= sku_count_ || added_->count.load(std::memory_order_relaxed) == 0) {
    return nullptr;
  }
  std::uint32_t at = added_->first_added[sku_index].load(std::memory_order_acquire);
  while (at != kNoAddedCell) {
    const InventoryCell& cell = added_->cells[at];
    if (cell.node_index_ >= node_index) return cell.node_index_ == node_index ? &cell : nullptr;
    at = added_->next_added[at].load(std::memory_order_acquire);
  }
  return nullptr;
}

Result<const InventoryCell*> InventoryTable::add_cell(std::uint32_t sku_index,
                                                      std::uint32_t node_index,
                                                      std::int32_t on_hand) {
  const auto pair_name = [&] {
    return "SKU " + std::to_string(sku_index) + " at node " + std::to_string(node_index);
  };
  if (sku_index >= sku_count_) {
    return Status{StatusCode::invalid_argument,
                  "added cell for " + pair_name() + ": SKU index " + std::to_string(sku_index) +
                      " is beyond the catalog's " + std::to_string(sku_count_) + " SKUs"};
  }
  if (on_hand < 0) {
    return Status{StatusCode::invalid_argument, "added cell for " + pair_name() + ": on_hand " +
                                                    std::to_string(on_hand) + " is negative"};
  }
  if (find_built(sku_index, node_index) != nullptr) {
    return Status{StatusCode::already_exists,
                  pair_name() + " is stocked already (a cell of the built table)"};
  }
  if (!added_) {
    return Status{
        StatusCode::failed_precondition,
        "no room to add " + pair_name() + ": the table was built with room for 0 added cells"};
  }
  AddedCells& added = *added_;
  const std::lock_guard lock(added.adding);
  // Relaxed under the lock: see AddedCells::next_added. Find where the node goes in the
  // SKU's chain: `link` is the link to rewrite, `after` the cell that will follow.
  std::atomic<std::uint32_t>* link = &added.first_added[sku_index];
  std::uint32_t after = link->load(std::memory_order_relaxed);
  while (after != kNoAddedCell && added.cells[after].node_index_ < node_index) {
    link = &added.next_added[after];
    after = link->load(std::memory_order_relaxed);
  }
  if (after != kNoAddedCell && added.cells[after].node_index_ == node_index) {
    return Status{StatusCode::already_exists, pair_name() + " is stocked already (an added cell)"};
  }
  const std::uint32_t index = added.count.load(std::memory_order_relaxed);
  if (index == added.room) {
    return Status{StatusCode::failed_precondition,
                  "no room to add " + pair_name() + ": all " + std::to_string(added.room) +
                      " cells of the table's room for added cells are used"};
  }
  InventoryCell& cell = added.cells[index];
  cell.sku_index_ = sku_index;
  cell.node_index_ = node_index;
  cell.stock_word_.store(InventoryCell::pack({on_hand, 0}), std::memory_order_relaxed);
  added.next_added[index].store(after, std::memory_order_relaxed);
  // The count before the link: see AddedCells::count.
  added.count.store(index + 1, std::memory_order_relaxed);
  // Publishes the cell: see AddedCells::next_added.
  link->store(index, std::memory_order_release);
  return &cell;
}

bool InventoryTable::owns(const InventoryCell& cell) const {
  const std::less<const InventoryCell*> before;
  const InventoryCell* const first = cells_.get();
  if (!before(&cell, first) && before(&cell, first + built_cell_count_)) return true;
  if (!added_) return false;
  // Relaxed: every handle a caller can hold is covered (see AddedCells::count).
  const InventoryCell* const first_added = added_->cells.get();
  return !before(&cell, first_added) &&
         before(&cell, first_added + added_->count.load(std::memory_order_relaxed));
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
  // Relaxed loads: see InventoryCell::stock_word_. The change itself is a release, for
  // readers of on-hand at a journal position (InventoryCell::levels_acquire).
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
                                               std::memory_order_release,
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
  // Relaxed loads: see InventoryCell::stock_word_. The change itself is a release, for
  // readers of on-hand at a journal position (InventoryCell::levels_acquire).
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
                                               std::memory_order_release,
                                               std::memory_order_relaxed)) {
      return Status::ok();
    }
  }
}

}  // namespace edgeroute::routing
