// Specifies the gateway wire protocol as both ends rely on it (docs/protocol.md): every
// message survives the trip through builders, frames and verification intact; a byte
// stream is cut into the same frames however the network splits it; a hostile length is
// refused before its payload is read; every malformed message is refused with an
// error that names what is wrong and, when it can be read, the request id to answer;
// and the blocking client talks to a real socket, naming the peer when it fails.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/protocol/verify.h"
#include "edgeroute/routing/io/load.h"

namespace edgeroute::protocol {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
namespace routing_fbs = edgeroute::routing::fbs;

using Bytes = std::vector<std::uint8_t>;

Bytes order_bytes(const std::string& id = "ord-1001") {
  auto order = routing::io::parse_order_json(
      R"({ "id": ")" + id +
      R"(", "channel": "web", "lines": [{ "sku_id": "sku-tent-2p", "quantity": 1 }],
           "ship_to": { "postal_code": "10027" }, "created_at": "2026-11-24T15:04:05Z" })");
  EDGEROUTE_ASSERT(order, order.status().to_string());
  return order->bytes();
}

Bytes decision_bytes(const std::string& order_id = "ord-1001") {
  routing_fbs::DecisionT decision;
  decision.order_id = order_id;
  decision.outcome = routing_fbs::Outcome::routed;
  decision.policy_version = 7;
  decision.decided_at = "2026-11-24T15:04:06Z";
  flatbuffers::FlatBufferBuilder builder;
  routing_fbs::FinishDecisionBuffer(builder, routing_fbs::Decision::Pack(builder, &decision));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

Bytes quote_bytes() {
  routing_fbs::QuoteT quote;
  quote.order_id = "cart-9";
  quote.network_version = 3;
  flatbuffers::FlatBufferBuilder builder;
  routing_fbs::FinishQuoteBuffer(builder, routing_fbs::Quote::Pack(builder, &quote));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

// A payload in memory of its own (8-byte aligned, as FrameReader hands them out).
Bytes payload_of(const Frame& frame) {
  return {frame.payload().begin(), frame.payload().end()};
}

const fbs::Request& request_of(const Bytes& payload) {
  const auto verified = verify_request(payload);
  EDGEROUTE_ASSERT(verified, verified.has_value() ? "" : verified.refusal().message);
  return **verified;
}

const fbs::Response& response_of(const Bytes& payload) {
  const auto verified = verify_response(payload);
  EDGEROUTE_ASSERT(verified, verified.has_value() ? "" : verified.refusal().message);
  return **verified;
}

Refusal request_refusal(const Bytes& payload) {
  const auto verified = verify_request(payload);
  EDGEROUTE_ASSERT(!verified, "the request was accepted");
  return verified.refusal();
}

std::string text(const flatbuffers::String* string) {
  return string == nullptr ? std::string("(absent)") : string->str();
}

// ------------------------------------------------------------------------ round trips

TEST(ProtocolRequests, RouteOrderCarriesTheOrderBufferByteForByte) {
  const Bytes order = order_bytes();
  const Bytes payload = payload_of(build_route_order(42, order));
  const fbs::Request& request = request_of(payload);
  EXPECT_EQ(request.request_id(), 42U);
  ASSERT_EQ(request.body_type(), fbs::RequestBody::RouteOrder);
  const auto* nested = request.body_as_RouteOrder()->order();
  EXPECT_THAT(std::vector<std::uint8_t>(nested->begin(), nested->end()), ElementsAreArray(order));
  EXPECT_EQ(text(request.body_as_RouteOrder()->order_nested_root()->id()), "ord-1001");
}

TEST(ProtocolRequests, QuoteRequestCarriesTheCart) {
  const Bytes payload = payload_of(build_quote_request(3, order_bytes("cart-9")));
  const fbs::Request& request = request_of(payload);
  ASSERT_EQ(request.body_type(), fbs::RequestBody::QuoteRequest);
  EXPECT_EQ(text(request.body_as_QuoteRequest()->order_nested_root()->id()), "cart-9");
}

TEST(ProtocolRequests, CancelOrderCarriesOrderIdAndReason) {
  const Bytes payload = payload_of(build_cancel_order(5, "ord-1", "customer cancelled"));
  const auto* cancel = request_of(payload).body_as_CancelOrder();
  ASSERT_NE(cancel, nullptr);
  EXPECT_EQ(text(cancel->order_id()), "ord-1");
  EXPECT_EQ(text(cancel->reason()), "customer cancelled");
}

TEST(ProtocolRequests, EachAdjustmentKindUsesItsOwnQuantityField) {
  const Bytes receipt = payload_of(build_receipt(1, "fc-east", "sku-kayak", 12, "RCV-881"));
  const Bytes count = payload_of(build_cycle_count(2, "fc-east", "sku-kayak", 0, "CC-17"));
  const Bytes damage = payload_of(build_damage(3, "fc-east", "sku-kayak", 2, "DMG-4"));

  const auto* received = request_of(receipt).body_as_AdjustInventory();
  ASSERT_NE(received, nullptr);
  EXPECT_EQ(received->kind(), fbs::AdjustmentKind::receipt);
  EXPECT_EQ(received->delta(), flatbuffers::Optional<std::int32_t>(12));
  EXPECT_FALSE(received->counted().has_value());
  EXPECT_EQ(text(received->node_id()), "fc-east");
  EXPECT_EQ(text(received->sku_id()), "sku-kayak");
  EXPECT_EQ(text(received->reference()), "RCV-881");

  const auto* counted = request_of(count).body_as_AdjustInventory();
  EXPECT_EQ(counted->kind(), fbs::AdjustmentKind::cycle_count);
  EXPECT_EQ(counted->counted(), flatbuffers::Optional<std::int32_t>(0));  // zero is not absent
  EXPECT_FALSE(counted->delta().has_value());

  const auto* damaged = request_of(damage).body_as_AdjustInventory();
  EXPECT_EQ(damaged->kind(), fbs::AdjustmentKind::damage);
  EXPECT_EQ(damaged->delta(), flatbuffers::Optional<std::int32_t>(-2));
}

TEST(ProtocolRequests, ReportFulfillmentCarriesEveryField) {
  const Bytes payload =
      payload_of(build_report_fulfillment(8, {.order_id = "ord-1",
                                              .node_id = "store-12",
                                              .event = fbs::FulfillmentEventKind::failed,
                                              .occurred_at = "2026-11-25T10:00:00Z",
                                              .exception_code = "stock_damaged",
                                              .detail = "box crushed",
                                              .expected_delivery_date = "2026-11-30"}));
  const auto* report = request_of(payload).body_as_ReportFulfillment();
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(text(report->order_id()), "ord-1");
  EXPECT_EQ(text(report->node_id()), "store-12");
  EXPECT_EQ(report->event(), fbs::FulfillmentEventKind::failed);
  EXPECT_EQ(text(report->occurred_at()), "2026-11-25T10:00:00Z");
  EXPECT_EQ(text(report->exception_code()), "stock_damaged");
  EXPECT_EQ(text(report->detail()), "box crushed");
  EXPECT_EQ(text(report->expected_delivery_date()), "2026-11-30");
}

TEST(ProtocolRequests, QueriesPingAndStatusRequestRoundTrip) {
  const Bytes query = payload_of(build_query_order(1, "ord-7"));
  EXPECT_EQ(text(request_of(query).body_as_QueryOrder()->order_id()), "ord-7");
  const Bytes one_node = payload_of(build_query_inventory(2, "sku-kayak", "fc-east"));
  EXPECT_EQ(text(request_of(one_node).body_as_QueryInventory()->node_id()), "fc-east");
  const Bytes every_node = payload_of(build_query_inventory(3, "sku-kayak"));
  EXPECT_EQ(request_of(every_node).body_as_QueryInventory()->node_id(), nullptr);
  EXPECT_EQ(request_of(payload_of(build_ping(4))).body_type(), fbs::RequestBody::Ping);
  EXPECT_EQ(request_of(payload_of(build_gateway_status_request(5))).body_type(),
            fbs::RequestBody::GatewayStatusRequest);
  const Bytes rollback = payload_of(build_rollback_policy(6, "late shipments"));
  EXPECT_EQ(text(request_of(rollback).body_as_RollbackPolicy()->reason()), "late shipments");
}

TEST(ProtocolResponses, RouteOrderResultAndOrderStateCarryTheJournaledDecision) {
  const Bytes decision = decision_bytes();
  const Bytes result = payload_of(build_route_order_result(42, decision));
  const fbs::Response& response = response_of(result);
  EXPECT_EQ(response.request_id(), 42U);
  const auto* nested = response.body_as_RouteOrderResult()->decision();
  EXPECT_THAT(std::vector<std::uint8_t>(nested->begin(), nested->end()),
              ElementsAreArray(decision));
  EXPECT_EQ(response.body_as_RouteOrderResult()->decision_nested_root()->policy_version(), 7U);

  const Bytes state =
      payload_of(build_order_state(43, "ord-1001", fbs::OrderStatus::packed, decision, 99));
  const auto* order = response_of(state).body_as_OrderState();
  EXPECT_EQ(text(order->order_id()), "ord-1001");
  EXPECT_EQ(order->status(), fbs::OrderStatus::packed);
  EXPECT_EQ(text(order->decision_nested_root()->order_id()), "ord-1001");
  EXPECT_EQ(order->journal_sequence(), 99U);

  const Bytes undecided =
      payload_of(build_order_state(44, "ord-1002", fbs::OrderStatus::accepted, {}, 0));
  EXPECT_EQ(response_of(undecided).body_as_OrderState()->decision(), nullptr);
}

TEST(ProtocolResponses, QuoteAndWriteResultsRoundTrip) {
  const Bytes quote = payload_of(build_quote_result(1, quote_bytes()));
  EXPECT_EQ(response_of(quote).body_as_QuoteResult()->quote_nested_root()->network_version(), 3U);

  const Bytes cancelled = payload_of(build_cancel_order_result(2, "ord-1", true, 17));
  const auto* cancel = response_of(cancelled).body_as_CancelOrderResult();
  EXPECT_EQ(text(cancel->order_id()), "ord-1");
  EXPECT_TRUE(cancel->released());
  EXPECT_EQ(cancel->journal_sequence(), 17U);

  const Bytes adjusted = payload_of(build_adjust_inventory_result(3, {.node_id = "fc-east",
                                                                      .sku_id = "sku-kayak",
                                                                      .on_hand = 4,
                                                                      .reserved = 6,
                                                                      .oversold_units = 2,
                                                                      .journal_sequence = 18}));
  const auto* stock = response_of(adjusted).body_as_AdjustInventoryResult();
  EXPECT_EQ(text(stock->node_id()), "fc-east");
  EXPECT_EQ(text(stock->sku_id()), "sku-kayak");
  EXPECT_EQ(stock->on_hand(), 4);
  EXPECT_EQ(stock->reserved(), 6);
  EXPECT_EQ(stock->oversold_units(), 2);
  EXPECT_EQ(stock->journal_sequence(), 18U);

  const Bytes reported = payload_of(build_report_fulfillment_result(4, "ord-1", 19, true));
  const auto* report = response_of(reported).body_as_ReportFulfillmentResult();
  EXPECT_EQ(text(report->order_id()), "ord-1");
  EXPECT_EQ(report->journal_sequence(), 19U);
  EXPECT_TRUE(report->rerouted());
}

TEST(ProtocolResponses, InventoryPongStatusAndErrorRoundTrip) {
  const std::array<NodeStockLevel, 2> levels = {
      NodeStockLevel{.node_id = "fc-east", .on_hand = 10, .reserved = 3},
      NodeStockLevel{.node_id = "store-12", .on_hand = 1, .reserved = 0}};
  const Bytes stocked = payload_of(build_inventory_state(1, "sku-kayak", levels));
  const auto* inventory = response_of(stocked).body_as_InventoryState();
  EXPECT_EQ(text(inventory->sku_id()), "sku-kayak");
  ASSERT_EQ(inventory->levels()->size(), 2U);
  EXPECT_EQ(text(inventory->levels()->Get(1)->node_id()), "store-12");
  EXPECT_EQ(inventory->levels()->Get(0)->on_hand(), 10);
  EXPECT_EQ(inventory->levels()->Get(0)->reserved(), 3);

  const Bytes ponged = payload_of(build_pong(2, "gw-nyc-1", "2026-11-24T15:04:05Z"));
  const auto* pong = response_of(ponged).body_as_Pong();
  EXPECT_EQ(text(pong->gateway_id()), "gw-nyc-1");
  EXPECT_EQ(text(pong->gateway_time()), "2026-11-24T15:04:05Z");

  const Bytes status = payload_of(build_gateway_status(3, {.gateway_id = "gw-nyc-1",
                                                           .ready = true,
                                                           .accepting = false,
                                                           .journal_last_sequence = 120,
                                                           .journal_acknowledged_sequence = 100,
                                                           .policy_version = 4,
                                                           .network_version = 5,
                                                           .ingress_queue_depth = 6,
                                                           .journal_queue_depth = 7,
                                                           .routing_workers = 2,
                                                           .uptime_seconds = 3600,
                                                           .detail = "disk full",
                                                           .sync = fbs::SyncState::disconnected,
                                                           .sync_detail = "link down",
                                                           .policy_trial_version = 9,
                                                           .policy_committed_version = 8,
                                                           .policy_previous_version = 7,
                                                           .policy_highest_accepted = 9,
                                                           .policy_detail = "policy 9 on trial"}));
  const auto* gateway = response_of(status).body_as_GatewayStatus();
  EXPECT_TRUE(gateway->ready());
  EXPECT_FALSE(gateway->accepting());
  EXPECT_EQ(gateway->journal_last_sequence(), 120U);
  EXPECT_EQ(gateway->journal_acknowledged_sequence(), 100U);
  EXPECT_EQ(gateway->policy_version(), 4U);
  EXPECT_EQ(gateway->network_version(), 5U);
  EXPECT_EQ(gateway->ingress_queue_depth(), 6U);
  EXPECT_EQ(gateway->journal_queue_depth(), 7U);
  EXPECT_EQ(gateway->routing_workers(), 2U);
  EXPECT_EQ(gateway->uptime_seconds(), 3600U);
  EXPECT_EQ(text(gateway->detail()), "disk full");
  EXPECT_EQ(gateway->sync(), fbs::SyncState::disconnected);
  EXPECT_EQ(text(gateway->sync_detail()), "link down");
  EXPECT_EQ(gateway->policy_trial_version(), 9U);
  EXPECT_EQ(gateway->policy_committed_version(), 8U);
  EXPECT_EQ(gateway->policy_previous_version(), 7U);
  EXPECT_EQ(gateway->policy_highest_accepted(), 9U);
  EXPECT_EQ(text(gateway->policy_detail()), "policy 9 on trial");

  const Bytes rolled_back = payload_of(build_policy_rolled_back(4, 8, 7, 31));
  const auto* rollback = response_of(rolled_back).body_as_PolicyRolledBack();
  ASSERT_NE(rollback, nullptr);
  EXPECT_EQ(rollback->rolled_back_version(), 8U);
  EXPECT_EQ(rollback->active_version(), 7U);
  EXPECT_EQ(rollback->sequence(), 31U);

  const Bytes error = payload_of(build_error(
      Refusal{.code = fbs::ErrorCode::busy, .message = "queues full", .request_id = 9}));
  const fbs::Response& refused = response_of(error);
  EXPECT_EQ(refused.request_id(), 9U);
  EXPECT_EQ(refused.body_as_Error()->code(), fbs::ErrorCode::busy);
  EXPECT_EQ(text(refused.body_as_Error()->message()), "queues full");
}

// ---------------------------------------------------------------------------- frames

TEST(Frame, IsALittleEndianLengthThenTheAlignedMessage) {
  const Frame frame = build_ping(1);
  const std::span<const std::uint8_t> bytes = frame.bytes();
  ASSERT_GT(bytes.size(), kFrameHeaderBytes);
  const std::size_t length = std::size_t{bytes[0]} | std::size_t{bytes[1]} << 8U |
                             std::size_t{bytes[2]} << 16U | std::size_t{bytes[3]} << 24U;
  EXPECT_EQ(length, bytes.size() - kFrameHeaderBytes);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(frame.payload().data()) % kMessageAlignment, 0U);
  const Bytes copied = encode_frame(frame.payload());
  EXPECT_THAT(copied, ElementsAreArray(bytes.begin(), bytes.end()));
  // No 8-byte field stored (request id 0 is the default): still aligned.
  const Frame unnumbered = build_error(0, fbs::ErrorCode::malformed_frame, "frame of 0 bytes");
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(unnumbered.payload().data()) % kMessageAlignment, 0U);
}

