#include "edgeroute/simulate/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/demo/order_generator.h"
#include "edgeroute/demo/random.h"
#include "edgeroute/gateway/held_reservation.h"
#include "edgeroute/gateway/node_health.h"
#include "edgeroute/gateway/reroute.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/simulate/arrival_schedule.h"
#include "edgeroute/simulate/shipment_fate.h"

namespace edgeroute::simulate {
namespace {

using routing::EpochDay;
using routing::UnixSeconds;
using Report = protocol::fbs::FulfillmentEventKind;

constexpr UnixSeconds kSecondsPerDay = 86400;
// Replenishment lands before any node of the default world opens its pick window.
constexpr UnixSeconds kReplenishSecondOfDay = 6 * 3600;
// Time-zone tables reach this far past the last order: room for every promise.
constexpr UnixSeconds kHorizonAfterSeconds = 60 * kSecondsPerDay;
constexpr std::uint64_t kProgressEvery = 4096;
// Delivery days count from the date the customer ordered on, in US Eastern time (the
// demand's own clock, arrival_schedule.h): a delivery date is a local date too, and an
// order at 9 pm in New York is not an order of the next day.
constexpr UnixSeconds kEasternOffsetSeconds = -5 * 3600;
constexpr std::int32_t kDaysAfterDemand = 3;

enum class EventKind : std::uint8_t { arrival, replenish, report };

// What a SimClock alarm does when the clock reaches it.
struct PendingEvent {
  EventKind kind = EventKind::arrival;
  Report report = Report::handed_off;
  std::uint32_t order_slot = 0;
  std::uint32_t shipment = 0;
  std::uint64_t epoch = 0;  // the shipment's; a re-routed shipment's reports are stale
};

struct Shipment {
  // The stock and capacity this shipment holds. Per shipment, not per node: after a
  // re-route an order may have two open shipments at one node, each leaving (or failing)
  // on its own.
  gateway::HeldReservation held;
  std::uint32_t node_index = 0;
  std::uint16_t service_index = 0;
  routing::Promise promise;
  routing::CostTerms cost;
  std::int32_t units = 0;
  std::uint64_t epoch = 0;
  std::int32_t late_days = 0;
  bool open = true;
};

struct ActiveOrder {
  bool in_use = false;
  std::vector<std::uint8_t> bytes;  // the order document, for re-routing
  UnixSeconds created_at = 0;
  EpochDay promised_day = 0;  // the first decision's last delivery day
  std::vector<Shipment> shipments;
  std::vector<std::uint32_t> routed_away_from;
  std::vector<std::uint32_t> reported_nodes;
  std::optional<UnixSeconds> first_exception_at;
  EpochDay delivered_day = 0;
  UnixSeconds last_hand_off_at = 0;
  std::uint32_t open_shipments = 0;
  bool lost = false;
};

// A distribution of whole numbers (days, minutes) as counts per value: exact percentiles
// in memory that grows with the spread of the values, not with the number of orders.
class Distribution {
 public:
  void add(std::int64_t value) { ++counts_[value]; }

  Percentiles summarise() const {
    Percentiles summary;
    for (const auto& [value, count] : counts_) summary.count += count;
    if (summary.count == 0) return summary;
    // Nearest rank: the smallest value with at least percent% of the values at or below.
    const auto rank = [&](std::uint64_t percent) {
      const std::uint64_t wanted = (percent * summary.count + 99) / 100;
      std::uint64_t seen = 0;
      for (const auto& [value, count] : counts_) {
        seen += count;
        if (seen >= wanted) return value;
      }
      return counts_.rbegin()->first;
    };
    summary.p50 = rank(50);
    summary.p90 = rank(90);
    summary.p99 = rank(99);
    summary.max = counts_.rbegin()->first;
    // In double, operation by operation and in value order: IEEE arithmetic and sqrt
    // round the same way on every target this builds for (x86-64, aarch64, armhf; ISO
    // C++ mode keeps GCC from fusing multiply-adds), so the figures do too.
    const double total = static_cast<double>(summary.count);
    double sum = 0;
    for (const auto& [value, count] : counts_) {
      sum += static_cast<double>(value) * static_cast<double>(count);
    }
    const double mean = sum / total;
    double squares = 0;
    for (const auto& [value, count] : counts_) {
      const double deviation = static_cast<double>(value) - mean;
      squares += deviation * deviation * static_cast<double>(count);
    }
    summary.mean_centi = std::llround(mean * 100);
    summary.stddev_centi = std::llround(std::sqrt(squares / total) * 100);
    return summary;
  }

