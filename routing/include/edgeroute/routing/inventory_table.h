// InventoryTable: the gateway's live stock, one cell per stocked (SKU, node) pair, laid
// out for the routing lookup "where is this SKU, and how much can I promise there?".
//
// Layout. Built once from the inventory snapshot into SKU-major contiguous storage:
// the cells of SKU s are cells_[sku_begin_[s] .. sku_begin_[s + 1]), sorted by node
// index. The planner walks one SKU's run (stocked_nodes) and never hashes a
// (SKU, node) pair; find() scans or bisects that short run. SKU and node indexes are
// the catalog's dense numbers. The table's shape is fixed after build(): a pair that
// gains stock for the first time needs a new table (built by whoever publishes
// inventory snapshots); the counts inside the cells change freely.
//
// Each cell is 16 bytes: one 64-bit atomic word packing on_hand (low 32 bits) and
// reserved (high 32 bits), then the node index and the SKU index (which fills what would
// otherwise be padding, so a cell can name itself in errors). Because both counts live in
// one word, every change is a single compare-and-swap over both, so
// on_hand = available + reserved holds at every instant, not just at quiescence, and a
// reader always sees a pair that really existed. Cells are NOT padded to a cache line:
// 1 M SKUs x 10 stocked nodes is 160 MB of cells (+ 4 MB of run offsets) at 16 bytes,
// within the 200 MB budget (bench_inventory builds it: 164 MB, all of it resident), but
// 640 MB at 64. Four cells share a line, and they are mostly the same SKU's nodes:
// threads fighting over a hot SKU contend on its line whatever the padding, and
// different SKUs share a line only at run boundaries.
//
// Available-to-promise is on_hand - reserved - safety_stock. Safety stock is policy, not
// inventory: it is a parameter of each reservation, so the table stores only on_hand
// and reserved. A reservation never drives ATP below zero; adjust_on_hand (receipts,
// cycle counts, damage) may, and says so (the stock was oversold by the outside truth).
//
// Thread-safety: build() and destruction need exclusive access. After that every
// method may be called from any number of threads at once, without locks: each
// mutation is one lock-free read-modify-write on one cell's word. The table is owned by
// the engine and outlives every PlanReservation and every cell reference handed out.
// Move-only; cell references stay valid across a move (the storage moves with it).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::routing {

// One line of the inventory snapshot, by catalog index. `reserved` is what acknowledged
// decisions still hold when a gateway rebuilds its table from its journal at start; it may
// exceed on_hand (an oversold cell stays oversold across a restart).
struct StockRecord {
  std::uint32_t sku_index = 0;
  std::uint32_t node_index = 0;
  std::int32_t on_hand = 0;   // >= 0
  std::int32_t reserved = 0;  // >= 0
};

// The two counts of one cell, read together.
struct StockLevels {
  std::int32_t on_hand = 0;
  std::int32_t reserved = 0;

  // Negative when the cell is oversold (on_hand fell below reserved) or dips into the
  // safety stock. 64-bit: the difference of three int32 values.
  std::int64_t available_to_promise(std::int32_t safety_stock) const {
    return std::int64_t{on_hand} - reserved - safety_stock;
  }
  bool oversold() const { return reserved > on_hand; }
  friend bool operator==(const StockLevels&, const StockLevels&) = default;
};

// A stocked (SKU, node) pair. Obtained from an InventoryTable (stocked_nodes, find)
// and passed back to it; a cell reference is the handle of a reservation line.
class InventoryCell {
 public:
  InventoryCell(const InventoryCell&) = delete;
  InventoryCell& operator=(const InventoryCell&) = delete;

  std::uint32_t sku_index() const { return sku_index_; }
  std::uint32_t node_index() const { return node_index_; }

  // A snapshot, possibly stale by the time it is used: good for scoring candidates,
  // never for deciding; the reservation's compare-and-swap decides.
  // Memory order: relaxed. The two counts come from one word, so they are consistent
  // with each other; nothing else is published with them (see stock_word_).
  StockLevels levels() const { return unpack(stock_word_.load(std::memory_order_relaxed)); }

 private:
  friend class InventoryTable;
  InventoryCell() = default;

  static constexpr std::uint64_t pack(StockLevels levels) {
    return (std::uint64_t{static_cast<std::uint32_t>(levels.reserved)} << 32) |
           std::uint64_t{static_cast<std::uint32_t>(levels.on_hand)};
  }
  static constexpr StockLevels unpack(std::uint64_t word) {
    return {static_cast<std::int32_t>(static_cast<std::uint32_t>(word)),
            static_cast<std::int32_t>(static_cast<std::uint32_t>(word >> 32))};
  }

