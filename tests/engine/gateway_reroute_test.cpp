// Re-routing in the gateway over TCP, in process, on a real journal. A warehouse client
// relies on a failed or late node's part of an order moving elsewhere without disturbing
// the rest of the order, on a re-route that did not reach the journal leaving no trace
// (live or after a restart), and on a restarted gateway holding exactly the stock and
// capacity the live one held: the same units reserved at the same nodes, the same
// orders and units counted against each node's day. Everything the gateway holds is
// read back from its own state, so that a difference between the live books and the
// replayed ones shows up whichever order or node it touches.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/testing/temporary_directory.h"
#include "running_gateway.h"

namespace edgeroute::gateway {
namespace {

using protocol::fbs::ErrorCode;
using protocol::fbs::FulfillmentEventKind;
using test_support::ask;
using test_support::decision_in;
using test_support::RunningGateway;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct OrderLine {
  std::string sku_id;
  int quantity = 0;
};

std::vector<std::uint8_t> order_bytes(const std::string& id, const std::vector<OrderLine>& lines) {
  std::string json = R"({ "id": ")" + id + R"(", "channel": "web", "lines": [)";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) json += ", ";
    json += R"({ "sku_id": ")" + lines[i].sku_id + R"(", "quantity": )" +
            std::to_string(lines[i].quantity) + " }";
  }
  json += R"(], "ship_to": { "postal_code": "10027" }, "created_at": "2026-11-24T15:04:05Z" })";
  Result<routing::io::OrderDocument> order = routing::io::parse_order_json(json);
  EXPECT_TRUE(order) << order.status().to_string();
  return order->bytes();
}

// The node whose shipment carries `sku_id`; empty when no shipment does.
std::string node_shipping(const routing::fbs::Decision& decision, std::string_view sku_id) {
  if (decision.shipments() == nullptr) return {};
  for (const routing::fbs::Shipment* shipment : *decision.shipments()) {
    for (const routing::fbs::ShipmentLine* line : *shipment->lines()) {
      if (line->sku_id()->string_view() == sku_id) return shipment->node_id()->str();
    }
  }
  return {};
}

const routing::fbs::Shipment* shipment_from(const routing::fbs::Decision& decision,
                                            std::string_view node_id) {
  if (decision.shipments() == nullptr) return nullptr;
  for (const routing::fbs::Shipment* shipment : *decision.shipments()) {
    if (shipment->node_id()->string_view() == node_id) return shipment;
  }
  return nullptr;
}

protocol::FulfillmentReport trouble(std::string_view order_id, std::string_view node_id,
                                    FulfillmentEventKind event) {
  protocol::FulfillmentReport report;
  report.order_id = order_id;
  report.node_id = node_id;
  report.event = event;
  report.occurred_at = "2026-11-24T18:00:00Z";
  report.exception_code =
      event == FulfillmentEventKind::failed ? "stock_damaged" : "carrier_missed";
  return report;
}

// Whether the report was answered with a re-route; a failure when it was not answered
// with a ReportFulfillmentResult at all.
bool rerouted(const protocol::ReceivedResponse& response) {
  const auto* result = response.response().body_as_ReportFulfillmentResult();
  EXPECT_NE(result, nullptr) << protocol::fbs::EnumNameResponseBody(response.body_type());
  return result != nullptr && result->rerouted();
}

// What a client is told about an order: status, latest decision, latest journal entry.
struct OrderView {
  protocol::fbs::OrderStatus status = protocol::fbs::OrderStatus::rejected;
  std::vector<std::uint8_t> decision;
  std::uint64_t journal_sequence = 0;
  const routing::fbs::Decision& latest() const {
    return *routing::fbs::GetDecision(decision.data());
  }
  friend bool operator==(const OrderView&, const OrderView&) = default;
};