 private:
  std::map<std::int64_t, std::uint64_t> counts_;
};

EpochDay customer_day(UnixSeconds ordered_at) {
  return routing::day_of(ordered_at + kEasternOffsetSeconds);
}

std::uint32_t basis_points(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0 : static_cast<std::uint32_t>(part * 10000 / whole);
}

std::int64_t per_order(std::int64_t cents, std::uint64_t orders) {
  return orders == 0 ? 0 : cents / static_cast<std::int64_t>(orders);
}

class Run {
 public:
  Run(const BaseWorld& base, const RunSpec& spec, ScenarioWorld world, ArrivalSchedule schedule,
      const RunProgress& progress)
      : spec_(spec),
        world_(std::move(world)),
        schedule_(std::move(schedule)),
        progress_(progress),
        capacity_(world_.network->node_count()),
        plan_(world_.inventory, capacity_),
        generator_(base.skus_by_popularity,
                   demo::DemandOptions{spec.seed, schedule_.total(), 0, 0, "sim"}),
        fates_(spec.seed ^ 0x5eedfa7e00000001ULL),
        origin_((std::int64_t{schedule_.first_day()} - 1) * kSecondsPerDay),
        clock_(hal::WallTime(std::chrono::seconds(origin_)), hal::MonotonicTime{}),
        health_(world_.network->node_count()),
        published_health_(health_.blended(*world_.network)),
        nodes_(world_.network->node_count()) {
    Result<routing::RoutingModel> model =
        routing::RoutingModel::create(world_.network, world_.policy);
    EDGEROUTE_ASSERT(model.has_value(), "a scenario's policy was compiled for its own network");
    model_.emplace(std::move(model).value());
  }

  RunReport go() {
    const auto began = std::chrono::steady_clock::now();
    daily_.resize(static_cast<std::size_t>(schedule_.days()));
    if (schedule_.total() > 0) schedule(schedule_.instant(0), EventKind::arrival);
    // Replenishment goes on for a few days after the last order, while its shipments
    // leave; the last mornings also read the run's last days of capacity.
    for (std::int32_t day = 0; day < schedule_.days() + kDaysAfterDemand; ++day) {
      schedule((std::int64_t{schedule_.first_day()} + day) * kSecondsPerDay + kReplenishSecondOfDay,
               EventKind::replenish);
    }
    while (const std::optional<hal::MonotonicTime> next = clock_.next_alarm_time()) {
      // To the next alarm's instant only: whatever the demand, one advance fires the
      // alarms of one instant, far under SimClock's runaway guard.
      clock_.advance_to(std::max(*next, clock_.monotonic_now()));
    }
    for (std::uint32_t node = 0; node < nodes_.size(); ++node)
      sample_capacity_through(node, kLastDay);
    if (progress_ && unreported_progress_ > 0) progress_(unreported_progress_);
    RunReport report = summarise();
    report.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    return report;
  }

 private:
  static constexpr EpochDay kLastDay = std::numeric_limits<EpochDay>::max();

  struct NodeTally {
    std::uint64_t shipments = 0;
    std::uint64_t units = 0;
    std::uint64_t failed = 0;
    std::int64_t variable_cents = 0;
    std::uint64_t orders_claimed = 0;  // over the sampled operating days
    std::uint32_t open_days = 0;
    std::uint32_t saturated_days = 0;
    EpochDay sampled_through = 0;  // local days up to this one have been sampled
  };

