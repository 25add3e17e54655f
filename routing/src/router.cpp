#include "edgeroute/routing/router.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "edgeroute/base/assert.h"
#include "edgeroute/routing/node_day_promises.h"
#include "edgeroute/routing/objective.h"
#include "edgeroute/routing/transit_days.h"

namespace edgeroute::routing {
namespace {

constexpr std::uint16_t kNoCandidate = std::numeric_limits<std::uint16_t>::max();
constexpr std::int64_t kNoPlan = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kNodeKindCount = 4;
constexpr std::size_t kSingleAlternativesMax = 3;

// What every decision starts from. Copied, not value-initialised in place: the copy is
// one block move, where value-initialising stores the non-zero defaults of its
// shipment and alternative slots member by member.
const RoutingDecision kFreshDecision{};

// How far an order line got with one node; a line's reason is the furthest stage any
// node reached, so "no_capacity" means some node had the stock, "no_inventory" that
// some node could ship it but none had enough.
enum class Stage : std::uint8_t {
  unstocked,    // no node holds the SKU
  excluded,     // held only where the node is disabled or ineligible
  short_stock,  // eligible nodes hold less than the quantity
  no_promise,   // no pick window / departure, or no service of the requested level
  no_capacity,  // the node's day is full
  no_carrier,   // no service of the node prices a parcel of this weight
  servable,
};

fbs::ReasonCode reason_of(Stage stage) {
  switch (stage) {
    case Stage::unstocked: return fbs::ReasonCode::no_inventory;
    case Stage::excluded: return fbs::ReasonCode::excluded_by_policy;
    case Stage::short_stock: return fbs::ReasonCode::no_inventory;
    case Stage::no_promise: return fbs::ReasonCode::promise_unmeetable;
    case Stage::no_capacity: return fbs::ReasonCode::no_capacity;
    case Stage::no_carrier: return fbs::ReasonCode::no_carrier_service;
    case Stage::servable: return fbs::ReasonCode::none;
  }
  return fbs::ReasonCode::none;
}

struct ServiceOption {
  std::uint16_t service_index = 0;
  std::int64_t lateness_cents = 0;
  Promise promise;
  // The service's breaks for the candidate's zone, found once per candidate rather than
  // once per block the candidate prices.
  std::span<const RateBreak> rate_breaks;
};

struct Candidate {
  std::uint32_t node_index = 0;
  std::uint32_t line_mask = 0;  // lines this node may ship and has the stock for
  bool live = false;            // prepared, and able to take a shipment
  Zone zone{Zone::nearest};
  EpochDay packed_local_day = 0;  // the day whose capacity a shipment uses
  std::uint32_t units_left = 0;
  std::uint32_t option_begin = 0;
  std::uint32_t option_count = 0;
  std::int64_t fixed_cents = 0;  // RoutingModel::fixed_cents() of the node
  std::int32_t per_unit_cents = 0;
};

// What each candidate starts from: copied whole, a few wide moves, rather than
// value-initialised member by member (see kFreshDecision).
const Candidate kFreshCandidate{};

struct LineAtNode {
  const InventoryCell* cell = nullptr;
  std::int32_t safety_stock = 0;
};

struct LineState {
  std::uint32_t sku_index = 0;
  std::int32_t quantity = 0;
  std::int64_t weight_grams = 0;
  NodeKindSet allowed_kinds = kAllNodeKinds;
  std::array<ExclusionCause, kNodeKindCount> cause{};
  std::array<std::int16_t, kNodeKindCount> exclusion_index{};
  PolicyModel::SkuSafetyStock safety_stock;
  Stage stage = Stage::unstocked;

  // The line's stage is the furthest any node reached with it.
  void reach(Stage reached) {
    if (reached > stage) stage = reached;
  }
};

struct ShipmentEval {
  bool feasible = false;
  Stage failed = Stage::servable;
  std::int64_t cost_cents = 0;
  EpochDay delivery_day = 0;
  std::uint32_t option = 0;  // index into the workspace's options
};

// One way to ship a block of lines: a node and its best service for the block.
struct BlockOption {
  std::int64_t cost_cents = 0;
  EpochDay delivery_day = 0;
  std::uint32_t node_index = 0;
  std::uint16_t candidate = 0;
  std::uint32_t option = 0;

  // The order of a block's options: cost, then earlier delivery, then network order.
  bool precedes(const BlockOption& other) const {
    if (cost_cents != other.cost_cents) return cost_cents < other.cost_cents;
    if (delivery_day != other.delivery_day) return delivery_day < other.delivery_day;
    return node_index < other.node_index;
  }
};

struct PlanDraft {
  std::int64_t objective_cents = kNoPlan;
  EpochDay last_delivery_day = 0;
  std::uint8_t count = 0;
  std::array<std::uint32_t, kShipmentsMax> block_masks{};
  std::array<BlockOption, kShipmentsMax> blocks{};

