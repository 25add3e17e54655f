// CapacityCounters: how many orders and units each node has taken on for each local
// ship day, against the day's limits (the node's capacity, throttled by policy).
//
// Shape. Per node, one cache line of kDaySlots 64-bit atomic words; day d uses slot
// d % kDaySlots. Each word packs (local day, orders, units), so:
//   - orders and units change together in one compare-and-swap: a claim is
//     all-or-nothing across the two counts with no rollback and no moment where another
//     thread sees orders taken but units not (a design refinement over one word per
//     count, which needs a rollback and shows that transient state);
//   - the first claim of a new day resets the slot in the same compare-and-swap that
//     counts it: no sweeper, no midnight job;
//   - several days are open at once (today and tomorrow around the cut-off, Friday and
//     Monday over a weekend): with one word per node, a claim for tomorrow would wipe
//     today's count while orders for today are still arriving.
// A slot only moves forward in time. A claim for a day older than its slot's is
// refused (day_closed): never admitted against a count that was forgotten, so a day
// can never be over-admitted. At worst a claim kDaySlots or more days after a day that
// is still open takes that day's slot and retires it early; the day's late claims are
// then refused (usage() says day_closed, and the planner treats the node as full).
//
// Field widths (bits 0-19 day, 20-39 orders, 40-63 units) bound the figures: days
// 0..2^20-1 since 1970-01-01 (to the year 4840), up to 1,048,575 orders and 16,777,215
// units per node per day. Limits beyond those are refused as invalid_argument.
//
// The local day is the calendar date in the node's own time zone, as a day number since
// 1970-01-01; the caller computes it (routing takes its clock from the caller).
//
// Thread-safety: construction and destruction need exclusive access; every other
// method may be called from any thread at any time, lock-free. Owned by the engine,
// beside the InventoryTable. Move-only.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "edgeroute/base/assert.h"
#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::routing {

struct CapacityLimits {
  std::uint32_t orders_max = 0;
  std::uint32_t units_max = 0;
};

struct CapacityUsage {
  std::uint32_t orders = 0;
  std::uint32_t units = 0;
  // The node's slot has moved past this day: nothing more can be claimed for it
  // (try_reserve answers day_closed), although the counts read zero.
  bool day_closed = false;
  friend bool operator==(const CapacityUsage&, const CapacityUsage&) = default;
};

enum class CapacityOutcome : std::uint8_t {
  reserved,
  orders_exhausted,  // the day's order limit would be exceeded
  units_exhausted,   // the day's unit limit would be exceeded (orders were fine)
  day_closed,        // the node's slot has moved past this day; nothing can be added
};

enum class CapacityRelease : std::uint8_t {
  released,
  day_already_over,  // the slot has moved to a later day: nothing to give back
};

class CapacityCounters {
 public:
  static constexpr std::size_t kDaySlots = 8;  // a week and a day of look-ahead
  static constexpr std::uint32_t kLocalDayMax = (1u << 20) - 1;
  static constexpr std::uint32_t kOrdersMax = (1u << 20) - 1;
  static constexpr std::uint32_t kUnitsMax = (1u << 24) - 1;

  // Counters for nodes [0, node_count), every count zero. Allocates.
  explicit CapacityCounters(std::uint32_t node_count);

  CapacityCounters(CapacityCounters&&) noexcept = default;
  CapacityCounters& operator=(CapacityCounters&&) noexcept = default;
  CapacityCounters(const CapacityCounters&) = delete;
  CapacityCounters& operator=(const CapacityCounters&) = delete;

  // The checks try_reserve and release make on their inputs, for callers that record a
  // claim now and make it later (PlanReservation). invalid_argument, naming the node
  // and day, for a day outside [0, kLocalDayMax], a claim of no orders and no units,
  // or figures beyond the field widths.
  // Inline, with the error built out of line: every claim is checked when recorded, made
  // and given back.
  static Status validate_claim(std::uint32_t node_index, std::int32_t local_day,
                               std::uint32_t orders, std::uint32_t units) {
    const bool valid = local_day >= 0 && static_cast<std::uint32_t>(local_day) <= kLocalDayMax &&
                       (orders != 0 || units != 0) && orders <= kOrdersMax && units <= kUnitsMax;
    if (valid) [[likely]]
      return Status::ok();
    return claim_error(node_index, local_day, orders, units);
  }
  static Status validate_limits(std::uint32_t node_index, std::int32_t local_day,
                                CapacityLimits limits) {
    if (limits.orders_max <= kOrdersMax && limits.units_max <= kUnitsMax) [[likely]]
      return Status::ok();
    return limits_error(node_index, local_day, limits);
  }

