// The gateway served over TCP, in process: a real journal on disk, the routing core on
// the shipped example network, a client speaking the wire protocol. What a warehouse
// client relies on: a decision comes back only once journaled; asking again gives the
// same decision; a cancel gives the stock back; adjustments and shipments move on_hand;
// bad frames are answered, not fatal; a gateway restarted on the same journal knows
// everything it had acknowledged; and an order whose journaled decision cannot be read
// back is answered with an error that names it, while every other order goes on.
#include "edgeroute/gateway/gateway.h"

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/central_adjustment.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/text_file.h"
#include "running_gateway.h"

namespace edgeroute::gateway {
namespace {

using protocol::fbs::ErrorCode;
using protocol::fbs::ResponseBody;
using test_support::ask;
using test_support::decision_in;
using test_support::kTimeout;
using test_support::RunningGateway;
using testing::example_text;
using ::testing::HasSubstr;

std::vector<std::uint8_t> order_bytes(const std::string& json) {
  Result<routing::io::OrderDocument> order = routing::io::parse_order_json(json);
  EXPECT_TRUE(order) << order.status().to_string();
  return order->bytes();
}

std::string order_json(const std::string& id, const std::string& sku, int quantity) {
  return R"({ "id": ")" + id + R"(", "channel": "web", "lines": [{ "sku_id": ")" + sku +
         R"(", "quantity": )" + std::to_string(quantity) +
         R"( }], "ship_to": { "postal_code": "10027" }, "created_at": "2026-11-24T15:04:05Z" })";
}

routing::StockLevels stock_of(protocol::BlockingClient& client, const std::string& sku,
                              const std::string& node) {
  const protocol::ReceivedResponse response =
      ask(client, protocol::build_query_inventory(77, sku, node));
  const auto* state = response.response().body_as_InventoryState();
  EXPECT_NE(state, nullptr);
  if (state == nullptr || state->levels()->size() != 1) return {-1, -1};
  return {state->levels()->Get(0)->on_hand(), state->levels()->Get(0)->reserved()};
}

// Every node's levels of `sku`, added up: orders may be served from any of them.
routing::StockLevels total_of(protocol::BlockingClient& client, const std::string& sku) {
  const protocol::ReceivedResponse response = ask(client, protocol::build_query_inventory(78, sku));
  const auto* state = response.response().body_as_InventoryState();
  EXPECT_NE(state, nullptr);
  routing::StockLevels total;
  if (state == nullptr) return total;
  for (const protocol::fbs::NodeStock* level : *state->levels()) {
    total.on_hand += level->on_hand();
    total.reserved += level->reserved();
  }
  return total;
}

struct GatewayFixture : test_support::GatewayOnDisk {
  GatewayFixture() : GatewayOnDisk("gateway") {}
};

TEST_F(GatewayFixture, RoutesAnOrderAndReservesItsStock) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const routing::StockLevels before = total_of(client, "sku-stove-fuel");

  const protocol::ReceivedResponse response =
      ask(client,
          protocol::build_route_order(1, order_bytes(order_json("ord-k1", "sku-stove-fuel", 2))));
  EXPECT_EQ(response.request_id(), 1u);
  const routing::fbs::Decision& decision = decision_in(response);
  ASSERT_EQ(decision.outcome(), routing::fbs::Outcome::routed);
  ASSERT_EQ(decision.shipments()->size(), 1u);

  const routing::StockLevels after = total_of(client, "sku-stove-fuel");
  EXPECT_EQ(after.on_hand, before.on_hand);
  EXPECT_EQ(after.reserved, before.reserved + 2);
}

TEST_F(GatewayFixture, AskingAgainForTheSameOrderGivesTheSameDecisionAndReservesNothingMore) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const auto order = order_bytes(order_json("ord-twice", "sku-stove-fuel", 1));
  const protocol::ReceivedResponse first = ask(client, protocol::build_route_order(1, order));
  const routing::StockLevels reserved_once = total_of(client, "sku-stove-fuel");
  const protocol::ReceivedResponse second = ask(client, protocol::build_route_order(2, order));
  const auto first_bytes = first.response().body_as_RouteOrderResult()->decision();
  const auto second_bytes = second.response().body_as_RouteOrderResult()->decision();
  ASSERT_NE(second_bytes, nullptr);
  EXPECT_TRUE(std::equal(first_bytes->begin(), first_bytes->end(), second_bytes->begin(),
                         second_bytes->end()));
  EXPECT_EQ(total_of(client, "sku-stove-fuel"), reserved_once);
}