  bool exists() const { return objective_cents != kNoPlan; }
  std::uint32_t node_of_line(unsigned line) const {
    for (std::uint8_t i = 0; i < count; ++i) {
      if ((block_masks[i] >> line) & 1u) return blocks[i].node_index;
    }
    return std::numeric_limits<std::uint32_t>::max();
  }
};

// The plan order of router.h: objective, last delivery, fewer shipments, then nodes by
// order line in network order.
bool better(const PlanDraft& a, const PlanDraft& b, unsigned line_count) {
  if (!b.exists()) return a.exists();
  if (!a.exists()) return false;
  if (a.objective_cents != b.objective_cents) return a.objective_cents < b.objective_cents;
  if (a.last_delivery_day != b.last_delivery_day) {
    return a.last_delivery_day < b.last_delivery_day;
  }
  if (a.count != b.count) return a.count < b.count;
  for (unsigned line = 0; line < line_count; ++line) {
    const std::uint32_t node_a = a.node_of_line(line);
    const std::uint32_t node_b = b.node_of_line(line);
    if (node_a != node_b) return node_a < node_b;
  }
  return false;
}

// How many lines a mask holds. By hand because std::popcount is a library call on
// baseline x86-64 (no POPCNT), and the bounded search counts in its inner loops.
int count_lines(std::uint32_t mask) {
  mask = mask - ((mask >> 1) & 0x55555555u);
  mask = (mask & 0x33333333u) + ((mask >> 2) & 0x33333333u);
  mask = (mask + (mask >> 4)) & 0x0F0F0F0Fu;
  return static_cast<int>((mask * 0x01010101u) >> 24);
}

// Whether a non-empty mask holds one line. Not std::has_single_bit, which counts bits
// through the same library call.
bool one_line(std::uint32_t mask) {
  return (mask & (mask - 1)) == 0;
}

// The lowest order line in a non-empty mask.
unsigned lowest_line(std::uint32_t mask) {
  return static_cast<unsigned>(std::countr_zero(mask));
}

}  // namespace

struct Router::Workspace {
  // The order being routed and what it is routed against, for one plan() call.
  const OrderRequest* order = nullptr;
  const RoutingModel* model = nullptr;
  const NetworkModel* network = nullptr;
  const PolicyModel* policy = nullptr;
  const InventoryTable* inventory = nullptr;
  const CapacityCounters* capacity = nullptr;
  std::optional<fbs::ServiceLevel> requested_level;

  std::array<LineState, kOrderLinesMax> lines{};
  unsigned line_count = 0;
  std::uint32_t full_mask = 0;

  std::vector<std::uint16_t> candidate_of_node;  // per network node
  std::vector<NodeDayPromises> day_promises;     // per network node, reused across orders
  // The order's candidates, in the order gathering met them: the front of
  // candidate_room, which has room for every node of the network (each is a candidate
  // at most once), so that adding one is a store, never a reallocation.
  std::vector<Candidate> candidate_room;
  std::span<Candidate> candidates;
  std::uint32_t live_count = 0;  // candidates that prepare() found able to ship
  // [candidate * line_count + line], written for the candidate's lines only.
  std::vector<LineAtNode> line_at_node;
  std::vector<ServiceOption> options;

  // Exhaustive search: per block of lines (a mask), its units, weight and cheapest
  // nodes, best first.
  static constexpr std::size_t kBlocks = std::size_t{1} << kExhaustiveLinesMax;
  std::array<std::int32_t, kBlocks> block_units{};
  std::array<std::int64_t, kBlocks> block_weight{};
  // A block's options, kept sorted as they are found (keep_block_option):
  // block_options[block_begin[block], + block_option_count[block]). Each block has room
  // for one option per live candidate.
  std::vector<BlockOption> block_options;
  std::array<std::uint32_t, kBlocks> block_begin{};
  std::array<std::uint32_t, kBlocks> block_option_count{};
  // The cheapest price of any block, when negative (preferences can make a shipment pay
  // for itself): partial plans are bounded by it, not by zero.
  std::int64_t negative_block_floor = 0;

  // The whole order from one node, best first (the single-node alternatives).
  std::array<BlockOption, kSingleAlternativesMax + 1> singles{};
  std::uint8_t single_count = 0;

  PlanDraft best;
  PlanDraft best_split;
  PlanDraft trial;  // the partition and assignment being searched
  std::array<std::int64_t, kShipmentsMax + 1> suffix_bound{};
  int max_shipments = 1;
  std::int64_t split_cents_per_shipment = 0;

  std::array<Alternative, kAlternativesMax> rejections{};
  std::uint8_t rejection_count = 0;

  RoutingDecision decision;

  void begin(const OrderRequest& order_in, const RoutingModel& model_in,
             const InventoryTable& inventory_in, const CapacityCounters& capacity_in,
             std::optional<fbs::ServiceLevel> level);
  void classify_lines();
  void gather_candidates();
  // Inline: called for every stocked cell that passes the line's checks.
  inline std::uint16_t candidate_for(std::uint32_t node_index);
  void prepare(Candidate& candidate);
  void note_rejection(std::uint32_t node_index, int line, fbs::ReasonCode reason, const auto& fill);
  // The best service of `candidate` for a parcel of `units` and `weight_grams`. Inline:
  // the exhaustive search prices every (candidate, block) pair with it.
  inline ShipmentEval evaluate(const Candidate& candidate, std::int32_t units,
                               std::int64_t weight_grams) const;
  // Inserts `option` into the sorted `list` of `count` entries, keeping at most
  // list.size() of them.
  static void keep_option(std::span<BlockOption> list, std::uint8_t& count,
                          const BlockOption& option);
  void keep_single(const BlockOption& option) { keep_option(singles, single_count, option); }
  void keep_block_option(std::uint32_t mask, const BlockOption& option);
  const BlockOption& block_option_at(std::uint32_t mask, std::uint32_t index) const {
    return block_options[block_begin[mask] + index];
  }
  void consider(const PlanDraft& draft);

  void search_exhaustive();
  void search_partitions(std::uint32_t remaining, std::uint8_t depth, std::int64_t cost_bound);
  void assign_blocks(std::uint8_t block, std::int64_t cost_so_far, EpochDay last_delivery);
  std::int64_t limit_for(std::uint8_t block_count) const;

  void search_bounded();
  bool greedy_split(PlanDraft& draft, std::optional<std::uint16_t> first);
  void improve(PlanDraft& draft);
  std::optional<BlockOption> block_option(std::uint16_t candidate, std::uint32_t mask);
  std::int32_t units_of(std::uint32_t mask) const;
  std::int64_t weight_of(std::uint32_t mask) const;
  void finish_draft(PlanDraft& draft) const;
  PlanDraft single_node_plan(const BlockOption& option) const;

