// Fuzzes the gateway's side of a client connection: the input is the byte stream a
// client sends, fed through a FrameReader in chunks of varying size (as the network
// splits it); every frame is verified as a request, and each request is answered the
// way the gateway answers, with a response of the matching type built by the
// builders (or the Error a refusal gets). Every answer must verify as a response
// carrying the request's id. Any input must end in frames and answers or a clear
// refusal; a crash, sanitizer report or failed assertion is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/protocol/verify.h"

namespace {

namespace fbs = edgeroute::protocol::fbs;
namespace protocol = edgeroute::protocol;
namespace routing_fbs = edgeroute::routing::fbs;

// Small enough that the corpus reaches the limit, large enough for real orders.
constexpr std::uint32_t kMaxFrameBytes = 16 * 1024;

std::string text(const flatbuffers::String* string) {
  return string == nullptr ? std::string() : string->str();
}

std::vector<std::uint8_t> decision_for(const std::string& order_id) {
  routing_fbs::DecisionT decision;
  decision.order_id = order_id;
  decision.outcome = routing_fbs::Outcome::routed;
  flatbuffers::FlatBufferBuilder builder;
  routing_fbs::FinishDecisionBuffer(builder, routing_fbs::Decision::Pack(builder, &decision));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

std::vector<std::uint8_t> quote_for(const std::string& order_id) {
  routing_fbs::QuoteT quote;
  quote.order_id = order_id;
  flatbuffers::FlatBufferBuilder builder;
  routing_fbs::FinishQuoteBuffer(builder, routing_fbs::Quote::Pack(builder, &quote));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

// The answer of the matching type, as the gateway would build it.
protocol::Frame answer(const fbs::Request& request) {
  const std::uint64_t id = request.request_id();
  switch (request.body_type()) {
    case fbs::RequestBody::RouteOrder:
      return protocol::build_route_order_result(
          id, decision_for(text(request.body_as_RouteOrder()->order_nested_root()->id())));
    case fbs::RequestBody::QuoteRequest:
      return protocol::build_quote_result(
          id, quote_for(text(request.body_as_QuoteRequest()->order_nested_root()->id())));
    case fbs::RequestBody::CancelOrder:
      return protocol::build_cancel_order_result(
          id, text(request.body_as_CancelOrder()->order_id()), true, 1);
    case fbs::RequestBody::AdjustInventory: {
      const auto* adjustment = request.body_as_AdjustInventory();
      const std::string node_id = text(adjustment->node_id());
      const std::string sku_id = text(adjustment->sku_id());
      return protocol::build_adjust_inventory_result(id,
                                                     {.node_id = node_id,
                                                      .sku_id = sku_id,
                                                      .on_hand = adjustment->counted().value_or(0),
                                                      .reserved = 0,
                                                      .oversold_units = 0,
                                                      .journal_sequence = 2});
    }
    case fbs::RequestBody::ReportFulfillment:
      return protocol::build_report_fulfillment_result(
          id, text(request.body_as_ReportFulfillment()->order_id()), 3,
          request.body_as_ReportFulfillment()->event() == fbs::FulfillmentEventKind::failed);
    case fbs::RequestBody::QueryOrder: {
      const std::string order_id = text(request.body_as_QueryOrder()->order_id());
      return protocol::build_order_state(id, order_id, fbs::OrderStatus::routed,
                                         decision_for(order_id), 4);
    }
    case fbs::RequestBody::QueryInventory: {
      const auto* query = request.body_as_QueryInventory();
      const std::string node_id = query->node_id() ? text(query->node_id()) : "every-node";
      const protocol::NodeStockLevel level{.node_id = node_id, .on_hand = 5, .reserved = 1};
      return protocol::build_inventory_state(id, text(query->sku_id()),
                                             std::span<const protocol::NodeStockLevel>(&level, 1));
    }
    case fbs::RequestBody::Ping: return protocol::build_pong(id, "gw-fuzz", "2026-11-24T15:04:05Z");
    case fbs::RequestBody::GatewayStatusRequest: {
      protocol::GatewayStatusReport status;
      status.gateway_id = "gw-fuzz";
      status.ready = true;
      status.policy_detail = "policy 8 on trial (journal entry 9)";
      return protocol::build_gateway_status(id, status);
    }
    case fbs::RequestBody::RollbackPolicy: return protocol::build_policy_rolled_back(id, 8, 7, 9);
    case fbs::RequestBody::NONE: break;
  }
  EDGEROUTE_ASSERT(false, "verify_request accepted a request without a known body");
  return protocol::build_error(id, fbs::ErrorCode::internal, "unreachable");
}

void check_answer(const protocol::Frame& frame, std::uint64_t request_id) {
  const auto response = protocol::verify_response(frame.payload());
  EDGEROUTE_ASSERT(response, response ? "" : response.refusal().message);
  EDGEROUTE_ASSERT((*response)->request_id() == request_id, "the answer lost the request id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Chunk sizes from a generator seeded by the input, so each input splits one way.
  std::uint32_t state = 2166136261U;
  for (std::size_t i = 0; i < size; ++i) state = (state ^ data[i]) * 16777619U;
  const auto next_chunk = [&state] {
    state ^= state << 13U;
    state ^= state >> 17U;
    state ^= state << 5U;
    return std::size_t{1} + state % 97U;
  };

  protocol::FrameReader reader(kMaxFrameBytes);
  std::span<const std::uint8_t> rest(data, size);
  while (!rest.empty()) {
    const std::size_t taken = reader.append(rest.first(std::min(rest.size(), next_chunk())));
    rest = rest.subspan(taken);
    while (true) {
      auto frame = reader.next();
      if (!frame) {
        // Terminal: answered with an Error, then the connection closes.
        check_answer(protocol::build_error(frame.refusal()), 0);
        return 0;
      }
      if (!*frame) break;
      const std::span<const std::uint8_t> payload = **frame;
      EDGEROUTE_ASSERT(payload.size() <= kMaxFrameBytes, "a frame above the maximum");
      (void)protocol::verify_response(payload);  // the client's side of the same bytes
      const auto request = protocol::verify_request(payload);
      if (request) {
        check_answer(answer(**request), (*request)->request_id());
      } else {
        // A refusal answers under the request's id when it is a Request whose id reads.
        const std::uint64_t refused_id = request.refusal().request_id;
        EDGEROUTE_ASSERT(refused_id == 0 || refused_id == protocol::readable_request_id(payload),
                         "a refusal under an id the request does not carry");
        check_answer(protocol::build_error(request.refusal()), request.refusal().request_id);
      }
    }
    EDGEROUTE_ASSERT(reader.room() > 0, "no room with every frame handed out");
  }
  return 0;
}
