// Specifies the Router against docs/routing.md, one scenario per test: a network of two
// to four nodes written as the JSON a person would write, loaded through routing_io
// (RoutingFixture), and an order whose decision is worked out by hand in the test's
// comments: the cost terms of 2.3, the service and plan choices of 2.2 and 2.4, every
// rule of 2.1 that rules a node out, every reason code of sections 1 and 3, backorders,
// the reservation of section 4, the explanation of section 5 and the quote of section 6;
// and stock a node received after the inventory table was built (InventoryTable::add_cell).
//
// Unless a test says otherwise: nodes are in New York time, open Monday-Friday
// 09:00-17:00 with 60 processing minutes; orders are placed on Tuesday 2026-11-24 at
// 15:00Z (10:00 local), so they are packed at 11:00 local and make a 16:00 cut-off the
// same day; they ship to 10027 (Manhattan), which is zone 1 from 10001 and 11201,
// zone 2 from 19103 (Philadelphia) and zone 5 from 60601 (Chicago).
#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/routing/io/decision_document.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/testing/text_file.h"
#include "routing_fixture.h"

namespace edgeroute::routing::fbs {

// Enum names, not numbers, in failure messages.
void PrintTo(ReasonCode reason, std::ostream* out) {
  *out << EnumNameReasonCode(reason);
}
void PrintTo(Outcome outcome, std::ostream* out) {
  *out << EnumNameOutcome(outcome);
}

}  // namespace edgeroute::routing::fbs

namespace edgeroute::routing {

void PrintTo(const CostTerms& cost, std::ostream* out) {
  *out << "{handling " << cost.handling_cents << ", pick " << cost.pick_cents << ", partner fee "
       << cost.partner_fee_cents << ", carrier " << cost.carrier_cents << ", risk "
       << cost.risk_cents << ", lateness " << cost.lateness_cents << ", split " << cost.split_cents
       << ", preference " << cost.preference_cents << "}";
}

namespace {

using ::testing::ElementsAre;
using testing::RoutingFixture;

// --- The documents, as JSON ------------------------------------------------------------

constexpr std::string_view kWeekdayWindows = R"([
    {"weekday": "monday", "opens": "09:00", "closes": "17:00"},
    {"weekday": "tuesday", "opens": "09:00", "closes": "17:00"},
    {"weekday": "wednesday", "opens": "09:00", "closes": "17:00"},
    {"weekday": "thursday", "opens": "09:00", "closes": "17:00"},
    {"weekday": "friday", "opens": "09:00", "closes": "17:00"}])";

struct NodeJson {
  std::string_view id;
  std::string_view kind = "owned_fc";
  std::string_view postal_code = "10001";
  int processing_minutes = 60;
  std::string_view pick_windows = kWeekdayWindows;
  std::string services = R"([{"service_id": "ground", "cutoff": "16:00"}])";
  int orders_per_day = 0;  // 0: no limit
  int units_per_day = 0;
  int per_order_cents = 0;
  int per_unit_cents = 0;
  int partner_fee_cents = 0;
  std::string_view health = "{}";  // 100% on every measure
  bool enabled = true;
};

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string list = "[";
  for (std::size_t i = 0; i < items.size(); ++i) list += (i == 0 ? "" : ", ") + items[i];
  return list + "]";
}

// The node's services, each with a 16:00 cut-off.
std::string services(const std::vector<std::string_view>& service_ids) {
  std::vector<std::string> listed;
  for (std::string_view id : service_ids) {
    listed.push_back("{\"service_id\": " + quoted(id) + ", \"cutoff\": \"16:00\"}");
  }
  return json_list(listed);
}

std::string node_json(const NodeJson& node) {
  return "{\"id\": " + quoted(node.id) + ", \"kind\": " + quoted(node.kind) +
         ", \"postal_code\": " + quoted(node.postal_code) +
         ", \"time_zone\": \"America/New_York\", \"processing_minutes\": " +
         std::to_string(node.processing_minutes) +
         ", \"pick_windows\": " + std::string(node.pick_windows) +
         ", \"services\": " + node.services +
         ", \"capacity\": {\"orders_per_day\": " + std::to_string(node.orders_per_day) +
         ", \"units_per_day\": " + std::to_string(node.units_per_day) +
         "}, \"costs\": {\"per_order_cents\": " + std::to_string(node.per_order_cents) +
         ", \"per_unit_cents\": " + std::to_string(node.per_unit_cents) +
         ", \"partner_fee_cents\": " + std::to_string(node.partner_fee_cents) +
         "}, \"health\": " + std::string(node.health) +
         ", \"enabled\": " + (node.enabled ? "true" : "false") + "}";
}

struct WeightBreak {
  int up_to_grams = 0;
  int cents = 0;
};

// A carrier service whose zone-1 prices are `breaks`, each 100 cents dearer per zone
// beyond the first: a parcel of up to 2268 g in zone 2 of "ground" costs 1100 + 100.
std::string service_json(std::string_view id, std::string_view level, std::string_view transit_days,
                         const std::vector<WeightBreak>& breaks) {
  std::vector<std::string> rates;
  for (int zone = 1; zone <= 8; ++zone) {
    std::vector<std::string> priced;
    for (const WeightBreak& weight_break : breaks) {
      priced.push_back("{\"up_to_grams\": " + std::to_string(weight_break.up_to_grams) +
                       ", \"cents\": " + std::to_string(weight_break.cents + 100 * (zone - 1)) +
                       "}");
    }
    rates.push_back("{\"zone\": " + std::to_string(zone) + ", \"breaks\": " + json_list(priced) +
                    "}");
  }
  return "{\"id\": " + quoted(id) + ", \"carrier\": \"Carrier\", \"level\": " + quoted(level) +
         ", \"transit_days\": " + std::string(transit_days) +
         ", \"transit_business_days\": true, \"rates\": " + json_list(rates) + "}";
}

// Ground: 1 business day in zone 1, 2 in zones 2-3, 3 in zone 4, 4 in zone 5; 800 cents
// up to 454 g, 1100 up to 2268 g, 2400 up to 22680 g (zone 1).
std::string ground_service() {
  return service_json("ground", "ground", "[1, 2, 2, 3, 4, 4, 5, 5]",
                      {{454, 800}, {2268, 1100}, {22680, 2400}});
}
std::string two_day_service() {
  return service_json("two-day", "two_day", "[2, 2, 2, 2, 2, 2, 2, 2]", {{22680, 3000}});
}
std::string next_day_service() {
  return service_json("next-day", "next_day", "[1, 1, 1, 1, 1, 1, 1, 1]", {{22680, 5000}});
}

std::string network_json(const std::vector<NodeJson>& nodes, std::string_view skus,
                         std::vector<std::string> services = {ground_service(), two_day_service(),
                                                              next_day_service()}) {
  std::vector<std::string> node_texts;
  for (const NodeJson& node : nodes) node_texts.push_back(node_json(node));
  return "{\"version\": 3, \"nodes\": " + json_list(node_texts) +
         ", \"carrier_services\": " + json_list(services) + ", \"skus\": " + std::string(skus) +
         "}";
}

struct Stock {
  std::string_view node;
  std::string_view sku;
  int on_hand = 0;
};

std::string inventory_json(const std::vector<Stock>& stock) {
  std::vector<std::string> records;
  for (const Stock& record : stock) {
    records.push_back("{\"node_id\": " + quoted(record.node) +
                      ", \"sku_id\": " + quoted(record.sku) +
                      ", \"on_hand\": " + std::to_string(record.on_hand) + "}");
  }
  return "{\"taken_at\": \"2026-11-24T06:00:00Z\", \"records\": " + json_list(records) + "}";
}

// A policy of `fields` (JSON members, comma-separated); every weight 0 and
// max_shipments 1 unless given.
std::string policy_json(std::string_view fields = "") {
  return "{\"version\": 5, \"expires_at\": \"2027-06-30T00:00:00Z\"" +
         (fields.empty() ? std::string() : ", " + std::string(fields)) + "}";
}

struct Line {
  std::string_view sku;
  int quantity = 0;
};

struct OrderJson {
  std::vector<Line> lines;
  std::string_view ship_to = "10027";
  std::string_view channel = "web";
  std::string_view created_at = "2026-11-24T15:00:00Z";
  std::string_view extra = {};  // further members, each after a comma
};

std::string order_json(const OrderJson& order) {
  std::vector<std::string> lines;
  for (const Line& line : order.lines) {
    lines.push_back("{\"sku_id\": " + quoted(line.sku) +
                    ", \"quantity\": " + std::to_string(line.quantity) + "}");
  }
  return "{\"id\": \"ord-1\", \"channel\": " + quoted(order.channel) +
         ", \"lines\": " + json_list(lines) +
         ", \"ship_to\": {\"postal_code\": " + quoted(order.ship_to) +
         "}, \"created_at\": " + quoted(order.created_at) + std::string(order.extra) + "}";
}

// --- Loading, routing, reading decisions ---------------------------------------------

UnixSeconds instant(std::string_view text) {
  return parse_utc_instant(text).value();
}
EpochDay day(std::string_view text) {
  return parse_epoch_day(text).value();
}

std::optional<RoutingFixture> load(const std::string& network, const std::string& inventory,
                                   const std::string& policy = policy_json()) {
  return RoutingFixture::load(network, inventory, policy, instant("2026-11-24T15:00:00Z"));
}