  void decide();
  void explain_failure();
  void fill_shipments(const PlanDraft& draft);
  void fill_alternatives(const PlanDraft& chosen);
  bool add_reservation(PlanReservation& reservation) const;
};

void Router::Workspace::begin(const OrderRequest& order_in, const RoutingModel& model_in,
                              const InventoryTable& inventory_in,
                              const CapacityCounters& capacity_in,
                              std::optional<fbs::ServiceLevel> level) {
  order = &order_in;
  model = &model_in;
  network = &model_in.network();
  policy = &model_in.policy();
  inventory = &inventory_in;
  capacity = &capacity_in;
  requested_level = level;
  max_shipments = policy->max_shipments();
  split_cents_per_shipment = policy->weights().split_cents;
  line_count = order_in.line_count;
  full_mask = line_count == 32 ? ~0u : (1u << line_count) - 1;
  // Sized once per network (and per longest order, for line_at_node, which gathering
  // writes in place); steady state allocates nothing.
  if (candidate_of_node.size() != network->node_count()) {
    candidate_of_node.assign(network->node_count(), kNoCandidate);
    day_promises.resize(network->node_count());
    candidate_room.resize(network->node_count());
  }
  if (const std::size_t cells = std::size_t{network->node_count()} * line_count;
      line_at_node.size() < cells) {
    line_at_node.resize(cells);
  }
  candidates = {};
  live_count = 0;
  options.clear();
  single_count = 0;
  rejection_count = 0;
  best = PlanDraft{};
  best_split = PlanDraft{};
  decision = kFreshDecision;
}

// Which node kinds may ship each line, and why the others may not.
void Router::Workspace::classify_lines() {
  // Every line's cold catalog entries are asked for before any is used, so that their
  // cache misses overlap (a 1 M-SKU catalog does not fit in the cache).
  for (unsigned l = 0; l < line_count; ++l) {
    __builtin_prefetch(&network->sku(order->lines[l].sku_index));
    inventory->prefetch_stocked_nodes(order->lines[l].sku_index);
  }
  const bool owned_only = policy->owned_only(order->channel);
  const NodeKindSet owned_kinds =
      node_kind_bit(fbs::NodeKind::owned_fc) | node_kind_bit(fbs::NodeKind::store);
  for (unsigned l = 0; l < line_count; ++l) {
    const OrderLineRequest& line = order->lines[l];
    const SkuModel& sku = network->sku(line.sku_index);
    LineState& state = lines[l];
    state = LineState{};
    state.sku_index = line.sku_index;
    state.quantity = line.quantity;
    state.weight_grams = std::int64_t{line.quantity} * sku.weight_grams;
    state.safety_stock = policy->safety_stock_for(line.sku_index);
    state.exclusion_index.fill(-1);
    NodeKindSet allowed = kAllNodeKinds;
    const auto exclude = [&](NodeKindSet kinds, ExclusionCause cause, int index) {
      for (std::size_t kind = 0; kind < kNodeKindCount; ++kind) {
        const auto bit = static_cast<NodeKindSet>(1u << kind);
        if ((kinds & bit) && (allowed & bit)) {
          state.cause[kind] = cause;
          state.exclusion_index[kind] = static_cast<std::int16_t>(index);
        }
      }
      allowed &= static_cast<NodeKindSet>(~kinds);
    };
    exclude(static_cast<NodeKindSet>(kAllNodeKinds & ~sku.eligible_kinds),
            ExclusionCause::sku_not_eligible, -1);
    if (owned_only) {
      exclude(static_cast<NodeKindSet>(kAllNodeKinds & ~owned_kinds),
              ExclusionCause::owned_only_channel, -1);
    }
    const std::vector<ExclusionRule>& rules = policy->exclusions();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const ExclusionRule& rule = rules[i];
      if (!rule.channel.empty() && rule.channel != order->channel) continue;
      if (rule.sku_handling != 0 && (sku.handling & rule.sku_handling) == 0) continue;
      exclude(rule.node_kinds, ExclusionCause::policy_exclusion, static_cast<int>(i));
    }
    state.allowed_kinds = allowed;
  }
}

void Router::Workspace::note_rejection(std::uint32_t node_index, int line, fbs::ReasonCode reason,
                                       const auto& fill) {
  for (std::uint8_t i = 0; i < rejection_count; ++i) {
    if (rejections[i].node_count == 1 && rejections[i].node_indexes[0] == node_index) return;
  }
  if (rejection_count == rejections.size()) return;
  Alternative& rejection = rejections[rejection_count++];
  rejection = Alternative{};
  rejection.node_indexes[0] = node_index;
  rejection.node_count = 1;
  rejection.reason = reason;
  rejection.line_index = static_cast<std::int8_t>(line);
  fill(rejection);
}

std::uint16_t Router::Workspace::candidate_for(std::uint32_t node_index) {
  std::uint16_t& slot = candidate_of_node[node_index];
  if (slot == kNoCandidate) {
    EDGEROUTE_ASSERT(candidates.size() < kNoCandidate, "more candidates than slot numbers");
    slot = static_cast<std::uint16_t>(candidates.size());
    candidates = std::span(candidate_room).first(candidates.size() + 1);
    candidates.back() = kFreshCandidate;
    candidates.back().node_index = node_index;
  }
  return slot;
}