  // Ties at one instant fire in the order they were scheduled (SimClock's rule).
  void schedule(UnixSeconds at, EventKind kind, Report what = Report::handed_off,
                std::uint32_t slot = 0, std::uint32_t shipment = 0, std::uint64_t epoch = 0) {
    const PendingEvent event{kind, what, slot, shipment, epoch};
    clock_.schedule_at(hal::MonotonicTime{} + std::chrono::seconds(at - origin_), [this, event] {
      switch (event.kind) {
        case EventKind::arrival: arrive(now()); break;
        case EventKind::replenish: replenish(now()); break;
        case EventKind::report: report(event, now()); break;
      }
    });
  }

  UnixSeconds now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.wall_now().time_since_epoch())
        .count();
  }

  DayReport* day_of_run(UnixSeconds at) {
    const std::int64_t offset = routing::day_of(at) - schedule_.first_day();
    if (offset < 0 || offset >= static_cast<std::int64_t>(daily_.size())) return nullptr;
    return &daily_[static_cast<std::size_t>(offset)];
  }

  std::uint32_t allocate_slot() {
    if (!free_slots_.empty()) {
      const std::uint32_t slot = free_slots_.back();
      free_slots_.pop_back();
      return slot;
    }
    orders_.emplace_back();
    return static_cast<std::uint32_t>(orders_.size() - 1);
  }

  void release_slot(std::uint32_t slot) {
    orders_[slot] = ActiveOrder{};
    free_slots_.push_back(slot);
  }

  void arrive(UnixSeconds now) {
    demo::GeneratedOrder generated = generator_.next_at(now);
    ++orders_arrived_;
    if (++unreported_progress_ == kProgressEvery) {
      if (progress_) progress_(unreported_progress_);
      unreported_progress_ = 0;
    }
    if (orders_arrived_ < schedule_.total()) {
      schedule(schedule_.instant(orders_arrived_), EventKind::arrival);
    }
    DayReport* day = day_of_run(now);
    if (day != nullptr) ++day->orders;

    const routing::fbs::Order& order = *routing::fbs::GetOrder(generated.bytes.data());
    const routing::OrderResolution resolution = routing::resolve_order(order, model_->network());
    if (!resolution.ok()) {
      count_reason(rejected_by_reason_, resolution.reason());
      ++rejected_;
      if (day != nullptr) ++day->rejected;
      return;
    }
    const routing::RoutingDecision& decision =
        router_.route(resolution.request, *model_, world_.inventory, capacity_, plan_);
    if (decision.outcome != routing::fbs::Outcome::routed || !plan_.holds_reservation()) {
      if (plan_.holds_reservation()) {
        gateway::HeldReservation::take_over(plan_).release(world_.inventory, capacity_);
      }
      plan_.clear();
      if (decision.outcome == routing::fbs::Outcome::backordered) {
        count_reason(backordered_by_reason_, decision.reason);
        ++backordered_;
        if (day != nullptr) ++day->backordered;
      } else {
        count_reason(rejected_by_reason_, decision.reason);
        ++rejected_;
        if (day != nullptr) ++day->rejected;
      }
      return;
    }
    const std::uint32_t slot = allocate_slot();
    ActiveOrder& active = orders_[slot];
    active.in_use = true;
    active.bytes = std::move(generated.bytes);
    active.created_at = now;
    active.promised_day = decision.delivery_day();
    ++routed_;
    if (decision.shipment_count > 1) ++split_orders_;
    add_shipments(slot, decision, gateway::HeldReservation::take_over(plan_), now);
    plan_.clear();
  }