// Routes and, when routed, keeps the reservation: the stock and capacity stay taken, as
// for an acknowledged decision, and count against the orders after it.
RoutingDecision route_and_keep(Router& router, RoutingFixture& fixture, const OrderRequest& order) {
  PlanReservation reservation(fixture.inventory(), fixture.capacity());
  RoutingDecision decision =
      router.route(order, fixture.model(), fixture.inventory(), fixture.capacity(), reservation);
  if (reservation.holds_reservation()) reservation.keep();
  return decision;
}

RoutingDecision plan(Router& router, RoutingFixture& fixture, const OrderRequest& order) {
  return router.plan(order, fixture.model(), fixture.inventory(), fixture.capacity());
}

std::string node_id(const RoutingFixture& fixture, std::uint32_t index) {
  return fixture.network().node(index).id;
}

// The shipping nodes, in shipment order.
std::vector<std::string> shipping_nodes(const RoutingFixture& fixture,
                                        const RoutingDecision& decision) {
  std::vector<std::string> nodes;
  for (const PlannedShipment& shipment : decision.planned_shipments()) {
    nodes.push_back(node_id(fixture, shipment.node_index));
  }
  return nodes;
}

// The node shipping each order line, by line.
std::vector<std::string> node_of_each_line(const RoutingFixture& fixture,
                                           const RoutingDecision& decision,
                                           const OrderRequest& order) {
  std::vector<std::string> nodes(order.line_count);
  for (const PlannedShipment& shipment : decision.planned_shipments()) {
    for (unsigned line = 0; line < order.line_count; ++line) {
      if ((shipment.line_mask >> line) & 1u) nodes[line] = node_id(fixture, shipment.node_index);
    }
  }
  return nodes;
}

std::string service_of(const RoutingFixture& fixture, const PlannedShipment& shipment) {
  return fixture.network().service(shipment.service_index).id;
}

// The explanation entry of a node ruled out alone, or nullptr.
const Alternative* ruled_out(const RoutingFixture& fixture, const RoutingDecision& decision,
                             std::string_view node) {
  for (const Alternative& alternative : decision.explained_alternatives()) {
    if (!alternative.feasible && alternative.node_count == 1 &&
        node_id(fixture, alternative.node_indexes[0]) == node) {
      return &alternative;
    }
  }
  return nullptr;
}

CostTerms sum_of_shipments(const RoutingDecision& decision) {
  CostTerms sum;
  for (const PlannedShipment& shipment : decision.planned_shipments()) sum += shipment.cost;
  return sum;
}

io::DecisionDocument document_of(const RoutingFixture& fixture, const RoutingDecision& decision,
                                 const OrderRequest& order) {
  return io::build_decision(decision, order, fixture.model(), instant("2026-11-24T15:00:01Z"));
}

// The alternatives of a decision document as "node+node: detail".
std::vector<std::string> alternative_lines(const io::DecisionDocument& document) {
  std::vector<std::string> lines;
  const auto* alternatives = document.root().alternatives();
  if (alternatives == nullptr) return lines;
  for (const fbs::Alternative* alternative : *alternatives) {
    std::string nodes;
    for (const flatbuffers::String* node : *alternative->node_ids()) {
      nodes += (nodes.empty() ? "" : "+") + node->str();
    }
    lines.push_back(nodes + ": " + alternative->detail()->str());
  }
  return lines;
}

const std::string kExamples = std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/";

// The order on `line_number` (1-based) of routing/examples/orders.jsonl.
std::string example_order(int line_number) {
  std::istringstream orders(edgeroute::testing::read_text_file(kExamples + "orders.jsonl"));
  std::string line;
  for (int i = 0; i < line_number; ++i) std::getline(orders, line);
  return line;
}

std::optional<RoutingFixture> load_examples() {
  return RoutingFixture::load(edgeroute::testing::read_text_file(kExamples + "network.json"),
                              edgeroute::testing::read_text_file(kExamples + "inventory.json"),
                              edgeroute::testing::read_text_file(kExamples + "policy.json"),
                              instant("2026-11-24T15:04:05Z"));
}

// --- 2.3 The objective ------------------------------------------------------------------

TEST(RouterCost, ShipmentTermsAreTheHandComputationOfTheContract) {
  // A store in Philadelphia (zone 2), a little short of perfect health, listed twice in
  // the preferences, ships three 700 g lanterns that the customer wanted by Tuesday.
  auto fixture = load(
      network_json({{.id = "store-philly",
                     .kind = "store",
                     .postal_code = "19103",
                     .per_order_cents = 400,
                     .per_unit_cents = 60,
                     .health = R"({"on_time_bp": 9500, "fill_bp": 9490, "acceptance_bp": 10000})"}},
                   R"([{"id": "sku-lantern", "weight_grams": 700}])"),
      inventory_json({{"store-philly", "sku-lantern", 10}}),
      policy_json(R"("weights": {"risk_centicents_per_bp": 5, "lateness_cents_per_day": 1500,
                                 "split_cents": 600, "owned_bias_cents": 100},
                     "preferences": [{"node_id": "store-philly", "cents": 250},
                                     {"node_id": "store-philly", "cents": -40}])"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json(
      {.lines = {{"sku-lantern", 3}}, .extra = R"(, "latest_delivery_date": "2026-11-24")"}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);

  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  ASSERT_EQ(decision.shipment_count, 1);
  const PlannedShipment& shipment = decision.shipments[0];
  // Packed 11:00 local (16:00Z), leaves at the 16:00 cut-off (21:00Z); ground in zone 2
  // is 2 business days: Thursday, two days after the latest date.
  EXPECT_EQ(shipment.zone.number(), 2);
  EXPECT_EQ(shipment.weight_grams, 2100);
  EXPECT_EQ(shipment.units, 3);
  EXPECT_EQ(shipment.promise.pick_starts_at_utc, instant("2026-11-24T15:00:00Z"));
  EXPECT_EQ(shipment.promise.packed_at_utc, instant("2026-11-24T16:00:00Z"));
  EXPECT_EQ(shipment.promise.cutoff_at_utc, instant("2026-11-24T21:00:00Z"));
  EXPECT_EQ(shipment.promise.delivery_local_day, day("2026-11-26"));
  const CostTerms expected{
      .handling_cents = 400,
      .pick_cents = 60 * 3,
      .partner_fee_cents = 0,
      .carrier_cents = 1100 + 100,  // 2100 g: the 2268 g break, not 454 g nor 22680 g; zone 2
      .risk_cents = 51,             // floor((5 * (500 + 510 + 0) + 50) / 100): 50.5 rounds up
      .lateness_cents = 2 * 1500,   // delivered two days after the latest date
      .split_cents = 0,
      .preference_cents = 110,  // 250 - 40 - 100 owned bias
  };
  EXPECT_EQ(shipment.cost, expected);
  EXPECT_EQ(decision.cost, expected);
  EXPECT_EQ(decision.cost.objective_cents(), 4941);
}

