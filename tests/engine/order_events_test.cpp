// The order event taxonomy as a reader of the journal relies on it: each entry kind gives
// exactly the events docs/protocol.md ("Order events") lists, in that order, with the
// entry's order id and correlation id; a payload that does not verify is corruption
// naming the entry; a line of JSON escapes what it quotes. Then the read path of
// `edgeroute events` on the journal of a real gateway, read beside it while it runs.
#include "edgeroute/gateway/order_events.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/gateway/server.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::gateway {
namespace {

using protocol::fbs::OrderEventKind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kRecordedAtUs = 1'795'532'645'000'123;  // 2026-11-24T15:04:05.000123Z

// What an event says, without what every event of an entry shares (sequence, time, ids).
struct Said {
  OrderEventKind kind;
  std::string node_id;
  std::string exception_code;
  std::string detail;

  friend bool operator==(const Said&, const Said&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Said& said) {
    return out << protocol::fbs::EnumNameOrderEventKind(said.kind) << " node='" << said.node_id
               << "' code='" << said.exception_code << "' detail='" << said.detail << "'";
  }
};

// A decision document as the routing core writes one, with only what events read.
struct ShipmentFacts {
  std::string node_id;
  std::string service_id;
  std::string delivery_date;
};

std::vector<std::uint8_t> decision_document(routing::fbs::Outcome outcome,
                                            routing::fbs::ReasonCode reason,
                                            const std::vector<ShipmentFacts>& shipments,
                                            const std::string& detail = {},
                                            const std::string& backorder_node_id = {}) {
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<routing::fbs::Shipment>> built;
  for (const ShipmentFacts& shipment : shipments) {
    const auto date = builder.CreateString(shipment.delivery_date);
    routing::fbs::PromiseStepsBuilder promise(builder);
    promise.add_delivery_date(date);
    const auto promise_offset = promise.Finish();
    built.push_back(routing::fbs::CreateShipment(builder, builder.CreateString(shipment.node_id),
                                                 builder.CreateString(shipment.service_id), 0, 0,
                                                 promise_offset));
  }
  const auto order_id = builder.CreateString("SO-1");
  const auto shipment_vector = builder.CreateVector(built);
  const auto detail_text = detail.empty() ? 0 : builder.CreateString(detail);
  const auto backorder = backorder_node_id.empty() ? 0 : builder.CreateString(backorder_node_id);
  routing::fbs::DecisionBuilder decision(builder);
  decision.add_order_id(order_id);
  decision.add_outcome(outcome);
  decision.add_reason(reason);
  decision.add_shipments(shipment_vector);
  if (!detail.empty()) decision.add_detail(detail_text);
  if (!backorder_node_id.empty()) decision.add_backorder_node_id(backorder);
  routing::fbs::FinishDecisionBuffer(builder, decision.Finish());
  const std::uint8_t* data = builder.GetBufferPointer();
  return {data, data + builder.GetSize()};
}

// The example network and inventory, compiled: held stock lines point into its cells.
class OrderEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto geography =
        std::make_shared<const routing::Geography>(routing::Geography::load_embedded().value());
    auto network =
        routing::io::load_network_json(testing::example_text("network.json"), *geography);
    ASSERT_TRUE(network);
    auto inventory =
        routing::io::load_inventory_json(testing::example_text("inventory.json"), network->root());
    ASSERT_TRUE(inventory);
    const routing::UnixSeconds now = *routing::parse_utc_instant("2026-11-24T15:04:05Z");
    auto model = routing::io::compile_network(network->root(), geography,
                                              routing::io::OffsetHorizon::around(now, now, 30));
    ASSERT_TRUE(model) << model.status().to_string();
    network_ = std::move(model).value();
    auto table = routing::io::compile_inventory(inventory->root(), *network_);
    ASSERT_TRUE(table) << table.status().to_string();
    inventory_ = std::make_unique<routing::InventoryTable>(std::move(table).value());
  }

  HeldStock line(std::string_view node, std::string_view sku, std::int32_t quantity) const {
    const routing::InventoryCell* cell =
        inventory_->find(*network_->find_sku(sku), *network_->find_node(node));
    EXPECT_NE(cell, nullptr) << node << " does not stock " << sku;
    return {cell, quantity};
  }

  HeldReservation holding(const std::vector<HeldStock>& lines) const {
    HeldReservation held;
    for (const HeldStock& stock : lines) held.add_stock(stock);
    return held;
  }

  // The events of one entry about order SO-1 (correlation id corr-1), at sequence 7;
  // checks what every event of the entry shares and returns what each says.
  std::vector<Said> events_of(journal::EntryKind kind, const std::vector<std::uint8_t>& payload) {
    journal::StoredEntry entry;
    entry.sequence = 7;
    entry.kind = kind;
    entry.recorded_at_us = kRecordedAtUs;
    entry.order_id = "SO-1";
    entry.correlation_id = "corr-1";
    entry.payload = payload;
    std::vector<OrderEvent> events;
    const Status appended = append_order_events(entry, events);
    EXPECT_TRUE(appended.is_ok()) << appended.to_string();
    std::vector<Said> said;
    for (const OrderEvent& event : events) {
      EXPECT_EQ(event.sequence, 7U);
      EXPECT_EQ(event.recorded_at_us, kRecordedAtUs);
      EXPECT_EQ(event.order_id, "SO-1");
      EXPECT_EQ(event.correlation_id, "corr-1");
      said.push_back({event.kind, event.node_id, event.exception_code, event.detail});
    }
    return said;
  }

  std::shared_ptr<const routing::NetworkModel> network_;
  std::unique_ptr<routing::InventoryTable> inventory_;
};