// Every node that holds a line's SKU is looked at once per line, in the inventory's
// SKU-major order, ascending by node whether the pair was built or added: no hash per
// (SKU, node) pair.
void Router::Workspace::gather_candidates() {
  // Read once here: the compiler cannot tell that the cell loop's stores leave them be.
  const std::uint32_t node_count = network->node_count();
  const bool excludes_nodes = !order->excluded_nodes.empty();
  for (unsigned l = 0; l < line_count; ++l) {
    LineState& state = lines[l];
    if (state.sku_index >= inventory->sku_count()) continue;
    // A piece at a time (the built run, split around cells added since): the inner loop
    // is over a plain span.
    for (const std::span<const InventoryCell> piece :
         inventory->stocked_nodes(state.sku_index).pieces()) {
      for (const InventoryCell& cell : piece) {
        const std::uint32_t n = cell.node_index();
        if (n >= node_count) continue;
        if ((state.allowed_kinds & network->routable_kind(n)) == 0) {
          const NodeModel& node = network->node(n);
          const auto kind = static_cast<std::size_t>(node.kind);
          state.reach(Stage::excluded);
          note_rejection(n, static_cast<int>(l), fbs::ReasonCode::excluded_by_policy,
                         [&](Alternative& rejection) {
                           rejection.exclusion_cause =
                               node.enabled ? state.cause[kind] : ExclusionCause::node_disabled;
                           rejection.exclusion_index =
                               node.enabled ? state.exclusion_index[kind] : std::int16_t{-1};
                         });
          continue;
        }
        if (excludes_nodes && std::find(order->excluded_nodes.begin(), order->excluded_nodes.end(),
                                        n) != order->excluded_nodes.end()) {
          state.reach(Stage::excluded);
          note_rejection(n, static_cast<int>(l), fbs::ReasonCode::excluded_by_policy,
                         [&](Alternative& rejection) {
                           rejection.exclusion_cause = ExclusionCause::node_failed_order;
                         });
          continue;
        }
        const std::int32_t safety_stock = state.safety_stock.at(n);
        const StockLevels levels = cell.levels();
        if (levels.available_to_promise(safety_stock) < state.quantity) {
          state.reach(Stage::short_stock);
          note_rejection(n, static_cast<int>(l), fbs::ReasonCode::no_inventory,
                         [&](Alternative& rejection) {
                           rejection.stock_seen = levels;
                           rejection.safety_stock = safety_stock;
                         });
          continue;
        }
        const std::uint16_t c = candidate_for(n);
        candidates[c].line_mask |= 1u << l;
        line_at_node[std::size_t{c} * line_count + l] = {&cell, safety_stock};
      }
    }
  }
  for (Candidate& candidate : candidates) {
    candidate_of_node[candidate.node_index] = kNoCandidate;  // ready for the next order
    prepare(candidate);
  }
}

// Node-level facts of a candidate: its promise steps per service, its capacity left on
// the day it would pack, its fixed cost terms. A candidate that cannot take any
// shipment is marked, and its lines learn why.
void Router::Workspace::prepare(Candidate& candidate) {
  const NodeModel& node = network->node(candidate.node_index);
  const auto fail = [&](Stage stage) {
    for (std::uint32_t mask = candidate.line_mask; mask != 0; mask &= mask - 1) {
      lines[lowest_line(mask)].reach(stage);
    }
    note_rejection(candidate.node_index, -1, reason_of(stage), [](Alternative&) {});
  };
  // Most orders take the per-day shortcut (node_day_promises.h); the rest the full rules.
  const UnixSeconds order_utc = order->created_at_utc;
  NodeDayPromises& day = day_promises[candidate.node_index];
  const NodeDayPromises::Owner owner{network->instance_id(), candidate.node_index};
  if (!day.covers(owner, order_utc)) day.prepare(owner, node.calendar, node.services, order_utc);
  const std::optional<Packing> quick = day.packing(order_utc);
  const PackingResult packing =
      quick ? PackingResult(*quick) : compute_packing(node.calendar, order_utc);
  if (!packing) return fail(Stage::no_promise);
  candidate.packed_local_day = packing->packed_local_day;
  candidate.zone = network->geography().zone(node.origin, order->destination);
  candidate.option_begin = static_cast<std::uint32_t>(options.size());
  const std::int32_t lateness_per_day = policy->weights().lateness_cents_per_day;
  for (std::size_t s = 0; s < node.services.size(); ++s) {
    const NodeServiceModel& offered = node.services[s];
    const CarrierServiceModel& service = network->service(offered.service_index);
    if (requested_level && service.level < *requested_level) continue;
    const std::uint8_t transit_days = service.transit_days_to(candidate.zone);
    Promise promise;
    if (const std::optional<CutoffDeparture> departure =
            quick ? day.departure(s, *packing) : std::nullopt) {
      promise = {.pick_starts_at_utc = packing->pick_starts_at_utc,
                 .packed_at_utc = packing->packed_at_utc,
                 .cutoff_at_utc = departure->cutoff_at_utc,
                 .ship_local_day = departure->ship_local_day,
                 .delivery_local_day =
                     delivery_day_after_transit(departure->ship_local_day, departure->ship_weekday,
                                                transit_days, service.transit_business_days)};
    } else if (const PromiseResult full =
                   compute_departure(node.calendar, *packing, offered.cutoff_local_minute,
                                     transit_days, service.transit_business_days)) {
      promise = *full;
    } else {
      continue;
    }
    options.push_back(
        {offered.service_index,
         lateness_cents(lateness_per_day, promise.delivery_local_day, order->latest_delivery_day),
         promise, service.rate_breaks_to(candidate.zone)});
  }
  candidate.option_count = static_cast<std::uint32_t>(options.size()) - candidate.option_begin;
  if (candidate.option_count == 0) return fail(Stage::no_promise);

  const CapacityLimits limits = policy->capacity_limits(candidate.node_index);
  const CapacityUsage usage = capacity->usage(candidate.node_index, packing->packed_local_day);
  if (usage.day_closed || usage.orders >= limits.orders_max) return fail(Stage::no_capacity);
  candidate.units_left = usage.units < limits.units_max ? limits.units_max - usage.units : 0;

  candidate.fixed_cents = model->fixed_cents(candidate.node_index);
  candidate.per_unit_cents = node.per_unit_cents;
  candidate.live = true;
  ++live_count;
}

ShipmentEval Router::Workspace::evaluate(const Candidate& candidate, std::int32_t units,
                                         std::int64_t weight_grams) const {
  if (static_cast<std::uint32_t>(units) > candidate.units_left) {
    return {.failed = Stage::no_capacity};
  }
  // Locals rather than a ShipmentEval, and a span: the loop keeps them in registers.
  const std::span<const ServiceOption> offered =
      std::span(options).subspan(candidate.option_begin, candidate.option_count);
  const ServiceOption* cheapest = nullptr;
  std::int64_t cheapest_total = 0;
  for (const ServiceOption& option : offered) {
    const RateBreak* const rate =
        CarrierServiceModel::break_taking(option.rate_breaks, weight_grams);
    if (rate == nullptr) continue;
    const std::int64_t total = rate->cents + option.lateness_cents;
    if (cheapest == nullptr || total < cheapest_total ||
        (total == cheapest_total &&
         option.promise.delivery_local_day < cheapest->promise.delivery_local_day)) {
      cheapest_total = total;
      cheapest = &option;
    }
  }
  if (cheapest == nullptr) return {.failed = Stage::no_carrier};
  return {.feasible = true,
          .cost_cents = candidate.fixed_cents + std::int64_t{candidate.per_unit_cents} * units +
                        cheapest_total,
          .delivery_day = cheapest->promise.delivery_local_day,
          .option = static_cast<std::uint32_t>(cheapest - options.data())};
}