TEST_F(GatewayFixture, CancellingGivesTheStockBackOnce) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const routing::StockLevels before = total_of(client, "sku-stove-fuel");
  ask(client,
      protocol::build_route_order(1, order_bytes(order_json("ord-c", "sku-stove-fuel", 3))));

  const protocol::ReceivedResponse cancelled =
      ask(client, protocol::build_cancel_order(2, "ord-c", "customer cancelled"));
  const auto* result = cancelled.response().body_as_CancelOrderResult();
  ASSERT_NE(result, nullptr);
  EXPECT_TRUE(result->released());
  EXPECT_GT(result->journal_sequence(), 0u);
  EXPECT_EQ(total_of(client, "sku-stove-fuel"), before);

  const protocol::ReceivedResponse again = ask(client, protocol::build_cancel_order(3, "ord-c"));
  EXPECT_FALSE(again.response().body_as_CancelOrderResult()->released());
  EXPECT_EQ(total_of(client, "sku-stove-fuel"), before);

  const protocol::ReceivedResponse state = ask(client, protocol::build_query_order(4, "ord-c"));
  EXPECT_EQ(state.response().body_as_OrderState()->status(), protocol::fbs::OrderStatus::released);
}

TEST_F(GatewayFixture, AdjustmentsMoveOnHandAndACycleCountSetsIt) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const routing::StockLevels before = stock_of(client, "sku-stove-fuel", "fc-reno-1");
  const protocol::ReceivedResponse receipt =
      ask(client, protocol::build_receipt(1, "fc-reno-1", "sku-stove-fuel", 5, "PO-1"));
  ASSERT_NE(receipt.response().body_as_AdjustInventoryResult(), nullptr);
  EXPECT_EQ(receipt.response().body_as_AdjustInventoryResult()->on_hand(), before.on_hand + 5);
  ask(client, protocol::build_damage(2, "fc-reno-1", "sku-stove-fuel", 2, "DR-9"));
  EXPECT_EQ(stock_of(client, "sku-stove-fuel", "fc-reno-1").on_hand, before.on_hand + 3);
  ask(client, protocol::build_cycle_count(3, "fc-reno-1", "sku-stove-fuel", 4, "CC-3"));
  EXPECT_EQ(stock_of(client, "sku-stove-fuel", "fc-reno-1").on_hand, 4);
}

TEST_F(GatewayFixture, AReceiptOfAnSkuNewToANodeStartsItsStockRecordWhichARestartKeeps) {
  {
    RunningGateway gateway(journal_path(), clock);
    protocol::BlockingClient client = gateway.connect();
    // The Brooklyn store has never stocked stove fuel: its first receipt starts the record.
    const protocol::ReceivedResponse receipt =
        ask(client, protocol::build_receipt(1, "store-brooklyn-12", "sku-stove-fuel", 6, "PO-7"));
    ASSERT_NE(receipt.response().body_as_AdjustInventoryResult(), nullptr)
        << protocol::fbs::EnumNameResponseBody(receipt.body_type());
    EXPECT_EQ(receipt.response().body_as_AdjustInventoryResult()->on_hand(), 6);
    EXPECT_EQ(stock_of(client, "sku-stove-fuel", "store-brooklyn-12"),
              (routing::StockLevels{6, 0}));
    // Nothing to write off where nothing was ever stocked.
    const protocol::ReceivedResponse damage =
        ask(client, protocol::build_damage(2, "store-brooklyn-12", "sku-kayak", 1, "DR-1"));
    const auto* error = damage.response().body_as_Error();
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code(), ErrorCode::invalid_request);
    EXPECT_THAT(error->message()->str(), HasSubstr("has never stocked it"));
    const protocol::ReceivedResponse none =
        ask(client, protocol::build_query_inventory(3, "sku-kayak", "store-brooklyn-12"));
    ASSERT_NE(none.response().body_as_InventoryState(), nullptr);
    EXPECT_EQ(none.response().body_as_InventoryState()->levels()->size(), 0U)
        << "a refused adjustment starts no record";
  }
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  EXPECT_EQ(stock_of(client, "sku-stove-fuel", "store-brooklyn-12"), (routing::StockLevels{6, 0}));
  ask(client, protocol::build_receipt(4, "store-brooklyn-12", "sku-stove-fuel", 1, "PO-8"));
  EXPECT_EQ(stock_of(client, "sku-stove-fuel", "store-brooklyn-12").on_hand, 7);
}