TEST(RouterCost, PlanObjectiveIsItsShipmentsPlusSplit) {
  // The tent is only at the store, the headlamps only at the 3PL: two shipments. The
  // partner pays its fee and gets no owned bias.
  auto fixture =
      load(network_json({{.id = "store-brooklyn",
                          .kind = "store",
                          .postal_code = "11201",
                          .per_order_cents = 400,
                          .per_unit_cents = 60},
                         {.id = "3pl-newark",
                          .kind = "partner_3pl",
                          .postal_code = "07102",
                          .per_order_cents = 90,
                          .per_unit_cents = 20,
                          .partner_fee_cents = 175}},
                        R"([{"id": "sku-tent", "weight_grams": 2100},
                            {"id": "sku-headlamp", "weight_grams": 120}])"),
           inventory_json({{"store-brooklyn", "sku-tent", 5}, {"3pl-newark", "sku-headlamp", 50}}),
           policy_json(R"("max_shipments": 2,
                          "weights": {"split_cents": 600, "owned_bias_cents": 100})"));
  ASSERT_TRUE(fixture);
  const OrderRequest order =
      fixture->order(order_json({.lines = {{"sku-tent", 1}, {"sku-headlamp", 2}}}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);

  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  ASSERT_THAT(shipping_nodes(*fixture, decision), ElementsAre("store-brooklyn", "3pl-newark"));
  EXPECT_EQ(decision.shipments[0].cost, (CostTerms{.handling_cents = 400,
                                                   .pick_cents = 60,
                                                   .carrier_cents = 1100,  // 2100 g, zone 1
                                                   .preference_cents = -100}));
  EXPECT_EQ(decision.shipments[1].cost, (CostTerms{.handling_cents = 90,
                                                   .pick_cents = 2 * 20,
                                                   .partner_fee_cents = 175,
                                                   .carrier_cents = 800}));  // 240 g, zone 1
  CostTerms expected_plan = sum_of_shipments(decision);
  expected_plan.split_cents = 600;
  EXPECT_EQ(decision.cost, expected_plan);
  EXPECT_EQ(decision.cost.objective_cents(), 1460 + 1105 + 600);
}

// --- 2.2 The service of a shipment ----------------------------------------------------

TEST(RouterService, UsesTheServiceWithTheLowestCarrierPlusLateness) {
  // From Philadelphia (zone 2), wanted by Wednesday: ground (900 cents) arrives
  // Thursday, a day late; next-day (5100 cents) arrives Wednesday.
  const std::string network = network_json(
      {{.id = "fc-philly", .postal_code = "19103", .services = services({"ground", "next-day"})}},
      R"([{"id": "sku-a", "weight_grams": 100}])");
  const std::string inventory = inventory_json({{"fc-philly", "sku-a", 10}});
  const OrderJson wanted_wednesday{.lines = {{"sku-a", 1}},
                                   .extra = R"(, "latest_delivery_date": "2026-11-25")"};
  Router router;

  // A day late costs 1500: ground's 900 + 1500 beats next-day's 5100.
  auto lenient =
      load(network, inventory, policy_json(R"("weights": {"lateness_cents_per_day": 1500})"));
  ASSERT_TRUE(lenient);
  RoutingDecision decision = plan(router, *lenient, lenient->order(order_json(wanted_wednesday)));
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_EQ(service_of(*lenient, decision.shipments[0]), "ground");
  EXPECT_EQ(decision.cost.carrier_cents, 900);
  EXPECT_EQ(decision.cost.lateness_cents, 1500);

  // A day late costs 5000: ground's 5900 loses to next-day's 5100, on time.
  auto strict =
      load(network, inventory, policy_json(R"("weights": {"lateness_cents_per_day": 5000})"));
  ASSERT_TRUE(strict);
  decision = plan(router, *strict, strict->order(order_json(wanted_wednesday)));
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_EQ(service_of(*strict, decision.shipments[0]), "next-day");
  EXPECT_EQ(decision.cost.carrier_cents, 5000 + 100);
  EXPECT_EQ(decision.cost.lateness_cents, 0);
  EXPECT_EQ(decision.shipments[0].promise.delivery_local_day, day("2026-11-25"));
}

TEST(RouterService, RequestedLevelRulesOutSlowerServicesOnly) {
  auto fixture =
      load(network_json(
               {{.id = "fc-all-levels", .services = services({"ground", "two-day", "next-day"})},
                {.id = "fc-no-two-day",
                 .postal_code = "11201",
                 .services = services({"ground", "next-day"})}},
               R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-b", "weight_grams": 100}])"),
           inventory_json({{"fc-all-levels", "sku-a", 10}, {"fc-no-two-day", "sku-b", 10}}));
  ASSERT_TRUE(fixture);
  Router router;
  const auto service_for = [&](std::string_view sku, std::string_view requested) {
    const std::string extra =
        requested.empty() ? "" : ", \"requested_level\": " + quoted(requested);
    const RoutingDecision decision =
        plan(router, *fixture, fixture->order(order_json({.lines = {{sku, 1}}, .extra = extra})));
    EXPECT_EQ(decision.outcome, fbs::Outcome::routed) << sku << " " << requested;
    return decision.shipment_count == 1 ? service_of(*fixture, decision.shipments[0])
                                        : std::string("none");
  };
  EXPECT_EQ(service_for("sku-a", ""), "ground");  // the cheapest
  EXPECT_EQ(service_for("sku-a", "ground"), "ground");
  EXPECT_EQ(service_for("sku-a", "two_day"), "two-day");  // not ground; next-day is dearer
  EXPECT_EQ(service_for("sku-a", "next_day"), "next-day");
  // Two-day asked, none offered: a faster service meets the level.
  EXPECT_EQ(service_for("sku-b", "two_day"), "next-day");
}

TEST(RouterService, ParcelHeavierThanEveryBreakOfAServiceUsesAnotherOrNone) {
  // Ground takes up to 22680 g; "two-day-heavy" up to 40000 g, at 6000 cents.
  auto fixture = load(
      network_json({{.id = "fc-a", .services = services({"ground", "two-day-heavy"})}},
                   R"([{"id": "sku-anvil", "weight_grams": 15000}])",
                   {ground_service(), service_json("two-day-heavy", "two_day",
                                                   "[2, 2, 2, 2, 2, 2, 2, 2]", {{40000, 6000}})}),
      inventory_json({{"fc-a", "sku-anvil", 10}}));
  ASSERT_TRUE(fixture);
  Router router;

  RoutingDecision decision =
      plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-anvil", 1}}})));
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_EQ(service_of(*fixture, decision.shipments[0]), "ground");  // 15000 g: 2400 cents
  EXPECT_EQ(decision.cost.carrier_cents, 2400);

  decision = plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-anvil", 2}}})));
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_EQ(service_of(*fixture, decision.shipments[0]), "two-day-heavy");  // 30000 g
  EXPECT_EQ(decision.cost.carrier_cents, 6000);

  decision = plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-anvil", 3}}})));
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);  // 45000 g: no service takes it
  EXPECT_EQ(decision.reason, fbs::ReasonCode::no_carrier_service);
  EXPECT_EQ(decision.reason_line, 0);
}

// --- Splitting ----------------------------------------------------------------------

TEST(RouterSplit, SplitsWhenNoNodeHoldsEveryLine) {
  auto fixture = load(network_json({{.id = "fc-a"}, {.id = "fc-b", .postal_code = "11201"}},
                                   R"([{"id": "sku-a", "weight_grams": 100},
                                       {"id": "sku-b", "weight_grams": 100}])"),
                      inventory_json({{"fc-a", "sku-a", 10}, {"fc-b", "sku-b", 10}}),
                      policy_json(R"("max_shipments": 2, "weights": {"split_cents": 600})"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-b", 1}, {"sku-a", 3}}}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_EQ(decision.shipment_count, 2);
  EXPECT_THAT(node_of_each_line(*fixture, decision, order), ElementsAre("fc-b", "fc-a"));
  EXPECT_EQ(decision.cost.split_cents, 600);
  EXPECT_EQ(decision.cost.objective_cents(), 800 + 800 + 600);
}

TEST(RouterSplit, DoesNotSplitWhenTheSplitCostMakesItDearer) {
  // fc-one holds both lines but picks at 2000 cents a unit; fc-cheap picks free but
  // holds sku-b only. One shipment from fc-one: 100 + 2 * 2000 + 800 = 4900. Split:
  // (100 + 2000 + 800) + (100 + 0 + 800) = 3800, plus split_cents.
  const std::string network = network_json(
      {{.id = "fc-one", .per_order_cents = 100, .per_unit_cents = 2000},
       {.id = "fc-cheap", .postal_code = "11201", .per_order_cents = 100}},
      R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-b", "weight_grams": 100}])");
  const std::string inventory =
      inventory_json({{"fc-one", "sku-a", 10}, {"fc-one", "sku-b", 10}, {"fc-cheap", "sku-b", 10}});
  const std::string order = order_json({.lines = {{"sku-a", 1}, {"sku-b", 1}}});
  Router router;

  auto free_split = load(network, inventory, policy_json(R"("max_shipments": 2)"));
  ASSERT_TRUE(free_split);
  RoutingDecision decision = plan(router, *free_split, free_split->order(order));
  EXPECT_THAT(shipping_nodes(*free_split, decision), ElementsAre("fc-one", "fc-cheap"));
  EXPECT_EQ(decision.cost.objective_cents(), 3800);

  auto dear_split = load(network, inventory,
                         policy_json(R"("max_shipments": 2, "weights": {"split_cents": 1200})"));
  ASSERT_TRUE(dear_split);
  const OrderRequest request = dear_split->order(order);
  decision = plan(router, *dear_split, request);
  EXPECT_THAT(shipping_nodes(*dear_split, decision), ElementsAre("fc-one"));
  EXPECT_EQ(decision.cost.objective_cents(), 4900);
  EXPECT_THAT(alternative_lines(document_of(*dear_split, decision, request)),
              ElementsAre("fc-one+fc-cheap: costs 100 cents more"));
}

TEST(RouterSplit, OneShipmentAllowedAndNoNodeHoldingEveryLineIsTooManyShipments) {
  auto fixture = load(network_json({{.id = "fc-a"}, {.id = "fc-b", .postal_code = "11201"}},
                                   R"([{"id": "sku-a", "weight_grams": 100},
                                       {"id": "sku-b", "weight_grams": 100}])"),
                      inventory_json({{"fc-a", "sku-a", 10}, {"fc-b", "sku-b", 10}}),
                      policy_json(R"("max_shipments": 1)"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}, {"sku-b", 1}}}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::too_many_shipments);
  EXPECT_EQ(decision.shipment_count, 0);
  EXPECT_EQ(document_of(*fixture, decision, order).root().detail()->str(),
            "the lines cannot ship in 1 shipment(s) or fewer");
}

TEST(RouterSplit, LinesThatShipAloneButNotTogetherAreNoCapacity) {
  // One node holds both lines but takes one unit a day; two shipments are allowed but
  // must come from distinct nodes.
  auto fixture = load(network_json({{.id = "fc-a", .units_per_day = 1}},
                                   R"([{"id": "sku-a", "weight_grams": 100},
                                       {"id": "sku-b", "weight_grams": 100}])"),
                      inventory_json({{"fc-a", "sku-a", 10}, {"fc-a", "sku-b", 10}}),
                      policy_json(R"("max_shipments": 2)"));
  ASSERT_TRUE(fixture);
  Router router;
  const RoutingDecision decision =
      plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-a", 1}, {"sku-b", 1}}})));
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::no_capacity);
  EXPECT_EQ(decision.reason_line, -1);
}

// --- 2.4 Tie-breaks -------------------------------------------------------------------

TEST(RouterTieBreak, EqualCostGoesToTheEarlierDelivery) {
  // Same place, same prices; fc-late's 10:00 cut-off is gone by 11:00, so it ships a
  // day later. It comes first in the network, which would win the last tie-break.
  auto fixture =
      load(network_json(
               {{.id = "fc-late", .services = R"([{"service_id": "ground", "cutoff": "10:00"}])"},
                {.id = "fc-early"}},
               R"([{"id": "sku-a", "weight_grams": 100}])"),
           inventory_json({{"fc-late", "sku-a", 10}, {"fc-early", "sku-a", 10}}));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}}}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-early"));
  EXPECT_EQ(decision.delivery_day(), day("2026-11-25"));
  EXPECT_THAT(alternative_lines(document_of(*fixture, decision, order)),
              ElementsAre("fc-late: same cost, delivers 2026-11-26 instead of 2026-11-25"));
}