  // `held`: what the decision's plan reserved; each shipment takes its node's part (a
  // plan's shipments are from distinct nodes).
  void add_shipments(std::uint32_t slot, const routing::RoutingDecision& decision,
                     gateway::HeldReservation held, UnixSeconds now) {
    ActiveOrder& active = orders_[slot];
    for (const routing::PlannedShipment& planned : decision.planned_shipments()) {
      Shipment shipment;
      shipment.held = held.take_node(planned.node_index);
      shipment.node_index = planned.node_index;
      shipment.service_index = planned.service_index;
      shipment.promise = planned.promise;
      shipment.cost = planned.cost;
      shipment.units = planned.units;
      shipment.epoch = ++next_epoch_;
      const ShipmentFate fate = draw_fate(
          fates_, world_.nodes[planned.node_index].health,
          conditions(planned.node_index, planned.service_index, planned.promise.ship_local_day),
          planned.promise, now);
      shipment.late_days = fate.late_days;
      const auto index = static_cast<std::uint32_t>(active.shipments.size());
      if (fate.picked) {
        schedule(std::max(now, planned.promise.pick_starts_at_utc), EventKind::report,
                 Report::picked, slot, index, shipment.epoch);
        if (fate.end == ShipmentEnd::handed_off) {
          schedule(std::max(now, planned.promise.packed_at_utc), EventKind::report, Report::packed,
                   slot, index, shipment.epoch);
        }
      }
      if (fate.end == ShipmentEnd::failed) {
        schedule(fate.at, EventKind::report, Report::failed, slot, index, shipment.epoch);
      } else {
        if (fate.late_days > 0) {
          schedule(planned.promise.cutoff_at_utc, EventKind::report, Report::delayed, slot, index,
                   shipment.epoch);
        }
        schedule(fate.at, EventKind::report, Report::handed_off, slot, index, shipment.epoch);
      }
      active.shipments.push_back(std::move(shipment));
      ++active.open_shipments;
    }
    EDGEROUTE_ASSERT(held.empty(), "a plan held stock at a node it does not ship from");
  }

  FateConditions conditions(std::uint32_t node_index, std::uint16_t service_index,
                            EpochDay day) const {
    FateConditions result;
    if (spec_.band != Band::failure) return result;
    const routing::NodeModel& node = model_->network().node(node_index);
    for (const FailureInjection& failure : spec_.scenario.failures) {
      if (!failure.covers(day)) continue;
      switch (failure.kind) {
        case FailureKind::partner_sla_miss:
          if (!node.owned()) result.extra_late_percent += failure.percent;
          break;
        case FailureKind::node_dark:
          if (failure.node_id == node.id) result.node_dark = true;
          break;
        case FailureKind::carrier_cutoff_miss:
          if (failure.carrier == model_->network().service(service_index).carrier) {
            result.extra_late_percent += failure.percent;
          }
          break;
      }
    }
    result.extra_late_percent = std::min(result.extra_late_percent, 100);
    return result;
  }

  void report(const PendingEvent& event, UnixSeconds at) {
    if (event.order_slot >= orders_.size()) return;
    ActiveOrder& active = orders_[event.order_slot];
    if (!active.in_use || event.shipment >= active.shipments.size()) return;
    Shipment& shipment = active.shipments[event.shipment];
    if (shipment.epoch != event.epoch || !shipment.open) return;  // re-routed meanwhile

    const std::uint32_t node = shipment.node_index;
    gateway::ShipmentReport health_report;
    health_report.node_index = node;
    health_report.event = event.report;
    health_report.first_report_at_node =
        std::find(active.reported_nodes.begin(), active.reported_nodes.end(), node) ==
        active.reported_nodes.end();
    health_report.occurred_at = at;
    health_report.promised_cutoff_at = shipment.promise.cutoff_at_utc;
    if (health_report.first_report_at_node) active.reported_nodes.push_back(node);
    health_.record(health_report);
    republish_health();

    switch (event.report) {
      case Report::handed_off: hand_off(event.order_slot, event.shipment, at); break;
      case Report::failed:
      case Report::delayed: exception(event.order_slot, event.shipment, event.report, at); break;
      default: break;
    }
  }