OrderView view_of(protocol::BlockingClient& client, const std::string& order_id) {
  const protocol::ReceivedResponse response =
      ask(client, protocol::build_query_order(90, order_id));
  const auto* state = response.response().body_as_OrderState();
  EXPECT_NE(state, nullptr) << protocol::fbs::EnumNameResponseBody(response.body_type());
  if (state == nullptr || state->decision() == nullptr) return {};
  return {state->status(),
          std::vector<std::uint8_t>(state->decision()->begin(), state->decision()->end()),
          state->journal_sequence()};
}

// The gateway's books, as text a failed comparison shows line by line: every stocked
// (SKU, node) pair's levels, and every node's capacity taken for the days an order
// placed on the test's day can ship on.
std::string books(GatewayState& state) {
  const routing::NetworkModel& network = state.network();
  std::string text;
  for (std::uint32_t sku = 0; sku < network.skus().size(); ++sku) {
    for (std::uint32_t node = 0; node < network.node_count(); ++node) {
      const routing::InventoryCell* cell = state.inventory().find(sku, node);
      if (cell == nullptr) continue;
      const routing::StockLevels levels = cell->levels();
      text += std::string(network.sku_id(sku)) + "@" + network.nodes()[node].id + ": on_hand " +
              std::to_string(levels.on_hand) + ", reserved " + std::to_string(levels.reserved) +
              "\n";
    }
  }
  const std::int32_t first_day = *routing::parse_epoch_day("2026-11-23");
  for (std::uint32_t node = 0; node < network.node_count(); ++node) {
    for (std::int32_t day = first_day;
         day < first_day + static_cast<std::int32_t>(routing::CapacityCounters::kDaySlots); ++day) {
      const routing::CapacityUsage usage = state.capacity().usage(node, day);
      if (usage == routing::CapacityUsage{}) continue;
      text += network.nodes()[node].id + " on " + routing::format_epoch_day(day) + ": " +
              std::to_string(usage.orders) + " orders, " + std::to_string(usage.units) + " units" +
              (usage.day_closed ? " (day closed)" : "") + "\n";
    }
  }
  return text;
}