TEST(Frame, LengthZeroOrAboveTheMaximumIsRefused) {
  const std::array<std::uint8_t, 4> zero = {0, 0, 0, 0};
  const std::array<std::uint8_t, 4> max = {0, 0, 0x10, 0};  // 1 MiB
  const std::array<std::uint8_t, 4> above = {1, 0, 0x10, 0};
  const auto refused_zero = decode_frame_length(zero);
  ASSERT_FALSE(refused_zero);
  EXPECT_EQ(refused_zero.status().message(), "frame of 0 bytes");
  EXPECT_EQ(decode_frame_length(max).value(), kDefaultMaxFrameBytes);
  const auto refused_above = decode_frame_length(above);
  ASSERT_FALSE(refused_above);
  EXPECT_EQ(refused_above.status().code(), StatusCode::out_of_range);
  EXPECT_EQ(refused_above.status().message(),
            "frame of 1048577 bytes exceeds the maximum of 1048576 bytes");
}

// Three frames whose payload lengths leave the next header at every alignment.
Bytes three_frames() {
  Bytes stream;
  for (const std::size_t length : {13U, 8U, 30U}) {
    Bytes payload(length);
    for (std::size_t i = 0; i < length; ++i) payload[i] = static_cast<std::uint8_t>(length + i);
    const Bytes frame = encode_frame(payload);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  return stream;
}

std::vector<Bytes> drain(FrameReader& reader) {
  std::vector<Bytes> payloads;
  while (true) {
    auto next = reader.next();
    EDGEROUTE_ASSERT(next, "the reader refused a good stream");
    if (!*next) return payloads;
    const std::span<const std::uint8_t> payload = **next;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(payload.data()) % kMessageAlignment, 0U);
    payloads.emplace_back(payload.begin(), payload.end());
  }
}

