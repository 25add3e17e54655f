// Proves that routers deciding at once never oversell (this file is what
// ThreadSanitizer is pointed at for the Router). Eight threads, each with its own
// Router, route orders for three hot SKUs stocked scarcely at three nodes with tight
// daily capacity, all against one shared RoutingModel, InventoryTable and
// CapacityCounters. Half the threads keep their first routed orders for good; beyond
// those, each thread holds its last two and cancels (releases) the oldest as it routes
// another, which puts stock back while others plan. The threads join (ordering their
// reservations before the checks), then:
//   - no read during the run, and no cell at the end, shows a reservation eating into
//     the safety stock: reserved <= on_hand - safety stock, so ATP is never negative;
//   - every cell's reserved units equal the sum of the kept reservations' lines for it,
//     and every node's usage on the packing day equals the kept reservations' claims;
//   - every routed decision reserved exactly its plan: one stock line per order line,
//     one capacity claim per shipment;
//   - what was kept fits the stock: units per cell within its ATP, and so the routed
//     orders within what stock allows;
//   - the outcomes are routed or one of the reasons scarcity explains (no_inventory,
//     no_capacity, reservation_contention), each counted; contention, which needs a
//     race lost between plan and reservation, is counted, not required.
// Bounded work, no sleeps: well under a few seconds under ThreadSanitizer and qemu.
#include <array>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <latch>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/router.h"
#include "routing_fixture.h"

namespace edgeroute::routing {
namespace {

constexpr int kThreads = 8;
constexpr int kOrdersPerThread = 120;
constexpr std::int32_t kOnHand = 8;
constexpr std::int32_t kSafetyStock = 1;
constexpr std::uint32_t kOrdersPerDay = 12;
constexpr std::size_t kKeptForGoodPerThread = 3;
constexpr std::size_t kHeldAtOnce = 2;
constexpr std::array<const char*, 3> kNodes = {"fc-newyork", "fc-philly", "fc-columbus"};
constexpr std::array<const char*, 3> kSkus = {"sku-hot-0", "sku-hot-1", "sku-hot-2"};

// Three New York-time nodes at zones 1, 2 and 4 from the ship-to, so the planner
// prefers them in that order and the cheapest stock runs out first.
std::string network_json() {
  const std::array<const char*, 3> postal_codes = {"10001", "19103", "43215"};
  std::string nodes;
  for (std::size_t n = 0; n < kNodes.size(); ++n) {
    nodes += std::string(n == 0 ? "" : ", ") + R"({"id": ")" + kNodes[n] +
             R"(", "kind": "owned_fc", "postal_code": ")" + postal_codes[n] +
             R"(", )"
             R"("time_zone": "America/New_York", "processing_minutes": 60, )"
             R"("pick_windows": [{"weekday": "tuesday", "opens": "09:00", "closes": "17:00"}], )"
             R"("services": [{"service_id": "ground", "cutoff": "16:00"}], )"
             R"("capacity": {"orders_per_day": )" +
             std::to_string(kOrdersPerDay) +
             R"(}, "costs": {"per_order_cents": 100, "per_unit_cents": 10}})";
  }
  std::string rates;
  for (int zone = 1; zone <= 8; ++zone) {
    rates += std::string(zone == 1 ? "" : ", ") + R"({"zone": )" + std::to_string(zone) +
             R"(, "breaks": [{"up_to_grams": 22680, "cents": )" + std::to_string(700 + 100 * zone) +
             "}]}";
  }
  std::string skus;
  for (std::size_t s = 0; s < kSkus.size(); ++s) {
    skus +=
        std::string(s == 0 ? "" : ", ") + R"({"id": ")" + kSkus[s] + R"(", "weight_grams": 300})";
  }
  return R"({"version": 1, "nodes": [)" + nodes +
         R"(], "carrier_services": [{"id": "ground", "level": "ground", )"
         R"("transit_days": [1, 2, 2, 3, 4, 4, 5, 5], "rates": [)" +
         rates + R"(]}], "skus": [)" + skus + "]}";
}

std::string inventory_json() {
  std::string records;
  for (const char* node : kNodes) {
    for (const char* sku : kSkus) {
      records += std::string(records.empty() ? "" : ",") + R"({"node_id": ")" + node +
                 R"(", "sku_id": ")" + sku + R"(", "on_hand": )" + std::to_string(kOnHand) + "}";
    }
  }
  return R"({"taken_at": "2026-11-24T06:00:00Z", "records": [)" + records + "]}";
}

std::string policy_json() {
  return R"({"version": 1, "expires_at": "2027-06-30T00:00:00Z", "max_shipments": 2, )"
         R"("weights": {"split_cents": 300}, "safety_stock": [{"units": )" +
         std::to_string(kSafetyStock) + "}]}";
}