  std::uint32_t node_count() const { return node_count_; }
  std::size_t memory_bytes() const;

  // Adds `orders` and `units` to the node's count for `local_day` if both stay within
  // `limits`; otherwise changes nothing. invalid_argument as validate_claim and
  // validate_limits. No allocation unless it fails with an error.
  // REQUIRES: node_index < node_count() (catalog indexes; asserted).
  Result<CapacityOutcome> try_reserve(std::uint32_t node_index, std::int32_t local_day,
                                      std::uint32_t orders, std::uint32_t units,
                                      CapacityLimits limits);

  // Gives back a claim made by try_reserve, if its day is still the slot's day.
  // invalid_argument as validate_claim. Giving back more than is
  // counted for the day, or for a day the slot never reached, is a bookkeeping bug and
  // asserts.
  Result<CapacityRelease> release(std::uint32_t node_index, std::int32_t local_day,
                                  std::uint32_t orders, std::uint32_t units);

  // What the node has taken on for `local_day`: zero for a day not started, and for a
  // day whose slot has moved on (then marked day_closed). A snapshot, for planning,
  // metrics and tests. Inline: the planner asks once per candidate node.
  CapacityUsage usage(std::uint32_t node_index, std::int32_t local_day) const;

 private:
  // One cache line per node: nodes never falsely share, and a node's open days do (they
  // are claimed together by the same orders). Nodes number in the thousands, so the
  // line costs little.
  struct alignas(64) NodeSlots {
    // Memory order: relaxed everywhere. Each word is its own invariant (a day's counts
    // within its limits; the day only moves forward), and the read-modify-writes of one
    // atomic word are totally ordered whatever memory order they use, so every
    // compare-and-swap decides on the latest value. Nothing is published alongside the
    // counts: the claim's record lives in the claimant's PlanReservation, handed between
    // threads by queues that carry their own happens-before.
    std::array<std::atomic<std::uint64_t>, kDaySlots> words{};
  };
  static_assert(sizeof(NodeSlots) == 64);

  // The errors of validate_claim and validate_limits, naming the node and day.
  [[gnu::cold]] static Status claim_error(std::uint32_t node_index, std::int32_t local_day,
                                          std::uint32_t orders, std::uint32_t units);
  [[gnu::cold]] static Status limits_error(std::uint32_t node_index, std::int32_t local_day,
                                           CapacityLimits limits);

  static constexpr unsigned kOrdersShift = 20;
  static constexpr unsigned kUnitsShift = 40;
  static constexpr std::uint64_t kTwentyBits = (std::uint64_t{1} << 20) - 1;

  // The decoded content of one slot word.
  struct DayCount {
    std::uint32_t local_day = 0;
    CapacityUsage usage;
  };
  static constexpr std::uint64_t pack(DayCount count) {
    return std::uint64_t{count.local_day} | (std::uint64_t{count.usage.orders} << kOrdersShift) |
           (std::uint64_t{count.usage.units} << kUnitsShift);
  }
  static constexpr DayCount unpack(std::uint64_t word) {
    return {static_cast<std::uint32_t>(word & kTwentyBits),
            {static_cast<std::uint32_t>((word >> kOrdersShift) & kTwentyBits),
             static_cast<std::uint32_t>(word >> kUnitsShift)}};
  }

  const std::atomic<std::uint64_t>& slot(std::uint32_t node_index, std::int32_t local_day) const {
    EDGEROUTE_ASSERT(node_index < node_count_, "capacity of a node beyond the catalog");
    return nodes_[node_index].words[static_cast<std::uint32_t>(local_day) % kDaySlots];
  }
  std::atomic<std::uint64_t>& slot(std::uint32_t node_index, std::int32_t local_day) {
    return const_cast<std::atomic<std::uint64_t>&>(
        std::as_const(*this).slot(node_index, local_day));
  }

  std::uint32_t node_count_ = 0;
  std::unique_ptr<NodeSlots[]> nodes_;
};

inline CapacityUsage CapacityCounters::usage(std::uint32_t node_index,
                                             std::int32_t local_day) const {
  if (local_day < 0) return {};
  // Relaxed: a snapshot; see NodeSlots::words.
  const DayCount current = unpack(slot(node_index, local_day).load(std::memory_order_relaxed));
  const auto day = static_cast<std::uint32_t>(local_day);
  if (current.local_day == day) return current.usage;
  return CapacityUsage{.day_closed = current.local_day > day};
}

}  // namespace edgeroute::routing