TEST(FrameReader, CutsTheSameFramesWhereverTheStreamIsSplit) {
  const Bytes stream = three_frames();
  std::vector<Bytes> expected;
  {
    FrameReader whole;
    ASSERT_EQ(whole.append(stream), stream.size());
    expected = drain(whole);
  }
  ASSERT_EQ(expected.size(), 3U);
  EXPECT_EQ(expected[0].size(), 13U);
  EXPECT_EQ(expected[2].size(), 30U);
  EXPECT_EQ(expected[2][0], 30U);
  for (std::size_t first = 0; first <= stream.size(); ++first) {
    for (std::size_t second = first; second <= stream.size(); ++second) {
      FrameReader reader;
      std::vector<Bytes> got;
      const std::span<const std::uint8_t> all(stream);
      for (const auto piece :
           {all.subspan(0, first), all.subspan(first, second - first), all.subspan(second)}) {
        ASSERT_EQ(reader.append(piece), piece.size());
        for (Bytes& payload : drain(reader)) got.push_back(std::move(payload));
      }
      EXPECT_EQ(got, expected) << "split at " << first << " and " << second;
      EXPECT_EQ(reader.buffered(), 0U);
    }
  }
}

TEST(FrameReader, ByteAtATimeYieldsEachFrameOnItsLastByte) {
  const Bytes stream = three_frames();
  FrameReader reader;
  std::vector<std::size_t> completed_at;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    ASSERT_EQ(reader.append(std::span(stream).subspan(i, 1)), 1U);
    if (!drain(reader).empty()) completed_at.push_back(i + 1);
  }
  EXPECT_THAT(completed_at, ElementsAre(17U, 29U, 63U));
}