  void hand_off(std::uint32_t slot, std::uint32_t index, UnixSeconds now) {
    ActiveOrder& active = orders_[slot];
    Shipment& shipment = active.shipments[index];
    EDGEROUTE_ASSERT(!shipment.held.stock().empty(), "a shipment left without its lines");
    std::vector<const routing::InventoryCell*> leaving;
    for (const gateway::HeldStock& line : shipment.held.stock()) leaving.push_back(line.cell);
    for (const routing::InventoryCell* cell : leaving) {
      const Status shipped = shipment.held.ship(world_.inventory, *cell);
      EDGEROUTE_ASSERT(shipped.is_ok(), "a held line could not ship");
    }
    NodeTally& tally = nodes_[shipment.node_index];
    ++tally.shipments;
    tally.units += static_cast<std::uint64_t>(shipment.units);
    const std::int64_t handling = shipment.cost.handling_cents + shipment.cost.pick_cents;
    handling_cents_ += handling;
    partner_fee_cents_ += shipment.cost.partner_fee_cents;
    carrier_cents_ += shipment.cost.carrier_cents;
    tally.variable_cents +=
        handling + shipment.cost.partner_fee_cents + shipment.cost.carrier_cents;
    if (DayReport* day = day_of_run(active.created_at); day != nullptr) {
      ++day->shipped_by_kind[static_cast<std::size_t>(
          model_->network().node(shipment.node_index).kind)];
    }
    active.delivered_day =
        std::max(active.delivered_day, shipment.promise.delivery_local_day + shipment.late_days);
    active.last_hand_off_at = std::max(active.last_hand_off_at, now);
    close(slot, index);
  }

  void exception(std::uint32_t slot, std::uint32_t index, Report event, UnixSeconds now) {
    ActiveOrder& active = orders_[slot];
    Shipment& shipment = active.shipments[index];
    ++exceptions_;
    if (DayReport* day = day_of_run(now); day != nullptr) ++day->exceptions;
    if (!active.first_exception_at) active.first_exception_at = now;
    const std::optional<EpochDay> expected =
        event == Report::delayed
            ? std::optional<EpochDay>(shipment.promise.delivery_local_day + shipment.late_days)
            : std::nullopt;
    const bool wants_reroute = gateway::report_calls_for_reroute(
        model_->policy(), event, expected, shipment.promise.delivery_local_day);
    if (event == Report::failed) ++nodes_[shipment.node_index].failed;
    if (wants_reroute && reroute(slot, index, now)) return;
    if (event == Report::delayed) return;  // the parcel still leaves, a day late
    // A failure no other node takes over: the order is lost, and its units at the node
    // go back, as an operator cancelling the part would.
    active.lost = true;
    shipment.held.release(world_.inventory, capacity_);
    close(slot, index);
  }

  // Plans the node's lines again, as the gateway does; true when a plan holds.
  bool reroute(std::uint32_t slot, std::uint32_t index, UnixSeconds now) {
    ActiveOrder& active = orders_[slot];
    const Shipment& failing = active.shipments[index];
    active.routed_away_from.push_back(failing.node_index);
    const std::optional<routing::OrderRequest> request =
        gateway::reroute_request(*routing::fbs::GetOrder(active.bytes.data()), model_->network(),
                                 failing.held, now, active.routed_away_from);
    const routing::RoutingDecision* decision = nullptr;
    if (request) {
      decision = &router_.route(*request, *model_, world_.inventory, capacity_, plan_);
    }
    if (decision == nullptr || decision->outcome != routing::fbs::Outcome::routed ||
        !plan_.holds_reservation()) {
      if (plan_.holds_reservation()) {
        gateway::HeldReservation::take_over(plan_).release(world_.inventory, capacity_);
      }
      plan_.clear();
      active.routed_away_from.pop_back();
      return false;
    }
    // Only with the new plan reserved do the failing shipment's units go back (the
    // gateway's order: others may have them once the re-route is durable).
    gateway::HeldReservation rerouted = gateway::HeldReservation::take_over(plan_);
    plan_.clear();
    active.shipments[index].held.release(world_.inventory, capacity_);
    ++reroutes_;
    // The new shipments first: closing the last open one would end the order.
    add_shipments(slot, *decision, std::move(rerouted), now);
    close(slot, index);
    return true;
  }

