// Specifies the routing schemas as contracts a person writes JSON against: the shipped
// examples (routing/examples/) parse with FlatBuffers' own JSON parser against the
// schemas, verify, and read back through the generated accessors with the meaning
// the schema documents (enums by name, bit flags, optional scalars that stay absent,
// defaults). Mistakes a person makes by hand — an unknown enum name, an unknown field,
// a missing required field — are refused with the line they are on.
#include <fstream>
#include <string>
#include <vector>

#include <flatbuffers/idl.h>
#include <gtest/gtest.h>

#include "edgeroute/routing/fbs/inventory_generated.h"
#include "edgeroute/routing/fbs/network_generated.h"
#include "edgeroute/routing/fbs/order_generated.h"
#include "edgeroute/routing/fbs/policy_generated.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::routing::fbs {
namespace {

const std::string kSchemaDir = std::string(EDGEROUTE_SOURCE_DIR) + "/routing/schema";
const std::string kExampleDir = std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples";

// Parses `json` against `schema_file`; on success returns the binary buffer, else the
// parser's error in `error`.
std::vector<std::uint8_t> parse(const std::string& schema_file, const std::string& json,
                                std::string& error) {
  flatbuffers::IDLOptions options;
  options.strict_json = true;
  flatbuffers::Parser parser(options);
  const char* include_dirs[] = {kSchemaDir.c_str(), nullptr};
  const std::string schema = edgeroute::testing::read_text_file(kSchemaDir + "/" + schema_file);
  if (!parser.Parse(schema.c_str(), include_dirs, schema_file.c_str())) {
    error = "schema: " + parser.error_;
    return {};
  }
  if (!parser.Parse(json.c_str())) {
    error = parser.error_;
    return {};
  }
  const std::uint8_t* data = parser.builder_.GetBufferPointer();
  return {data, data + parser.builder_.GetSize()};
}

TEST(RoutingSchemas, ExampleNetworkReadsAsDocumented) {
  std::string error;
  const auto buffer = parse(
      "network.fbs", edgeroute::testing::read_text_file(kExampleDir + "/network.json"), error);
  ASSERT_FALSE(buffer.empty()) << error;
  flatbuffers::Verifier verifier(buffer.data(), buffer.size());
  ASSERT_TRUE(VerifyNetworkBuffer(verifier));
  ASSERT_TRUE(NetworkBufferHasIdentifier(buffer.data()));

  const Network* network = GetNetwork(buffer.data());
  EXPECT_EQ(network->schema_version(), 1);
  ASSERT_EQ(network->nodes()->size(), 4U);
  const Node* store = network->nodes()->Get(1);
  EXPECT_EQ(store->kind(), NodeKind::store);
  EXPECT_EQ(store->time_zone()->str(), "America/New_York");
  EXPECT_TRUE(store->enabled()) << "enabled defaults to true";
  EXPECT_EQ(network->nodes()->Get(3)->kind(), NodeKind::dropship);

  for (const CarrierService* service : *network->carrier_services()) {
    EXPECT_EQ(service->transit_days()->size(), 8U) << service->id()->str();
    EXPECT_EQ(service->rates()->size(), 8U) << service->id()->str();
  }
  const Sku* kayak = network->skus()->Get(3);
  EXPECT_EQ(kayak->handling(), HandlingFlags::oversize);
  ASSERT_EQ(kayak->eligible_node_kinds()->size(), 2U);
  EXPECT_EQ(static_cast<NodeKind>(kayak->eligible_node_kinds()->Get(1)), NodeKind::dropship);
  EXPECT_EQ(network->skus()->Get(0)->handling(), HandlingFlags::NONE);
}

TEST(RoutingSchemas, ExampleInventoryAndPolicyRead) {
  std::string error;
  const auto inventory = parse(
      "inventory.fbs", edgeroute::testing::read_text_file(kExampleDir + "/inventory.json"), error);
  ASSERT_FALSE(inventory.empty()) << error;
  flatbuffers::Verifier inventory_verifier(inventory.data(), inventory.size());
  ASSERT_TRUE(VerifyInventorySnapshotBuffer(inventory_verifier));
  EXPECT_EQ(GetInventorySnapshot(inventory.data())->records()->size(), 10U);

  const auto policy_buffer =
      parse("policy.fbs", edgeroute::testing::read_text_file(kExampleDir + "/policy.json"), error);
  ASSERT_FALSE(policy_buffer.empty()) << error;
  flatbuffers::Verifier policy_verifier(policy_buffer.data(), policy_buffer.size());
  ASSERT_TRUE(VerifyPolicyBuffer(policy_verifier));
  const Policy* policy = GetPolicy(policy_buffer.data());
  EXPECT_EQ(policy->version(), 7U);
  EXPECT_EQ(policy->max_shipments(), 2);
  EXPECT_EQ(policy->backorder_rule(), BackorderRule::backorder);
  EXPECT_EQ(policy->exclusions()->Get(1)->sku_handling(), HandlingFlags::hazmat);
  EXPECT_EQ(policy->weights()->split_cents(), 600);
}

TEST(RoutingSchemas, ExampleOrdersKeepAbsentOptionalsAbsent) {
  std::ifstream lines(kExampleDir + "/orders.jsonl");
  std::string line;
  std::vector<std::vector<std::uint8_t>> orders;
  while (std::getline(lines, line)) {
    std::string error;
    orders.push_back(parse("order.fbs", line, error));
    ASSERT_FALSE(orders.back().empty()) << error;
  }
  ASSERT_EQ(orders.size(), 3U);
  const Order* first = GetOrder(orders[0].data());
  EXPECT_FALSE(first->requested_level().has_value()) << "no level asked: stays absent";
  EXPECT_EQ(first->lines()->size(), 2U);
  const Order* second = GetOrder(orders[1].data());
  ASSERT_TRUE(second->requested_level().has_value());
  EXPECT_EQ(*second->requested_level(), ServiceLevel::two_day);
  EXPECT_EQ(GetOrder(orders[2].data())->ship_to()->postal_code()->str(), "60614-2201");
}

struct HandWrittenMistake {
  const char* schema;
  const char* json;
  const char* expected_in_error;
};

class RoutingSchemaMistakes : public ::testing::TestWithParam<HandWrittenMistake> {};

TEST_P(RoutingSchemaMistakes, AreRefusedWithTheirLine) {
  std::string error;
  const auto buffer = parse(GetParam().schema, GetParam().json, error);
  EXPECT_TRUE(buffer.empty());
  EXPECT_NE(error.find(GetParam().expected_in_error), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Examples, RoutingSchemaMistakes,
    ::testing::Values(
        HandWrittenMistake{"network.fbs",
                           "{\n\"nodes\": [{\"id\": \"n\", \"kind\": \"warehouse\", "
                           "\"postal_code\": \"10001\", \"time_zone\": \"UTC\"}]}",
                           "2:"},
        HandWrittenMistake{"order.fbs",
                           "{\"id\": \"o\", \"lines\": [], \"ship_to\": {\"postal_code\": "
                           "\"10001\"},\n \"created_at\": \"x\", \"priority\": 1}",
                           "unknown field: priority"},
        HandWrittenMistake{"order.fbs", "{\"id\": \"o\", \"lines\": [],\n \"created_at\": \"x\"}",
                           "required field is missing: ship_to"},
        HandWrittenMistake{"policy.fbs", "{\"backorder_rule\": \"maybe\"}", "maybe"}));

}  // namespace
}  // namespace edgeroute::routing::fbs
