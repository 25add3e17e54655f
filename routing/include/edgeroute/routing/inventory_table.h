// InventoryTable: the gateway's live stock, one cell per stocked (SKU, node) pair, laid
// out for the routing lookup "where is this SKU, and how much can I promise there?".
//
// Layout. Built once from the inventory snapshot into SKU-major contiguous storage:
// the cells of SKU s are cells_[sku_begin_[s] .. sku_begin_[s + 1]), sorted by node
// index. The planner walks one SKU's cells (stocked_nodes) and never hashes a
// (SKU, node) pair; find() scans or bisects that short run. SKU and node indexes are
// the catalog's dense numbers. The counts inside the cells change freely.
//
// Growth. A pair that gains stock for the first time while the gateway runs (a partner
// SKU newly leased to it, a new SKU received at a store) is added with add_cell(), into
// room set aside by build() (room_for_added_cells): a fixed area of spare cells that is
// never reallocated, because reservations hold `const InventoryCell*` handles and no
// cell, built or added, may ever move. Additions are rare (a few a day, thousands at
// most), so each SKU's added cells form a linked chain through the spare area, sorted by
// node index, beside its built run; stocked_nodes() merges the two, so every walk is
// ascending by node index whether a pair was built or added (the router's choices, and
// the order of its explanations, cannot tell the two apart). Room costs 20 bytes a cell
// plus a 4-byte chain head per SKU; a table built with no room (the default: benches,
// the 1 M-SKU table) allocates nothing for growth and refuses every add_cell(), and its
// walks cost a null test per SKU and one compare at the end of the run more than a bare
// run. While nothing was added, a walk with room costs one relaxed load more. A pair
// cannot be removed (its stock goes to 0), and the room does not grow: when it runs out,
// the next snapshot's table is built with room again.
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
// method may be called from any number of threads at once. Readers and reservations
// never lock: each mutation of the counts is one lock-free read-modify-write on one
// cell's word, and walks follow the growth chains with acquire loads. add_cell()
// serialises adders on a mutex inside the table that readers never take. A walk that
// runs concurrently with an add_cell() may or may not see the new cell (as if it had
// walked just before the add); one that learnt of the add through a happens-before edge
// (the adding thread itself, a queue, a join) sees it. The table is owned by the engine
// and outlives every PlanReservation and every cell reference handed out. Move-only;
// cell references and walks in progress stay valid across a move (the storage moves
// with it).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
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