void Router::Workspace::keep_option(std::span<BlockOption> list, std::uint8_t& count,
                                    const BlockOption& option) {
  std::size_t position = count;
  while (position > 0 && option.precedes(list[position - 1])) --position;
  if (position >= list.size()) return;
  const std::size_t last = std::min<std::size_t>(count, list.size() - 1);
  for (std::size_t i = last; i > position; --i) list[i] = list[i - 1];
  list[position] = option;
  if (count < list.size()) ++count;
}

void Router::Workspace::consider(const PlanDraft& draft) {
  if (better(draft, best, line_count)) best = draft;
  if (draft.count >= 2 && better(draft, best_split, line_count)) best_split = draft;
}

std::int32_t Router::Workspace::units_of(std::uint32_t mask) const {
  std::int32_t units = 0;
  for (; mask != 0; mask &= mask - 1) units += lines[lowest_line(mask)].quantity;
  return units;
}

std::int64_t Router::Workspace::weight_of(std::uint32_t mask) const {
  std::int64_t weight = 0;
  for (; mask != 0; mask &= mask - 1) weight += lines[lowest_line(mask)].weight_grams;
  return weight;
}

// --- Exhaustive search ---------------------------------------------------------------

// Per block, the options that cost no more than its K-th cheapest (K = max_shipments)
// are enough: in a plan of at most K blocks on distinct nodes, a block on a node that
// costs more could move to one of those K that no other block uses and make the plan
// strictly cheaper. Ties with the K-th are all kept, since any of them may win a
// tie-break that depends on the other blocks (docs/routing.md 2.4). Options come in
// candidate order; each is inserted in place, and the tail is cut as the K-th gets
// cheaper, so a block never holds more than it keeps plus the option being placed.
void Router::Workspace::keep_block_option(std::uint32_t mask, const BlockOption& option) {
  BlockOption* const list = block_options.data() + block_begin[mask];
  std::uint32_t& count = block_option_count[mask];
  const auto kept = static_cast<std::uint32_t>(max_shipments);
  if (count >= kept && option.cost_cents > list[kept - 1].cost_cents) return;
  std::uint32_t position = count;
  for (; position > 0 && option.precedes(list[position - 1]); --position) {
    list[position] = list[position - 1];
  }
  list[position] = option;
  ++count;
  while (count > kept && list[count - 1].cost_cents > list[kept - 1].cost_cents) --count;
}

void Router::Workspace::search_exhaustive() {
  block_units[0] = 0;
  block_weight[0] = 0;
  for (std::uint32_t mask = 1; mask <= full_mask; ++mask) {
    const unsigned low = lowest_line(mask);
    block_units[mask] = block_units[mask & (mask - 1)] + lines[low].quantity;
    block_weight[mask] = block_weight[mask & (mask - 1)] + lines[low].weight_grams;
    block_begin[mask] = (mask - 1) * live_count;
    block_option_count[mask] = 0;
  }
  if (const std::size_t room = std::size_t{full_mask} * live_count; block_options.size() < room) {
    block_options.resize(room);
  }
  negative_block_floor = 0;
  for (std::uint16_t c = 0; c < candidates.size(); ++c) {
    const Candidate& candidate = candidates[c];
    if (!candidate.live) continue;
    for (std::uint32_t mask = candidate.line_mask; mask != 0;
         mask = (mask - 1) & candidate.line_mask) {
      const ShipmentEval eval = evaluate(candidate, block_units[mask], block_weight[mask]);
      if (one_line(mask)) {
        const unsigned line = lowest_line(mask);
        lines[line].reach(eval.feasible ? Stage::servable : eval.failed);
        // A node that cannot ship even this one line (its units exceed the day's room,
        // or no service takes its weight) is ruled out for it: say so.
        if (!eval.feasible) {
          note_rejection(candidate.node_index, static_cast<int>(line), reason_of(eval.failed),
                         [](Alternative&) {});
        }
      }
      if (!eval.feasible) continue;
      const BlockOption option{eval.cost_cents, eval.delivery_day, candidate.node_index, c,
                               eval.option};
      keep_block_option(mask, option);
      if (mask == full_mask) keep_single(option);
      negative_block_floor = std::min(negative_block_floor, option.cost_cents);
    }
  }
  trial = PlanDraft{};
  search_partitions(full_mask, 0, 0);
}

std::int64_t Router::Workspace::limit_for(std::uint8_t block_count) const {
  // A plan is worth completing if it could still be the best plan, or, with two or
  // more shipments, the best split plan (shown as an alternative).
  return block_count >= 2 ? std::max(best.objective_cents, best_split.objective_cents)
                          : best.objective_cents;
}

// Enumerates the set partitions of `remaining` (each part contains its lowest line, so
// every partition is generated once) into at most max_shipments parts, pruned by the
// cheapest option of each part.
void Router::Workspace::search_partitions(std::uint32_t remaining, std::uint8_t depth,
                                          std::int64_t cost_bound) {
  if (remaining == 0) {
    trial.count = depth;
    suffix_bound[depth] = 0;
    for (std::size_t i = depth; i-- > 0;) {
      suffix_bound[i] = suffix_bound[i + 1] + block_option_at(trial.block_masks[i], 0).cost_cents;
    }
    assign_blocks(0, 0, 0);
    return;
  }
  if (depth == max_shipments) return;
  const std::uint32_t low = remaining & (~remaining + 1);
  const std::uint32_t rest = remaining ^ low;
  std::uint32_t sub = rest;
  for (;;) {
    const std::uint32_t block = low | sub;
    if (block_option_count[block] > 0) {
      const std::int64_t bound = cost_bound + block_option_at(block, 0).cost_cents;
      const std::uint32_t left = remaining ^ block;
      const auto blocks_at_least = static_cast<std::uint8_t>(depth + 1 + (left != 0));
      // The blocks still to come cost at least zero each, or at least the floor each
      // when some block pays for itself.
      const int blocks_left_max = std::min(max_shipments - depth - 1, count_lines(left));
      const std::int64_t rest_bound = negative_block_floor * blocks_left_max;
      if (bound + rest_bound +
              split_cents(static_cast<std::int32_t>(split_cents_per_shipment), blocks_at_least) <=
          limit_for(blocks_at_least)) {
        trial.block_masks[depth] = block;
        search_partitions(remaining ^ block, static_cast<std::uint8_t>(depth + 1), bound);
      }
    }
    if (sub == 0) break;
    sub = (sub - 1) & rest;
  }
}