TEST_F(OrderEventsTest, ARoutedDecisionIsAcceptedThenRoutedPerShipmentAndReservedPerLine) {
  const auto document = decision_document(
      routing::fbs::Outcome::routed, routing::fbs::ReasonCode::none,
      {{"fc-reno-1", "ups-ground", "2026-11-27"}, {"3pl-columbus-2", "ups-2day", "2026-11-26"}});
  const HeldReservation held =
      holding({line("fc-reno-1", "sku-tent-2p", 2), line("3pl-columbus-2", "sku-headlamp", 1)});
  EXPECT_THAT(
      events_of(journal::EntryKind::decision, build_decision_record(document, held, *network_)),
      ElementsAre(
          Said{OrderEventKind::accepted, "", "", ""},
          Said{OrderEventKind::routed, "fc-reno-1", "", "ups-ground, delivery 2026-11-27"},
          Said{OrderEventKind::routed, "3pl-columbus-2", "", "ups-2day, delivery 2026-11-26"},
          Said{OrderEventKind::reserved, "fc-reno-1", "", "2 x sku-tent-2p"},
          Said{OrderEventKind::reserved, "3pl-columbus-2", "", "1 x sku-headlamp"}));
}

TEST_F(OrderEventsTest, ARejectionCarriesItsReasonAsTheExceptionCode) {
  const auto document =
      decision_document(routing::fbs::Outcome::rejected, routing::fbs::ReasonCode::no_inventory, {},
                        "line 1 (sku-kayak x 90): no node holds 90");
  EXPECT_THAT(
      events_of(journal::EntryKind::decision, build_decision_record(document, {}, *network_)),
      ElementsAre(Said{OrderEventKind::accepted, "", "", ""},
                  Said{OrderEventKind::rejected, "", "no_inventory",
                       "line 1 (sku-kayak x 90): no node holds 90"}));
}

TEST_F(OrderEventsTest, ABackorderNamesItsNodeAndReason) {
  const auto document =
      decision_document(routing::fbs::Outcome::backordered, routing::fbs::ReasonCode::no_capacity,
                        {}, "every node with stock is full today", "fc-reno-1");
  EXPECT_THAT(
      events_of(journal::EntryKind::decision, build_decision_record(document, {}, *network_)),
      ElementsAre(Said{OrderEventKind::accepted, "", "", ""},
                  Said{OrderEventKind::backordered, "fc-reno-1", "no_capacity",
                       "every node with stock is full today"}));
}

TEST_F(OrderEventsTest, AReleaseIsReleasedWithItsReason) {
  EXPECT_THAT(events_of(journal::EntryKind::release, build_release_record("customer cancelled")),
              ElementsAre(Said{OrderEventKind::released, "", "", "customer cancelled"}));
}