TEST(RouterTieBreak, EqualCostAndDateGoesToFewerShipments) {
  // fc-both ships the two lines for 900 + 800 = 1700; fc-b and fc-c ship one each for
  // (50 + 800) * 2 = 1700, delivered the same day. They come first in the network.
  auto fixture =
      load(network_json(
               {{.id = "fc-b", .per_order_cents = 50},
                {.id = "fc-c", .per_order_cents = 50},
                {.id = "fc-both", .per_order_cents = 900}},
               R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-b", "weight_grams": 100}])"),
           inventory_json({{"fc-b", "sku-a", 10},
                           {"fc-c", "sku-b", 10},
                           {"fc-both", "sku-a", 10},
                           {"fc-both", "sku-b", 10}}),
           policy_json(R"("max_shipments": 2)"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}, {"sku-b", 1}}}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-both"));
  EXPECT_EQ(decision.cost.objective_cents(), 1700);
  EXPECT_THAT(alternative_lines(document_of(*fixture, decision, order)),
              ElementsAre("fc-b+fc-c: same cost and date, more shipments"));
}

TEST(RouterTieBreak, EqualPlansGoToTheNodesFirstInNetworkOrderReadByLine) {
  // Two identical nodes holding both lines, each able to take one unit a day: the
  // lines must ship from different nodes, either way round at the same cost.
  auto fixture =
      load(network_json(
               {{.id = "fc-first", .units_per_day = 1}, {.id = "fc-second", .units_per_day = 1}},
               R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-b", "weight_grams": 100}])"),
           inventory_json({{"fc-first", "sku-a", 10},
                           {"fc-first", "sku-b", 10},
                           {"fc-second", "sku-a", 10},
                           {"fc-second", "sku-b", 10}}),
           policy_json(R"("max_shipments": 2)"));
  ASSERT_TRUE(fixture);
  Router router;
  const OrderRequest a_then_b = fixture->order(order_json({.lines = {{"sku-a", 1}, {"sku-b", 1}}}));
  EXPECT_THAT(node_of_each_line(*fixture, plan(router, *fixture, a_then_b), a_then_b),
              ElementsAre("fc-first", "fc-second"));
  const OrderRequest b_then_a = fixture->order(order_json({.lines = {{"sku-b", 1}, {"sku-a", 1}}}));
  EXPECT_THAT(node_of_each_line(*fixture, plan(router, *fixture, b_then_a), b_then_a),
              ElementsAre("fc-first", "fc-second"));
}

// --- 2.1 Who may ship a line, and 2.2 (2) capacity ---------------------------------------
//
// In these scenarios a node near the customer would win, and a far one in Chicago
// (zone 5, 400 cents dearer) ships whenever the near one is ruled out.

constexpr std::string_view kOneSku = R"([{"id": "sku-a", "weight_grams": 100}])";

TEST(RouterConstraints, DisabledNodeNeverShips) {
  auto fixture = load(
      network_json({{.id = "fc-near", .enabled = false}, {.id = "fc-far", .postal_code = "60601"}},
                   kOneSku),
      inventory_json({{"fc-near", "sku-a", 10}, {"fc-far", "sku-a", 10}}));
  ASSERT_TRUE(fixture);
  Router router;
  const RoutingDecision decision =
      plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-a", 1}}})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-far"));
  const Alternative* near = ruled_out(*fixture, decision, "fc-near");
  ASSERT_NE(near, nullptr);
  EXPECT_EQ(near->reason, fbs::ReasonCode::excluded_by_policy);
  EXPECT_EQ(near->exclusion_cause, ExclusionCause::node_disabled);
}

TEST(RouterConstraints, ANodeTheOrderWasRoutedAwayFromNeverShipsIt) {
  auto fixture =
      load(network_json({{.id = "fc-near"}, {.id = "fc-far", .postal_code = "60601"}}, kOneSku),
           inventory_json({{"fc-near", "sku-a", 10}, {"fc-far", "sku-a", 10}}));
  ASSERT_TRUE(fixture);
  Router router;
  OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}}}));
  EXPECT_THAT(shipping_nodes(*fixture, plan(router, *fixture, order)), ElementsAre("fc-near"));
  const std::array<std::uint32_t, 1> failed{fixture->node_index("fc-near")};
  order.excluded_nodes = failed;
  const RoutingDecision decision = plan(router, *fixture, order);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-far"));
  const Alternative* near = ruled_out(*fixture, decision, "fc-near");
  ASSERT_NE(near, nullptr);
  EXPECT_EQ(near->reason, fbs::ReasonCode::excluded_by_policy);
  EXPECT_EQ(near->exclusion_cause, ExclusionCause::node_failed_order);
}

TEST(RouterConstraints, SkuShipsOnlyFromItsEligibleNodeKinds) {
  auto fixture =
      load(network_json(
               {{.id = "store-near", .kind = "store"}, {.id = "fc-far", .postal_code = "60601"}},
               R"([{"id": "sku-a", "weight_grams": 100, "eligible_node_kinds": ["owned_fc"]},
                   {"id": "sku-b", "weight_grams": 100}])"),
           inventory_json({{"store-near", "sku-a", 10},
                           {"fc-far", "sku-a", 10},
                           {"store-near", "sku-b", 10},
                           {"fc-far", "sku-b", 10}}));
  ASSERT_TRUE(fixture);
  Router router;
  RoutingDecision decision =
      plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-a", 1}}})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-far"));
  const Alternative* store = ruled_out(*fixture, decision, "store-near");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->exclusion_cause, ExclusionCause::sku_not_eligible);
  // A SKU without eligible kinds ships from any kind.
  decision = plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-b", 1}}})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("store-near"));
}

TEST(RouterConstraints, OwnedOnlyChannelShipsFromOwnedNodesOnly) {
  auto fixture = load(network_json({{.id = "3pl-near", .kind = "partner_3pl"},
                                    {.id = "store-far", .kind = "store", .postal_code = "60601"}},
                                   kOneSku),
                      inventory_json({{"3pl-near", "sku-a", 10}, {"store-far", "sku-a", 10}}),
                      policy_json(R"("owned_only_channels": ["loyalty"])"));
  ASSERT_TRUE(fixture);
  Router router;
  RoutingDecision decision =
      plan(router, *fixture,
           fixture->order(order_json({.lines = {{"sku-a", 1}}, .channel = "loyalty"})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("store-far"));
  const Alternative* partner = ruled_out(*fixture, decision, "3pl-near");
  ASSERT_NE(partner, nullptr);
  EXPECT_EQ(partner->exclusion_cause, ExclusionCause::owned_only_channel);

  decision = plan(router, *fixture,
                  fixture->order(order_json({.lines = {{"sku-a", 1}}, .channel = "web"})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("3pl-near"));
}

TEST(RouterConstraints, ChannelExclusionRulesOutItsNodeKindsOnThatChannel) {
  auto fixture = load(
      network_json(
          {{.id = "dropship-near", .kind = "dropship"}, {.id = "fc-far", .postal_code = "60601"}},
          kOneSku),
      inventory_json({{"dropship-near", "sku-a", 10}, {"fc-far", "sku-a", 10}}),
      policy_json(R"("exclusions": [{"channel": "marketplace", "node_kinds": ["dropship"],
                     "reason": "marketplace needs tracked warehouses"}])"));
  ASSERT_TRUE(fixture);
  Router router;
  RoutingDecision decision =
      plan(router, *fixture,
           fixture->order(order_json({.lines = {{"sku-a", 1}}, .channel = "marketplace"})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-far"));
  const Alternative* dropship = ruled_out(*fixture, decision, "dropship-near");
  ASSERT_NE(dropship, nullptr);
  EXPECT_EQ(dropship->exclusion_cause, ExclusionCause::policy_exclusion);
  EXPECT_EQ(dropship->exclusion_index, 0);

  decision = plan(router, *fixture,
                  fixture->order(order_json({.lines = {{"sku-a", 1}}, .channel = "web"})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("dropship-near"));
}

TEST(RouterConstraints, HandlingExclusionRulesOutTheNodeForTheFlaggedLineOnly) {
  // Stores may not ship hazmat: the store still ships the lamp, the fuel goes from
  // Chicago.
  const std::string skus = R"([
      {"id": "sku-lamp", "weight_grams": 100},
      {"id": "sku-fuel", "weight_grams": 450, "handling": "hazmat"}])";
  const std::string policy = policy_json(R"(
      "max_shipments": 2,
      "exclusions": [{"sku_handling": "hazmat", "node_kinds": ["store"],
                      "reason": "stores are not certified for hazmat"}])");
  auto fixture = load(
      network_json(
          {{.id = "store-near", .kind = "store"}, {.id = "fc-far", .postal_code = "60601"}}, skus),
      inventory_json({{"store-near", "sku-lamp", 10},
                      {"store-near", "sku-fuel", 10},
                      {"fc-far", "sku-fuel", 10}}),
      policy);
  ASSERT_TRUE(fixture);
  const OrderRequest order =
      fixture->order(order_json({.lines = {{"sku-lamp", 1}, {"sku-fuel", 1}}}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_THAT(node_of_each_line(*fixture, decision, order), ElementsAre("store-near", "fc-far"));
  const Alternative* store = ruled_out(*fixture, decision, "store-near");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->line_index, 1);  // the fuel line, not the whole node
  EXPECT_EQ(store->exclusion_index, 0);
}

TEST(RouterConstraints, SafetyStockIsTheMostSpecificEntry) {
  // fc-near has 5 units and the order needs 2: it ships when the safety stock that
  // applies is at most 3.
  struct Case {
    std::string_view entries;
    std::int32_t applies;
  };
  const Case cases[] = {
      {R"([{"units": 4}])", 4},
      {R"([{"units": 4}, {"node_id": "fc-near", "units": 1}])", 1},
      {R"([{"node_id": "fc-near", "units": 1}, {"sku_id": "sku-a", "units": 4}])", 4},
      {R"([{"sku_id": "sku-a", "units": 4},
           {"node_id": "fc-near", "sku_id": "sku-a", "units": 0}])",
       0},
      {R"([{"node_id": "fc-near", "sku_id": "sku-a", "units": 4}, {"units": 0},
           {"node_id": "fc-near", "units": 0}, {"sku_id": "sku-a", "units": 0}])",
       4},
      {R"([{"node_id": "fc-far", "units": 4}, {"sku_id": "sku-other", "units": 4}])", 0},
  };
  const std::string network = network_json(
      {{.id = "fc-near"}, {.id = "fc-far", .postal_code = "60601"}},
      R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-other", "weight_grams": 100}])");
  const std::string inventory = inventory_json({{"fc-near", "sku-a", 5}, {"fc-far", "sku-a", 100}});
  Router router;
  for (const Case& test : cases) {
    SCOPED_TRACE(test.entries);
    auto fixture =
        load(network, inventory, policy_json("\"safety_stock\": " + std::string(test.entries)));
    ASSERT_TRUE(fixture);
    const RoutingDecision decision =
        plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-a", 2}}})));
    EXPECT_THAT(shipping_nodes(*fixture, decision),
                ElementsAre(test.applies <= 3 ? "fc-near" : "fc-far"));
    if (test.applies > 3) {
      const Alternative* near = ruled_out(*fixture, decision, "fc-near");
      ASSERT_NE(near, nullptr);
      EXPECT_EQ(near->reason, fbs::ReasonCode::no_inventory);
      EXPECT_EQ(near->safety_stock, test.applies);
    }
  }
}