// Chooses a distinct node for each part of trial's partition, best first, pruned.
void Router::Workspace::assign_blocks(std::uint8_t block, std::int64_t cost_so_far,
                                      EpochDay last_delivery) {
  const std::int64_t split =
      split_cents(static_cast<std::int32_t>(split_cents_per_shipment), trial.count);
  if (block == trial.count) {
    trial.objective_cents = cost_so_far + split;
    trial.last_delivery_day = last_delivery;
    consider(trial);
    trial.objective_cents = kNoPlan;
    return;
  }
  const std::uint32_t mask = trial.block_masks[block];
  const std::int64_t limit = limit_for(trial.count);
  for (std::uint32_t j = 0; j < block_option_count[mask]; ++j) {
    const BlockOption& option = block_option_at(mask, j);
    // Options are sorted by cost: once one is over the limit, so are the rest.
    if (cost_so_far + option.cost_cents + suffix_bound[block + 1] + split > limit) break;
    bool node_used = false;
    for (std::uint8_t i = 0; i < block; ++i) {
      node_used |= trial.blocks[i].node_index == option.node_index;
    }
    if (node_used) continue;
    trial.blocks[block] = option;
    assign_blocks(static_cast<std::uint8_t>(block + 1), cost_so_far + option.cost_cents,
                  std::max(last_delivery, option.delivery_day));
  }
}

// --- Bounded search, for orders beyond kExhaustiveLinesMax lines -----------------------

std::optional<BlockOption> Router::Workspace::block_option(std::uint16_t c, std::uint32_t mask) {
  const Candidate& candidate = candidates[c];
  if ((candidate.line_mask & mask) != mask || !candidate.live) return std::nullopt;
  const ShipmentEval eval = evaluate(candidate, units_of(mask), weight_of(mask));
  if (!eval.feasible) return std::nullopt;
  return BlockOption{eval.cost_cents, eval.delivery_day, candidate.node_index, c, eval.option};
}

void Router::Workspace::finish_draft(PlanDraft& draft) const {
  std::int64_t cost = 0;
  EpochDay last = 0;
  for (std::uint8_t i = 0; i < draft.count; ++i) {
    cost += draft.blocks[i].cost_cents;
    last = std::max(last, draft.blocks[i].delivery_day);
  }
  draft.objective_cents =
      cost + split_cents(static_cast<std::int32_t>(split_cents_per_shipment), draft.count);
  draft.last_delivery_day = last;
}

// The whole order from the node of `option`.
PlanDraft Router::Workspace::single_node_plan(const BlockOption& option) const {
  PlanDraft single;
  single.count = 1;
  single.block_masks[0] = full_mask;
  single.blocks[0] = option;
  finish_draft(single);
  return single;
}

// Greedy cover: repeatedly the node that ships the most remaining lines, cheapest first.
bool Router::Workspace::greedy_split(PlanDraft& draft, std::optional<std::uint16_t> first) {
  draft = PlanDraft{};
  std::uint32_t remaining = full_mask;
  if (first) {
    const std::uint32_t cover = candidates[*first].line_mask;
    const std::optional<BlockOption> option = block_option(*first, cover);
    if (!option) return false;
    draft.block_masks[0] = cover;
    draft.blocks[0] = *option;
    draft.count = 1;
    remaining &= ~cover;
  }
  while (remaining != 0 && draft.count < max_shipments) {
    int most_lines = 0;
    for (const Candidate& candidate : candidates) {
      if (!candidate.live) continue;
      most_lines = std::max(most_lines, count_lines(candidate.line_mask & remaining));
    }
    std::optional<BlockOption> chosen;
    std::uint32_t chosen_mask = 0;
    for (int target = most_lines; target > 0 && !chosen; --target) {
      for (std::uint16_t c = 0; c < candidates.size(); ++c) {
        const std::uint32_t cover = candidates[c].line_mask & remaining;
        if (!candidates[c].live || count_lines(cover) != target) continue;
        bool used = false;
        for (std::uint8_t i = 0; i < draft.count; ++i) {
          used |= draft.blocks[i].candidate == c;
        }
        if (used) continue;
        const std::optional<BlockOption> option = block_option(c, cover);
        if (option && (!chosen || option->precedes(*chosen))) {
          chosen = option;
          chosen_mask = cover;
        }
      }
    }
    if (!chosen) return false;
    draft.block_masks[draft.count] = chosen_mask;
    draft.blocks[draft.count] = *chosen;
    ++draft.count;
    remaining &= ~chosen_mask;
  }
  if (remaining != 0) return false;
  finish_draft(draft);
  return true;
}