TEST(FrameReader, RefusesALengthOfZeroAndStaysRefused) {
  FrameReader reader;
  const Bytes stream = {0, 0, 0, 0, 1, 2, 3};
  ASSERT_EQ(reader.append(stream), stream.size());
  for (int call = 0; call < 2; ++call) {
    const auto next = reader.next();
    ASSERT_FALSE(next);
    EXPECT_EQ(next.refusal().code, fbs::ErrorCode::malformed_frame);
    EXPECT_EQ(next.refusal().message, "frame of 0 bytes");
    EXPECT_EQ(next.refusal().request_id, 0U);
  }
  EXPECT_EQ(reader.room(), 0U);
}

TEST(FrameReader, RefusesAnOversizedLengthBeforeItsPayloadArrives) {
  FrameReader reader(64);
  const Bytes header = {65, 0, 0, 0};
  ASSERT_EQ(reader.append(header), header.size());
  const auto next = reader.next();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.refusal().code, fbs::ErrorCode::frame_too_large);
  EXPECT_EQ(next.refusal().message, "frame of 65 bytes exceeds the maximum of 64 bytes");
  EXPECT_EQ(reader.append(Bytes(10, 0)), 0U);
}

TEST(FrameReader, NeverBuffersMoreThanOneMaximalFrame) {
  FrameReader reader(64);
  const Bytes largest = encode_frame(Bytes(64, 7));
  Bytes stream;
  for (int i = 0; i < 5; ++i) stream.insert(stream.end(), largest.begin(), largest.end());
  std::size_t frames = 0;
  std::span<const std::uint8_t> rest(stream);
  while (!rest.empty()) {
    EXPECT_LE(reader.buffered() + reader.room(), 68U);
    const std::size_t taken = reader.append(rest);
    ASSERT_GT(taken, 0U);  // there is room once the frames held are taken
    rest = rest.subspan(taken);
    EXPECT_LE(reader.buffered(), 68U);
    frames += drain(reader).size();
  }
  EXPECT_EQ(frames, 5U);
}