TEST(RouterConstraints, NodeTakesNoMoreOrdersADayThanItsLimit) {
  auto fixture = load(network_json({{.id = "fc-near", .orders_per_day = 2},
                                    {.id = "fc-far", .postal_code = "60601"}},
                                   kOneSku),
                      inventory_json({{"fc-near", "sku-a", 100}, {"fc-far", "sku-a", 100}}));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}}}));
  Router router;
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, order)),
              ElementsAre("fc-near"));
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, order)),
              ElementsAre("fc-near"));
  const RoutingDecision third = route_and_keep(router, *fixture, order);
  EXPECT_THAT(shipping_nodes(*fixture, third), ElementsAre("fc-far"));
  const Alternative* near = ruled_out(*fixture, third, "fc-near");
  ASSERT_NE(near, nullptr);
  EXPECT_EQ(near->reason, fbs::ReasonCode::no_capacity);
}

TEST(RouterConstraints, NodeTakesNoMoreUnitsADayThanItsLimit) {
  auto fixture = load(network_json({{.id = "fc-near", .units_per_day = 3},
                                    {.id = "fc-far", .postal_code = "60601"}},
                                   kOneSku),
                      inventory_json({{"fc-near", "sku-a", 100}, {"fc-far", "sku-a", 100}}));
  ASSERT_TRUE(fixture);
  const OrderRequest two = fixture->order(order_json({.lines = {{"sku-a", 2}}}));
  const OrderRequest one = fixture->order(order_json({.lines = {{"sku-a", 1}}}));
  Router router;
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, two)),
              ElementsAre("fc-near"));
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, two)),
              ElementsAre("fc-far"));  // 2 + 2 > 3
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, one)),
              ElementsAre("fc-near"));  // 2 + 1 = 3
  EXPECT_EQ(fixture->capacity().usage(fixture->node_index("fc-near"), day("2026-11-24")),
            (CapacityUsage{.orders = 2, .units = 3, .day_closed = false}));
}

TEST(RouterConstraints, ThrottleScalesTheDailyLimitsRoundingDown) {
  // 3 orders a day at 50%: 1.5, so 1.
  auto fixture =
      load(network_json(
               {{.id = "fc-near", .orders_per_day = 3}, {.id = "fc-far", .postal_code = "60601"}},
               kOneSku),
           inventory_json({{"fc-near", "sku-a", 100}, {"fc-far", "sku-a", 100}}),
           policy_json(R"("capacity_throttles": [{"node_id": "fc-near", "percent": 50}])"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}}}));
  Router router;
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, order)),
              ElementsAre("fc-near"));
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, order)),
              ElementsAre("fc-far"));
}

TEST(RouterConstraints, ThrottleOfZeroStopsEvenAnUnlimitedNode) {
  auto fixture =
      load(network_json({{.id = "fc-near"}, {.id = "fc-far", .postal_code = "60601"}}, kOneSku),
           inventory_json({{"fc-near", "sku-a", 100}, {"fc-far", "sku-a", 100}}),
           policy_json(R"("capacity_throttles": [{"node_id": "fc-near", "percent": 0},
                          {"node_id": "fc-far", "percent": 10}])"));
  ASSERT_TRUE(fixture);
  Router router;
  // fc-far has no limits: 10% of unlimited is unlimited.
  const RoutingDecision decision =
      plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-a", 1}}})));
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-far"));
  const Alternative* near = ruled_out(*fixture, decision, "fc-near");
  ASSERT_NE(near, nullptr);
  EXPECT_EQ(near->reason, fbs::ReasonCode::no_capacity);
}

TEST(RouterConstraints, CapacityUsedOnThePackingDayCounts) {
  auto fixture = load(network_json({{.id = "fc-near", .orders_per_day = 1},
                                    {.id = "fc-far", .postal_code = "60601"}},
                                   kOneSku),
                      inventory_json({{"fc-near", "sku-a", 100}, {"fc-far", "sku-a", 100}}));
  ASSERT_TRUE(fixture);
  const std::uint32_t near = fixture->node_index("fc-near");
  const CapacityLimits limits = fixture->model().policy().capacity_limits(near);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}}}));
  Router router;

  // Wednesday's order does not fill Tuesday.
  ASSERT_EQ(fixture->capacity().try_reserve(near, day("2026-11-25"), 1, 1, limits).value(),
            CapacityOutcome::reserved);
  EXPECT_THAT(shipping_nodes(*fixture, plan(router, *fixture, order)), ElementsAre("fc-near"));

  ASSERT_EQ(fixture->capacity().try_reserve(near, day("2026-11-24"), 1, 1, limits).value(),
            CapacityOutcome::reserved);
  EXPECT_THAT(shipping_nodes(*fixture, plan(router, *fixture, order)), ElementsAre("fc-far"));
}

// --- Sections 1 and 3: every reason code ------------------------------------------------

class RouterReasons : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = load(
        network_json({{.id = "fc-a", .orders_per_day = 1}},
                     R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-b", "weight_grams": 100},
                         {"id": "sku-unstocked", "weight_grams": 100}])"),
        inventory_json({{"fc-a", "sku-a", 10}, {"fc-a", "sku-b", 1}}));
    ASSERT_TRUE(fixture_);
  }

  OrderResolution resolve(std::string_view order) { return fixture_->resolve(order); }
  RoutingDecision plan_order(const OrderJson& order) {
    return plan(router_, *fixture_, fixture_->order(order_json(order)));
  }

  std::optional<RoutingFixture> fixture_;
  Router router_;
};

TEST_F(RouterReasons, MalformedOrdersAreInvalidOrderNamingTheLine) {
  struct Case {
    std::string order;
    OrderProblem problem;
    int line_index;
  };
  std::string too_many_lines;
  for (int i = 0; i < 33; ++i) too_many_lines += R"({"sku_id": "sku-a", "quantity": 1},)";
  too_many_lines.pop_back();
  const Case cases[] = {
      {R"({"id": "o", "lines": [], "ship_to": {"postal_code": "10027"},
          "created_at": "2026-11-24T15:00:00Z"})",
       OrderProblem::no_lines, -1},
      {R"({"id": "o", "lines": [)" + too_many_lines + R"(], "ship_to": {"postal_code": "10027"},
                                                         "created_at": "2026-11-24T15:00:00Z"})",
       OrderProblem::too_many_lines, -1},
      {order_json({.lines = {{"sku-a", 1}, {"sku-b", 0}}}), OrderProblem::quantity_not_positive, 1},
      {order_json({.lines = {{"sku-a", 1000001}}}), OrderProblem::quantity_too_large, 0},
      {order_json({.lines = {{"sku-a", 1}, {"sku-b", 1}, {"sku-a", 2}}}),
       OrderProblem::duplicate_sku, 2},
      {order_json({.lines = {{"sku-a", 1}}, .created_at = "2026-11-24 15:00"}),
       OrderProblem::bad_created_at, -1},
      {order_json({.lines = {{"sku-a", 1}}, .extra = R"(, "latest_delivery_date": "11/30/2026")"}),
       OrderProblem::bad_latest_delivery_date, -1},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.order);
    const OrderResolution resolution = resolve(test.order);
    EXPECT_EQ(resolution.problem, test.problem) << describe(resolution.problem);
    EXPECT_EQ(resolution.reason(), fbs::ReasonCode::invalid_order);
    EXPECT_EQ(resolution.line_index, test.line_index);
  }
}

