// Specifies the decision document, what is journaled and sent to the client: an order
// refused before planning says in words which line and SKU (or which postal code) is
// wrong, a refused plan names the line it concerns, and decision_to_json writes JSON
// that reads back against decision.fbs with every field, defaults included, so that
// "outcome" and "reason" are always there as words.
#include <string>
#include <string_view>

#include <flatbuffers/idl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../routing_fixture.h"
#include "edgeroute/routing/io/decision_document.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::routing::io {
namespace {

using routing::testing::RoutingFixture;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSchemaDir = std::string(EDGEROUTE_SOURCE_DIR) + "/routing/schema";

// A Manhattan node holding 3 of sku-a and 10 of sku-b; ground only.
constexpr std::string_view kNetwork = R"({
  "version": 4,
  "nodes": [{
    "id": "fc-manhattan", "kind": "owned_fc", "postal_code": "10001",
    "time_zone": "America/New_York", "processing_minutes": 60,
    "pick_windows": [{"weekday": "tuesday", "opens": "09:00", "closes": "17:00"},
                     {"weekday": "wednesday", "opens": "09:00", "closes": "17:00"}],
    "services": [{"service_id": "ground", "cutoff": "16:00"}],
    "costs": {"per_order_cents": 300, "per_unit_cents": 50}
  }],
  "carrier_services": [{
    "id": "ground", "carrier": "UPS", "level": "ground",
    "transit_days": [1, 2, 2, 3, 4, 4, 5, 5],
    "rates": [
      {"zone": 1, "breaks": [{"up_to_grams": 22680, "cents": 900}]},
      {"zone": 2, "breaks": [{"up_to_grams": 22680, "cents": 1000}]},
      {"zone": 3, "breaks": [{"up_to_grams": 22680, "cents": 1100}]},
      {"zone": 4, "breaks": [{"up_to_grams": 22680, "cents": 1200}]},
      {"zone": 5, "breaks": [{"up_to_grams": 22680, "cents": 1300}]},
      {"zone": 6, "breaks": [{"up_to_grams": 22680, "cents": 1400}]},
      {"zone": 7, "breaks": [{"up_to_grams": 22680, "cents": 1500}]},
      {"zone": 8, "breaks": [{"up_to_grams": 22680, "cents": 1600}]}]
  }],
  "skus": [{"id": "sku-a", "weight_grams": 200}, {"id": "sku-b", "weight_grams": 200}]
})";

constexpr std::string_view kInventory = R"({
  "taken_at": "2026-11-24T06:00:00Z",
  "records": [{"node_id": "fc-manhattan", "sku_id": "sku-a", "on_hand": 3},
              {"node_id": "fc-manhattan", "sku_id": "sku-b", "on_hand": 10}]
})";

constexpr std::string_view kPolicy = R"({"version": 9, "expires_at": "2027-06-30T00:00:00Z"})";

class DecisionDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = RoutingFixture::load(kNetwork, kInventory, kPolicy, decided_at_);
    ASSERT_TRUE(fixture_);
  }

  // The document of an order refused before planning.
  DecisionDocument rejection(std::string_view order_json) {
    auto order = parse_order_json(order_json);
    EXPECT_TRUE(order) << order.status().to_string();
    const OrderResolution resolution = resolve_order(order->root(), fixture_->network());
    EXPECT_FALSE(resolution.ok());
    return build_rejection(order->root(), resolution, fixture_->model(), decided_at_);
  }

  // The document of the Router's decision (nothing stays reserved).
  DecisionDocument decision(std::string_view order_json) {
    const OrderRequest order = fixture_->order(order_json);
    Router router;
    const RoutingDecision& decided =
        router.plan(order, fixture_->model(), fixture_->inventory(), fixture_->capacity());
    return build_decision(decided, order, fixture_->model(), decided_at_);
  }

  UnixSeconds decided_at_ = *parse_utc_instant("2026-11-24T15:00:07Z");
  std::optional<RoutingFixture> fixture_;
};