  void close(std::uint32_t slot, std::uint32_t index) {
    ActiveOrder& active = orders_[slot];
    active.shipments[index].open = false;
    if (--active.open_shipments > 0) return;
    if (active.lost) {
      ++lost_;
    } else {
      ++delivered_;
      delivery_days_.add(active.delivered_day - customer_day(active.created_at));
      if (active.delivered_day <= active.promised_day) ++promises_kept_;
      if (active.first_exception_at) {
        recover_minutes_.add((active.last_hand_off_at - *active.first_exception_at) / 60);
      }
    }
    release_slot(slot);
  }

  void republish_health() {
    std::vector<routing::NodeHealth> blended = health_.blended(*world_.network);
    if (!gateway::health_moved(published_health_, blended)) return;
    Result<routing::RoutingModel> model =
        routing::RoutingModel::create(world_.network->with_node_health(blended), world_.policy);
    EDGEROUTE_ASSERT(model.has_value(), "a model with new node health was refused");
    model_.emplace(std::move(model).value());
    published_health_ = std::move(blended);
  }

  // A peak is a test of capacity, not of a buyer who did not see it coming: on its days
  // shelves are filled to the peak's multiple. A demand sensitivity is unplanned demand:
  // no more stock for it.
  void replenish(UnixSeconds now) {
    const PeakDemand& peak = spec_.scenario.demand.peak;
    const std::int64_t percent =
        spec_.band == Band::peak && peak.covers(routing::day_of(now)) ? peak.percent : 100;
    std::size_t target = 0;
    for (std::uint32_t sku = 0; sku < world_.inventory.sku_count(); ++sku) {
      for (const routing::InventoryCell& cell : world_.inventory.stocked_nodes(sku)) {
        const auto level =
            static_cast<std::int32_t>(world_.stock_targets[target++] * percent / 100);
        const std::int32_t short_by = level - cell.levels().on_hand;
        if (short_by > 0) {
          const Result<routing::StockAdjustment> adjusted =
              world_.inventory.adjust_on_hand(cell, short_by);
          EDGEROUTE_ASSERT(adjusted.has_value(), "a replenishment left the counters' range");
        }
      }
    }
    // Two days back every node's local day is over: no claim can still come for it.
    for (std::uint32_t node = 0; node < nodes_.size(); ++node) {
      sample_capacity_through(node, routing::day_of(now) - 2);
    }
  }

  // Reads the capacity the node's operating days used, for utilisation and saturation;
  // only days of the run, and each once.
  void sample_capacity_through(std::uint32_t node_index, EpochDay last_day) {
    NodeTally& tally = nodes_[node_index];
    const EpochDay run_last = schedule_.first_day() + schedule_.days() - 1;
    const EpochDay from = std::max(tally.sampled_through + 1, schedule_.first_day());
    const EpochDay through = std::min(last_day, run_last);
    const routing::NodeModel& node = model_->network().node(node_index);
    const routing::CapacityLimits limits = model_->policy().capacity_limits(node_index);
    for (EpochDay day = from; day <= through; ++day) {
      if (!node.enabled || !node.calendar.is_operating_day(day)) continue;
      const routing::CapacityUsage used = capacity_.usage(node_index, day);
      // A claim for a day a week or more later took the day's slot (capacity_counters.h):
      // its count is gone. Such a day is left out rather than read as idle.
      if (used.day_closed) continue;
      ++tally.open_days;
      tally.orders_claimed += used.orders;
      const bool full = (limits.orders_max > 0 && used.orders >= limits.orders_max) ||
                        (limits.units_max > 0 && used.units >= limits.units_max);
      if (full) ++tally.saturated_days;
    }
    tally.sampled_through = std::max(tally.sampled_through, through);
  }