// What the order book says one order holds, one line per stock line or capacity claim,
// naming the node: "stock sku-tent-2p@fc-reno-1 x1", "capacity fc-reno-1 on 2026-11-24:
// 1 orders, 1 units".
std::vector<std::string> holdings(GatewayState& state, const std::string& order_id) {
  const routing::NetworkModel& network = state.network();
  const std::optional<OrderRecord> record = state.orders().find(order_id);
  EXPECT_TRUE(record.has_value()) << order_id;
  std::vector<std::string> lines;
  if (!record) return lines;
  for (const HeldStock& line : record->held.stock()) {
    lines.push_back("stock " + std::string(network.sku_id(line.cell->sku_index())) + "@" +
                    network.nodes()[line.cell->node_index()].id + " x" +
                    std::to_string(line.quantity));
  }
  for (const HeldCapacity& claim : record->held.capacity()) {
    lines.push_back("capacity " + network.nodes()[claim.node_index].id + " on " +
                    routing::format_epoch_day(claim.local_day) + ": " +
                    std::to_string(claim.orders) + " orders, " + std::to_string(claim.units) +
                    " units");
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The lines of `holdings` at one node.
std::vector<std::string> held_at(const std::vector<std::string>& all, const std::string& node_id) {
  std::vector<std::string> at_node;
  for (const std::string& line : all) {
    if (line.find("@" + node_id + " ") != std::string::npos ||
        line.find("capacity " + node_id + " ") != std::string::npos) {
      at_node.push_back(line);
    }
  }
  return at_node;
}

std::vector<std::string> routed_away_from(GatewayState& state, const std::string& order_id) {
  const std::optional<OrderRecord> record = state.orders().find(order_id);
  EXPECT_TRUE(record.has_value()) << order_id;
  std::vector<std::string> nodes;
  if (!record) return nodes;
  for (const std::uint32_t node : record->routed_away_from) {
    nodes.push_back(state.network().nodes()[node].id);
  }
  return nodes;
}

// The order's capacity claim at `node_id` (an order claims once per node and day).
std::optional<HeldCapacity> claim_at(GatewayState& state, const std::string& order_id,
                                     const std::string& node_id) {
  const std::optional<OrderRecord> record = state.orders().find(order_id);
  const auto node = state.network().find_node(node_id);
  if (!record || !node) return std::nullopt;
  for (const HeldCapacity& claim : record->held.capacity()) {
    if (claim.node_index == *node) return claim;
  }
  return std::nullopt;
}

routing::CapacityUsage counted_on(GatewayState& state, const HeldCapacity& claim) {
  return state.capacity().usage(claim.node_index, claim.local_day);
}

routing::StockLevels levels_at(GatewayState& state, const std::string& sku_id,
                               const std::string& node_id) {
  const auto sku = state.network().find_sku(sku_id);
  const auto node = state.network().find_node(node_id);
  EXPECT_TRUE(sku && node) << sku_id << "@" << node_id;
  if (!sku || !node) return {-1, -1};
  const routing::InventoryCell* cell = state.inventory().find(*sku, *node);
  EXPECT_NE(cell, nullptr) << sku_id << "@" << node_id;
  return cell == nullptr ? routing::StockLevels{-1, -1} : cell->levels();
}

// The kinds of the journal's entries about `order_id`, oldest first, read as an
// operator's tool reads them: a read-only open of the file, here between two gateways.
std::vector<journal::EntryKind> journaled_kinds(const std::string& journal_path,
                                                const std::string& order_id) {
  journal::JournalOptions options;
  options.path = journal_path;
  options.read_only = true;
  auto opened = journal::Journal::open(options);
  EXPECT_TRUE(opened) << opened.status().to_string();
  std::vector<journal::EntryKind> kinds;
  if (!opened) return kinds;
  const Status read = (*opened)->read(1, [&](const journal::StoredEntry& entry) {
    if (entry.order_id == order_id) kinds.push_back(entry.kind);
    return Status::ok();
  });
  EXPECT_TRUE(read.is_ok()) << read.to_string();
  return kinds;
}

struct RerouteFixture : test_support::GatewayOnDisk {
  RerouteFixture() : GatewayOnDisk("gateway-reroute") {}
};

// Stove fuel only at the Reno FC, tents only at the Brooklyn store and the Columbus 3PL:
// an order for both is split over two nodes, and its tent part has somewhere to go.
constexpr std::string_view kSplitInventory = R"({
  "schema_version": 1,
  "taken_at": "2026-11-24T06:00:00Z",
  "records": [
    { "node_id": "fc-reno-1", "sku_id": "sku-stove-fuel", "on_hand": 50 },
    { "node_id": "store-brooklyn-12", "sku_id": "sku-tent-2p", "on_hand": 20 },
    { "node_id": "3pl-columbus-2", "sku_id": "sku-tent-2p", "on_hand": 20 }
  ]
})";

// A new journal's baseline on kSplitInventory (a restart takes the journal's own).
RunningGateway::Options on_split_inventory() {
  RunningGateway::Options options;
  options.inventory_json = kSplitInventory;
  return options;
}