TEST_F(RouterReasons, SkuNotInTheCatalogIsUnknownSku) {
  const OrderResolution resolution =
      resolve(order_json({.lines = {{"sku-a", 1}, {"sku-kayak", 1}}}));
  EXPECT_EQ(resolution.problem, OrderProblem::unknown_sku);
  EXPECT_EQ(resolution.reason(), fbs::ReasonCode::unknown_sku);
  EXPECT_EQ(resolution.line_index, 1);
}

TEST_F(RouterReasons, PostalCodeOutsideTheGeographyIsUnknownDestination) {
  for (std::string_view postal_code : {"00012", "ABCDE", "1002", ""}) {
    const OrderResolution resolution =
        resolve(order_json({.lines = {{"sku-a", 1}}, .ship_to = postal_code}));
    EXPECT_EQ(resolution.reason(), fbs::ReasonCode::unknown_destination) << postal_code;
  }
  // ZIP+4 and a bare 3-digit prefix locate by the prefix.
  for (std::string_view postal_code : {"10027-1234", "100"}) {
    EXPECT_TRUE(resolve(order_json({.lines = {{"sku-a", 1}}, .ship_to = postal_code})).ok())
        << postal_code;
  }
}

TEST_F(RouterReasons, SkuStockedNowhereIsNoInventory) {
  const RoutingDecision decision = plan_order({.lines = {{"sku-a", 1}, {"sku-unstocked", 1}}});
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::no_inventory);
  EXPECT_EQ(decision.reason_line, 1);
}

TEST_F(RouterReasons, TooLittleStockIsNoInventory) {
  const RoutingDecision decision = plan_order({.lines = {{"sku-b", 2}}});
  EXPECT_EQ(decision.reason, fbs::ReasonCode::no_inventory);
  EXPECT_EQ(decision.reason_line, 0);
  const Alternative* node = ruled_out(*fixture_, decision, "fc-a");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->stock_seen, (StockLevels{.on_hand = 1, .reserved = 0}));
}

TEST_F(RouterReasons, FullDayIsNoCapacity) {
  const OrderRequest order = fixture_->order(order_json({.lines = {{"sku-a", 1}}}));
  ASSERT_EQ(route_and_keep(router_, *fixture_, order).outcome, fbs::Outcome::routed);
  const RoutingDecision decision = route_and_keep(router_, *fixture_, order);
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::no_capacity);
  EXPECT_EQ(decision.reason_line, 0);
}

TEST_F(RouterReasons, NoServiceOfTheRequestedLevelIsPromiseUnmeetable) {
  const RoutingDecision decision =
      plan_order({.lines = {{"sku-a", 1}}, .extra = R"(, "requested_level": "next_day")"});
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::promise_unmeetable);
  EXPECT_EQ(decision.reason_line, 0);
}

TEST(RouterReasonCodes, NodeWithoutPickWindowsIsPromiseUnmeetable) {
  auto fixture = load(network_json({{.id = "fc-never-open", .pick_windows = "[]"}}, kOneSku),
                      inventory_json({{"fc-never-open", "sku-a", 10}}));
  ASSERT_TRUE(fixture);
  Router router;
  const RoutingDecision decision =
      plan(router, *fixture, fixture->order(order_json({.lines = {{"sku-a", 1}}})));
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::promise_unmeetable);
}

TEST(RouterReasonCodes, EveryNodeHoldingTheSkuExcludedIsExcludedByPolicy) {
  auto fixture = load(
      network_json({{.id = "store-a", .kind = "store"}, {.id = "fc-off", .enabled = false}},
                   R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-fuel", "weight_grams": 100,
                       "handling": "hazmat"}])"),
      inventory_json(
          {{"store-a", "sku-a", 10}, {"store-a", "sku-fuel", 10}, {"fc-off", "sku-fuel", 10}}),
      policy_json(R"("max_shipments": 2,
                     "exclusions": [{"sku_handling": "hazmat", "node_kinds": ["store"],
                                     "reason": "stores are not certified for hazmat"}])"));
  ASSERT_TRUE(fixture);
  Router router;
  const RoutingDecision decision = plan(
      router, *fixture, fixture->order(order_json({.lines = {{"sku-a", 1}, {"sku-fuel", 1}}})));
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::excluded_by_policy);
  EXPECT_EQ(decision.reason_line, 1);
}

// A node's capacity slot for the packing day has moved on to a day kDaySlots later
// (capacity_counters.h): the day is closed, so the planner treats the node as full
// rather than planning it again and again. (reservation_contention needs stock to go
// between plan and reservation: router_stress_test.cpp counts it under concurrency.)
TEST_F(RouterReasons, ANodeWhoseCapacityDayIsClosedIsNoCapacityWithoutRetries) {
  const std::uint32_t node = fixture_->node_index("fc-a");
  const EpochDay packing_day = day("2026-11-24");
  const auto week_and_a_day = static_cast<EpochDay>(CapacityCounters::kDaySlots);
  ASSERT_EQ(fixture_->capacity()
                .try_reserve(node, packing_day + week_and_a_day, 1, 1,
                             fixture_->model().policy().capacity_limits(node))
                .value(),
            CapacityOutcome::reserved);
  const OrderRequest order = fixture_->order(order_json({.lines = {{"sku-a", 1}}}));

  PlanReservation reservation(fixture_->inventory(), fixture_->capacity());
  const RoutingDecision decision = router_.route(order, fixture_->model(), fixture_->inventory(),
                                                 fixture_->capacity(), reservation);
  EXPECT_EQ(decision.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::no_capacity);
  EXPECT_EQ(decision.reservation_attempts, 1);
  EXPECT_FALSE(reservation.holds_reservation());
  EXPECT_EQ(fixture_->cell("fc-a", "sku-a").levels(), (StockLevels{.on_hand = 10, .reserved = 0}));
}

// --- Backorders --------------------------------------------------------------------------

TEST(RouterBackorder, UnroutableOrderIsBackorderedKeepingItsReasonAndReservingNothing) {
  auto fixture =
      load(network_json({{.id = "fc-a"}, {.id = "fc-backorders", .postal_code = "60601"}}, kOneSku),
           inventory_json({{"fc-a", "sku-a", 3}}),
           policy_json(R"("backorder_rule": "backorder", "backorder_node_id": "fc-backorders")"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 5}}}));
  Router router;
  PlanReservation reservation(fixture->inventory(), fixture->capacity());
  const RoutingDecision decision =
      router.route(order, fixture->model(), fixture->inventory(), fixture->capacity(), reservation);
  EXPECT_EQ(decision.outcome, fbs::Outcome::backordered);
  EXPECT_EQ(decision.reason, fbs::ReasonCode::no_inventory);
  EXPECT_EQ(decision.reason_line, 0);
  EXPECT_EQ(node_id(*fixture, decision.backorder_node_index), "fc-backorders");
  EXPECT_EQ(decision.shipment_count, 0);
  EXPECT_FALSE(reservation.holds_reservation());
  EXPECT_EQ(reservation.stock_line_count(), 0U);
  EXPECT_EQ(fixture->cell("fc-a", "sku-a").levels(), (StockLevels{.on_hand = 3, .reserved = 0}));
  EXPECT_EQ(fixture->capacity().usage(fixture->node_index("fc-a"), day("2026-11-24")),
            (CapacityUsage{}));
  const io::DecisionDocument document = document_of(*fixture, decision, order);
  EXPECT_EQ(document.root().backorder_node_id()->str(), "fc-backorders");
}

// --- Section 4: reservation -----------------------------------------------------------

TEST(RouterReservation, RouteHoldsThePlansStockAndCapacityUntilReleased) {
  auto fixture =
      load(network_json(
               {{.id = "fc-a"}, {.id = "fc-b", .postal_code = "11201"}},
               R"([{"id": "sku-a", "weight_grams": 100}, {"id": "sku-b", "weight_grams": 100}])"),
           inventory_json({{"fc-a", "sku-a", 10}, {"fc-b", "sku-b", 10}}),
           policy_json(R"("max_shipments": 2, "safety_stock": [{"units": 1}])"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 2}, {"sku-b", 3}}}));
  Router router;
  PlanReservation reservation(fixture->inventory(), fixture->capacity());
  const RoutingDecision decision =
      router.route(order, fixture->model(), fixture->inventory(), fixture->capacity(), reservation);
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_EQ(decision.reservation_attempts, 1);
  ASSERT_TRUE(reservation.holds_reservation());
  EXPECT_EQ(reservation.stock_line_count(), 2U);
  EXPECT_EQ(reservation.capacity_claim_count(), 2U);
  EXPECT_EQ(reservation.stock_line(0).safety_stock, 1);
  const EpochDay tuesday = day("2026-11-24");
  const std::uint32_t a = fixture->node_index("fc-a");
  const std::uint32_t b = fixture->node_index("fc-b");
  EXPECT_EQ(fixture->cell("fc-a", "sku-a").levels(), (StockLevels{.on_hand = 10, .reserved = 2}));
  EXPECT_EQ(fixture->cell("fc-b", "sku-b").levels(), (StockLevels{.on_hand = 10, .reserved = 3}));
  EXPECT_EQ(fixture->capacity().usage(a, tuesday),
            (CapacityUsage{.orders = 1, .units = 2, .day_closed = false}));
  EXPECT_EQ(fixture->capacity().usage(b, tuesday),
            (CapacityUsage{.orders = 1, .units = 3, .day_closed = false}));

  reservation.release();
  EXPECT_EQ(fixture->cell("fc-a", "sku-a").levels(), (StockLevels{.on_hand = 10, .reserved = 0}));
  EXPECT_EQ(fixture->cell("fc-b", "sku-b").levels(), (StockLevels{.on_hand = 10, .reserved = 0}));
  EXPECT_EQ(fixture->capacity().usage(a, tuesday), (CapacityUsage{}));
  EXPECT_EQ(fixture->capacity().usage(b, tuesday), (CapacityUsage{}));
}