// Moves single lines between the plan's shipments while that lowers the objective.
void Router::Workspace::improve(PlanDraft& draft) {
  constexpr int kPassesMax = 4;
  for (int pass = 0; pass < kPassesMax; ++pass) {
    bool moved = false;
    for (unsigned line = 0; line < line_count; ++line) {
      const std::uint32_t bit = 1u << line;
      std::uint8_t from = 0;
      while ((draft.block_masks[from] & bit) == 0) ++from;
      for (std::uint8_t to = 0; to < draft.count; ++to) {
        if (to == from || (candidates[draft.blocks[to].candidate].line_mask & bit) == 0) continue;
        PlanDraft next = draft;
        next.block_masks[from] &= ~bit;
        next.block_masks[to] |= bit;
        const auto grown = block_option(draft.blocks[to].candidate, next.block_masks[to]);
        if (!grown) continue;
        next.blocks[to] = *grown;
        if (next.block_masks[from] == 0) {
          for (std::uint8_t i = from; i + 1 < next.count; ++i) {
            next.block_masks[i] = next.block_masks[i + 1];
            next.blocks[i] = next.blocks[i + 1];
          }
          --next.count;
        } else {
          const auto shrunk = block_option(draft.blocks[from].candidate, next.block_masks[from]);
          if (!shrunk) continue;
          next.blocks[from] = *shrunk;
        }
        finish_draft(next);
        if (better(next, draft, line_count)) {
          draft = next;
          moved = true;
          break;
        }
      }
    }
    if (!moved) return;
  }
}

void Router::Workspace::search_bounded() {
  const std::int32_t units = units_of(full_mask);
  const std::int64_t weight = weight_of(full_mask);
  for (std::uint16_t c = 0; c < candidates.size(); ++c) {
    const Candidate& candidate = candidates[c];
    if (!candidate.live || candidate.line_mask != full_mask) continue;
    const ShipmentEval eval = evaluate(candidate, units, weight);
    if (!eval.feasible) {
      note_rejection(candidate.node_index, -1, reason_of(eval.failed), [](Alternative&) {});
      continue;
    }
    const BlockOption option{eval.cost_cents, eval.delivery_day, candidate.node_index, c,
                             eval.option};
    keep_single(option);
    consider(single_node_plan(option));
  }
  if (max_shipments >= 2) {
    PlanDraft split;
    if (greedy_split(split, std::nullopt)) {
      improve(split);
      consider(split);
    }
    // Greedy covers can paint themselves into a corner; a few other first shipments,
    // from the nodes holding the most lines, widen the search at a bounded cost.
    constexpr std::size_t kExtraStartsMax = 4;
    std::array<std::uint16_t, kExtraStartsMax> starts{};
    std::size_t start_count = 0;
    for (std::uint16_t c = 0; c < candidates.size(); ++c) {
      if (!candidates[c].live) continue;
      const auto covers_more = [&](std::uint16_t a, std::uint16_t b) {
        return count_lines(candidates[a].line_mask) > count_lines(candidates[b].line_mask);
      };
      std::size_t position = start_count;
      while (position > 0 && covers_more(c, starts[position - 1])) --position;
      if (position >= starts.size()) continue;
      for (std::size_t i = std::min(start_count, starts.size() - 1); i > position; --i) {
        starts[i] = starts[i - 1];
      }
      starts[position] = c;
      start_count = std::min(start_count + 1, starts.size());
    }
    for (std::size_t i = 0; i < start_count; ++i) {
      if (greedy_split(split, starts[i])) {
        improve(split);
        consider(split);
      }
    }
  }
  if (best.exists()) return;
  // No plan: learn each line's furthest stage, for the reason code.
  for (const Candidate& candidate : candidates) {
    if (!candidate.live) continue;
    for (std::uint32_t mask = candidate.line_mask; mask != 0; mask &= mask - 1) {
      LineState& state = lines[lowest_line(mask)];
      const ShipmentEval eval = evaluate(candidate, state.quantity, state.weight_grams);
      state.reach(eval.feasible ? Stage::servable : eval.failed);
    }
  }
}

// --- The decision ------------------------------------------------------------------------

void Router::Workspace::fill_shipments(const PlanDraft& draft) {
  decision.outcome = fbs::Outcome::routed;
  decision.reason = fbs::ReasonCode::none;
  decision.shipment_count = draft.count;
  decision.cost = CostTerms{};
  for (std::uint8_t i = 0; i < draft.count; ++i) {
    const BlockOption& block = draft.blocks[i];
    const Candidate& candidate = candidates[block.candidate];
    const ServiceOption& option = options[block.option];
    const CarrierServiceModel& service = network->service(option.service_index);
    PlannedShipment& shipment = decision.shipments[i];
    shipment.node_index = candidate.node_index;
    shipment.service_index = option.service_index;
    shipment.line_mask = draft.block_masks[i];
    shipment.units = units_of(shipment.line_mask);
    shipment.weight_grams = weight_of(shipment.line_mask);
    shipment.zone = candidate.zone;
    shipment.transit_days = service.transit_days_to(candidate.zone);
    shipment.transit_business_days = service.transit_business_days;
    shipment.promise = option.promise;
    shipment.cost = model->fixed_terms(candidate.node_index);
    shipment.cost.pick_cents = std::int64_t{candidate.per_unit_cents} * shipment.units;
    shipment.cost.carrier_cents = *service.rate_cents(candidate.zone, shipment.weight_grams);
    shipment.cost.lateness_cents = option.lateness_cents;
    EDGEROUTE_ASSERT(shipment.cost.objective_cents() == block.cost_cents,
                     "a shipment's terms must add up to the cost it was chosen by");
    decision.cost += shipment.cost;
  }
  decision.cost.split_cents =
      split_cents(static_cast<std::int32_t>(split_cents_per_shipment), draft.count);
  EDGEROUTE_ASSERT(decision.cost.objective_cents() == draft.objective_cents,
                   "a plan's terms must add up to its objective");
}

void Router::Workspace::fill_alternatives(const PlanDraft& chosen) {
  std::uint8_t& count = decision.alternative_count;
  count = 0;
  const auto add_plan = [&](const PlanDraft& plan) {
    if (count == decision.alternatives.size()) return;
    Alternative& alternative = decision.alternatives[count++];
    alternative = Alternative{};
    alternative.feasible = true;
    alternative.node_count = plan.count;
    for (std::uint8_t i = 0; i < plan.count; ++i) {
      alternative.node_indexes[i] = plan.blocks[i].node_index;
    }
    alternative.objective_cents = plan.objective_cents;
    alternative.delivery_day = plan.last_delivery_day;
  };
  for (std::uint8_t i = 0; i < single_count; ++i) {
    if (chosen.count == 1 && chosen.blocks[0].node_index == singles[i].node_index) continue;
    add_plan(single_node_plan(singles[i]));
    if (count == kSingleAlternativesMax) break;
  }
  if (chosen.count == 1 && best_split.exists()) add_plan(best_split);
  for (std::uint8_t i = 0; i < rejection_count && count < decision.alternatives.size(); ++i) {
    decision.alternatives[count++] = rejections[i];
  }
}