// A stocked (SKU, node) pair. Obtained from an InventoryTable (stocked_nodes, find,
// add_cell) and passed back to it; a cell reference is the handle of a reservation line.
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
  // The same, for a reader that must see what the thread that last changed on-hand did
  // before it. Memory order: acquire, pairing with the release of adjust_on_hand() and
  // commit_shipment() (the reservations' read-modify-writes after one continue its release
  // sequence). A stock read at one journal position relies on it
  // (gateway/applied_position.h); the routing hot path does not need it.
  StockLevels levels_acquire() const { return unpack(stock_word_.load(std::memory_order_acquire)); }

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
  // there is no other memory to order for routing. The one exception is off the routing
  // path: the changes of on-hand (adjust_on_hand, commit_shipment) are releases and
  // levels_acquire() an acquire, so that a reader of stock at a journal position learns
  // that the journal writer had begun applying a batch (gateway/applied_position.h).
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
  struct AddedCells;
  // No added cell: the end of a growth chain (an added cell's index otherwise).
  static constexpr std::uint32_t kNoAddedCell = 0xFFFF'FFFFu;

 public:
  // The cells of one SKU, ascending by node index: its built run merged with the cells
  // added since (add_cell). A forward range over `const InventoryCell&`, walked without
  // locks (see Thread-safety above). A value that refers into the table: valid while the
  // table lives, across a move of it too.
  class StockedNodes {
   public:
    class iterator {
     public:
      using iterator_category = std::forward_iterator_tag;
      using iterator_concept = std::forward_iterator_tag;
      using value_type = InventoryCell;
      using difference_type = std::ptrdiff_t;
      using pointer = const InventoryCell*;
      using reference = const InventoryCell&;

      iterator() = default;  // past the end

      reference operator*() const { return *at_; }
      pointer operator->() const { return at_; }
      // The walk goes through contiguous pieces (a stretch of the built run, or one added
      // cell); only the end of a piece leaves the inline path.
      iterator& operator++() {
        if (++at_ == piece_end_) [[unlikely]]
          skip_piece();
        return *this;
      }
      iterator operator++(int) {
        iterator before = *this;
        ++*this;
        return before;
      }
      // Each cell is at one place, so the cell identifies the position.
      friend bool operator==(const iterator& a, const iterator& b) { return a.at_ == b.at_; }

     private:
      friend class InventoryTable;
      friend class Pieces;

      // To the first cell of the next piece, or past the end.
      void skip_piece() {
        *this =
            run_next_ == run_end_ && added_next_ == kNoAddedCell ? iterator{} : next_piece(*this);
      }
      // The iterator at the next piece: the built cells before the next added cell, or
      // that added cell; past the end when both are used up. By value, so that the
      // iterator of a loop can live in registers (its address never escapes).
      static iterator next_piece(iterator at);

      const InventoryCell* at_ = nullptr;  // the current cell; nullptr past the end
      const InventoryCell* piece_end_ = nullptr;
      const InventoryCell* run_next_ = nullptr;  // the first built cell not yet visited
      const InventoryCell* run_end_ = nullptr;
      const AddedCells* added_ = nullptr;
      std::uint32_t added_next_ = kNoAddedCell;  // the first added cell not yet visited
    };

    // The same walk a piece at a time, each a span of contiguous cells (a stretch of the
    // built run, or one added cell), for a hot loop: its inner loop is then over a plain
    // span. Without added cells, one piece: the built run (none if it is empty).
    class Pieces {
     public:
      class iterator {
       public:
        std::span<const InventoryCell> operator*() const { return {at_.at_, at_.piece_end_}; }
        iterator& operator++() {
          at_.skip_piece();
          return *this;
        }
        friend bool operator==(const iterator& a, const iterator& b) { return a.at_ == b.at_; }

       private:
        friend class Pieces;
        explicit iterator(StockedNodes::iterator at) : at_(at) {}
        StockedNodes::iterator at_;
      };

      iterator begin() const { return iterator(first_); }
      iterator end() const { return iterator({}); }

     private:
      friend class StockedNodes;
      explicit Pieces(StockedNodes::iterator first) : first_(first) {}
      StockedNodes::iterator first_;
    };

    iterator begin() const { return first_; }
    iterator end() const { return {}; }
    bool empty() const { return first_.at_ == nullptr; }
    Pieces pieces() const { return Pieces(first_); }

   private:
    friend class InventoryTable;
    iterator first_;
  };

  // Builds the table for SKU indexes [0, sku_count), with room for
  // `room_for_added_cells` pairs to be added later (add_cell); room 0 allocates nothing
  // for growth. Errors (invalid_argument) name the record: an SKU index beyond
  // sku_count, a negative on_hand, a (SKU, node) pair given twice; or a room beyond the
  // table's limit. Allocates; not for the hot path.
  static Result<InventoryTable> build(std::uint32_t sku_count, std::span<const StockRecord> records,
                                      std::size_t room_for_added_cells = 0);

  InventoryTable(InventoryTable&&) noexcept = default;
  InventoryTable& operator=(InventoryTable&&) noexcept = default;
  InventoryTable(const InventoryTable&) = delete;
  InventoryTable& operator=(const InventoryTable&) = delete;

  std::uint32_t sku_count() const { return sku_count_; }
  // Built and added cells. With adders at work, a count of some instant.
  std::size_t cell_count() const;
  // How many more pairs add_cell() can take.
  std::size_t room_for_added_cells() const;
  // Bytes held by the table: cells, run offsets, the object itself, and the room for
  // added cells with its chains (held from build(), used or not).
  std::size_t memory_bytes() const;

  // Every node stocking `sku`, built or added, ascending by node index. An SKU the table
  // does not know (added to the catalog after this table was built) is stocked nowhere:
  // empty. Inline: the routing hot path walks one SKU per order line.
  StockedNodes stocked_nodes(std::uint32_t sku_index) const;
  // Starts bringing the first cells of `sku`'s built run into the cache, for a walk soon
  // after. On a catalog far larger than the cache each walk of a cold SKU waits for
  // memory; a planner that asks for every line's run before walking any of them waits
  // for those misses together instead of one line at a time. A hint: changes nothing,
  // and an unknown SKU is ignored.
  void prefetch_stocked_nodes(std::uint32_t sku_index) const;

  // The cell of (sku, node), built or added, or nullptr if that node does not stock the
  // SKU.
  const InventoryCell* find(std::uint32_t sku_index, std::uint32_t node_index) const;

  // Adds the pair (sku, node) with `on_hand` units and nothing reserved, into the room
  // set aside by build(); from then on find() and stocked_nodes() show it and it takes
  // reservations like any cell. Errors: invalid_argument for an SKU index beyond
  // sku_count or a negative on_hand; already_exists when the node stocks the SKU
  // already (built or added); failed_precondition when no room is left (or none was
  // built), naming the room. Adders are serialised inside the table; readers do not
  // wait for them. Allocates only for an error's message.
  Result<const InventoryCell*> add_cell(std::uint32_t sku_index, std::uint32_t node_index,
                                        std::int32_t on_hand);

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

  // True if `cell` is one of this table's cells, built or added.
  bool owns(const InventoryCell& cell) const;

 private:
  // Runs up to this long are scanned; longer ones are bisected. A run of 16 cells is
  // four cache lines, read in order with a predictable branch.
  static constexpr std::size_t kLinearScanMax = 16;

  // The room for added cells and the chains through it. On the heap, apart from the
  // table: it holds a mutex and atomics (which do not move), and chains and walks in
  // progress point into it.
  //
  // A chain: first_added[s] is the added cell of SKU s with the lowest node index, and
  // next_added[i] the cell after cell i (by node index), kNoAddedCell ending it. Adding
  // fills a free cell and its link, then links it in with one store: a walk meets the
  // chain either without the cell or with it, complete, and sorted either way. Cells are
  // never unlinked or reused, so a walker never meets a cell that changes identity.
  struct AddedCells {
    AddedCells(std::uint32_t sku_count, std::uint32_t room_in);

    const std::uint32_t room;
    // room cells, used in order; cells[i] for i < count are published.
    const std::unique_ptr<InventoryCell[]> cells;
    // The links. Memory order: stored with release by the adder (under `adding`), after
    // the cell it links in is complete (its counts, node and SKU, and its own link);
    // loaded with acquire by walkers (stocked_nodes, find), so a walker that reads a link
    // to a cell reads the writes that filled it. A walker that reads an older value
    // misses the cell: as if it walked before the add. One that learnt of the add through
    // a happens-before edge reads this store or a later one (write-read coherence,
    // [intro.races]); a later value is a release store of a later adder, who took
    // `adding` after this one, so the cell is still in the chain (cells are never
    // unlinked) and its writes still visible. Adders read links relaxed, under `adding`,
    // which orders them after every earlier adder's stores.
    const std::unique_ptr<std::atomic<std::uint32_t>[]> next_added;   // per cell
    const std::unique_ptr<std::atomic<std::uint32_t>[]> first_added;  // per SKU
    // Cells used so far, a hint for readers: 0 lets a walk skip the chains (one relaxed
    // load per SKU walked instead of an acquire load of its chain's head).
    // Memory order: relaxed. Written only by adders, under `adding`, and stored BEFORE
    // the release store that links the new cell in. So a reader that found an added
    // cell (through an acquire load of a link) or was handed one (a happens-before edge
    // from a thread that did) reads a count that covers it: owns() is right about every
    // handle it can be given. A reader that reads 0 although a cell was added did not
    // learn of the add by any happens-before edge (else it would read the new count), so
    // skipping the chains is the same as walking before the add. Nothing is published
    // through the count: walkers still load the links with acquire.
    std::atomic<std::uint32_t> count{0};
    // Serialises adders: the check for an existing pair, the choice of a free cell and
    // the link stores. Readers never take it.
    std::mutex adding;
  };

  InventoryTable() = default;

  static Status validate(std::uint32_t sku_count, std::span<const StockRecord> records,
                         std::size_t room_for_added_cells);
  void place_cells(std::span<const StockRecord> records);
  Status sort_runs_by_node();
  std::span<const InventoryCell> built_run(std::uint32_t sku_index) const;
  const InventoryCell* find_built(std::uint32_t sku_index, std::uint32_t node_index) const;
  const InventoryCell* find_added(std::uint32_t sku_index, std::uint32_t node_index) const;
  std::string describe(const InventoryCell& cell) const;

  std::uint32_t sku_count_ = 0;
  std::size_t built_cell_count_ = 0;
  // sku_count_ + 1 offsets into cells_; uint32 because a table holds < 2^32 cells.
  std::unique_ptr<std::uint32_t[]> sku_begin_;
  std::unique_ptr<InventoryCell[]> cells_;
  // nullptr when built with no room.
  std::unique_ptr<AddedCells> added_;
};