TEST_F(GatewayFixture, AHandedOffShipmentLeavesOnHandAndReserved) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const routing::StockLevels before = total_of(client, "sku-stove-fuel");
  const protocol::ReceivedResponse routed =
      ask(client,
          protocol::build_route_order(1, order_bytes(order_json("ord-s", "sku-stove-fuel", 2))));
  const std::string node = decision_in(routed).shipments()->Get(0)->node_id()->str();
  protocol::FulfillmentReport report;
  report.order_id = "ord-s";
  report.node_id = node;
  report.event = protocol::fbs::FulfillmentEventKind::handed_off;
  report.occurred_at = "2026-11-24T18:00:00Z";
  const protocol::ReceivedResponse shipped =
      ask(client, protocol::build_report_fulfillment(2, report));
  ASSERT_NE(shipped.response().body_as_ReportFulfillmentResult(), nullptr)
      << protocol::fbs::EnumNameResponseBody(shipped.body_type());
  EXPECT_EQ(total_of(client, "sku-stove-fuel"),
            (routing::StockLevels{before.on_hand - 2, before.reserved}));
}

protocol::FulfillmentReport trouble(std::string_view order_id, std::string_view node_id,
                                    protocol::fbs::FulfillmentEventKind event) {
  protocol::FulfillmentReport report;
  report.order_id = order_id;
  report.node_id = node_id;
  report.event = event;
  report.occurred_at = "2026-11-24T18:00:00Z";
  report.exception_code =
      event == protocol::fbs::FulfillmentEventKind::failed ? "stock_damaged" : "carrier_missed";
  return report;
}

protocol::FulfillmentReport handed_off(std::string_view order_id, std::string_view node_id,
                                       std::string_view occurred_at) {
  protocol::FulfillmentReport report;
  report.order_id = order_id;
  report.node_id = node_id;
  report.event = protocol::fbs::FulfillmentEventKind::handed_off;
  report.occurred_at = occurred_at;
  return report;
}

bool rerouted(const protocol::ReceivedResponse& response) {
  const auto* result = response.response().body_as_ReportFulfillmentResult();
  EXPECT_NE(result, nullptr) << protocol::fbs::EnumNameResponseBody(response.body_type());
  return result != nullptr && result->rerouted();
}

protocol::ReceivedResponse order_state(protocol::BlockingClient& client,
                                       const std::string& order_id) {
  return ask(client, protocol::build_query_order(90, order_id));
}

// The order's latest decision, from an OrderState answer.
const routing::fbs::Decision* latest_decision(const protocol::ReceivedResponse& state) {
  const auto* body = state.response().body_as_OrderState();
  EXPECT_NE(body, nullptr);
  return body == nullptr ? nullptr : body->decision_nested_root();
}