TEST(FrameReader, HandsOutFramesReadStraightIntoItsBuffer) {
  const Bytes stream = three_frames();
  FrameReader reader;
  std::size_t offset = 0;
  std::size_t frames = 0;
  while (offset < stream.size()) {
    const std::span<std::uint8_t> space = reader.prepare(5);
    const std::size_t n = std::min(space.size(), stream.size() - offset);
    std::memcpy(space.data(), stream.data() + offset, n);
    reader.commit(n);
    offset += n;
    frames += drain(reader).size();
  }
  EXPECT_EQ(frames, 3U);
}

// ---------------------------------------------------------------------- verification

TEST(VerifyRequest, RefusesTooShortGarbageAndForeignBuffers) {
  EXPECT_EQ(request_refusal(Bytes{}).message, "frame of 0 bytes");
  EXPECT_EQ(request_refusal(Bytes{1, 2, 3}).message, "frame of 3 bytes is too short for a message");
  const Refusal garbage = request_refusal(Bytes(40, 0xAB));
  EXPECT_EQ(garbage.code, fbs::ErrorCode::malformed_frame);
  EXPECT_EQ(garbage.message,
            R"(frame is not a Request (file identifier "\xab\xab\xab\xab", expected "ERRQ"))");
  EXPECT_EQ(request_refusal(decision_bytes()).message,
            R"(frame is not a Request (file identifier "ERDE", expected "ERRQ"))");
  EXPECT_EQ(request_refusal(payload_of(build_pong(3, "gw", "now"))).message,
            "frame holds a Response, not a Request");
  EXPECT_EQ(verify_response(payload_of(build_ping(3))).refusal().message,
            "frame holds a Request, not a Response");
}

