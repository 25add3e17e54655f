#include "edgeroute/routing/io/load.h"

#include <fmt/format.h>

#include "edgeroute/base/schema_json.h"
#include "edgeroute_routing_bfbs_embedded.h"
#include "validate.h"

namespace edgeroute::routing::io {
namespace {

namespace embedded = edgeroute::routing::embedded;

// Parses and verifies; `verify` is the generated Verify<Root>Buffer.
template <typename Root>
Result<Document<Root>> parse_document(const SchemaJson& schema, std::string_view json,
                                      bool (*verify)(flatbuffers::Verifier&)) {
  auto bytes = schema.parse(json);
  if (!bytes) return bytes.status();
  flatbuffers::Verifier verifier(bytes->data(), bytes->size());
  if (!verify(verifier)) {
    return Status(StatusCode::internal, "FlatBuffers' parser produced a buffer of " +
                                            schema.root_name() + " that fails verification");
  }
  return Document<Root>(std::move(bytes).value());
}

template <typename Root, typename Check>
Validated<Document<Root>> validate_document(Result<Document<Root>> document, Check check) {
  if (!document) return std::vector<FieldError>{{"", document.status().message()}};
  detail::ErrorList errors;
  check(document->root(), errors);
  if (!errors.empty()) return errors.take();
  return std::move(document).value();
}

template <typename Root, typename Check>
Validated<Document<Root>> load_document(const SchemaJson& schema, std::string_view json,
                                        bool (*verify)(flatbuffers::Verifier&), Check check) {
  return validate_document(parse_document<Root>(schema, json, verify), check);
}

// As load_document, from the binary form instead of JSON text.
template <typename Root, typename Check>
Validated<Document<Root>> adopt_document(const SchemaJson& schema,
                                         std::span<const std::uint8_t> bytes,
                                         bool (*verify)(flatbuffers::Verifier&), Check check) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!verify(verifier)) {
    return std::vector<FieldError>{
        {"", fmt::format("{} bytes are not a valid {} buffer", bytes.size(), schema.root_name())}};
  }
  return validate_document(
      Result<Document<Root>>(Document<Root>(std::vector<std::uint8_t>(bytes.begin(), bytes.end()))),
      check);
}

const SchemaJson& network_schema() {
  static const SchemaJson schema(embedded::network_schema(), "Network");
  return schema;
}
const SchemaJson& inventory_schema() {
  static const SchemaJson schema(embedded::inventory_schema(), "InventorySnapshot");
  return schema;
}
const SchemaJson& policy_schema() {
  static const SchemaJson schema(embedded::policy_schema(), "Policy");
  return schema;
}
const SchemaJson& order_schema() {
  static const SchemaJson schema(embedded::order_schema(), "Order");
  return schema;
}
const SchemaJson& quote_schema() {
  static const SchemaJson schema(embedded::quote_schema(), "Quote");
  return schema;
}
const SchemaJson& decision_schema() {
  static const SchemaJson schema(embedded::decision_schema(), "Decision");
  return schema;
}

// The rules each document must meet beyond its schema, whichever form it was read from.
auto network_check(const Geography& geography) {
  return [&geography](const fbs::Network& network, detail::ErrorList& errors) {
    detail::validate_network(network, geography, errors);
  };
}
auto inventory_check(const fbs::Network& network) {
  return [&network](const fbs::InventorySnapshot& inventory, detail::ErrorList& errors) {
    detail::validate_inventory(inventory, network, errors);
  };
}
auto policy_check(const fbs::Network& network) {
  return [&network](const fbs::Policy& policy, detail::ErrorList& errors) {
    detail::validate_policy(policy, network, errors);
  };
}

}  // namespace

Validated<NetworkDocument> load_network_json(std::string_view json, const Geography& geography) {
  return load_document<fbs::Network>(network_schema(), json, &fbs::VerifyNetworkBuffer,
                                     network_check(geography));
}

Validated<InventoryDocument> load_inventory_json(std::string_view json,
                                                 const fbs::Network& network) {
  return load_document<fbs::InventorySnapshot>(
      inventory_schema(), json, &fbs::VerifyInventorySnapshotBuffer, inventory_check(network));
}

Validated<PolicyDocument> load_policy_json(std::string_view json, const fbs::Network& network) {
  return load_document<fbs::Policy>(policy_schema(), json, &fbs::VerifyPolicyBuffer,
                                    policy_check(network));
}

Validated<NetworkDocument> load_network_binary(std::span<const std::uint8_t> bytes,
                                               const Geography& geography) {
  return adopt_document<fbs::Network>(network_schema(), bytes, &fbs::VerifyNetworkBuffer,
                                      network_check(geography));
}

Validated<InventoryDocument> load_inventory_binary(std::span<const std::uint8_t> bytes,
                                                   const fbs::Network& network) {
  return adopt_document<fbs::InventorySnapshot>(
      inventory_schema(), bytes, &fbs::VerifyInventorySnapshotBuffer, inventory_check(network));
}

Validated<PolicyDocument> load_policy_binary(std::span<const std::uint8_t> bytes,
                                             const fbs::Network& network) {
  return adopt_document<fbs::Policy>(policy_schema(), bytes, &fbs::VerifyPolicyBuffer,
                                     policy_check(network));
}

Result<OrderDocument> parse_order_json(std::string_view json) {
  return parse_document<fbs::Order>(order_schema(), json, &fbs::VerifyOrderBuffer);
}

Result<std::string> decision_to_json(const DecisionDocument& decision, JsonLayout layout) {
  // Every scalar, defaults included: a reader of a decision should not need the schema
  // to know that a missing "outcome" means routed.
  return decision_schema().to_json(decision.bytes().data(),
                                   {.layout = layout, .include_default_values = true});
}

}  // namespace edgeroute::routing::io

namespace edgeroute::routing::io {

Result<std::string> quote_to_json(const QuoteDocument& quote, JsonLayout layout) {
  return quote_schema().to_json(quote.bytes().data(),
                                {.layout = layout, .include_default_values = true});
}

}  // namespace edgeroute::routing::io