TEST_F(GatewayFixture, AFailedShipmentIsRoutedAgainAwayFromTheNodeAndItsStockGoesBack) {
  std::string first_node;
  std::string second_node;
  routing::StockLevels tents;
  {
    RunningGateway gateway(journal_path(), clock);
    protocol::BlockingClient client = gateway.connect();
    const auto order = order_bytes(order_json("ord-f", "sku-tent-2p", 2));
    const protocol::ReceivedResponse routed = ask(client, protocol::build_route_order(1, order));
    first_node = decision_in(routed).shipments()->Get(0)->node_id()->str();
    const routing::StockLevels at_first_before = stock_of(client, "sku-tent-2p", first_node);

    EXPECT_TRUE(rerouted(
        ask(client,
            protocol::build_report_fulfillment(
                2, trouble("ord-f", first_node, protocol::fbs::FulfillmentEventKind::failed)))));
    const protocol::ReceivedResponse state_moved = order_state(client, "ord-f");
    const routing::fbs::Decision* moved = latest_decision(state_moved);
    ASSERT_NE(moved, nullptr);
    EXPECT_EQ(state_moved.response().body_as_OrderState()->status(),
              protocol::fbs::OrderStatus::rerouted);
    ASSERT_EQ(moved->outcome(), routing::fbs::Outcome::routed);
    second_node = moved->shipments()->Get(0)->node_id()->str();
    EXPECT_NE(second_node, first_node);
    EXPECT_EQ(moved->shipments()->Get(0)->lines()->Get(0)->quantity(), 2);
    // The failed node's two units are free again; the new node holds them.
    EXPECT_EQ(stock_of(client, "sku-tent-2p", first_node).reserved, at_first_before.reserved - 2);
    EXPECT_EQ(stock_of(client, "sku-tent-2p", second_node).reserved, 2);
    // Sent again, the order gets the decision its client was first sent, and nothing more
    // is reserved (docs/protocol.md, "Idempotency").
    const protocol::ReceivedResponse again = ask(client, protocol::build_route_order(11, order));
    const auto* first_bytes = routed.response().body_as_RouteOrderResult()->decision();
    const auto* again_bytes = again.response().body_as_RouteOrderResult()->decision();
    ASSERT_NE(again_bytes, nullptr);
    EXPECT_TRUE(std::equal(first_bytes->begin(), first_bytes->end(), again_bytes->begin(),
                           again_bytes->end()));
    EXPECT_EQ(total_of(client, "sku-tent-2p").reserved, 2);

    // The failed node is out of the order's story: its events are refused now.
    const protocol::ReceivedResponse late = ask(
        client, protocol::build_report_fulfillment(
                    3, trouble("ord-f", first_node, protocol::fbs::FulfillmentEventKind::delayed)));
    EXPECT_EQ(late.response().body_as_Error()->code(), ErrorCode::invalid_request);

    // A second failure moves it again, and never back to the first node.
    EXPECT_TRUE(rerouted(
        ask(client,
            protocol::build_report_fulfillment(
                4, trouble("ord-f", second_node, protocol::fbs::FulfillmentEventKind::failed)))));
    const protocol::ReceivedResponse state_third = order_state(client, "ord-f");
    const routing::fbs::Decision* third = latest_decision(state_third);
    ASSERT_NE(third, nullptr);
    ASSERT_EQ(third->outcome(), routing::fbs::Outcome::routed);
    const std::string third_node = third->shipments()->Get(0)->node_id()->str();
    EXPECT_NE(third_node, first_node);
    EXPECT_NE(third_node, second_node);
    tents = total_of(client, "sku-tent-2p");
    EXPECT_EQ(tents.reserved, 2);
    second_node = third_node;
  }
  // The journal replays the re-routes: the same holdings and the same latest decision.
  RunningGateway restarted(journal_path(), clock);
  protocol::BlockingClient client = restarted.connect();
  EXPECT_EQ(total_of(client, "sku-tent-2p"), tents);
  EXPECT_EQ(stock_of(client, "sku-tent-2p", second_node).reserved, 2);
  const protocol::ReceivedResponse state_restored = order_state(client, "ord-f");
  const routing::fbs::Decision* restored = latest_decision(state_restored);
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(restored->shipments()->Get(0)->node_id()->str(), second_node);
  // Handing off from the last node ships the order.
  EXPECT_FALSE(
      rerouted(ask(client, protocol::build_report_fulfillment(
                               5, handed_off("ord-f", second_node, "2026-11-25T18:00:00Z")))));
  EXPECT_EQ(total_of(client, "sku-tent-2p"), (routing::StockLevels{tents.on_hand - 2, 0}));
}

TEST_F(GatewayFixture, AFailedShipmentStaysWhereItIsWhenThePolicyDoesNotAllowReRouting) {
  std::string policy = example_text("policy.json");
  policy.insert(policy.find('{') + 1, R"( "reroute_failed": false,)");
  RunningGateway::Options options;
  options.policy_json = policy;
  RunningGateway gateway(journal_path(), clock, options);
  protocol::BlockingClient client = gateway.connect();
  const protocol::ReceivedResponse routed = ask(
      client, protocol::build_route_order(1, order_bytes(order_json("ord-p", "sku-tent-2p", 1))));
  const std::string node = decision_in(routed).shipments()->Get(0)->node_id()->str();
  const routing::StockLevels before = stock_of(client, "sku-tent-2p", node);
  EXPECT_FALSE(rerouted(
      ask(client, protocol::build_report_fulfillment(
                      2, trouble("ord-p", node, protocol::fbs::FulfillmentEventKind::failed)))));
  const protocol::ReceivedResponse state = ask(client, protocol::build_query_order(3, "ord-p"));
  EXPECT_EQ(state.response().body_as_OrderState()->status(), protocol::fbs::OrderStatus::failed);
  EXPECT_EQ(stock_of(client, "sku-tent-2p", node), before);
}