  static void count_reason(std::map<std::string, std::uint64_t>& counts,
                           routing::fbs::ReasonCode reason) {
    ++counts[routing::fbs::EnumNameReasonCode(reason)];
  }

  static std::vector<ReasonCount> reasons(const std::map<std::string, std::uint64_t>& counts) {
    std::vector<ReasonCount> list;
    for (const auto& [reason, orders] : counts) list.push_back({reason, orders});
    std::stable_sort(list.begin(), list.end(), [](const ReasonCount& a, const ReasonCount& b) {
      return a.orders > b.orders;
    });
    return list;
  }

  RunReport summarise() {
    RunReport report;
    report.scenario = spec_.scenario.name;
    report.band = std::string(to_string(spec_.band));
    report.sensitivity = std::string(to_string(spec_.sensitivity));
    report.seed = spec_.seed;
    report.first_day = routing::format_epoch_day(schedule_.first_day());
    report.days = static_cast<std::uint32_t>(schedule_.days());
    report.orders = orders_arrived_;
    report.delivered = delivered_;
    report.backordered = backordered_;
    report.rejected = rejected_;
    report.lost = lost_;
    for (std::uint32_t sku = 0; sku < world_.inventory.sku_count(); ++sku) {
      for (const routing::InventoryCell& cell : world_.inventory.stocked_nodes(sku)) {
        report.units_reserved_at_end += cell.levels().reserved;
      }
    }
    report.rejected_by_reason = reasons(rejected_by_reason_);
    report.backordered_by_reason = reasons(backordered_by_reason_);

    const routing::NetworkModel& network = model_->network();
    std::uint64_t all_shipments = 0;
    std::uint64_t partner_shipments = 0;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      const NodeTally& tally = nodes_[i];
      const routing::NodeModel& node = network.node(i);
      NodeReport node_report;
      node_report.node_id = node.id;
      node_report.kind = node.kind;
      node_report.enabled = node.enabled;
      node_report.shipments = tally.shipments;
      node_report.units = tally.units;
      node_report.failed_shipments = tally.failed;
      const routing::CapacityLimits limits = model_->policy().capacity_limits(i);
      // The network's 0 ("no limit") reaches the counters as their largest figure.
      node_report.capacity_limited = node.orders_per_day > 0;
      node_report.utilisation_bp =
          node_report.capacity_limited
              ? basis_points(tally.orders_claimed,
                             std::uint64_t{limits.orders_max} * tally.open_days)
              : 0;
      node_report.open_days = tally.open_days;
      node_report.saturated_days = tally.saturated_days;
      node_report.fixed_cents =
          world_.nodes[i].fixed_cents_per_day * static_cast<std::int64_t>(schedule_.days());
      node_report.variable_cents = tally.variable_cents;
      report.fixed_cents += node_report.fixed_cents;
      all_shipments += tally.shipments;
      if (!node.owned()) {
        partner_shipments += tally.shipments;
        if (tally.shipments > 0 &&
            (report.largest_partner.empty() || tally.shipments > largest_partner_shipments_)) {
          report.largest_partner = node.id;
          largest_partner_shipments_ = tally.shipments;
        }
      }
      report.nodes.push_back(std::move(node_report));
    }
    report.handling_cents = handling_cents_;
    report.partner_fee_cents = partner_fee_cents_;
    report.carrier_cents = carrier_cents_;
    const std::int64_t variable = handling_cents_ + partner_fee_cents_ + carrier_cents_;
    report.fixed_per_order_cents = per_order(report.fixed_cents, delivered_);
    report.variable_per_order_cents = per_order(variable, delivered_);
    report.cost_per_order_cents = per_order(report.fixed_cents + variable, delivered_);
    report.promise_kept_bp = basis_points(promises_kept_, delivered_);
    report.delivery_days = delivery_days_.summarise();
    report.split_orders = split_orders_;
    report.split_bp = basis_points(split_orders_, routed_);
    report.exceptions = exceptions_;
    report.reroutes = reroutes_;
    report.recover_minutes = recover_minutes_.summarise();
    report.largest_partner_share_bp = basis_points(largest_partner_shipments_, all_shipments);
    report.partner_share_bp = basis_points(partner_shipments, all_shipments);
    for (DayReport& day : daily_) {
      day.date = routing::format_epoch_day(schedule_.first_day() +
                                           static_cast<EpochDay>(&day - daily_.data()));
    }
    report.daily = std::move(daily_);
    return report;
  }

  const RunSpec& spec_;
  ScenarioWorld world_;
  ArrivalSchedule schedule_;
  const RunProgress& progress_;
  routing::CapacityCounters capacity_;
  routing::PlanReservation plan_;
  routing::Router router_;
  std::optional<routing::RoutingModel> model_;
  demo::OrderGenerator generator_;
  demo::DemoRandom fates_;
  // Seconds since the epoch at the clock's monotonic zero: the day before the first.
  UnixSeconds origin_;
  hal::SimClock clock_;
  gateway::NodeHealthLedger health_;
  std::vector<routing::NodeHealth> published_health_;
  std::vector<NodeTally> nodes_;

  std::uint64_t next_epoch_ = 0;
  std::vector<ActiveOrder> orders_;
  std::vector<std::uint32_t> free_slots_;

  std::uint64_t orders_arrived_ = 0;
  std::uint64_t unreported_progress_ = 0;
  std::uint64_t routed_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t backordered_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t split_orders_ = 0;
  std::uint64_t promises_kept_ = 0;
  std::uint64_t exceptions_ = 0;
  std::uint64_t reroutes_ = 0;
  std::uint64_t largest_partner_shipments_ = 0;
  std::int64_t handling_cents_ = 0;
  std::int64_t partner_fee_cents_ = 0;
  std::int64_t carrier_cents_ = 0;
  std::map<std::string, std::uint64_t> rejected_by_reason_;
  std::map<std::string, std::uint64_t> backordered_by_reason_;
  Distribution delivery_days_;
  Distribution recover_minutes_;
  std::vector<DayReport> daily_;
};