TEST_F(RerouteFixture, AFailedPartOfASplitOrderMovesAloneAndARestartHoldsTheSameBooks) {
  std::string live_books;
  std::vector<std::string> live_holdings;
  OrderView live_view;
  {
    RunningGateway gateway(journal_path(), clock, on_split_inventory());
    protocol::BlockingClient client = gateway.connect();
    const protocol::ReceivedResponse routed =
        ask(client, protocol::build_route_order(
                        1, order_bytes("ord-split", {{"sku-stove-fuel", 2}, {"sku-tent-2p", 1}})));
    const routing::fbs::Decision& decision = decision_in(routed);
    ASSERT_EQ(decision.outcome(), routing::fbs::Outcome::routed);
    ASSERT_EQ(decision.shipments()->size(), 2u);
    const std::string staying = node_shipping(decision, "sku-stove-fuel");
    const std::string failing = node_shipping(decision, "sku-tent-2p");
    ASSERT_EQ(staying, "fc-reno-1");
    ASSERT_NE(failing, staying);
    const std::string staying_promise =
        shipment_from(decision, staying)->promise()->delivery_date()->str();

    const std::vector<std::string> held_before = holdings(gateway.state(), "ord-split");
    const std::vector<std::string> staying_held = held_at(held_before, staying);
    ASSERT_THAT(staying_held, Contains("stock sku-stove-fuel@fc-reno-1 x2"));
    ASSERT_THAT(staying_held, Contains(HasSubstr("capacity fc-reno-1 ")));
    ASSERT_THAT(held_at(held_before, failing), Contains(HasSubstr("capacity " + failing + " ")));
    const routing::StockLevels fuel_before = levels_at(gateway.state(), "sku-stove-fuel", staying);
    const routing::StockLevels tents_at_failing_before =
        levels_at(gateway.state(), "sku-tent-2p", failing);
    ASSERT_EQ(tents_at_failing_before.reserved, 1);
    const std::optional<HeldCapacity> failing_claim =
        claim_at(gateway.state(), "ord-split", failing);
    const std::optional<HeldCapacity> staying_claim =
        claim_at(gateway.state(), "ord-split", staying);
    ASSERT_TRUE(failing_claim && staying_claim);
    const routing::CapacityUsage staying_counted = counted_on(gateway.state(), *staying_claim);
    EXPECT_EQ(counted_on(gateway.state(), *failing_claim),
              (routing::CapacityUsage{failing_claim->orders, failing_claim->units}));

    EXPECT_TRUE(
        rerouted(ask(client, protocol::build_report_fulfillment(
                                 2, trouble("ord-split", failing, FulfillmentEventKind::failed)))));

    live_view = view_of(client, "ord-split");
    EXPECT_EQ(live_view.status, protocol::fbs::OrderStatus::rerouted);
    ASSERT_FALSE(live_view.decision.empty());
    const std::string moved_to = node_shipping(live_view.latest(), "sku-tent-2p");
    ASSERT_FALSE(moved_to.empty());
    EXPECT_NE(moved_to, failing);
    EXPECT_NE(moved_to, staying);
    // The new decision plans only the moved line: the fuel is not planned twice.
    EXPECT_EQ(node_shipping(live_view.latest(), "sku-stove-fuel"), "");

    // The staying part holds what it held: its stock line and its capacity claim.
    live_holdings = holdings(gateway.state(), "ord-split");
    EXPECT_EQ(held_at(live_holdings, staying), staying_held);
    EXPECT_EQ(levels_at(gateway.state(), "sku-stove-fuel", staying), fuel_before);
    // The failed node holds nothing of the order any more; the new node holds the tent.
    EXPECT_THAT(held_at(live_holdings, failing), IsEmpty());
    EXPECT_THAT(held_at(live_holdings, moved_to),
                Contains("stock sku-tent-2p@" + moved_to + " x1"));
    EXPECT_THAT(held_at(live_holdings, moved_to),
                Contains(HasSubstr("capacity " + moved_to + " ")));
    EXPECT_EQ(levels_at(gateway.state(), "sku-tent-2p", failing),
              (routing::StockLevels{tents_at_failing_before.on_hand, 0}));
    EXPECT_EQ(levels_at(gateway.state(), "sku-tent-2p", moved_to).reserved, 1);
    // Capacity as stock: the failed node's day no longer counts the order, the new
    // node's does, and the staying node's count is untouched.
    EXPECT_EQ(counted_on(gateway.state(), *failing_claim), routing::CapacityUsage{});
    const std::optional<HeldCapacity> moved_claim =
        claim_at(gateway.state(), "ord-split", moved_to);
    ASSERT_TRUE(moved_claim.has_value());
    EXPECT_EQ(counted_on(gateway.state(), *moved_claim),
              (routing::CapacityUsage{moved_claim->orders, moved_claim->units}));
    EXPECT_EQ(counted_on(gateway.state(), *staying_claim), staying_counted);
    // The staying node's events are still the order's, against its own promise.
    protocol::FulfillmentReport picked;
    picked.order_id = "ord-split";
    picked.node_id = staying;
    picked.event = FulfillmentEventKind::picked;
    picked.occurred_at = "2026-11-24T19:00:00Z";
    EXPECT_FALSE(rerouted(ask(client, protocol::build_report_fulfillment(3, picked))));
    const std::optional<OrderRecord> record = gateway.state().orders().find("ord-split");
    ASSERT_TRUE(record.has_value());
    const NodePromise* kept = promise_at(record->promises, staying);
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(kept->delivery_day, routing::parse_epoch_day(staying_promise));

    live_view = view_of(client, "ord-split");
    live_holdings = holdings(gateway.state(), "ord-split");
    live_books = books(gateway.state());
  }

  RunningGateway restarted(journal_path(), clock, on_split_inventory());
  protocol::BlockingClient client = restarted.connect();
  EXPECT_EQ(books(restarted.state()), live_books);
  EXPECT_EQ(holdings(restarted.state(), "ord-split"), live_holdings);
  EXPECT_EQ(view_of(client, "ord-split"), live_view);
}