// One or two distinct hot SKUs, one or two units each.
std::string random_order_json(std::mt19937& random, int number) {
  const std::size_t first = random() % kSkus.size();
  std::string lines = R"({"sku_id": ")" + std::string(kSkus[first]) + R"(", "quantity": )" +
                      std::to_string(1 + random() % 2) + "}";
  if (random() % 2 == 0) {
    const std::size_t second = (first + 1 + random() % (kSkus.size() - 1)) % kSkus.size();
    lines += R"(, {"sku_id": ")" + std::string(kSkus[second]) + R"(", "quantity": )" +
             std::to_string(1 + random() % 2) + "}";
  }
  return R"({"id": "ord-)" + std::to_string(number) + R"(", "lines": [)" + lines +
         R"(], "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24T15:00:00Z"})";
}

enum Tally : std::size_t {
  kRouted,
  kNoInventory,
  kNoCapacity,
  kContention,
  kReplanned,  // routed after losing a race: more than one reservation attempt
  kOtherOutcome,
  kReservationMismatch,  // a routed decision whose reservation is not its plan
  kViolations,           // a read showing reserved > on_hand - safety stock
  kCancelled,
  kTallies,
};

struct Worker {
  std::vector<OrderRequest> orders;
  std::vector<std::unique_ptr<PlanReservation>> kept;
  std::array<std::int64_t, kTallies> tally{};
};

class RouterStress : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = testing::RoutingFixture::load(network_json(), inventory_json(), policy_json(),
                                             *parse_utc_instant("2026-11-24T15:00:00Z"));
    ASSERT_TRUE(fixture_);
    packing_day_ = *parse_epoch_day("2026-11-24");
  }

  // Even threads keep their first routed orders for good; beyond those, every thread
  // holds its last few and cancels the oldest when it routes another, so stock keeps
  // coming back while others plan.
  void route_all(Worker& worker, int thread) {
    Router router;
    InventoryTable& inventory = fixture_->inventory();
    CapacityCounters& capacity = fixture_->capacity();
    const std::size_t kept_for_good = thread % 2 == 0 ? kKeptForGoodPerThread : 0;
    std::deque<std::unique_ptr<PlanReservation>> holding;
    for (const OrderRequest& order : worker.orders) {
      auto reservation = std::make_unique<PlanReservation>(inventory, capacity);
      const RoutingDecision& decision =
          router.route(order, fixture_->model(), inventory, capacity, *reservation);
      count(worker, decision, *reservation, order);
      inspect(worker, order);
      if (!reservation->holds_reservation()) continue;
      if (worker.kept.size() < kept_for_good) {
        worker.kept.push_back(std::move(reservation));
        continue;
      }
      holding.push_back(std::move(reservation));
      if (holding.size() > kHeldAtOnce) {
        holding.front()->release();
        holding.pop_front();
        ++worker.tally[kCancelled];
      }
    }
    for (auto& reservation : holding) worker.kept.push_back(std::move(reservation));
  }

  static void count(Worker& worker, const RoutingDecision& decision,
                    const PlanReservation& reservation, const OrderRequest& order) {
    if (decision.outcome == fbs::Outcome::routed) {
      ++worker.tally[kRouted];
      if (decision.reservation_attempts > 1) ++worker.tally[kReplanned];
      if (!reservation.holds_reservation() || reservation.stock_line_count() != order.line_count ||
          reservation.capacity_claim_count() != decision.shipment_count) {
        ++worker.tally[kReservationMismatch];
      }
      return;
    }
    if (reservation.holds_reservation()) ++worker.tally[kReservationMismatch];
    switch (decision.reason) {
      case fbs::ReasonCode::no_inventory: ++worker.tally[kNoInventory]; break;
      case fbs::ReasonCode::no_capacity: ++worker.tally[kNoCapacity]; break;
      case fbs::ReasonCode::reservation_contention: ++worker.tally[kContention]; break;
      default: ++worker.tally[kOtherOutcome]; break;
    }
  }

  // Reads the order's cells at every node while others reserve and release.
  void inspect(Worker& worker, const OrderRequest& order) const {
    for (const OrderLineRequest& line : order.order_lines()) {
      for (const InventoryCell& cell : fixture_->inventory().stocked_nodes(line.sku_index)) {
        const StockLevels levels = cell.levels();
        if (levels.reserved < 0 || levels.available_to_promise(kSafetyStock) < 0) {
          ++worker.tally[kViolations];
        }
      }
    }
  }

  std::optional<testing::RoutingFixture> fixture_;
  EpochDay packing_day_ = 0;
};