// Parses `json` against decision.fbs with FlatBuffers' strict JSON and verifies it;
// empty on failure, with the parser's error in `error`.
std::vector<std::uint8_t> parse_decision(const std::string& json, std::string& error) {
  flatbuffers::IDLOptions options;
  options.strict_json = true;
  flatbuffers::Parser parser(options);
  const char* include_dirs[] = {kSchemaDir.c_str(), nullptr};
  const std::string schema = edgeroute::testing::read_text_file(kSchemaDir + "/decision.fbs");
  if (!parser.Parse(schema.c_str(), include_dirs, "decision.fbs")) {
    error = "schema: " + parser.error_;
    return {};
  }
  if (!parser.Parse(json.c_str())) {
    error = parser.error_;
    return {};
  }
  std::vector<std::uint8_t> bytes(parser.builder_.GetBufferPointer(),
                                  parser.builder_.GetBufferPointer() + parser.builder_.GetSize());
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fbs::VerifyDecisionBuffer(verifier)) {
    error = "the parsed buffer does not verify";
    return {};
  }
  return bytes;
}

TEST_F(DecisionDocumentTest, UnknownSkuNamesTheLineAndTheSku) {
  const DecisionDocument document = rejection(R"({"id": "ord-7", "lines": [
      {"sku_id": "sku-a", "quantity": 1}, {"sku_id": "sku-x", "quantity": 1}],
      "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24T15:00:00Z"})");
  const fbs::Decision& root = document.root();
  EXPECT_EQ(root.outcome(), fbs::Outcome::rejected);
  EXPECT_EQ(root.reason(), fbs::ReasonCode::unknown_sku);
  EXPECT_EQ(root.detail()->str(), "lines[1] (sku-x): the SKU is not in the network's catalog");
  EXPECT_EQ(root.order_id()->str(), "ord-7");
  EXPECT_EQ(root.correlation_id()->str(), "ord-7");  // none given: the order id
  EXPECT_EQ(root.decided_at()->str(), "2026-11-24T15:00:07Z");
  EXPECT_EQ(root.policy_version(), 9U);
  EXPECT_EQ(root.network_version(), 4U);
  EXPECT_EQ(root.shipments(), nullptr);
}

TEST_F(DecisionDocumentTest, InvalidLineNamesTheLineAndWhatIsWrong) {
  const DecisionDocument duplicate = rejection(R"({"id": "ord-8", "lines": [
      {"sku_id": "sku-a", "quantity": 1}, {"sku_id": "sku-b", "quantity": 1},
      {"sku_id": "sku-a", "quantity": 2}],
      "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24T15:00:00Z"})");
  EXPECT_EQ(duplicate.root().reason(), fbs::ReasonCode::invalid_order);
  EXPECT_EQ(duplicate.root().detail()->str(),
            "lines[2] (sku-a): the SKU is on an earlier line too");

  const DecisionDocument zero = rejection(R"({"id": "ord-9", "lines": [
      {"sku_id": "sku-b", "quantity": 0}],
      "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24T15:00:00Z"})");
  EXPECT_EQ(zero.root().detail()->str(), "lines[0] (sku-b): the quantity is not at least 1");
}

TEST_F(DecisionDocumentTest, ProblemOfTheWholeOrderIsStatedWithoutALine) {
  const DecisionDocument document = rejection(R"({"id": "ord-10", "lines": [
      {"sku_id": "sku-a", "quantity": 1}],
      "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24 15:00"})");
  EXPECT_EQ(document.root().reason(), fbs::ReasonCode::invalid_order);
  EXPECT_EQ(document.root().detail()->str(),
            "created_at is not a UTC instant YYYY-MM-DDTHH:MM:SSZ");
}

TEST_F(DecisionDocumentTest, UnknownDestinationNamesThePostalCode) {
  const DecisionDocument document = rejection(R"({"id": "ord-11", "lines": [
      {"sku_id": "sku-a", "quantity": 1}],
      "ship_to": {"postal_code": "00012"}, "created_at": "2026-11-24T15:00:00Z"})");
  EXPECT_EQ(document.root().reason(), fbs::ReasonCode::unknown_destination);
  EXPECT_EQ(document.root().detail()->str(),
            "ship_to.postal_code '00012': the ship-to postal code is not a known US ZIP");
}

TEST_F(DecisionDocumentTest, RefusedPlanNamesTheLineItConcerns) {
  const DecisionDocument document = decision(R"({"id": "ord-12", "lines": [
      {"sku_id": "sku-b", "quantity": 1}, {"sku_id": "sku-a", "quantity": 5}],
      "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24T15:00:00Z"})");
  EXPECT_EQ(document.root().outcome(), fbs::Outcome::rejected);
  EXPECT_EQ(document.root().reason(), fbs::ReasonCode::no_inventory);
  EXPECT_EQ(document.root().detail()->str(),
            "line 1 (sku-a): no eligible node has 5 units available to promise");
  EXPECT_EQ(document.root().cost(), nullptr);  // no plan, no cost
}