TEST_F(RerouteFixture, AReRouteTheJournalRefusesLeavesNoTraceLiveOrAfterARestart) {
  std::string failing_node;
  {
    // A journal of 32 pages (256 KiB) takes the baseline and a few orders, but not a
    // report with half a megabyte of detail: the report and its re-route, committed
    // together, find the disk full.
    RunningGateway::Options full_disk;
    full_disk.max_page_count = 32;
    RunningGateway gateway(journal_path(), clock, full_disk);
    protocol::BlockingClient client = gateway.connect();
    const protocol::ReceivedResponse routed =
        ask(client, protocol::build_route_order(1, order_bytes("ord-full", {{"sku-tent-2p", 1}})));
    failing_node = node_shipping(decision_in(routed), "sku-tent-2p");
    const std::string& node = failing_node;
    const OrderView view_before = view_of(client, "ord-full");
    const std::vector<std::string> held_before = holdings(gateway.state(), "ord-full");
    const std::string books_before = books(gateway.state());

    const std::string detail(512 * 1024, 'x');
    protocol::FulfillmentReport failed = trouble("ord-full", node, FulfillmentEventKind::failed);
    failed.detail = detail;
    const protocol::ReceivedResponse refused =
        ask(client, protocol::build_report_fulfillment(2, failed));
    const auto* error = refused.response().body_as_Error();
    EXPECT_NE(error, nullptr) << protocol::fbs::EnumNameResponseBody(refused.body_type());
    if (error != nullptr) {
      EXPECT_EQ(error->code(), ErrorCode::journal_unavailable) << error->message()->str();
      EXPECT_THAT(error->message()->str(), HasSubstr("journal.db"));
    }

    // The new node's units and capacity are given back; the failed node keeps the order's.
    EXPECT_EQ(books(gateway.state()), books_before);
    EXPECT_EQ(holdings(gateway.state(), "ord-full"), held_before);
    EXPECT_EQ(view_of(client, "ord-full"), view_before);
    const std::optional<OrderRecord> record = gateway.state().orders().find("ord-full");
    ASSERT_TRUE(record.has_value());
    EXPECT_FALSE(record->in_flight) << "the order stays locked after its change was refused";
    EXPECT_THAT(record->routed_away_from, IsEmpty());
  }
  EXPECT_EQ(journaled_kinds(journal_path(), "ord-full"),
            std::vector<journal::EntryKind>{journal::EntryKind::decision});

  std::string books_after_restart;
  {
    RunningGateway restarted(journal_path(), clock);
    protocol::BlockingClient client = restarted.connect();
    const OrderView view = view_of(client, "ord-full");
    EXPECT_EQ(view.status, protocol::fbs::OrderStatus::routed);
    EXPECT_EQ(node_shipping(view.latest(), "sku-tent-2p"), failing_node);
    EXPECT_EQ(levels_at(restarted.state(), "sku-tent-2p", failing_node).reserved, 1);
    books_after_restart = books(restarted.state());

    // Reported again with room in the journal, the failure moves the order.
    EXPECT_TRUE(rerouted(
        ask(client, protocol::build_report_fulfillment(
                        3, trouble("ord-full", failing_node, FulfillmentEventKind::failed)))));
    EXPECT_EQ(levels_at(restarted.state(), "sku-tent-2p", failing_node).reserved, 0);
    EXPECT_THAT(routed_away_from(restarted.state(), "ord-full"), Contains(failing_node));
  }
  EXPECT_EQ(journaled_kinds(journal_path(), "ord-full"),
            (std::vector<journal::EntryKind>{journal::EntryKind::decision,
                                             journal::EntryKind::fulfillment_event,
                                             journal::EntryKind::reroute}));
}