TEST_F(GatewayFixture, ADelayWithinThePromiseIsRecordedAndOnePastItReRoutes) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const protocol::ReceivedResponse routed = ask(
      client, protocol::build_route_order(1, order_bytes(order_json("ord-d", "sku-tent-2p", 1))));
  const routing::fbs::Shipment& shipment = *decision_in(routed).shipments()->Get(0);
  const std::string node = shipment.node_id()->str();
  const std::string promised = shipment.promise()->delivery_date()->str();
  const std::string day_after = routing::format_epoch_day(*routing::parse_epoch_day(promised) + 1);

  protocol::FulfillmentReport on_time =
      trouble("ord-d", node, protocol::fbs::FulfillmentEventKind::delayed);
  on_time.expected_delivery_date = promised;
  EXPECT_FALSE(rerouted(ask(client, protocol::build_report_fulfillment(2, on_time))));
  EXPECT_EQ(ask(client, protocol::build_query_order(3, "ord-d"))
                .response()
                .body_as_OrderState()
                ->status(),
            protocol::fbs::OrderStatus::delayed);

  protocol::FulfillmentReport malformed = on_time;
  malformed.expected_delivery_date = "next tuesday";
  const protocol::ReceivedResponse refused =
      ask(client, protocol::build_report_fulfillment(4, malformed));
  ASSERT_NE(refused.response().body_as_Error(), nullptr);
  EXPECT_THAT(refused.response().body_as_Error()->message()->str(),
              HasSubstr("expected_delivery_date: 'next tuesday'"));

  protocol::FulfillmentReport late = on_time;
  late.expected_delivery_date = day_after;
  EXPECT_TRUE(rerouted(ask(client, protocol::build_report_fulfillment(5, late))));
  const protocol::ReceivedResponse state_moved = order_state(client, "ord-d");
  const routing::fbs::Decision* moved = latest_decision(state_moved);
  ASSERT_NE(moved, nullptr);
  EXPECT_NE(moved->shipments()->Get(0)->node_id()->str(), node);
}

TEST_F(GatewayFixture, NodeReportsMoveTheNodesHealthForRoutingAndARestartKeepsIt) {
  std::vector<routing::NodeHealth> after_reports;
  std::uint32_t failed_node = 0;
  {
    RunningGateway gateway(journal_path(), clock);
    protocol::BlockingClient client = gateway.connect();
    const protocol::ReceivedResponse routed = ask(
        client, protocol::build_route_order(1, order_bytes(order_json("ord-h", "sku-tent-2p", 1))));
    const std::string node = decision_in(routed).shipments()->Get(0)->node_id()->str();
    failed_node = *gateway.state().network().find_node(node);
    const routing::NodeModel& configured = gateway.state().network().node(failed_node);
    EXPECT_EQ(gateway.state().published_node_health()[failed_node].acceptance_bp,
              configured.acceptance_bp);
    // The node fails the order before picking anything: it did not take the work.
    ask(client, protocol::build_report_fulfillment(
                    2, trouble("ord-h", node, protocol::fbs::FulfillmentEventKind::failed)));
    after_reports = gateway.state().published_node_health();
    // What routing reads: the model snapshot, not the ledger.
    auto reader = gateway.state().models().register_reader();
    ASSERT_TRUE(reader) << reader.status().to_string();
    EXPECT_EQ(reader->read()->network().node(failed_node).acceptance_bp,
              after_reports[failed_node].acceptance_bp);
    EXPECT_EQ(after_reports[failed_node].acceptance_bp, configured.acceptance_bp *
                                                            NodeHealthLedger::kPriorWeight /
                                                            (NodeHealthLedger::kPriorWeight + 1));
    EXPECT_LT(after_reports[failed_node].fill_bp, configured.fill_bp);
    // A decision names the health its risk term used: the figures of the model in force
    // when it was made (the configured ones before the report, the blend after it).
    const routing::fbs::HealthUsed& before =
        *decision_in(routed).shipments()->Get(0)->health_used();
    EXPECT_EQ(before.acceptance_bp(), configured.acceptance_bp);
    EXPECT_EQ(before.fill_bp(), configured.fill_bp);
    EXPECT_EQ(before.on_time_bp(), configured.on_time_bp);
    const protocol::ReceivedResponse next =
        ask(client,
            protocol::build_route_order(3, order_bytes(order_json("ord-h2", "sku-tent-2p", 1))));
    const routing::fbs::Shipment& shipment = *decision_in(next).shipments()->Get(0);
    const routing::NodeHealth& published =
        gateway.state().published_node_health()[*gateway.state().network().find_node(
            shipment.node_id()->str())];
    EXPECT_EQ(shipment.health_used()->acceptance_bp(), published.acceptance_bp);
    EXPECT_EQ(shipment.health_used()->fill_bp(), published.fill_bp);
    EXPECT_EQ(shipment.health_used()->on_time_bp(), published.on_time_bp);
  }
  RunningGateway restarted(journal_path(), clock);
  auto reader = restarted.state().models().register_reader();
  ASSERT_TRUE(reader) << reader.status().to_string();
  const routing::SnapshotGuard<routing::RoutingModel> model = reader->read();
  std::vector<routing::NodeHealth> restored;
  for (const routing::NodeModel& node : model->network().nodes()) {
    restored.push_back({node.on_time_bp, node.fill_bp, node.acceptance_bp});
  }
  ASSERT_EQ(restored.size(), after_reports.size());
  EXPECT_EQ(restored[failed_node].acceptance_bp, after_reports[failed_node].acceptance_bp);
  EXPECT_EQ(restored[failed_node].fill_bp, after_reports[failed_node].fill_bp);
  EXPECT_EQ(restored[failed_node].on_time_bp, after_reports[failed_node].on_time_bp);
}