inline InventoryTable::StockedNodes InventoryTable::stocked_nodes(std::uint32_t sku_index) const {
  StockedNodes nodes;
  if (sku_index >= sku_count_) return nodes;
  StockedNodes::iterator& first = nodes.first_;
  first.run_next_ = cells_.get() + sku_begin_[sku_index];
  first.run_end_ = cells_.get() + sku_begin_[sku_index + 1];
  // The count first, relaxed: while nothing was added, no chain is loaded (see
  // AddedCells::count); the head with acquire (see AddedCells::next_added).
  if (added_ != nullptr && added_->count.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    first.added_ = added_.get();
    first.added_next_ = added_->first_added[sku_index].load(std::memory_order_acquire);
    first = StockedNodes::iterator::next_piece(first);
  } else if (first.run_next_ != first.run_end_) {
    first.at_ = first.run_next_;
    first.piece_end_ = first.run_end_;
    first.run_next_ = first.run_end_;
  }
  return nodes;
}

inline void InventoryTable::prefetch_stocked_nodes(std::uint32_t sku_index) const {
  if (sku_index >= sku_count_) return;
  // At most the run's first four cache lines (16 cells: an SKU stocked at more nodes than
  // that has the rest fetched by the walk itself, in order, which the hardware's own
  // prefetcher follows). The run's end bounds the hint, so no line of another SKU is
  // fetched for nothing.
  constexpr std::size_t kCellsPerLine = 64 / sizeof(InventoryCell);
  constexpr std::size_t kCellsFetchedMax = 4 * kCellsPerLine;
  const std::uint32_t begin = sku_begin_[sku_index];
  const std::size_t fetched =
      std::min<std::size_t>(sku_begin_[sku_index + 1] - begin, kCellsFetchedMax);
  for (std::size_t i = 0; i < fetched; i += kCellsPerLine) {
    __builtin_prefetch(cells_.get() + begin + i);
  }
  // Cells are 16-byte aligned, not 64: a run that does not start a line ends in one more.
  if (fetched != 0) __builtin_prefetch(cells_.get() + begin + fetched - 1);
}

}  // namespace edgeroute::routing
