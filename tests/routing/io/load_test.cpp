// Specifies how hand-written routing documents are read: the shipped examples load;
// every rule a schema documents but JSON cannot express (unique ids, references
// between documents, real time zones and postal codes, well-formed times, complete
// carrier price charts) is enforced, and every violation in a document is reported
// at once with the field path that holds it, so a person fixes a file in one pass.
#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/routing/io/load.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::routing::io {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kExamples = std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/";

const Geography& geography() {
  static const Geography loaded = std::move(Geography::load_embedded()).value();
  return loaded;
}

std::vector<std::string> messages(const std::vector<FieldError>& errors) {
  std::vector<std::string> texts;
  for (const FieldError& error : errors) texts.push_back(error.to_string());
  return texts;
}

class ExampleDocuments : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = load_network_json(edgeroute::testing::read_text_file(kExamples + "network.json"),
                                    geography());
    ASSERT_TRUE(loaded) << ::testing::PrintToString(messages(loaded.errors()));
    network_ = std::make_unique<NetworkDocument>(std::move(loaded).value());
  }
  const fbs::Network& network() const { return network_->root(); }
  const std::vector<std::uint8_t>& network_bytes() const { return network_->bytes(); }

 private:
  std::unique_ptr<NetworkDocument> network_;
};

TEST_F(ExampleDocuments, LoadWithoutErrors) {
  EXPECT_EQ(network().nodes()->size(), 4U);
  auto inventory = load_inventory_json(
      edgeroute::testing::read_text_file(kExamples + "inventory.json"), network());
  EXPECT_TRUE(inventory) << ::testing::PrintToString(messages(inventory.errors()));
  auto policy =
      load_policy_json(edgeroute::testing::read_text_file(kExamples + "policy.json"), network());
  EXPECT_TRUE(policy) << ::testing::PrintToString(messages(policy.errors()));
  std::ifstream orders(kExamples + "orders.jsonl");
  std::string line;
  while (std::getline(orders, line)) {
    auto order = parse_order_json(line);
    EXPECT_TRUE(order) << order.status().to_string();
  }
}

TEST(NetworkValidation, ReportsEveryViolationWithItsPath) {
  const char* json = R"({
    "carrier_services": [
      { "id": "ground", "transit_days": [1, 2, 3], "rates": [
          { "zone": 1, "breaks": [{ "up_to_grams": 500, "cents": 700 }, { "up_to_grams": 400, "cents": 900 }] },
          { "zone": 9, "breaks": [{ "up_to_grams": 500, "cents": 700 }] } ] }
    ],
    "nodes": [
      { "id": "fc-1", "postal_code": "10001", "time_zone": "America/Nowhere",
        "pick_windows": [ { "weekday": "monday", "opens": "08:00", "closes": "07:00" },
                          { "weekday": "monday", "opens": "8am", "closes": "18:00" } ],
        "closed_dates": ["2026-02-30"],
        "services": [ { "service_id": "air", "cutoff": "17:00" } ],
        "health": { "fill_bp": 12000 } },
      { "id": "fc-1", "postal_code": "00001", "time_zone": "UTC",
        "services": [ { "service_id": "ground", "cutoff": "25:00" } ],
        "costs": { "per_unit_cents": -5 } }
    ],
    "skus": [ { "id": "a", "weight_grams": 0 }, { "id": "a", "weight_grams": 10 } ]
  })";
  auto loaded = load_network_json(json, geography());
  ASSERT_FALSE(loaded);
  EXPECT_THAT(
      messages(loaded.errors()),
      ElementsAre(
          "carrier_services[0].transit_days: needs exactly 8 entries, one per zone, not 3",
          "carrier_services[0].rates[0].breaks[1].up_to_grams: 400 is not above the previous "
          "break (500)",
          "carrier_services[0].rates[1].zone: 9 is not a zone 1..8",
          "carrier_services[0].rates: zone 2 has no prices",
          "carrier_services[0].rates: zone 3 has no prices",
          "carrier_services[0].rates: zone 4 has no prices",
          "carrier_services[0].rates: zone 5 has no prices",
          "carrier_services[0].rates: zone 6 has no prices",
          "carrier_services[0].rates: zone 7 has no prices",
          "carrier_services[0].rates: zone 8 has no prices",
          "nodes[0].time_zone: 'America/Nowhere' is not an IANA time zone",
          "nodes[0].pick_windows[0].closes: 07:00 is not after opens 08:00 (windows do not cross "
          "midnight)",
          "nodes[0].pick_windows[1].weekday: monday already has a window (pick_windows[0])",
          "nodes[0].pick_windows[1].opens: '8am' is not a time HH:MM",
          "nodes[0].closed_dates[0]: '2026-02-30' is not a date YYYY-MM-DD",
          "nodes[0].services[0].service_id: 'air' is not a carrier service of this network",
          "nodes[0].health.fill_bp: 12000 is not in 0..10000 basis points",
          "nodes[1].id: 'fc-1' repeats nodes[0].id",
          "nodes[1].postal_code: postal code \"00001\": ZIP prefix 000 is not in the geography "
          "table",
          "nodes[1].services[0].cutoff: '25:00' is not a time HH:MM",
          "nodes[1].costs.per_unit_cents: -5 is negative",
          "skus[0].weight_grams: 0 is not in 1..1000000", "skus[1].id: 'a' repeats skus[0].id"));
}