TEST_F(OrderEventsTest, AFulfillmentReportIsItsOwnEventAtItsNode) {
  using Event = protocol::fbs::FulfillmentEventKind;
  const auto report = [&](const FulfillmentFacts& facts) {
    return events_of(journal::EntryKind::fulfillment_event,
                     build_fulfillment_record(facts, {}, *network_));
  };
  FulfillmentFacts picked{"fc-reno-1", Event::picked, "2026-11-24T18:00:00Z", "", "", "", false};
  EXPECT_THAT(report(picked), ElementsAre(Said{OrderEventKind::picked, "fc-reno-1", "", ""}));
  FulfillmentFacts packed = picked;
  packed.event = Event::packed;
  EXPECT_THAT(report(packed), ElementsAre(Said{OrderEventKind::packed, "fc-reno-1", "", ""}));
  FulfillmentFacts failed{
      "fc-reno-1", Event::failed, "2026-11-24T18:00:00Z", "stock_damaged", "forklift", "", false};
  EXPECT_THAT(report(failed),
              ElementsAre(Said{OrderEventKind::failed, "fc-reno-1", "stock_damaged", "forklift"}));
}

TEST_F(OrderEventsTest, ADelayTellsTheNewExpectedDeliveryDate) {
  using Event = protocol::fbs::FulfillmentEventKind;
  const FulfillmentFacts delayed{"3pl-columbus-2",
                                 Event::delayed,
                                 "2026-11-24T18:00:00Z",
                                 "carrier_missed",
                                 "truck left early",
                                 "2026-11-30",
                                 false};
  EXPECT_THAT(events_of(journal::EntryKind::fulfillment_event,
                        build_fulfillment_record(delayed, {}, *network_)),
              ElementsAre(Said{OrderEventKind::delayed, "3pl-columbus-2", "carrier_missed",
                               "truck left early, expected delivery 2026-11-30"}));
  FulfillmentFacts without_words = delayed;
  without_words.detail = "";
  EXPECT_THAT(events_of(journal::EntryKind::fulfillment_event,
                        build_fulfillment_record(without_words, {}, *network_)),
              ElementsAre(Said{OrderEventKind::delayed, "3pl-columbus-2", "carrier_missed",
                               "expected delivery 2026-11-30"}));
}

TEST_F(OrderEventsTest, AHandOffThatClosesAnExceptionIsFollowedByRecovered) {
  using Event = protocol::fbs::FulfillmentEventKind;
  const FulfillmentFacts handed_off{
      "fc-reno-1", Event::handed_off, "2026-11-25T18:00:00Z", "", "", "", true};
  const std::vector<HeldStock> shipped = {line("fc-reno-1", "sku-tent-2p", 2)};
  EXPECT_THAT(events_of(journal::EntryKind::fulfillment_event,
                        build_fulfillment_record(handed_off, shipped, *network_)),
              ElementsAre(Said{OrderEventKind::handed_off, "fc-reno-1", "", ""},
                          Said{OrderEventKind::recovered, "fc-reno-1", "", "handed_off"}));
}

TEST_F(OrderEventsTest, AReRouteReleasesAtTheNodeLeftThenRoutesAndReservesAnew) {
  HeldReservation released = holding(
      {line("store-brooklyn-12", "sku-tent-2p", 2), line("store-brooklyn-12", "sku-headlamp", 1)});
  const auto document =
      decision_document(routing::fbs::Outcome::routed, routing::fbs::ReasonCode::none,
                        {{"3pl-columbus-2", "ups-ground", "2026-11-28"}});
  const HeldReservation held = holding(
      {line("3pl-columbus-2", "sku-tent-2p", 2), line("3pl-columbus-2", "sku-headlamp", 1)});
  EXPECT_THAT(
      events_of(journal::EntryKind::reroute,
                build_reroute_record("store-brooklyn-12", released, document, held, *network_)),
      ElementsAre(Said{OrderEventKind::released, "store-brooklyn-12", "", "2 x sku-tent-2p"},
                  Said{OrderEventKind::released, "store-brooklyn-12", "", "1 x sku-headlamp"},
                  Said{OrderEventKind::rerouted, "3pl-columbus-2", "",
                       "from store-brooklyn-12, ups-ground, delivery 2026-11-28"},
                  Said{OrderEventKind::reserved, "3pl-columbus-2", "", "2 x sku-tent-2p"},
                  Said{OrderEventKind::reserved, "3pl-columbus-2", "", "1 x sku-headlamp"}));
}