TEST_F(GatewayFixture, UnknownOrdersNodesAndSkusAreNamedInTheError) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const protocol::ReceivedResponse cancel = ask(client, protocol::build_cancel_order(1, "nope"));
  ASSERT_NE(cancel.response().body_as_Error(), nullptr);
  EXPECT_EQ(cancel.response().body_as_Error()->code(), ErrorCode::unknown_order);
  EXPECT_THAT(cancel.response().body_as_Error()->message()->str(), HasSubstr("'nope'"));
  const protocol::ReceivedResponse receipt =
      ask(client, protocol::build_receipt(2, "fc-atlantis", "sku-stove-fuel", 1));
  EXPECT_EQ(receipt.response().body_as_Error()->code(), ErrorCode::unknown_node);
  const protocol::ReceivedResponse query =
      ask(client, protocol::build_query_inventory(3, "sku-unicorn"));
  EXPECT_EQ(query.response().body_as_Error()->code(), ErrorCode::unknown_sku);
}

TEST_F(GatewayFixture, AClientsAdjustmentCannotPassForOneOfCentralsDeltas) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const protocol::ReceivedResponse receipt =
      ask(client, protocol::build_receipt(1, "fc-reno-1", "sku-stove-fuel", 5, "central-delta:1f"));
  ASSERT_NE(receipt.response().body_as_Error(), nullptr);
  EXPECT_EQ(receipt.response().body_as_Error()->code(), ErrorCode::invalid_request);
  EXPECT_THAT(receipt.response().body_as_Error()->message()->str(),
              HasSubstr("reserved for changes of stock decided at central"));
  // The same change from central goes through, journaled under its reference.
  std::promise<Status> applied;
  apply_central_adjustment(gateway.gateway(),
                           {"fc-reno-1", "sku-stove-fuel", 5, "central-delta:1f"},
                           [&applied](Status outcome) { applied.set_value(std::move(outcome)); });
  const Status outcome = applied.get_future().get();
  EXPECT_TRUE(outcome.is_ok()) << outcome.to_string();
  std::promise<Status> refused;
  apply_central_adjustment(gateway.gateway(), {"fc-reno-1", "sku-unicorn", 5, "central-delta:20"},
                           [&refused](Status why) { refused.set_value(std::move(why)); });
  EXPECT_EQ(refused.get_future().get().code(), StatusCode::not_found);
}