TEST(NetworkValidation, SyntaxErrorsSayWhere) {
  auto loaded = load_network_json("{\n  \"nodes\": [ { \"id\": \"x\", } ]\n}", geography());
  ASSERT_FALSE(loaded);
  ASSERT_EQ(loaded.errors().size(), 1U);
  EXPECT_THAT(loaded.errors()[0].message, ::testing::StartsWith("line 2, column"));
}

TEST_F(ExampleDocuments, InventoryMustReferToTheNetwork) {
  const char* json = R"({ "taken_at": "yesterday", "records": [
      { "node_id": "fc-reno-1", "sku_id": "sku-headlamp", "on_hand": -1 },
      { "node_id": "fc-mars", "sku_id": "sku-headlamp", "on_hand": 1 },
      { "node_id": "fc-reno-1", "sku_id": "sku-unicorn", "on_hand": 1 },
      { "node_id": "fc-reno-1", "sku_id": "sku-headlamp", "on_hand": 3 } ] })";
  auto loaded = load_inventory_json(json, network());
  ASSERT_FALSE(loaded);
  EXPECT_THAT(messages(loaded.errors()),
              ElementsAre("taken_at: 'yesterday' is not a UTC instant YYYY-MM-DDTHH:MM:SSZ",
                          "records[0].on_hand: -1 is negative",
                          "records[1].node_id: 'fc-mars' is not a node of the network",
                          "records[2].sku_id: 'sku-unicorn' is not a SKU of the network",
                          "records[3]: a second record for node 'fc-reno-1' and SKU "
                          "'sku-headlamp'"));
}

// What a gateway keeps of its baseline: the bytes of a loaded document load again, to the
// same buffer, without JSON.
TEST_F(ExampleDocuments, ALoadedDocumentsBytesLoadAgainAsTheSameDocument) {
  auto network_again = load_network_binary(network_bytes(), geography());
  ASSERT_TRUE(network_again) << ::testing::PrintToString(messages(network_again.errors()));
  EXPECT_EQ(network_again->bytes(), network_bytes());

  auto inventory = load_inventory_json(
      edgeroute::testing::read_text_file(kExamples + "inventory.json"), network());
  ASSERT_TRUE(inventory);
  auto inventory_again = load_inventory_binary(inventory->bytes(), network());
  ASSERT_TRUE(inventory_again) << ::testing::PrintToString(messages(inventory_again.errors()));
  EXPECT_EQ(inventory_again->bytes(), inventory->bytes());

  auto policy =
      load_policy_json(edgeroute::testing::read_text_file(kExamples + "policy.json"), network());
  ASSERT_TRUE(policy);
  auto policy_again = load_policy_binary(policy->bytes(), network());
  ASSERT_TRUE(policy_again) << ::testing::PrintToString(messages(policy_again.errors()));
  EXPECT_EQ(policy_again->bytes(), policy->bytes());
}