TEST_F(RerouteFixture, ADelayReRouteSurvivesARestartAndNeverLeadsBackToTheLateNode) {
  std::string late_node;
  std::string moved_to;
  OrderView live_view;
  std::vector<std::string> live_holdings;
  std::string live_books;
  {
    RunningGateway gateway(journal_path(), clock);
    protocol::BlockingClient client = gateway.connect();
    const protocol::ReceivedResponse routed =
        ask(client, protocol::build_route_order(1, order_bytes("ord-late", {{"sku-tent-2p", 1}})));
    const routing::fbs::Shipment& shipment = *decision_in(routed).shipments()->Get(0);
    late_node = shipment.node_id()->str();
    const std::string promised = shipment.promise()->delivery_date()->str();

    protocol::FulfillmentReport late =
        trouble("ord-late", late_node, FulfillmentEventKind::delayed);
    const std::string day_after =
        routing::format_epoch_day(*routing::parse_epoch_day(promised) + 1);
    late.expected_delivery_date = day_after;
    EXPECT_TRUE(rerouted(ask(client, protocol::build_report_fulfillment(2, late))));

    live_view = view_of(client, "ord-late");
    EXPECT_EQ(live_view.status, protocol::fbs::OrderStatus::rerouted);
    ASSERT_FALSE(live_view.decision.empty());
    moved_to = node_shipping(live_view.latest(), "sku-tent-2p");
    EXPECT_NE(moved_to, late_node);
    live_holdings = holdings(gateway.state(), "ord-late");
    EXPECT_THAT(held_at(live_holdings, late_node), IsEmpty());
    EXPECT_THAT(held_at(live_holdings, moved_to),
                Contains("stock sku-tent-2p@" + moved_to + " x1"));
    live_books = books(gateway.state());
  }

  RunningGateway restarted(journal_path(), clock);
  protocol::BlockingClient client = restarted.connect();
  EXPECT_EQ(view_of(client, "ord-late"), live_view);
  EXPECT_EQ(holdings(restarted.state(), "ord-late"), live_holdings);
  EXPECT_EQ(books(restarted.state()), live_books);
  EXPECT_EQ(routed_away_from(restarted.state(), "ord-late"), std::vector<std::string>{late_node});

  // The late node is out of the order's story after the restart as before it.
  const protocol::ReceivedResponse stray =
      ask(client, protocol::build_report_fulfillment(
                      3, trouble("ord-late", late_node, FulfillmentEventKind::failed)));
  ASSERT_NE(stray.response().body_as_Error(), nullptr);
  EXPECT_EQ(stray.response().body_as_Error()->code(), ErrorCode::invalid_request);

  // The new node fails too: the order moves on, and not back to the late node.
  EXPECT_TRUE(
      rerouted(ask(client, protocol::build_report_fulfillment(
                               4, trouble("ord-late", moved_to, FulfillmentEventKind::failed)))));
  const OrderView third = view_of(client, "ord-late");
  ASSERT_FALSE(third.decision.empty());
  ASSERT_EQ(third.latest().outcome(), routing::fbs::Outcome::routed);
  const std::string third_node = node_shipping(third.latest(), "sku-tent-2p");
  EXPECT_NE(third_node, late_node);
  EXPECT_NE(third_node, moved_to);
  EXPECT_EQ(routed_away_from(restarted.state(), "ord-late"),
            (std::vector<std::string>{late_node, moved_to}));
}