TEST(VerifyRequest, RefusesEveryTruncationOfAValidRequest) {
  const Bytes whole = payload_of(build_route_order(42, order_bytes()));
  for (std::size_t length = 0; length < whole.size(); ++length) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length));
    const auto verified = verify_request(cut);
    ASSERT_FALSE(verified) << "accepted the first " << length << " bytes";
    EXPECT_EQ(verified.refusal().code, fbs::ErrorCode::malformed_frame);
  }
}

TEST(VerifyRequest, RefusesACorruptedNestedOrderNamingTheFieldAndRequest) {
  Bytes order = order_bytes();
  order[0] = 0xF0;  // the nested buffer's root offset now points past its end
  order[1] = 0xFF;
  const Refusal refusal = request_refusal(payload_of(build_route_order(42, order)));
  EXPECT_EQ(refusal.code, fbs::ErrorCode::malformed_frame);
  EXPECT_EQ(refusal.message, "request 42: RouteOrder.order is not a valid Order buffer");
  EXPECT_EQ(refusal.request_id, 42U);
}

TEST(VerifyRequest, RefusesANestedBufferOfTheWrongType) {
  const Refusal as_order = request_refusal(payload_of(build_route_order(6, decision_bytes())));
  EXPECT_EQ(
      as_order.message,
      R"(request 6: RouteOrder.order is not an Order buffer (file identifier "EROR" expected))");
  const Bytes wrong_decision = payload_of(build_route_order_result(7, order_bytes()));
  EXPECT_EQ(
      verify_response(wrong_decision).refusal().message,
      R"(response 7: RouteOrderResult.decision is not a Decision buffer (file identifier "ERDE" expected))");
}