TEST_F(GatewayFixture, AMalformedFrameIsAnsweredAndTheConnectionStaysUsable) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const std::vector<std::uint8_t> garbage(40, 0xAB);
  ASSERT_TRUE(client.send(protocol::encode_frame(garbage)).is_ok());
  Result<protocol::ReceivedResponse> refused = client.receive(kTimeout);
  ASSERT_TRUE(refused) << refused.status().to_string();
  ASSERT_NE(refused->response().body_as_Error(), nullptr);
  EXPECT_EQ(refused->response().body_as_Error()->code(), ErrorCode::malformed_frame);
  const protocol::ReceivedResponse pong = ask(client, protocol::build_ping(9));
  EXPECT_EQ(pong.body_type(), ResponseBody::Pong);
}

TEST_F(GatewayFixture, ARestartedGatewayKnowsEveryAcknowledgedChange) {
  routing::StockLevels fuel_before_restart;
  routing::StockLevels tents_before_restart;
  std::vector<std::uint8_t> decision;
  {
    RunningGateway gateway(journal_path(), clock);
    protocol::BlockingClient client = gateway.connect();
    const protocol::ReceivedResponse routed =
        ask(client,
            protocol::build_route_order(1, order_bytes(order_json("ord-r1", "sku-stove-fuel", 2))));
    const auto* bytes = routed.response().body_as_RouteOrderResult()->decision();
    decision.assign(bytes->begin(), bytes->end());
    ask(client,
        protocol::build_route_order(2, order_bytes(order_json("ord-r2", "sku-tent-2p", 1))));
    ask(client, protocol::build_cancel_order(3, "ord-r2"));
    ask(client, protocol::build_receipt(4, "fc-reno-1", "sku-stove-fuel", 7, "PO-2"));
    fuel_before_restart = total_of(client, "sku-stove-fuel");
    tents_before_restart = total_of(client, "sku-tent-2p");
  }
  RunningGateway restarted(journal_path(), clock);
  protocol::BlockingClient client = restarted.connect();
  EXPECT_EQ(total_of(client, "sku-stove-fuel"), fuel_before_restart);
  EXPECT_EQ(total_of(client, "sku-tent-2p"), tents_before_restart);
  const protocol::ReceivedResponse state = ask(client, protocol::build_query_order(5, "ord-r1"));
  ASSERT_NE(state.response().body_as_OrderState(), nullptr);
  EXPECT_EQ(state.response().body_as_OrderState()->status(), protocol::fbs::OrderStatus::routed);
  const auto* restored = state.response().body_as_OrderState()->decision();
  EXPECT_TRUE(std::equal(decision.begin(), decision.end(), restored->begin(), restored->end()));
  const protocol::ReceivedResponse cancelled =
      ask(client, protocol::build_query_order(6, "ord-r2"));
  EXPECT_EQ(cancelled.response().body_as_OrderState()->status(),
            protocol::fbs::OrderStatus::released);
  // The restored reservation can still be cancelled, and gives its units back.
  ask(client, protocol::build_cancel_order(7, "ord-r1"));
  EXPECT_EQ(total_of(client, "sku-stove-fuel").reserved, fuel_before_restart.reserved - 2);
}

// Deletes the order's entries from the live journal, as damage or an operator's mistake
// would: the gateway's book still points to them.
void delete_journal_entries(const std::string& journal_path, const std::string& order_id) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(journal_path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  const std::string sql = "DELETE FROM entries WHERE order_id = '" + order_id + "'";
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// The gateway keeps a decision document in the journal only: a journal that lost the
// entry (an operator's mistake, damage) must show as a clear error on that order alone.
TEST_F(GatewayFixture, AnOrderWhoseJournaledDecisionIsGoneIsAnsweredWithAnErrorNamingIt) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const auto lost_order = order_bytes(order_json("ord-lost", "sku-stove-fuel", 1));
  ask(client,
      protocol::build_route_order(1, order_bytes(order_json("ord-first", "sku-stove-fuel", 1))));
  ask(client, protocol::build_route_order(2, lost_order));  // journal entry 2
  ask(client,
      protocol::build_route_order(3, order_bytes(order_json("ord-kept", "sku-stove-fuel", 1))));
  const routing::StockLevels fuel = total_of(client, "sku-stove-fuel");
  delete_journal_entries(journal_path(), "ord-lost");

  for (const protocol::Frame& request :
       {protocol::build_query_order(4, "ord-lost"), protocol::build_route_order(5, lost_order)}) {
    const protocol::ReceivedResponse response = ask(client, request);
    const protocol::fbs::Error* refused = response.response().body_as_Error();
    ASSERT_NE(refused, nullptr);
    EXPECT_EQ(refused->code(), ErrorCode::journal_unavailable);
    EXPECT_THAT(refused->message()->str(), HasSubstr("order 'ord-lost'"));
    EXPECT_THAT(refused->message()->str(), HasSubstr("no entry 2"));
  }
  EXPECT_EQ(total_of(client, "sku-stove-fuel"), fuel);  // the refused RouteOrder took nothing
  const protocol::ReceivedResponse kept = ask(client, protocol::build_query_order(6, "ord-kept"));
  ASSERT_NE(kept.response().body_as_OrderState(), nullptr);
  EXPECT_EQ(kept.response().body_as_OrderState()->status(), protocol::fbs::OrderStatus::routed);
  EXPECT_EQ(
      decision_in(ask(client, protocol::build_route_order(
                                  7, order_bytes(order_json("ord-new", "sku-stove-fuel", 1)))))
          .outcome(),
      routing::fbs::Outcome::routed);
}