// Bytes are not trusted for having been written by edgeroute: a damaged buffer is
// refused before anything reads it, and a sound one is held to the same rules as JSON.
TEST_F(ExampleDocuments, BinaryDocumentsAreVerifiedAndValidatedLikeJson) {
  std::vector<std::uint8_t> damaged = network_bytes();
  damaged.resize(damaged.size() / 2);
  auto truncated = load_network_binary(damaged, geography());
  ASSERT_FALSE(truncated);
  EXPECT_THAT(messages(truncated.errors()),
              ElementsAre(::testing::HasSubstr("are not a valid Network buffer")));
  // Another document's buffer is not this one's (each schema has its file identifier).
  auto policy = load_policy_binary(network_bytes(), network());
  ASSERT_FALSE(policy);
  EXPECT_THAT(messages(policy.errors()),
              ElementsAre(::testing::HasSubstr("are not a valid Policy buffer")));

  // An inventory kept for another network, say: a sound buffer that names a node this
  // network lacks.
  flatbuffers::FlatBufferBuilder builder;
  const std::vector<flatbuffers::Offset<fbs::StockRecord>> records{
      fbs::CreateStockRecordDirect(builder, "fc-mars", "sku-headlamp", 4)};
  fbs::FinishInventorySnapshotBuffer(
      builder, fbs::CreateInventorySnapshotDirect(builder, 1, "2026-11-24T06:00:00Z", &records));
  auto inventory = load_inventory_binary(
      std::span<const std::uint8_t>(builder.GetBufferPointer(), builder.GetSize()), network());
  ASSERT_FALSE(inventory);
  EXPECT_THAT(messages(inventory.errors()),
              ElementsAre("records[0].node_id: 'fc-mars' is not a node of the network"));
}

TEST_F(ExampleDocuments, PolicyMustBeCompleteAndReferToTheNetwork) {
  const char* json = R"({ "version": 0, "max_shipments": 9,
      "weights": { "split_cents": -1 },
      "preferences": [ { "node_id": "fc-mars", "cents": -100 } ],
      "capacity_throttles": [ { "node_id": "fc-reno-1", "percent": 150 } ],
      "backorder_rule": "backorder" })";
  auto loaded = load_policy_json(json, network());
  ASSERT_FALSE(loaded);
  EXPECT_THAT(messages(loaded.errors()),
              ElementsAre("version: must be at least 1",
                          "expires_at: '' is not a UTC instant YYYY-MM-DDTHH:MM:SSZ",
                          "weights.split_cents: -1 is negative", "max_shipments: 9 is not in 1..8",
                          "preferences[0].node_id: 'fc-mars' is not a node of the network",
                          "capacity_throttles[0].percent: 150 is not in 0..100",
                          "backorder_node_id: is required when backorder_rule is backorder"));
}

TEST(OrderParsing, RefusesMalformedOrdersWithTheirPosition) {
  auto order = parse_order_json(R"({ "id": "o-1", "lines": [], "created_at": "x" })");
  ASSERT_FALSE(order);
  EXPECT_THAT(order.status().message(), ::testing::HasSubstr("required field is missing: ship_to"));
}

TEST(DecisionJson, WritesTheDecisionBack) {
  flatbuffers::FlatBufferBuilder builder;
  const auto decision = fbs::CreateDecisionDirect(
      builder, "ord-1", "corr-1", fbs::Outcome::rejected, fbs::ReasonCode::no_inventory);
  builder.Finish(decision, fbs::DecisionIdentifier());
  DecisionDocument document(
      {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()});
  auto json = decision_to_json(document);
  ASSERT_TRUE(json) << json.status().to_string();
  EXPECT_THAT(*json, ::testing::HasSubstr("\"reason\": \"no_inventory\""));
  EXPECT_THAT(*json, ::testing::HasSubstr("\"outcome\": \"rejected\""));
}

}  // namespace
}  // namespace edgeroute::routing::io