TEST_F(RouterStress, ConcurrentRoutersNeverOversellAndTheirReservationsAddUp) {
  // Orders are resolved here, before the threads start: the fixture keeps their
  // documents, which is not thread-safe; routing them is.
  std::vector<Worker> workers(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    std::mt19937 random(static_cast<std::uint32_t>(4000 + t));
    for (int i = 0; i < kOrdersPerThread; ++i) {
      workers[static_cast<std::size_t>(t)].orders.push_back(
          fixture_->order(random_order_json(random, t * kOrdersPerThread + i)));
    }
  }

  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &start, &workers, t] {
      start.arrive_and_wait();
      route_all(workers[static_cast<std::size_t>(t)], t);
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::array<std::int64_t, kTallies> total{};
  for (const Worker& worker : workers) {
    for (std::size_t i = 0; i < kTallies; ++i) total[i] += worker.tally[i];
  }
  std::printf(
      "%d orders: %lld routed (%lld after a lost race, %lld cancelled), %lld no_inventory, "
      "%lld no_capacity, %lld reservation_contention\n",
      kThreads * kOrdersPerThread, static_cast<long long>(total[kRouted]),
      static_cast<long long>(total[kReplanned]), static_cast<long long>(total[kCancelled]),
      static_cast<long long>(total[kNoInventory]), static_cast<long long>(total[kNoCapacity]),
      static_cast<long long>(total[kContention]));
  EXPECT_EQ(total[kViolations], 0);
  EXPECT_EQ(total[kReservationMismatch], 0);
  EXPECT_EQ(total[kOtherOutcome], 0);
  EXPECT_GT(total[kRouted], 0);
  EXPECT_GT(total[kNoInventory] + total[kNoCapacity], 0) << "the stock was not scarce";

  // What the kept reservations hold, per cell and per node.
  const InventoryTable& inventory = fixture_->inventory();
  const NetworkModel& network = fixture_->network();
  std::vector<std::int64_t> held_units(std::size_t{network.sku_count()} * network.node_count());
  std::vector<std::int64_t> held_orders(network.node_count());
  std::vector<std::int64_t> claimed_units(network.node_count());
  std::int64_t kept_orders = 0;
  for (const Worker& worker : workers) {
    for (const auto& reservation : worker.kept) {
      ++kept_orders;
      for (std::size_t i = 0; i < reservation->stock_line_count(); ++i) {
        const StockLine& line = reservation->stock_line(i);
        held_units[std::size_t{line.cell->sku_index()} * network.node_count() +
                   line.cell->node_index()] += line.quantity;
      }
      for (std::size_t i = 0; i < reservation->capacity_claim_count(); ++i) {
        const CapacityClaim& claim = reservation->capacity_claim(i);
        EXPECT_EQ(claim.local_day, packing_day_);
        held_orders[claim.node_index] += claim.orders;
        claimed_units[claim.node_index] += claim.units;
      }
    }
  }
  std::int64_t held_total = 0;
  std::int64_t promisable_total = 0;
  for (const char* sku : kSkus) {
    for (const InventoryCell& cell : inventory.stocked_nodes(fixture_->sku_index(sku))) {
      const StockLevels levels = cell.levels();
      const std::int64_t held =
          held_units[std::size_t{cell.sku_index()} * network.node_count() + cell.node_index()];
      EXPECT_EQ(levels.on_hand, kOnHand);
      EXPECT_EQ(levels.reserved, held) << sku << " at " << network.node(cell.node_index()).id;
      EXPECT_LE(levels.reserved, levels.on_hand - kSafetyStock)
          << sku << " at " << network.node(cell.node_index()).id;
      held_total += held;
      promisable_total += kOnHand - kSafetyStock;
    }
  }
  EXPECT_LE(held_total, promisable_total);
  EXPECT_LE(kept_orders, held_total);  // every order holds at least one unit
  for (std::uint32_t node = 0; node < network.node_count(); ++node) {
    const CapacityUsage usage = fixture_->capacity().usage(node, packing_day_);
    EXPECT_EQ(usage.orders, held_orders[node]) << network.node(node).id;
    EXPECT_EQ(usage.units, claimed_units[node]) << network.node(node).id;
    EXPECT_LE(usage.orders, kOrdersPerDay) << network.node(node).id;
  }

  // The joins handed every reservation to this thread: cancel them all.
  for (Worker& worker : workers) {
    for (auto& reservation : worker.kept) reservation->release();
  }
  for (const char* sku : kSkus) {
    for (const InventoryCell& cell : inventory.stocked_nodes(fixture_->sku_index(sku))) {
      EXPECT_EQ(cell.levels(), (StockLevels{.on_hand = kOnHand, .reserved = 0}));
    }
  }
  for (std::uint32_t node = 0; node < network.node_count(); ++node) {
    EXPECT_EQ(fixture_->capacity().usage(node, packing_day_), (CapacityUsage{}));
  }
}

}  // namespace
}  // namespace edgeroute::routing