DemandProfile run_demand(const RunSpec& spec) {
  DemandProfile demand = spec.scenario.demand;
  if (spec.orders_per_day) demand.orders_per_day = *spec.orders_per_day;
  return demand;
}

ArrivalSchedule run_schedule(const RunSpec& spec) {
  return ArrivalSchedule(run_demand(spec), spec.band == Band::peak,
                         demand_percent(spec.sensitivity));
}

}  // namespace

std::string_view to_string(Band band) {
  switch (band) {
    case Band::baseline: return "baseline";
    case Band::peak: return "peak";
    case Band::failure: return "failure";
  }
  return "";
}

std::optional<Band> parse_band(std::string_view text) {
  for (const Band band : {Band::baseline, Band::peak, Band::failure}) {
    if (text == to_string(band)) return band;
  }
  return std::nullopt;
}

std::uint64_t planned_orders(const RunSpec& spec) {
  return run_schedule(spec).total();
}

Validated<RunReport> run_simulation(const BaseWorld& base, const RunSpec& spec,
                                    const RunProgress& progress) {
  // The scenario was checked at load; a run may resize its demand (--orders-per-day).
  if (const std::optional<std::string> too_busy = busiest_day_problem(run_demand(spec))) {
    return std::vector<FieldError>{{"demand", *too_busy}};
  }
  ArrivalSchedule schedule = run_schedule(spec);
  const UnixSeconds from = std::int64_t{schedule.first_day()} * kSecondsPerDay;
  const UnixSeconds until =
      (std::int64_t{schedule.first_day()} + schedule.days()) * kSecondsPerDay +
      kHorizonAfterSeconds;
  Validated<ScenarioWorld> world =
      build_scenario_world(base, spec.scenario, spec.sensitivity, from - kSecondsPerDay, until);
  if (!world) return world.errors();
  Run run(base, spec, std::move(world).value(), std::move(schedule), progress);
  return run.go();
}

}  // namespace edgeroute::simulate
