// Loading the routing documents people write by hand (routing/examples/ shows each):
// JSON text is parsed against the schema (FlatBuffers' own parser, strict JSON),
// verified, then validated against the rules the schemas document. Every problem is
// reported at once with the field path that holds it:
//   nodes[2].time_zone: 'America/Nowhere' is not an IANA time zone
//   carrier_services[0].rates: zone 5 has no prices
// Inventory and policy are validated against the network they refer to.
//
// Orders are not validated here: an order the network cannot serve is not a broken
// document but a decision with a reason code (unknown_sku, invalid_order, ...).
//
// Thread-safety: pure functions of their arguments; call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "edgeroute/base/result.h"
#include "edgeroute/base/schema_json.h"
#include "edgeroute/base/validated.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/fbs/inventory_generated.h"
#include "edgeroute/routing/fbs/network_generated.h"
#include "edgeroute/routing/fbs/order_generated.h"
#include "edgeroute/routing/fbs/policy_generated.h"
#include "edgeroute/routing/fbs/quote_generated.h"
#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/io/document.h"

namespace edgeroute::routing::io {

using NetworkDocument = Document<fbs::Network>;
using InventoryDocument = Document<fbs::InventorySnapshot>;
using PolicyDocument = Document<fbs::Policy>;
using OrderDocument = Document<fbs::Order>;
using DecisionDocument = Document<fbs::Decision>;
using QuoteDocument = Document<fbs::Quote>;

Validated<NetworkDocument> load_network_json(std::string_view json, const Geography& geography);
Validated<InventoryDocument> load_inventory_json(std::string_view json,
                                                 const fbs::Network& network);
Validated<PolicyDocument> load_policy_json(std::string_view json, const fbs::Network& network);

// The same documents from their binary form, the bytes() of a document one of the loads
// above produced: verified (a buffer that is not one is reported, never read) and
// validated by the same rules, without parsing JSON. For what keeps documents it has
// loaded once, as a gateway keeps its baseline: FlatBuffers' JSON parser spends some
// 20 000 instructions on each record of an inventory snapshot, so a large catalog's
// JSON takes minutes where its binary form takes seconds.
Validated<NetworkDocument> load_network_binary(std::span<const std::uint8_t> bytes,
                                               const Geography& geography);
Validated<InventoryDocument> load_inventory_binary(std::span<const std::uint8_t> bytes,
                                                   const fbs::Network& network);
Validated<PolicyDocument> load_policy_binary(std::span<const std::uint8_t> bytes,
                                             const fbs::Network& network);

// Parsed and verified only (see above).
Result<OrderDocument> parse_order_json(std::string_view json);

// One JSON object, indented or on one line (JSON Lines).
Result<std::string> decision_to_json(const DecisionDocument& decision,
                                     JsonLayout layout = JsonLayout::indented);
Result<std::string> quote_to_json(const QuoteDocument& quote,
                                  JsonLayout layout = JsonLayout::indented);

}  // namespace edgeroute::routing::io