TEST(RouterReservation, OrderThatWouldOversellGoesElsewhereOrIsRejected) {
  auto fixture =
      load(network_json({{.id = "fc-near"}, {.id = "fc-far", .postal_code = "60601"}}, kOneSku),
           inventory_json({{"fc-near", "sku-a", 3}, {"fc-far", "sku-a", 2}}));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 2}}}));
  Router router;
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, order)),
              ElementsAre("fc-near"));
  EXPECT_THAT(shipping_nodes(*fixture, route_and_keep(router, *fixture, order)),
              ElementsAre("fc-far"));  // fc-near has 1 left
  const RoutingDecision third = route_and_keep(router, *fixture, order);
  EXPECT_EQ(third.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(third.reason, fbs::ReasonCode::no_inventory);
  EXPECT_EQ(fixture->cell("fc-near", "sku-a").levels(), (StockLevels{.on_hand = 3, .reserved = 2}));
  EXPECT_EQ(fixture->cell("fc-far", "sku-a").levels(), (StockLevels{.on_hand = 2, .reserved = 2}));
}

// --- Section 6: quote ---------------------------------------------------------------------

TEST(RouterQuote, OffersEveryLevelFasterOrAsFastAndReservesNothing) {
  // From Columbus (zone 4): ground 3 business days (Friday), two-day Thursday,
  // next-day Wednesday.
  auto fixture = load(network_json({{.id = "fc-columbus",
                                     .postal_code = "43215",
                                     .services = services({"ground", "two-day", "next-day"})}},
                                   kOneSku),
                      inventory_json({{"fc-columbus", "sku-a", 10}}));
  ASSERT_TRUE(fixture);
  Router router;
  const auto quotes = router.quote(
      fixture->order(
          order_json({.lines = {{"sku-a", 1}}, .extra = R"(, "requested_level": "ground")"})),
      fixture->model(), fixture->inventory(), fixture->capacity());
  ASSERT_EQ(quotes[0].level, fbs::ServiceLevel::ground);
  ASSERT_EQ(quotes[1].level, fbs::ServiceLevel::two_day);
  ASSERT_EQ(quotes[2].level, fbs::ServiceLevel::next_day);
  for (const QuoteOption& quote : quotes) {
    EXPECT_TRUE(quote.available) << fbs::EnumNameServiceLevel(quote.level);
    EXPECT_EQ(quote.shipment_count, 1);
  }
  EXPECT_EQ(quotes[0].delivery_day, day("2026-11-27"));
  EXPECT_EQ(quotes[1].delivery_day, day("2026-11-26"));
  EXPECT_EQ(quotes[2].delivery_day, day("2026-11-25"));
  EXPECT_EQ(quotes[0].carrier_cents, 800 + 300);
  EXPECT_EQ(quotes[1].carrier_cents, 3000 + 300);
  EXPECT_EQ(quotes[2].carrier_cents, 5000 + 300);
  EXPECT_EQ(quotes[2].objective_cents, 5300);
  EXPECT_EQ(fixture->cell("fc-columbus", "sku-a").levels(),
            (StockLevels{.on_hand = 10, .reserved = 0}));
  EXPECT_EQ(fixture->capacity().usage(fixture->node_index("fc-columbus"), day("2026-11-24")),
            (CapacityUsage{}));
}

TEST(RouterQuote, LevelNoNodeOffersIsUnavailableWithItsReason) {
  auto fixture =
      load(network_json({{.id = "fc-a"}}, kOneSku), inventory_json({{"fc-a", "sku-a", 10}}));
  ASSERT_TRUE(fixture);
  Router router;
  const auto quotes = router.quote(fixture->order(order_json({.lines = {{"sku-a", 1}}})),
                                   fixture->model(), fixture->inventory(), fixture->capacity());
  EXPECT_TRUE(quotes[0].available);
  EXPECT_EQ(quotes[0].reason, fbs::ReasonCode::none);
  for (const QuoteOption& faster : {quotes[1], quotes[2]}) {
    EXPECT_FALSE(faster.available) << fbs::EnumNameServiceLevel(faster.level);
    EXPECT_EQ(faster.reason, fbs::ReasonCode::promise_unmeetable);
  }
}

// --- Section 5: explanation --------------------------------------------------------------

TEST(RouterExplanation, WorkedExampleOfTheContract) {
  auto fixture = load_examples();
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(example_order(1));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("store-brooklyn-12"));
  EXPECT_EQ(service_of(*fixture, decision.shipments[0]), "ups-ground");
  EXPECT_EQ(decision.cost, (CostTerms{.handling_cents = 400,
                                      .pick_cents = 180,
                                      .carrier_cents = 2450,
                                      .risk_cents = 140,
                                      .preference_cents = 150}));
  EXPECT_EQ(decision.cost.objective_cents(), 3320);
  EXPECT_EQ(decision.shipments[0].promise.packed_at_utc, instant("2026-11-24T19:04:05Z"));
  EXPECT_EQ(decision.shipments[0].promise.cutoff_at_utc, instant("2026-11-24T22:00:00Z"));
  EXPECT_EQ(decision.delivery_day(), day("2026-11-25"));
  const std::vector<std::string> alternatives =
      alternative_lines(document_of(*fixture, decision, order));
  ASSERT_GE(alternatives.size(), 3U);
  EXPECT_EQ(alternatives[0], "3pl-columbus-2: costs 555 cents more");
  EXPECT_EQ(alternatives[1], "fc-reno-1: costs 2050 cents more");
  EXPECT_EQ(alternatives[2], "3pl-columbus-2+fc-reno-1: costs 280 cents more");
}

TEST(RouterExplanation, ListsAlternativesAndRuledOutNodesWithWhy) {
  auto fixture =
      load(network_json({{.id = "fc-main"},
                         {.id = "store-fragile", .kind = "store"},
                         {.id = "3pl-short", .kind = "partner_3pl"},
                         {.id = "fc-chicago", .postal_code = "60601"}},
                        R"([{"id": "sku-vase", "weight_grams": 100, "handling": "fragile"}])"),
           inventory_json({{"fc-main", "sku-vase", 50},
                           {"store-fragile", "sku-vase", 50},
                           {"3pl-short", "sku-vase", 3},
                           {"fc-chicago", "sku-vase", 50}}),
           policy_json(R"("safety_stock": [{"units": 2}],
                          "exclusions": [{"sku_handling": "fragile", "node_kinds": ["store"],
                                          "reason": "stores do not pack fragile goods"}])"));
  ASSERT_TRUE(fixture);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-vase", 2}}}));
  Router router;
  const RoutingDecision decision = plan(router, *fixture, order);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-main"));
  const io::DecisionDocument document = document_of(*fixture, decision, order);
  EXPECT_THAT(
      alternative_lines(document),
      ElementsAre("fc-chicago: costs 400 cents more",  // zone 5: 800 + 400
                  "store-fragile: line 0 (sku-vase): excluded by policy exclusions[0]: stores do "
                  "not pack fragile goods",
                  "3pl-short: line 0 (sku-vase): out of stock: 1 available to promise (on hand 3, "
                  "reserved 0, safety stock 2), needs 2"));
  const fbs::Alternative& chicago = *document.root().alternatives()->Get(0);
  EXPECT_EQ(chicago.objective_cents(), 1200);
  EXPECT_EQ(chicago.delivery_date()->str(), "2026-11-30");  // 4 business days after Tuesday
  EXPECT_EQ(chicago.reason(), fbs::ReasonCode::none);
  EXPECT_EQ(document.root().alternatives()->Get(1)->reason(), fbs::ReasonCode::excluded_by_policy);
  EXPECT_EQ(document.root().alternatives()->Get(2)->reason(), fbs::ReasonCode::no_inventory);
}

TEST(RouterExplanation, NodesRuledOutForUnitsOrWeightAreListedWithWhy) {
  // fc-near takes 3 units a day and only ground parcels (up to 22680 g); fc-far, in
  // Chicago, has no limit and a service for heavy parcels.
  auto fixture = load(
      network_json({{.id = "fc-near", .units_per_day = 3},
                    {.id = "fc-far",
                     .postal_code = "60601",
                     .services = services({"ground", "two-day-heavy"})}},
                   R"([{"id": "sku-a", "weight_grams": 100},
                       {"id": "sku-anvil", "weight_grams": 15000}])",
                   {ground_service(), service_json("two-day-heavy", "two_day",
                                                   "[2, 2, 2, 2, 2, 2, 2, 2]", {{40000, 6000}})}),
      inventory_json({{"fc-near", "sku-a", 10},
                      {"fc-far", "sku-a", 10},
                      {"fc-near", "sku-anvil", 10},
                      {"fc-far", "sku-anvil", 10}}));
  ASSERT_TRUE(fixture);
  Router router;

  const OrderRequest four_units = fixture->order(order_json({.lines = {{"sku-a", 4}}}));
  RoutingDecision decision = plan(router, *fixture, four_units);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-far"));
  const Alternative* near = ruled_out(*fixture, decision, "fc-near");
  EXPECT_NE(near, nullptr) << "fc-near (4 units > 3 a day) is not explained";
  if (near != nullptr) {
    EXPECT_EQ(near->reason, fbs::ReasonCode::no_capacity);
  }

  const OrderRequest heavy = fixture->order(order_json({.lines = {{"sku-anvil", 2}}}));
  decision = plan(router, *fixture, heavy);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-far"));
  near = ruled_out(*fixture, decision, "fc-near");
  EXPECT_NE(near, nullptr) << "fc-near (30000 g, ground takes 22680 g) is not explained";
  if (near != nullptr) {
    EXPECT_EQ(near->reason, fbs::ReasonCode::no_carrier_service);
  }
  EXPECT_THAT(alternative_lines(document_of(*fixture, decision, heavy)),
              ElementsAre("fc-near: no carrier service takes the parcel"));
}