// A re-route plans the order as received, which only the journal holds: when it holds it
// no longer, the failure is still recorded and the order keeps its stock at the node for
// an operator, as when no other node can take it.
TEST_F(GatewayFixture, AFailureWhoseOrderTheJournalLostIsRecordedWithoutAReRoute) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  // Not the journal's first entry: a journal that lost its first one is refused whole.
  ask(client,
      protocol::build_route_order(1, order_bytes(order_json("ord-first", "sku-stove-fuel", 1))));
  const protocol::ReceivedResponse routed = ask(
      client, protocol::build_route_order(4, order_bytes(order_json("ord-g", "sku-tent-2p", 2))));
  const std::string node = decision_in(routed).shipments()->Get(0)->node_id()->str();
  const routing::StockLevels at_node = stock_of(client, "sku-tent-2p", node);
  delete_journal_entries(journal_path(), "ord-g");

  const protocol::ReceivedResponse failed =
      ask(client, protocol::build_report_fulfillment(
                      2, trouble("ord-g", node, protocol::fbs::FulfillmentEventKind::failed)));
  EXPECT_FALSE(rerouted(failed));
  EXPECT_EQ(stock_of(client, "sku-tent-2p", node), at_node);
  // Not left in flight: the node's next report is taken, and ships the order.
  EXPECT_FALSE(rerouted(ask(client, protocol::build_report_fulfillment(
                                        3, handed_off("ord-g", node, "2026-11-24T19:00:00Z")))));
  EXPECT_EQ(stock_of(client, "sku-tent-2p", node),
            (routing::StockLevels{at_node.on_hand - 2, at_node.reserved - 2}));
}

TEST_F(GatewayFixture, AFullDiskRefusesNewOrdersButStillAnswersQueries) {
  RunningGateway::Options options;
  options.max_page_count = 40;
  RunningGateway gateway(journal_path(), clock, options);
  protocol::BlockingClient client = gateway.connect();
  bool refused = false;
  int routed = 0;
  for (int i = 0; i < 2000 && !refused; ++i) {
    const protocol::ReceivedResponse response =
        ask(client, protocol::build_route_order(
                        static_cast<std::uint64_t>(i + 1),
                        order_bytes(order_json("ord-f" + std::to_string(i), "sku-headlamp", 1))));
    if (const auto* error = response.response().body_as_Error()) {
      EXPECT_EQ(error->code(), ErrorCode::journal_unavailable) << error->message()->str();
      EXPECT_THAT(error->message()->str(), HasSubstr("journal.db"));
      refused = true;
    } else {
      ++routed;
    }
  }
  ASSERT_TRUE(refused) << "the journal never filled up";
  EXPECT_GT(routed, 0);
  // Nothing refused holds stock; everything acknowledged still does.
  EXPECT_EQ(total_of(client, "sku-headlamp").reserved, routed);
  const protocol::ReceivedResponse state = ask(client, protocol::build_query_order(9999, "ord-f0"));
  EXPECT_EQ(state.response().body_as_OrderState()->status(), protocol::fbs::OrderStatus::routed);
}

}  // namespace
}  // namespace edgeroute::gateway
