#include "edgeroute/routing/capacity_counters.h"

#include <string>

#include "edgeroute/base/assert.h"

namespace edgeroute::routing {

namespace {

std::string where(std::uint32_t node_index, std::int32_t local_day) {
  return "node " + std::to_string(node_index) + ", local day " + std::to_string(local_day);
}

}  // namespace

CapacityCounters::CapacityCounters(std::uint32_t node_count)
    : node_count_(node_count), nodes_(new NodeSlots[node_count]) {
  static_assert(unpack(pack({kLocalDayMax, {kOrdersMax, kUnitsMax}})).usage.units == kUnitsMax,
                "the slot word's fields hold their maxima");
}

std::size_t CapacityCounters::memory_bytes() const {
  return sizeof(*this) + std::size_t{node_count_} * sizeof(NodeSlots);
}

Status CapacityCounters::claim_error(std::uint32_t node_index, std::int32_t local_day,
                                     std::uint32_t orders, std::uint32_t units) {
  if (local_day < 0 || static_cast<std::uint32_t>(local_day) > kLocalDayMax) {
    return {StatusCode::invalid_argument,
            where(node_index, local_day) + ": the day is outside [1970-01-01, 4840]"};
  }
  if (orders == 0 && units == 0) {
    return {StatusCode::invalid_argument,
            where(node_index, local_day) + ": a capacity claim of no orders and no units"};
  }
  return {StatusCode::invalid_argument,
          where(node_index, local_day) + ": a claim of " + std::to_string(orders) + " orders and " +
              std::to_string(units) + " units is beyond the counters' range"};
}

Status CapacityCounters::limits_error(std::uint32_t node_index, std::int32_t local_day,
                                      CapacityLimits limits) {
  return {StatusCode::invalid_argument, where(node_index, local_day) + ": limits of " +
                                            std::to_string(limits.orders_max) + " orders and " +
                                            std::to_string(limits.units_max) +
                                            " units are beyond the counters' range"};
}

// Lock-free, not wait-free: a failed compare-and-swap means another claim or release
// on this node's day succeeded; the retry decides again on the value that won.
Result<CapacityOutcome> CapacityCounters::try_reserve(std::uint32_t node_index,
                                                      std::int32_t local_day, std::uint32_t orders,
                                                      std::uint32_t units, CapacityLimits limits) {
  if (Status valid = validate_claim(node_index, local_day, orders, units); !valid.is_ok()) {
    return valid;
  }
  if (Status valid = validate_limits(node_index, local_day, limits); !valid.is_ok()) return valid;
  const auto day = static_cast<std::uint32_t>(local_day);
  std::atomic<std::uint64_t>& word = slot(node_index, local_day);
  // Relaxed: see NodeSlots::words.
  std::uint64_t seen = word.load(std::memory_order_relaxed);
  for (;;) {
    const DayCount current = unpack(seen);
    if (current.local_day > day) return CapacityOutcome::day_closed;
    // An older day in the slot is over: this claim starts the new day from zero.
    const CapacityUsage base = current.local_day == day ? current.usage : CapacityUsage{};
    if (std::uint64_t{base.orders} + orders > limits.orders_max) {
      return CapacityOutcome::orders_exhausted;
    }
    if (std::uint64_t{base.units} + units > limits.units_max) {
      return CapacityOutcome::units_exhausted;
    }
    const DayCount next{day, {base.orders + orders, base.units + units}};
    if (word.compare_exchange_weak(seen, pack(next), std::memory_order_relaxed,
                                   std::memory_order_relaxed)) {
      return CapacityOutcome::reserved;
    }
  }
}

Result<CapacityRelease> CapacityCounters::release(std::uint32_t node_index, std::int32_t local_day,
                                                  std::uint32_t orders, std::uint32_t units) {
  if (Status valid = validate_claim(node_index, local_day, orders, units); !valid.is_ok()) {
    return valid;
  }
  const auto day = static_cast<std::uint32_t>(local_day);
  std::atomic<std::uint64_t>& word = slot(node_index, local_day);
  // Relaxed: see NodeSlots::words.
  std::uint64_t seen = word.load(std::memory_order_relaxed);
  for (;;) {
    const DayCount current = unpack(seen);
    if (current.local_day > day) return CapacityRelease::day_already_over;
    EDGEROUTE_ASSERT(current.local_day == day,
                     "capacity release for a day the node's slot never reached");
    EDGEROUTE_ASSERT(current.usage.orders >= orders && current.usage.units >= units,
                     "capacity release of more than the day has counted");
    const DayCount next{day, {current.usage.orders - orders, current.usage.units - units}};
    if (word.compare_exchange_weak(seen, pack(next), std::memory_order_relaxed,
                                   std::memory_order_relaxed)) {
      return CapacityRelease::released;
    }
  }
}

}  // namespace edgeroute::routing