TEST_F(OrderEventsTest, EntriesNotAboutAnOrderGiveNoEvents) {
  const auto adjustment = build_adjustment_record(
      "sku-tent-2p", "fc-reno-1", protocol::fbs::AdjustmentKind::receipt, 5, 0, "PO-1");
  EXPECT_TRUE(events_of(journal::EntryKind::inventory_adjustment, adjustment).empty());
  const std::vector<std::uint8_t> opaque = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_TRUE(events_of(journal::EntryKind::policy_change, opaque).empty());
  EXPECT_TRUE(events_of(journal::EntryKind::network_change, opaque).empty());
}

TEST_F(OrderEventsTest, APayloadThatDoesNotVerifyIsCorruptionNamingTheEntry) {
  const std::vector<std::uint8_t> garbage(64, 0xA5);
  for (const journal::EntryKind kind :
       {journal::EntryKind::decision, journal::EntryKind::release,
        journal::EntryKind::fulfillment_event, journal::EntryKind::reroute}) {
    journal::StoredEntry entry;
    entry.sequence = 4321;
    entry.kind = kind;
    entry.order_id = "SO-1";
    entry.payload = garbage;
    std::vector<OrderEvent> events(1);  // what was there before stays, alone
    const Status appended = append_order_events(entry, events);
    EXPECT_EQ(appended.code(), StatusCode::corruption) << journal::to_string(kind);
    EXPECT_THAT(appended.message(), HasSubstr("entry 4321")) << journal::to_string(kind);
    EXPECT_EQ(events.size(), 1U) << journal::to_string(kind);
  }
}

TEST(OrderEventJson, IsOneLineWithEveryFieldThatIsSet) {
  OrderEvent event;
  event.sequence = 42;
  event.recorded_at_us = kRecordedAtUs;
  event.kind = OrderEventKind::delayed;
  event.order_id = "SO-1";
  event.correlation_id = "corr-1";
  event.node_id = "fc-reno-1";
  event.exception_code = "carrier_missed";
  event.detail = "expected delivery 2026-11-30";
  EXPECT_EQ(to_json(event),
            R"({"sequence":42,"recorded_at":"2026-11-24T15:04:05.000123Z","event":"delayed",)"
            R"("order_id":"SO-1","correlation_id":"corr-1","node_id":"fc-reno-1",)"
            R"("exception_code":"carrier_missed","detail":"expected delivery 2026-11-30"})");
}

TEST(OrderEventJson, LeavesOutEmptyOptionalFields) {
  OrderEvent event;
  event.sequence = 1;
  event.recorded_at_us = 0;
  event.kind = OrderEventKind::accepted;
  event.order_id = "SO-1";
  EXPECT_EQ(to_json(event),
            R"({"sequence":1,"recorded_at":"1970-01-01T00:00:00.000000Z","event":"accepted",)"
            R"("order_id":"SO-1","correlation_id":""})");
}

TEST(OrderEventJson, EscapesWhatItQuotes) {
  OrderEvent event;
  event.sequence = 3;
  event.recorded_at_us = -1;  // a clock set before 1970 still reads as an instant
  event.kind = OrderEventKind::released;
  event.order_id = "SO-\"1\"";
  event.correlation_id = "a\\b";
  event.detail = "line one\nline two\t\x01";
  EXPECT_EQ(to_json(event),
            R"({"sequence":3,"recorded_at":"1969-12-31T23:59:59.999999Z","event":"released",)"
            R"("order_id":"SO-\"1\"","correlation_id":"a\\b",)"
            R"("detail":"line one\nline two\t\u0001"})");
}

// --- The read path of `edgeroute events` -------------------------------------------------