// --- Search -----------------------------------------------------------------------------

class RouterSearch : public ::testing::Test {
 protected:
  // Ten SKUs of 100 g: fc-low holds sku-0..sku-5, fc-high sku-4..sku-9.
  void SetUp() override {
    std::vector<std::string> skus;
    std::vector<Stock> stock;
    for (int i = 0; i < 10; ++i) names_.push_back("sku-" + std::to_string(i));
    for (int i = 0; i < 10; ++i) {
      const std::string_view sku = names_[static_cast<std::size_t>(i)];
      skus.push_back("{\"id\": " + quoted(sku) + ", \"weight_grams\": 100}");
      if (i <= 5) stock.push_back({"fc-low", sku, 10});
      if (i >= 4) stock.push_back({"fc-high", sku, 10});
    }
    fixture_ =
        load(network_json({{.id = "fc-low", .per_order_cents = 100},
                           {.id = "fc-high", .postal_code = "11201", .per_order_cents = 100}},
                          json_list(skus)),
             inventory_json(stock),
             policy_json(R"("max_shipments": 2, "weights": {"split_cents": 300})"));
    ASSERT_TRUE(fixture_);
  }

  // sku-0 .. sku-(lines - 1), one unit each.
  OrderRequest order_of(int lines) {
    OrderJson order;
    for (int i = 0; i < lines; ++i) order.lines.push_back({names_[static_cast<std::size_t>(i)], 1});
    return fixture_->order(order_json(order));
  }

  std::vector<std::string> names_;
  std::optional<RoutingFixture> fixture_;
};

TEST_F(RouterSearch, OrdersOfUpToEightLinesAreProvenOptimal) {
  Router router;
  const RoutingDecision decision = plan(router, *fixture_, order_of(8));
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_EQ(decision.shipment_count, 2);
  EXPECT_TRUE(decision.proven_optimal);
}

TEST_F(RouterSearch, LargerOrderGetsAFeasiblePlanNotProvenOptimal) {
  const OrderRequest order = order_of(10);
  Router router;
  PlanReservation reservation(fixture_->inventory(), fixture_->capacity());
  const RoutingDecision decision = router.route(order, fixture_->model(), fixture_->inventory(),
                                                fixture_->capacity(), reservation);
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_FALSE(decision.proven_optimal);
  // Every line ships exactly once, from a node that holds it.
  std::uint32_t shipped = 0;
  for (const PlannedShipment& shipment : decision.planned_shipments()) {
    EXPECT_EQ(shipped & shipment.line_mask, 0u) << "a line ships twice";
    shipped |= shipment.line_mask;
    for (unsigned line = 0; line < order.line_count; ++line) {
      if ((shipment.line_mask >> line) & 1u) {
        EXPECT_NE(fixture_->inventory().find(order.lines[line].sku_index, shipment.node_index),
                  nullptr);
      }
    }
  }
  EXPECT_EQ(shipped, (1u << 10) - 1);
  // The greedy split: fc-low ships the six lines it holds (600 g: 100 + 1100), fc-high
  // the other four (400 g: 100 + 800); moving a line between them costs more.
  EXPECT_THAT(node_of_each_line(*fixture_, decision, order),
              ElementsAre("fc-low", "fc-low", "fc-low", "fc-low", "fc-low", "fc-low", "fc-high",
                          "fc-high", "fc-high", "fc-high"));
  CostTerms expected = sum_of_shipments(decision);
  expected.split_cents = 300;
  EXPECT_EQ(decision.cost, expected);
  EXPECT_EQ(decision.cost.objective_cents(), 1200 + 900 + 300);
  ASSERT_TRUE(reservation.holds_reservation());
  EXPECT_EQ(reservation.stock_line_count(), 10U);
  reservation.release();
}

// --- Stock added after the inventory table was built -----------------------------------

// The fixture's table rebuilt with its stock and reservations, and room for `room` pairs
// to be added (as a gateway builds it from its snapshot and journal).
InventoryTable growable_copy(const RoutingFixture& fixture, std::size_t room) {
  const InventoryTable& built = fixture.inventory();
  std::vector<StockRecord> records;
  for (std::uint32_t sku = 0; sku < built.sku_count(); ++sku) {
    for (const InventoryCell& cell : built.stocked_nodes(sku)) {
      const StockLevels levels = cell.levels();
      records.push_back({sku, cell.node_index(), levels.on_hand, levels.reserved});
    }
  }
  return InventoryTable::build(built.sku_count(), records, room).value();
}

TEST(RouterInventoryGrowth, AnSkuWhoseOnlyStockWasAddedAfterBuildIsRoutedThere) {
  // sku-new was stocked nowhere when the table was built; then fc-b receives it.
  auto fixture = load(network_json({{.id = "fc-a"}, {.id = "fc-b", .postal_code = "11201"}},
                                   R"([{"id": "sku-old", "weight_grams": 100},
                                       {"id": "sku-new", "weight_grams": 100}])"),
                      inventory_json({{"fc-a", "sku-old", 10}}));
  ASSERT_TRUE(fixture);
  InventoryTable inventory = growable_copy(*fixture, 4);
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-new", 2}}}));
  Router router;
  const RoutingDecision before =
      router.plan(order, fixture->model(), inventory, fixture->capacity());
  EXPECT_EQ(before.outcome, fbs::Outcome::rejected);
  EXPECT_EQ(before.reason, fbs::ReasonCode::no_inventory);

  const Result<const InventoryCell*> added =
      inventory.add_cell(fixture->sku_index("sku-new"), fixture->node_index("fc-b"), 5);
  ASSERT_TRUE(added) << added.status().to_string();
  PlanReservation reservation(inventory, fixture->capacity());
  const RoutingDecision decision =
      router.route(order, fixture->model(), inventory, fixture->capacity(), reservation);
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-b"));
  ASSERT_TRUE(reservation.holds_reservation());
  ASSERT_EQ(reservation.stock_line_count(), 1U);
  EXPECT_EQ(reservation.stock_line(0).cell, *added);
  EXPECT_EQ((*added)->levels(), (StockLevels{.on_hand = 5, .reserved = 2}));
  reservation.release();
  EXPECT_EQ((*added)->levels(), (StockLevels{.on_hand = 5, .reserved = 0}));
}

TEST(RouterInventoryGrowth, AnAddedNodeCompetesWithTheBuiltOnesOnCost) {
  // fc-a (zone 1, 500 cents a unit) held sku-a at build; fc-b (zone 1, free picking)
  // receives it later and wins; fc-c (zone 2) receives it too and loses on the carrier.
  auto fixture = load(network_json({{.id = "fc-a", .per_unit_cents = 500},
                                    {.id = "fc-b", .postal_code = "11201"},
                                    {.id = "fc-c", .postal_code = "19103"}},
                                   R"([{"id": "sku-a", "weight_grams": 100}])"),
                      inventory_json({{"fc-a", "sku-a", 10}}));
  ASSERT_TRUE(fixture);
  InventoryTable inventory = growable_copy(*fixture, 2);
  const std::uint32_t sku = fixture->sku_index("sku-a");
  ASSERT_TRUE(inventory.add_cell(sku, fixture->node_index("fc-c"), 10));
  ASSERT_TRUE(inventory.add_cell(sku, fixture->node_index("fc-b"), 10));
  const OrderRequest order = fixture->order(order_json({.lines = {{"sku-a", 1}}}));
  Router router;
  const RoutingDecision decision =
      router.plan(order, fixture->model(), inventory, fixture->capacity());
  ASSERT_EQ(decision.outcome, fbs::Outcome::routed);
  EXPECT_THAT(shipping_nodes(*fixture, decision), ElementsAre("fc-b"));
  EXPECT_EQ(decision.cost.objective_cents(), 800);
}

// --- Determinism ---------------------------------------------------------------------------

TEST(RouterDeterminism, SameOrderGetsTheSameDecisionDocumentFromAnyRouter) {
  auto first = load_examples();
  auto second = load_examples();
  ASSERT_TRUE(first && second);
  const OrderRequest order_first = first->order(example_order(1));
  const OrderRequest order_second = second->order(example_order(1));

  // The first router has decided other orders before: its scratch space is not fresh.
  Router used;
  for (int line = 2; line <= 3; ++line) {
    (void)used.plan(first->order(example_order(line)), first->model(), first->inventory(),
                    first->capacity());
  }
  Router fresh;
  const auto route_document = [](Router& router, RoutingFixture& fixture,
                                 const OrderRequest& order) {
    PlanReservation reservation(fixture.inventory(), fixture.capacity());
    const RoutingDecision& decision =
        router.route(order, fixture.model(), fixture.inventory(), fixture.capacity(), reservation);
    io::DecisionDocument document = document_of(fixture, decision, order);
    if (reservation.holds_reservation()) reservation.release();
    return document;
  };
  const io::DecisionDocument one = route_document(used, *first, order_first);
  const io::DecisionDocument other = route_document(fresh, *second, order_second);
  EXPECT_EQ(one.bytes(), other.bytes());
  EXPECT_EQ(one.bytes(), route_document(used, *first, order_first).bytes());
}

}  // namespace
}  // namespace edgeroute::routing