TEST_F(RerouteFixture, AFailureNoOtherNodeCanTakeIsRecordedAndTheOrderKeepsItsStock) {
  std::string failing;
  OrderView live_view;
  std::vector<std::string> live_holdings;
  std::string live_books;
  {
    RunningGateway gateway(journal_path(), clock);
    protocol::BlockingClient client = gateway.connect();
    const protocol::ReceivedResponse routed = ask(
        client, protocol::build_route_order(1, order_bytes("ord-stuck", {{"sku-stove-fuel", 2}})));
    const routing::fbs::Decision& decision = decision_in(routed);
    ASSERT_EQ(decision.outcome(), routing::fbs::Outcome::routed);
    failing = node_shipping(decision, "sku-stove-fuel");
    const std::vector<std::uint8_t> original(
        routed.response().body_as_RouteOrderResult()->decision()->begin(),
        routed.response().body_as_RouteOrderResult()->decision()->end());
    // Stove fuel is hazmat: only the Reno FC and the Columbus 3PL may ship it. The other
    // one of the two counts none on its shelves.
    const std::string other = failing == "fc-reno-1" ? "3pl-columbus-2" : "fc-reno-1";
    ASSERT_NE(ask(client, protocol::build_cycle_count(2, other, "sku-stove-fuel", 0, "CC-0"))
                  .response()
                  .body_as_AdjustInventoryResult(),
              nullptr);
    const std::vector<std::string> held_before = holdings(gateway.state(), "ord-stuck");
    ASSERT_THAT(held_before, Contains("stock sku-stove-fuel@" + failing + " x2"));
    const std::string books_before = books(gateway.state());

    const protocol::ReceivedResponse answered =
        ask(client, protocol::build_report_fulfillment(
                        3, trouble("ord-stuck", failing, FulfillmentEventKind::failed)));
    const auto* result = answered.response().body_as_ReportFulfillmentResult();
    ASSERT_NE(result, nullptr) << protocol::fbs::EnumNameResponseBody(answered.body_type());
    EXPECT_FALSE(result->rerouted());
    EXPECT_GT(result->journal_sequence(), 0u);

    live_view = view_of(client, "ord-stuck");
    EXPECT_EQ(live_view.status, protocol::fbs::OrderStatus::failed);
    EXPECT_EQ(live_view.decision, original);
    EXPECT_EQ(live_view.journal_sequence, result->journal_sequence());
    // Nothing moved: the stock stays reserved at the failed node for an operator to
    // cancel or wait for, and no other node holds anything for the order.
    live_holdings = holdings(gateway.state(), "ord-stuck");
    EXPECT_EQ(live_holdings, held_before);
    EXPECT_EQ(books(gateway.state()), books_before);
    EXPECT_THAT(routed_away_from(gateway.state(), "ord-stuck"), IsEmpty());
    live_books = books(gateway.state());
  }

  RunningGateway restarted(journal_path(), clock);
  protocol::BlockingClient client = restarted.connect();
  EXPECT_EQ(view_of(client, "ord-stuck"), live_view);
  EXPECT_EQ(holdings(restarted.state(), "ord-stuck"), live_holdings);
  EXPECT_EQ(books(restarted.state()), live_books);
  // The operator cancels: the failed node's units are free again.
  const routing::StockLevels held = levels_at(restarted.state(), "sku-stove-fuel", failing);
  const protocol::ReceivedResponse cancelled =
      ask(client, protocol::build_cancel_order(4, "ord-stuck", "node cannot ship"));
  ASSERT_NE(cancelled.response().body_as_CancelOrderResult(), nullptr);
  EXPECT_TRUE(cancelled.response().body_as_CancelOrderResult()->released());
  EXPECT_EQ(levels_at(restarted.state(), "sku-stove-fuel", failing),
            (routing::StockLevels{held.on_hand, held.reserved - 2}));
  EXPECT_THAT(holdings(restarted.state(), "ord-stuck"), IsEmpty());
}

}  // namespace
}  // namespace edgeroute::gateway