TEST(ReadOrderEvents, MissesAndRepeatsNothingOverAJournalReadInParts) {
  testing::TemporaryDirectory directory("order-events");
  journal::JournalOptions options;
  options.path = directory / "journal.db";
  options.gateway_id = "gw-test";
  auto journal = journal::Journal::open(options);
  ASSERT_TRUE(journal) << journal.status().to_string();
  // More entries than one read takes, every one an order's release.
  constexpr std::uint64_t kEntries = 5000;
  const std::vector<std::uint8_t> payload = build_release_record("customer cancelled");
  std::vector<std::string> order_ids;
  for (std::uint64_t index = 1; index <= kEntries; ++index) {
    order_ids.push_back("SO-" + std::to_string(index));
  }
  std::vector<journal::EntryToAppend> batch;
  for (const std::string& order_id : order_ids) {
    batch.push_back({journal::EntryKind::release, kRecordedAtUs, order_id, "corr", payload});
  }
  ASSERT_TRUE((*journal)->append(batch));

  std::vector<std::uint64_t> sequences;
  const auto collect = [&](const OrderEvent& event) {
    sequences.push_back(event.sequence);
    EXPECT_EQ(event.order_id, "SO-" + std::to_string(event.sequence));
    return Status::ok();
  };
  ASSERT_TRUE(read_order_events(**journal, {}, collect).is_ok());
  ASSERT_EQ(sequences.size(), kEntries);
  for (std::uint64_t index = 0; index < kEntries; ++index) {
    ASSERT_EQ(sequences[static_cast<std::size_t>(index)], index + 1);
  }

  sequences.clear();
  OrderEventQuery limited;
  limited.from_sequence = 1000;
  limited.limit = 3000;
  ASSERT_TRUE(read_order_events(**journal, limited, collect).is_ok());
  ASSERT_EQ(sequences.size(), 3000U);
  EXPECT_EQ(sequences.front(), 1000U);
  EXPECT_EQ(sequences.back(), 3999U);

  sequences.clear();
  OrderEventQuery one_order;
  one_order.order_id = "SO-4500";
  ASSERT_TRUE(read_order_events(**journal, one_order, collect).is_ok());
  EXPECT_THAT(sequences, ElementsAre(4500U));
}

// --- On a real gateway's journal, beside the gateway ---------------------------------

constexpr auto kTimeout = std::chrono::seconds(10);

std::vector<std::uint8_t> order_bytes(const std::string& id, const std::string& correlation_id) {
  const std::string json = R"({ "id": ")" + id + R"(", "correlation_id": ")" + correlation_id +
                           R"(", "channel": "web", "lines": [{ "sku_id": "sku-stove-fuel", )"
                           R"("quantity": 2 }], "ship_to": { "postal_code": "10027" }, )"
                           R"("created_at": "2026-11-24T15:04:05Z" })";
  Result<routing::io::OrderDocument> order = routing::io::parse_order_json(json);
  EXPECT_TRUE(order) << order.status().to_string();
  return order->bytes();
}

protocol::ReceivedResponse ask(protocol::BlockingClient& client, const protocol::Frame& request) {
  EXPECT_TRUE(client.send(request).is_ok());
  Result<protocol::ReceivedResponse> response = client.receive(kTimeout);
  EXPECT_TRUE(response) << response.status().to_string();
  return std::move(response).value();
}

struct Seen {
  std::uint64_t sequence;
  OrderEventKind kind;
  std::string order_id;
  std::string correlation_id;
  std::string node_id;

  friend bool operator==(const Seen&, const Seen&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Seen& seen) {
    return out << seen.sequence << " " << protocol::fbs::EnumNameOrderEventKind(seen.kind) << " "
               << seen.order_id << " " << seen.correlation_id << " " << seen.node_id;
  }
};

std::vector<Seen> read_events(const journal::Journal& journal, const OrderEventQuery& query) {
  std::vector<Seen> seen;
  const Status read = read_order_events(journal, query, [&](const OrderEvent& event) {
    seen.push_back(
        {event.sequence, event.kind, event.order_id, event.correlation_id, event.node_id});
    return Status::ok();
  });
  EXPECT_TRUE(read.is_ok()) << read.to_string();
  return seen;
}