TEST_F(DecisionDocumentTest, JsonReadsBackAgainstTheSchemaWithEveryField) {
  const DecisionDocument document = decision(R"({"id": "ord-13", "correlation_id": "c-13",
      "lines": [{"sku_id": "sku-b", "quantity": 2}],
      "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24T15:00:00Z"})");
  ASSERT_EQ(document.root().outcome(), fbs::Outcome::routed);

  for (const JsonLayout layout : {JsonLayout::indented, JsonLayout::one_line}) {
    const Result<std::string> json = decision_to_json(document, layout);
    ASSERT_TRUE(json) << json.status().to_string();
    // Defaults are written: routed and none are the schema's defaults.
    EXPECT_THAT(*json, HasSubstr(R"("outcome": "routed")"));
    EXPECT_THAT(*json, HasSubstr(R"("reason": "none")"));
    EXPECT_THAT(*json, HasSubstr(R"("proven_optimal": true)"));
    if (layout == JsonLayout::one_line) {
      EXPECT_THAT(*json, Not(HasSubstr("\n")));
    }

    std::string error;
    const std::vector<std::uint8_t> bytes = parse_decision(*json, error);
    ASSERT_FALSE(bytes.empty()) << error << "\n" << *json;
    const fbs::Decision& read = *fbs::GetDecision(bytes.data());
    EXPECT_EQ(read.order_id()->str(), "ord-13");
    EXPECT_EQ(read.correlation_id()->str(), "c-13");
    EXPECT_EQ(read.outcome(), fbs::Outcome::routed);
    EXPECT_EQ(read.reason(), fbs::ReasonCode::none);
    ASSERT_NE(read.shipments(), nullptr);
    ASSERT_EQ(read.shipments()->size(), 1U);
    const fbs::Shipment& shipment = *read.shipments()->Get(0);
    EXPECT_EQ(shipment.node_id()->str(), "fc-manhattan");
    EXPECT_EQ(shipment.service_id()->str(), "ground");
    EXPECT_EQ(shipment.weight_grams(), 400);
    EXPECT_EQ(shipment.promise()->delivery_date()->str(), "2026-11-25");
    EXPECT_EQ(shipment.promise()->packed_at()->str(), "2026-11-24T16:00:00Z");
    EXPECT_EQ(shipment.lines()->Get(0)->sku_id()->str(), "sku-b");
    EXPECT_EQ(shipment.lines()->Get(0)->quantity(), 2);
    // The health the risk term used: the network's figures for the node.
    ASSERT_NE(shipment.health_used(), nullptr);
    const NodeModel& node =
        fixture_->network().node(*fixture_->network().find_node("fc-manhattan"));
    EXPECT_EQ(shipment.health_used()->on_time_bp(), node.on_time_bp);
    EXPECT_EQ(shipment.health_used()->fill_bp(), node.fill_bp);
    EXPECT_EQ(shipment.health_used()->acceptance_bp(), node.acceptance_bp);
    // 300 handling + 2 * 50 pick + 900 carrier.
    EXPECT_EQ(read.cost()->objective_cents(), 1300);
    EXPECT_EQ(read.cost()->objective_cents(), document.root().cost()->objective_cents());
    EXPECT_EQ(read.reservation_attempts(), document.root().reservation_attempts());
    EXPECT_EQ(read.decided_at()->str(), "2026-11-24T15:00:07Z");
  }
}

TEST_F(DecisionDocumentTest, RejectionJsonCarriesOutcomeReasonAndDetailAsWords) {
  const DecisionDocument document = rejection(R"({"id": "ord-14", "lines": [
      {"sku_id": "sku-x", "quantity": 1}],
      "ship_to": {"postal_code": "10027"}, "created_at": "2026-11-24T15:00:00Z"})");
  const Result<std::string> json = decision_to_json(document, JsonLayout::one_line);
  ASSERT_TRUE(json) << json.status().to_string();
  EXPECT_THAT(*json, HasSubstr(R"("outcome": "rejected")"));
  EXPECT_THAT(*json, HasSubstr(R"("reason": "unknown_sku")"));
  std::string error;
  const std::vector<std::uint8_t> bytes = parse_decision(*json, error);
  ASSERT_FALSE(bytes.empty()) << error << "\n" << *json;
  EXPECT_EQ(fbs::GetDecision(bytes.data())->detail()->str(),
            "lines[0] (sku-x): the SKU is not in the network's catalog");
}

}  // namespace
}  // namespace edgeroute::routing::io