void Router::Workspace::explain_failure() {
  decision.outcome = fbs::Outcome::rejected;
  decision.reason = fbs::ReasonCode::too_many_shipments;
  for (unsigned l = 0; l < line_count; ++l) {
    if (lines[l].stage != Stage::servable) {
      decision.reason = reason_of(lines[l].stage);
      decision.reason_line = static_cast<std::int8_t>(l);
      break;
    }
  }
  // Every line can ship alone, yet no plan exists: with as many shipments as lines
  // allowed, the nodes could not take the lines together (their capacity, or a parcel
  // too heavy for any service).
  if (decision.reason == fbs::ReasonCode::too_many_shipments &&
      static_cast<unsigned>(max_shipments) >= line_count) {
    decision.reason = fbs::ReasonCode::no_capacity;
  }
  decision.alternative_count = 0;
  for (std::uint8_t i = 0; i < rejection_count; ++i) {
    decision.alternatives[decision.alternative_count++] = rejections[i];
  }
  if (policy->backorder_rule() == fbs::BackorderRule::backorder) {
    decision.outcome = fbs::Outcome::backordered;
    decision.backorder_node_index = *policy->backorder_node();
  }
}

void Router::Workspace::decide() {
  classify_lines();
  gather_candidates();
  if (line_count <= kExhaustiveLinesMax) {
    search_exhaustive();
  } else {
    search_bounded();
    decision.proven_optimal = false;
  }
  if (!best.exists()) return explain_failure();
  fill_shipments(best);
  fill_alternatives(best);
}

bool Router::Workspace::add_reservation(PlanReservation& reservation) const {
  for (std::uint8_t i = 0; i < best.count; ++i) {
    const BlockOption& block = best.blocks[i];
    for (std::uint32_t mask = best.block_masks[i]; mask != 0; mask &= mask - 1) {
      const unsigned line = lowest_line(mask);
      const LineAtNode& at = line_at_node[std::size_t{block.candidate} * line_count + line];
      const Status added =
          reservation.add_stock_line(*at.cell, lines[line].quantity, at.safety_stock);
      EDGEROUTE_ASSERT(added.is_ok(), "an order line the planner chose must make a stock line");
    }
    const CapacityClaim claim{.node_index = block.node_index,
                              .local_day = candidates[block.candidate].packed_local_day,
                              .orders = 1,
                              .units = static_cast<std::uint32_t>(units_of(best.block_masks[i])),
                              .limits = policy->capacity_limits(block.node_index)};
    if (!reservation.add_capacity_claim(claim).is_ok()) return false;
  }
  return true;
}

// --- Router ------------------------------------------------------------------------------

Router::Router(RouterOptions options)
    : options_(options), workspace_(std::make_unique<Workspace>()) {
  EDGEROUTE_ASSERT(options_.reservation_attempts_max >= 1, "a router must try at least once");
}

Router::~Router() = default;

const RoutingDecision& Router::plan(const OrderRequest& order, const RoutingModel& model,
                                    const InventoryTable& inventory,
                                    const CapacityCounters& capacity) {
  workspace_->begin(order, model, inventory, capacity, order.requested_level);
  workspace_->decide();
  return workspace_->decision;
}

const RoutingDecision& Router::route(const OrderRequest& order, const RoutingModel& model,
                                     InventoryTable& inventory, CapacityCounters& capacity,
                                     PlanReservation& reservation) {
  EDGEROUTE_ASSERT(!reservation.holds_reservation() && reservation.stock_line_count() == 0 &&
                       reservation.capacity_claim_count() == 0,
                   "route() needs an empty PlanReservation");
  Workspace& w = *workspace_;
  for (std::uint8_t attempt = 1; attempt <= options_.reservation_attempts_max; ++attempt) {
    w.begin(order, model, inventory, capacity, order.requested_level);
    w.decide();
    w.decision.reservation_attempts = attempt;
    if (w.decision.outcome != fbs::Outcome::routed) return w.decision;
    if (w.add_reservation(reservation) && reservation.reserve().reserved()) return w.decision;
    reservation.clear();  // lost a race for stock or capacity: plan again on fresh levels
  }
  w.decision = RoutingDecision{};
  w.decision.outcome = fbs::Outcome::rejected;
  w.decision.reason = fbs::ReasonCode::reservation_contention;
  w.decision.reservation_attempts = options_.reservation_attempts_max;
  return w.decision;
}

std::array<QuoteOption, kServiceLevelCount> Router::quote(const OrderRequest& order,
                                                          const RoutingModel& model,
                                                          const InventoryTable& inventory,
                                                          const CapacityCounters& capacity) {
  std::array<QuoteOption, kServiceLevelCount> quotes{};
  for (std::size_t level = 0; level < kServiceLevelCount; ++level) {
    QuoteOption& quote = quotes[level];
    quote.level = static_cast<fbs::ServiceLevel>(level);
    workspace_->begin(order, model, inventory, capacity, quote.level);
    workspace_->decide();
    const RoutingDecision& decision = workspace_->decision;
    quote.available = decision.outcome == fbs::Outcome::routed;
    if (!quote.available) {
      quote.reason = decision.reason;
      continue;
    }
    quote.delivery_day = decision.delivery_day();
    quote.objective_cents = decision.cost.objective_cents();
    quote.carrier_cents = decision.cost.carrier_cents;
    quote.shipment_count = decision.shipment_count;
  }
  return quotes;
}

EpochDay RoutingDecision::delivery_day() const {
  EpochDay last = 0;
  for (const PlannedShipment& shipment : planned_shipments()) {
    last = std::max(last, shipment.promise.delivery_local_day);
  }
  return last;
}

}  // namespace edgeroute::routing
