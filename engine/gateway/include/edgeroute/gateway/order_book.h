// OrderBook: every order the gateway has decided, by order id: where it stands, where
// the journal holds its decision document, and the stock and capacity it still holds.
// Rebuilt from the journal at start; changed only by the routing workers and the journal
// writer, through update().
//
// Why a striped lock here when the routing core has none. The book is touched once or
// twice per order, next to a decision that costs microseconds and a journal commit that
// costs far more; what matters is that two threads changing the same order see one
// another, and that threads on different orders do not queue behind each other. Orders
// are spread over kShardCount independently locked shards by the hash of their id;
// a shard's lock is held only for the few instructions of one update.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "edgeroute/gateway/held_reservation.h"
#include "edgeroute/gateway/node_promise.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"

namespace edgeroute::gateway {

// Where an order stands: the protocol's OrderStatus (docs/protocol.md).
using OrderStatus = protocol::fbs::OrderStatus;

struct OrderRecord {
  OrderStatus status = OrderStatus::rejected;
  // A change to this order is on its way to the journal (its decision, a cancel, an
  // event): other changes wait until it is durable, so that the journal's order of
  // events for one order is the order they were decided in.
  bool in_flight = false;
  // False until the decision itself is durable: the order is known, but nothing about it
  // may be told to anyone yet.
  bool decided = false;
  // The journal entries of the order's documents, not their bytes (journaled_documents.h
  // reads them back): about 2 KB an order stay on disk. The record with its vectors is
  // about 0.5 KB (docs/performance.md).
  std::uint64_t decision_sequence = 0;  // the journal entry of the decision
  std::uint64_t last_sequence = 0;      // the journal entry of its latest change
  // The journal entry holding the latest decision document: the decision's, or the
  // latest re-route's.
  std::uint64_t document_sequence = 0;
  // The decision entry holds the order as received (routing::fbs::Order), what a
  // re-route plans again. False for orders decided before orders were journaled.
  bool order_journaled = false;
  // The client's correlation id (the order id when it gave none): every later journal
  // entry about the order carries it.
  std::string correlation_id;
  // Each node that ships (or shipped) a part of the order, with what was promised there:
  // the latest decision's, plus those of earlier decisions that were not routed away.
  std::vector<NodePromise> promises;
  // A part of the order was reported delayed or was re-routed, and nothing has moved on
  // since: the next picked, packed or handed_off event recovers it.
  bool open_exception = false;
  // Nodes that have reported on the order (node health counts a node's first report).
  std::vector<std::string> reported_nodes;
  // Nodes the order was routed away from: a later re-route does not go back to them.
  std::vector<std::uint32_t> routed_away_from;
  HeldReservation held;
};

class OrderBook {
 public:
  static constexpr std::size_t kShardCount = 64;

  class Slot;

  // Runs `change(slot)` under the order's shard lock and returns what it returns. The
  // slot has the order's record, if the book has it, and can create or erase it.
  // `change` must be short and must not call back into the book.
  template <typename Change>
  decltype(auto) update(std::string_view order_id, Change&& change);

  // A copy of the order's record, or nothing.
  std::optional<OrderRecord> find(std::string_view order_id) const;
  // Calls `visit(order_id, record)` for every order, each shard under its lock (a
  // snapshot per shard, not of the whole book). `visit` must be short and must not call
  // back into the book.
  template <typename Visit>
  void for_each(Visit&& visit) const;

  std::size_t size() const;

  // Room for `orders` orders in all, spread over the shards as their ids will be, so that
  // a restart's million orders go in without a rehash.
  void reserve(std::size_t orders);

 private:
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  using Map = std::unordered_map<std::string, OrderRecord, TransparentHash, std::equal_to<>>;
  struct Shard {
    mutable std::mutex mutex;
    Map orders;
  };
  Shard& shard_of(std::string_view order_id) const {
    return shards_[TransparentHash{}(order_id) % kShardCount];
  }

  mutable std::array<Shard, kShardCount> shards_;
};

class OrderBook::Slot {
 public:
  OrderRecord* record() const { return found_ == orders_->end() ? nullptr : &found_->second; }
  OrderRecord& create() {
    found_ = orders_->try_emplace(std::string(order_id_)).first;
    return found_->second;
  }
  void erase() {
    if (found_ != orders_->end()) orders_->erase(found_);
    found_ = orders_->end();
  }

 private:
  friend class OrderBook;
  Slot(Map& orders, std::string_view order_id)
      : orders_(&orders), order_id_(order_id), found_(orders.find(order_id)) {}
  Map* orders_;
  std::string_view order_id_;
  Map::iterator found_;
};

template <typename Visit>
void OrderBook::for_each(Visit&& visit) const {
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [id, record] : shard.orders) visit(id, record);
  }
}

template <typename Change>
decltype(auto) OrderBook::update(std::string_view order_id, Change&& change) {
  Shard& shard = shard_of(order_id);
  std::lock_guard lock(shard.mutex);
  Slot slot(shard.orders, order_id);
  return change(slot);
}

}  // namespace edgeroute::gateway