TEST(OrderEventsOfARunningGateway, ComeOutInJournalOrderWithTheCorrelationIdTheOrderCarried) {
  testing::TemporaryDirectory directory("order-events");
  const std::string journal_path = directory / "journal.db";
  hal::SimClock clock{
      hal::WallTime{std::chrono::seconds(*routing::parse_utc_instant("2026-11-24T15:04:05Z"))},
      hal::MonotonicTime{}};

  journal::JournalOptions writer_options;
  writer_options.path = journal_path;
  writer_options.gateway_id = "gw-test";
  auto writer = journal::Journal::open(writer_options);
  ASSERT_TRUE(writer) << writer.status().to_string();
  const Baseline baseline{testing::example_text("network.json"),
                          testing::example_text("policy.json"),
                          testing::example_text("inventory.json")};
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
  auto state = GatewayState::restore(**writer, &baseline, now, 4);
  ASSERT_TRUE(state) << state.status().to_string();
  GatewayOptions gateway_options;
  gateway_options.gateway_id = "gw-test";
  gateway_options.pipeline.routing_workers = 2;
  Gateway gateway(gateway_options, **writer, **state, clock);
  gateway.start();
  auto server = Server::start({}, gateway);
  ASSERT_TRUE(server) << server.status().to_string();
  auto client = protocol::BlockingClient::connect("127.0.0.1", (*server)->port(), kTimeout);
  ASSERT_TRUE(client) << client.status().to_string();

  const protocol::ReceivedResponse routed =
      ask(*client, protocol::build_route_order(1, order_bytes("ord-kept", "checkout-7781")));
  const auto* result = routed.response().body_as_RouteOrderResult();
  ASSERT_NE(result, nullptr);
  const routing::fbs::Decision& decision = *result->decision_nested_root();
  ASSERT_EQ(decision.outcome(), routing::fbs::Outcome::routed);
  ASSERT_EQ(decision.shipments()->size(), 1U);
  const std::string node = decision.shipments()->Get(0)->node_id()->str();
  ask(*client, protocol::build_route_order(2, order_bytes("ord-gone", "checkout-7782")));
  const protocol::ReceivedResponse cancelled =
      ask(*client, protocol::build_cancel_order(3, "ord-gone", "customer cancelled"));
  ASSERT_NE(cancelled.response().body_as_CancelOrderResult(), nullptr);

  // Read as `edgeroute events` reads: its own read-only connection, the gateway running.
  journal::JournalOptions reader_options;
  reader_options.path = journal_path;
  reader_options.read_only = true;
  auto reader = journal::Journal::open(reader_options);
  ASSERT_TRUE(reader) << reader.status().to_string();
  EXPECT_EQ((*reader)->gateway_id(), "gw-test");

  const std::vector<Seen> expected = {
      {1, OrderEventKind::accepted, "ord-kept", "checkout-7781", ""},
      {1, OrderEventKind::routed, "ord-kept", "checkout-7781", node},
      {1, OrderEventKind::reserved, "ord-kept", "checkout-7781", node},
      {2, OrderEventKind::accepted, "ord-gone", "checkout-7782", ""},
      {2, OrderEventKind::routed, "ord-gone", "checkout-7782", node},
      {2, OrderEventKind::reserved, "ord-gone", "checkout-7782", node},
      {3, OrderEventKind::released, "ord-gone", "checkout-7782", ""},
  };
  EXPECT_EQ(read_events(**reader, {}), expected);

  OrderEventQuery one_order;
  one_order.order_id = "ord-gone";
  EXPECT_EQ(read_events(**reader, one_order),
            std::vector<Seen>(expected.begin() + 3, expected.end()));
  OrderEventQuery from_three;
  from_three.from_sequence = 3;
  EXPECT_EQ(read_events(**reader, from_three),
            std::vector<Seen>(expected.end() - 1, expected.end()));
  OrderEventQuery first_four;
  first_four.limit = 4;
  EXPECT_EQ(read_events(**reader, first_four),
            std::vector<Seen>(expected.begin(), expected.begin() + 4));

  (*server)->stop_accepting();
  gateway.stop();
  (*server)->stop();
}

}  // namespace
}  // namespace edgeroute::gateway