  // on_hand (low half) and reserved (high half), both >= 0 at all times. Mutable: the
  // table's non-const operations are the only writers, through a const cell reference
  // (the handle).
  //
  // Memory order: relaxed everywhere. Every invariant of the cell (reserved >= 0,
  // on_hand >= 0, a reservation leaves ATP >= 0, conservation) is a property of this one
  // word, and all read-modify-writes of one atomic object are totally ordered (its
  // modification order) whatever memory order they use, and each reads the value
  // written last before it ([atomics.order]: "read-modify-write operations shall always
  // read the last value"). So no update is lost, and a decision taken on a stale relaxed
  // load fails its compare-and-swap and is taken again on the fresh value. Nothing else
  // is published with the word: a reservation's record (which lines, how much) is owned
  // by the reserving thread's PlanReservation, and when that is handed to another thread
  // (e.g. to be released on cancel) the hand-off itself (a queue, a join) carries the
  // happens-before. Acquire/release would order other memory around the counts, and
  // there is no other memory to order.
  mutable std::atomic<std::uint64_t> stock_word_{0};
  std::uint32_t node_index_ = 0;
  std::uint32_t sku_index_ = 0;
};

static_assert(sizeof(InventoryCell) == 16, "the memory budget assumes 16-byte cells");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "cells need a lock-free 64-bit compare-and-swap");

// What try_reserve did, with the levels it acted on: after the reservation when
// `reserved`, or as seen when it refused (ATP short of the quantity).
struct StockReservation {
  bool reserved = false;
  StockLevels levels;
};

// The levels after an adjustment. `levels.oversold()` means on_hand is now below
// reserved: reservations already promised exceed the stock that is really there. The
// caller must surface it (event, metric, re-route); the table keeps the truth.
struct StockAdjustment {
  StockLevels levels;
  bool oversold() const { return levels.oversold(); }
  std::int32_t oversold_units() const {
    return levels.oversold() ? levels.reserved - levels.on_hand : 0;
  }
};

class InventoryTable {
 public:
  // Builds the table for SKU indexes [0, sku_count). Errors (invalid_argument) name the
  // record: an SKU index beyond sku_count, a negative on_hand, a (SKU, node) pair given
  // twice. Allocates; not for the hot path.
  static Result<InventoryTable> build(std::uint32_t sku_count,
                                      std::span<const StockRecord> records);

  InventoryTable(InventoryTable&&) noexcept = default;
  InventoryTable& operator=(InventoryTable&&) noexcept = default;
  InventoryTable(const InventoryTable&) = delete;
  InventoryTable& operator=(const InventoryTable&) = delete;

  std::uint32_t sku_count() const { return sku_count_; }
  std::size_t cell_count() const { return cell_count_; }
  // Bytes held by the table: cells, run offsets and the object itself.
  std::size_t memory_bytes() const;

  // Every node stocking `sku`, ascending by node index. An SKU the table does not know
  // (added to the catalog after this table was built) is stocked nowhere: empty.
  std::span<const InventoryCell> stocked_nodes(std::uint32_t sku_index) const;

  // The cell of (sku, node), or nullptr if that node does not stock the SKU.
  const InventoryCell* find(std::uint32_t sku_index, std::uint32_t node_index) const;

  // Reserves `quantity` units if on_hand - reserved - safety_stock >= quantity, in one
  // compare-and-swap; otherwise changes nothing and reports the levels it saw.
  // invalid_argument if quantity <= 0 or safety_stock < 0. No allocation unless it
  // fails with an error.
  // REQUIRES: `cell` belongs to this table (asserted; also for the methods below).
  Result<StockReservation> try_reserve(const InventoryCell& cell, std::int32_t quantity,
                                       std::int32_t safety_stock);

  // Returns `quantity` reserved units to ATP (a cancelled or re-routed plan).
  // invalid_argument if quantity <= 0. Releasing more than is reserved is a
  // bookkeeping bug and asserts.
  Status release(const InventoryCell& cell, std::int32_t quantity);

  // Receipts (+), damage and cycle-count corrections (-). Succeeds even when on_hand
  // drops below reserved, and reports it (StockAdjustment::oversold). out_of_range if
  // on_hand would leave [0, INT32_MAX]; the cell is then unchanged.
  Result<StockAdjustment> adjust_on_hand(const InventoryCell& cell, std::int32_t delta);

  // A shipment left: reserved and on_hand both drop by `quantity`, in one step, so ATP
  // is unchanged. invalid_argument if quantity <= 0; failed_precondition, cell
  // unchanged, if on_hand < quantity (the books say the units are not there: reconcile
  // with adjust_on_hand first). Shipping more than is reserved is a bug and asserts.
  Status commit_shipment(const InventoryCell& cell, std::int32_t quantity);

  // True if `cell` is one of this table's cells.
  bool owns(const InventoryCell& cell) const;

 private:
  // Runs up to this long are scanned; longer ones are bisected. A run of 16 cells is
  // four cache lines, read in order with a predictable branch.
  static constexpr std::size_t kLinearScanMax = 16;

  InventoryTable() = default;

  static Status validate(std::uint32_t sku_count, std::span<const StockRecord> records);
  void place_cells(std::span<const StockRecord> records);
  Status sort_runs_by_node();
  std::string describe(const InventoryCell& cell) const;

  std::uint32_t sku_count_ = 0;
  std::size_t cell_count_ = 0;
  // sku_count_ + 1 offsets into cells_; uint32 because a table holds < 2^32 cells.
  std::unique_ptr<std::uint32_t[]> sku_begin_;
  std::unique_ptr<InventoryCell[]> cells_;
};

}  // namespace edgeroute::routing