// A RouteOrder whose nested order starts 4 bytes off an 8-byte boundary, as a builder
// that does not force the alignment may place it.
Bytes route_order_with_misaligned_order() {
  const Bytes order = order_bytes();
  for (std::size_t padding = 1; padding <= 8; ++padding) {
    flatbuffers::FlatBufferBuilder builder;
    builder.CreateString(std::string(padding, 'x'));
    const auto bytes = builder.CreateVector(order);
    const auto body = fbs::CreateRouteOrder(builder, bytes);
    builder.Finish(fbs::CreateRequest(builder, 11, fbs::RequestBody::RouteOrder, body.Union()),
                   kRequestIdentifier);
    Bytes payload(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
    const auto* request = flatbuffers::GetRoot<fbs::Request>(payload.data());
    const auto* nested = request->body_as_RouteOrder()->order()->data();
    if (reinterpret_cast<std::uintptr_t>(nested) % kMessageAlignment != 0) return payload;
  }
  return {};
}

TEST(VerifyRequest, RefusesANestedBufferOffItsAlignment) {
  const Bytes payload = route_order_with_misaligned_order();
  ASSERT_FALSE(payload.empty());
  EXPECT_EQ(request_refusal(payload).message,
            "request 11: RouteOrder.order does not start at an 8-byte boundary of the message");
}

TEST(VerifyRequest, RecoversTheRequestIdFromABrokenBody) {
  flatbuffers::FlatBufferBuilder builder;
  // A CancelOrder without its required order_id (CreateCancelOrder would not build it).
  const flatbuffers::uoffset_t start = builder.StartTable();
  const flatbuffers::Offset<fbs::CancelOrder> empty(builder.EndTable(start));
  builder.Finish(fbs::CreateRequest(builder, 9, fbs::RequestBody::CancelOrder, empty.Union()),
                 kRequestIdentifier);
  const Bytes payload(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  EXPECT_EQ(readable_request_id(payload), std::optional<std::uint64_t>(9));
  const Refusal refusal = request_refusal(payload);
  EXPECT_EQ(refusal.code, fbs::ErrorCode::malformed_frame);
  EXPECT_EQ(refusal.message, "request 9: CancelOrder.order_id is missing");
  EXPECT_EQ(refusal.request_id, 9U);
}

TEST(VerifyRequest, AnswersABodyTypeItDoesNotKnowWithUnknownRequest) {
  flatbuffers::FlatBufferBuilder builder;
  const auto ping = fbs::CreatePing(builder);
  builder.Finish(fbs::CreateRequest(builder, 12, static_cast<fbs::RequestBody>(77), ping.Union()),
                 kRequestIdentifier);
  const Bytes payload(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  const Refusal refusal = request_refusal(payload);
  EXPECT_EQ(refusal.code, fbs::ErrorCode::unknown_request);
  EXPECT_EQ(refusal.message, "request 12: unknown request type 77 (this build knows 1 to 10)");
  EXPECT_EQ(refusal.request_id, 12U);
}

TEST(VerifyRequest, RefusesAdjustmentsWhoseQuantityContradictsTheirKind) {
  const auto refused = [](const Frame& frame) {
    const Refusal refusal = request_refusal(payload_of(frame));
    EXPECT_EQ(refusal.code, fbs::ErrorCode::invalid_request);
    return refusal.message;
  };
  EXPECT_EQ(refused(build_receipt(1, "fc", "sku", -3)),
            "request 1: AdjustInventory.delta of a receipt must be positive, not -3");
  EXPECT_EQ(refused(build_damage(2, "fc", "sku", -3)),
            "request 2: AdjustInventory.delta of a damage must be negative, not 3");
  EXPECT_EQ(refused(build_cycle_count(3, "fc", "sku", -1)),
            "request 3: AdjustInventory.counted must be 0 or more, not -1");
  EXPECT_EQ(refused(build_receipt(4, "", "sku", 1)), "request 4: AdjustInventory.node_id is empty");

  flatbuffers::FlatBufferBuilder builder;
  const auto both = fbs::CreateAdjustInventoryDirect(builder, "fc", "sku",
                                                     fbs::AdjustmentKind::cycle_count, 5, 7);
  builder.Finish(fbs::CreateRequest(builder, 5, fbs::RequestBody::AdjustInventory, both.Union()),
                 kRequestIdentifier);
  const Bytes payload(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  EXPECT_EQ(request_refusal(payload).message,
            "request 5: AdjustInventory.delta is not used by a cycle_count (use counted)");
}

TEST(VerifyRequest, RequiresAnExceptionCodeForDelayedAndFailedEvents) {
  const Refusal refusal = request_refusal(
      payload_of(build_report_fulfillment(6, {.order_id = "ord-1",
                                              .node_id = "fc",
                                              .event = fbs::FulfillmentEventKind::delayed,
                                              .occurred_at = "2026-11-25T10:00:00Z",
                                              .exception_code = {},
                                              .detail = {},
                                              .expected_delivery_date = {}})));
  EXPECT_EQ(refusal.code, fbs::ErrorCode::invalid_request);
  EXPECT_EQ(refusal.message,
            "request 6: ReportFulfillment.exception_code is required for a delayed event");
}

TEST(VerifyRequest, ReservesRequestIdZero) {
  const Refusal refusal = request_refusal(payload_of(build_ping(0)));
  EXPECT_EQ(refusal.code, fbs::ErrorCode::invalid_request);
  EXPECT_EQ(refusal.message, "request 0: request id 0 is reserved; number requests from 1");
}

TEST(VerifyResponse, AcceptsAnInventoryOfManyNodes) {
  std::vector<std::string> node_ids;
  for (int i = 0; i < 300; ++i) node_ids.push_back("node-" + std::to_string(i));
  std::vector<NodeStockLevel> levels;
  for (const std::string& node_id : node_ids)
    levels.push_back({.node_id = node_id, .on_hand = 1, .reserved = 0});
  const Bytes payload = payload_of(build_inventory_state(1, "sku-kayak", levels));
  const auto verified = verify_response(payload);
  ASSERT_TRUE(verified) << verified.refusal().message;
  EXPECT_EQ((*verified)->body_as_InventoryState()->levels()->size(), 300U);
}

TEST(VerifyResponse, NamesTheBrokenElementOfAList) {
  flatbuffers::FlatBufferBuilder builder;
  const flatbuffers::uoffset_t start = builder.StartTable();  // a NodeStock without node_id
  const flatbuffers::Offset<fbs::NodeStock> nameless(builder.EndTable(start));
  const auto good = fbs::CreateNodeStockDirect(builder, "fc-east", 1, 0);
  const auto levels = builder.CreateVector(std::vector{good, nameless});
  const auto state = fbs::CreateInventoryState(builder, builder.CreateString("sku"), levels);
  builder.Finish(fbs::CreateResponse(builder, 4, fbs::ResponseBody::InventoryState, state.Union()),
                 kResponseIdentifier);
  const Bytes payload(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  const auto verified = verify_response(payload);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.refusal().message, "response 4: InventoryState.levels[1].node_id is missing");
}

// ------------------------------------------------------------------- blocking client

// A one-connection server on the loopback interface: answers each Ping with a Pong
// (in order), each QueryOrder for "hang-up" by closing, and ignores everything else.
class LoopbackGateway {
 public:
  LoopbackGateway() : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackGateway() { thread_.join(); }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void serve() {
    asio::ip::tcp::socket socket(io_);
    acceptor_.accept(socket);
    FrameReader reader;
    std::array<std::uint8_t, 4096> chunk{};
    asio::error_code error;
    while (true) {
      const std::size_t n = socket.read_some(asio::buffer(chunk), error);
      if (error) return;
      std::span<const std::uint8_t> rest(chunk.data(), n);
      while (!rest.empty()) {
        rest = rest.subspan(reader.append(rest));
        while (true) {
          auto next = reader.next();
          if (!next || !*next) break;
          const auto request = verify_request(**next);
          if (!request) continue;
          if ((*request)->body_type() == fbs::RequestBody::Ping) {
            const Frame pong = build_pong((*request)->request_id(), "gw-test", "now");
            asio::write(socket, asio::buffer(pong.bytes().data(), pong.bytes().size()), error);
          } else if ((*request)->body_type() == fbs::RequestBody::QueryOrder) {
            socket.close(error);
            return;
          }
        }
      }
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

constexpr std::chrono::milliseconds kPatience{5000};

TEST(BlockingClient, PipelinesRequestsAndMatchesResponsesById) {
  LoopbackGateway gateway;
  auto client = BlockingClient::connect("127.0.0.1", gateway.port(), kPatience);
  ASSERT_TRUE(client) << client.status().to_string();
  for (std::uint64_t id = 1; id <= 3; ++id) ASSERT_TRUE(client->send(build_ping(id)).is_ok());
  std::vector<std::uint64_t> answered;
  for (int i = 0; i < 3; ++i) {
    auto response = client->receive(kPatience);
    ASSERT_TRUE(response) << response.status().to_string();
    EXPECT_EQ(response->body_type(), fbs::ResponseBody::Pong);
    EXPECT_EQ(text(response->response().body_as_Pong()->gateway_id()), "gw-test");
    answered.push_back(response->request_id());
  }
  EXPECT_THAT(answered, ElementsAre(1U, 2U, 3U));
  client->close();
}

TEST(BlockingClient, ReceiveTimesOutNamingThePeerAndStaysUsable) {
  LoopbackGateway gateway;
  auto client = BlockingClient::connect("127.0.0.1", gateway.port(), kPatience);
  ASSERT_TRUE(client) << client.status().to_string();
  ASSERT_TRUE(client->send(build_gateway_status_request(1)).is_ok());  // never answered
  const auto silent = client->receive(std::chrono::milliseconds(50));
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.status().code(), StatusCode::unavailable);
  EXPECT_EQ(silent.status().message(),
            "127.0.0.1:" + std::to_string(gateway.port()) + ": no response within 50 ms");
  ASSERT_TRUE(client->send(build_ping(2)).is_ok());
  const auto answered = client->receive(kPatience);
  ASSERT_TRUE(answered) << answered.status().to_string();
  EXPECT_EQ(answered->request_id(), 2U);
  client->close();
}

TEST(BlockingClient, ReportsAConnectionTheGatewayClosed) {
  LoopbackGateway gateway;
  auto client = BlockingClient::connect("127.0.0.1", gateway.port(), kPatience);
  ASSERT_TRUE(client) << client.status().to_string();
  ASSERT_TRUE(client->send(build_query_order(1, "hang-up")).is_ok());
  const auto closed = client->receive(kPatience);
  ASSERT_FALSE(closed);
  EXPECT_THAT(closed.status().message(), HasSubstr(": connection closed by the gateway"));
  EXPECT_FALSE(client->is_open());
}

TEST(BlockingClient, ReportsARefusedConnectionNamingHostAndPort) {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  const auto client = BlockingClient::connect("127.0.0.1", port, kPatience);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.status().code(), StatusCode::unavailable);
  EXPECT_EQ(client.status().message(),
            "127.0.0.1:" + std::to_string(port) + ": connection refused");
}

}  // namespace
}  // namespace edgeroute::protocol
