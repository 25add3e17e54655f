#include "edgeroute/protocol/builders.h"

#include <utility>
#include <vector>

#include "edgeroute/protocol/verify.h"

namespace edgeroute::protocol {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// Room for a small message without the builder growing; big ones grow once or twice.
constexpr std::size_t kInitialBuilderBytes = 256;

template <typename Body>
Frame finish_request(FlatBufferBuilder& builder, std::uint64_t request_id, Offset<Body> body) {
  const auto request = fbs::CreateRequest(builder, request_id,
                                          fbs::RequestBodyTraits<Body>::enum_value, body.Union());
  builder.Finish(request, kRequestIdentifier);
  return Frame(std::move(builder));
}

template <typename Body>
Frame finish_response(FlatBufferBuilder& builder, std::uint64_t request_id, Offset<Body> body) {
  const auto response = fbs::CreateResponse(
      builder, request_id, fbs::ResponseBodyTraits<Body>::enum_value, body.Union());
  builder.Finish(response, kResponseIdentifier);
  return Frame(std::move(builder));
}

// Absent when empty.
Offset<flatbuffers::String> optional_string(FlatBufferBuilder& builder, std::string_view text) {
  return text.empty() ? 0 : builder.CreateString(text);
}

Frame build_adjustment(std::uint64_t request_id, std::string_view node_id, std::string_view sku_id,
                       fbs::AdjustmentKind kind, flatbuffers::Optional<std::int32_t> delta,
                       flatbuffers::Optional<std::int32_t> counted, std::string_view reference) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateAdjustInventory(builder, builder.CreateString(node_id),
                                               builder.CreateString(sku_id), kind, delta, counted,
                                               optional_string(builder, reference));
  return finish_request(builder, request_id, body);
}

}  // namespace

Frame build_route_order(std::uint64_t request_id, std::span<const std::uint8_t> order) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + order.size());
  const auto body = fbs::CreateRouteOrder(builder, nested_buffer(builder, order));
  return finish_request(builder, request_id, body);
}

Frame build_quote_request(std::uint64_t request_id, std::span<const std::uint8_t> order) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + order.size());
  const auto body = fbs::CreateQuoteRequest(builder, nested_buffer(builder, order));
  return finish_request(builder, request_id, body);
}

Frame build_cancel_order(std::uint64_t request_id, std::string_view order_id,
                         std::string_view reason) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateCancelOrder(builder, builder.CreateString(order_id),
                                           optional_string(builder, reason));
  return finish_request(builder, request_id, body);
}

Frame build_receipt(std::uint64_t request_id, std::string_view node_id, std::string_view sku_id,
                    std::int32_t units, std::string_view reference) {
  return build_adjustment(request_id, node_id, sku_id, fbs::AdjustmentKind::receipt, units,
                          flatbuffers::nullopt, reference);
}

Frame build_cycle_count(std::uint64_t request_id, std::string_view node_id, std::string_view sku_id,
                        std::int32_t counted, std::string_view reference) {
  return build_adjustment(request_id, node_id, sku_id, fbs::AdjustmentKind::cycle_count,
                          flatbuffers::nullopt, counted, reference);
}

Frame build_damage(std::uint64_t request_id, std::string_view node_id, std::string_view sku_id,
                   std::int32_t units, std::string_view reference) {
  // Negated in 64 bits: -INT32_MIN does not fit (it wraps back, and verify refuses it).
  const auto delta = static_cast<std::int32_t>(-std::int64_t{units});
  return build_adjustment(request_id, node_id, sku_id, fbs::AdjustmentKind::damage, delta,
                          flatbuffers::nullopt, reference);
}

Frame build_report_fulfillment(std::uint64_t request_id, const FulfillmentReport& report) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateReportFulfillment(
      builder, builder.CreateString(report.order_id), builder.CreateString(report.node_id),
      report.event, builder.CreateString(report.occurred_at),
      optional_string(builder, report.exception_code), optional_string(builder, report.detail),
      optional_string(builder, report.expected_delivery_date));
  return finish_request(builder, request_id, body);
}

Frame build_query_order(std::uint64_t request_id, std::string_view order_id) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateQueryOrder(builder, builder.CreateString(order_id));
  return finish_request(builder, request_id, body);
}

Frame build_query_inventory(std::uint64_t request_id, std::string_view sku_id,
                            std::string_view node_id) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateQueryInventory(builder, builder.CreateString(sku_id),
                                              optional_string(builder, node_id));
  return finish_request(builder, request_id, body);
}

Frame build_ping(std::uint64_t request_id) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  return finish_request(builder, request_id, fbs::CreatePing(builder));
}

Frame build_gateway_status_request(std::uint64_t request_id) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  return finish_request(builder, request_id, fbs::CreateGatewayStatusRequest(builder));
}

Frame build_rollback_policy(std::uint64_t request_id, std::string_view reason) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + reason.size());
  return finish_request(builder, request_id,
                        fbs::CreateRollbackPolicy(builder, optional_string(builder, reason)));
}

Frame build_route_order_result(std::uint64_t request_id, std::span<const std::uint8_t> decision) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + decision.size());
  const auto body = fbs::CreateRouteOrderResult(builder, nested_buffer(builder, decision));
  return finish_response(builder, request_id, body);
}

Frame build_quote_result(std::uint64_t request_id, std::span<const std::uint8_t> quote) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + quote.size());
  const auto body = fbs::CreateQuoteResult(builder, nested_buffer(builder, quote));
  return finish_response(builder, request_id, body);
}

Frame build_cancel_order_result(std::uint64_t request_id, std::string_view order_id, bool released,
                                std::uint64_t journal_sequence) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateCancelOrderResult(builder, builder.CreateString(order_id), released,
                                                 journal_sequence);
  return finish_response(builder, request_id, body);
}

Frame build_adjust_inventory_result(std::uint64_t request_id, const StockAfterAdjustment& stock) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateAdjustInventoryResult(
      builder, builder.CreateString(stock.node_id), builder.CreateString(stock.sku_id),
      stock.on_hand, stock.reserved, stock.oversold_units, stock.journal_sequence);
  return finish_response(builder, request_id, body);
}

Frame build_report_fulfillment_result(std::uint64_t request_id, std::string_view order_id,
                                      std::uint64_t journal_sequence, bool rerouted) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateReportFulfillmentResult(builder, builder.CreateString(order_id),
                                                       journal_sequence, rerouted);
  return finish_response(builder, request_id, body);
}

Frame build_order_state(std::uint64_t request_id, std::string_view order_id,
                        fbs::OrderStatus status, std::span<const std::uint8_t> decision,
                        std::uint64_t journal_sequence) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + decision.size());
  const auto decision_bytes = nested_buffer(builder, decision);
  const auto body = fbs::CreateOrderState(builder, builder.CreateString(order_id), status,
                                          decision_bytes, journal_sequence);
  return finish_response(builder, request_id, body);
}

Frame build_inventory_state(std::uint64_t request_id, std::string_view sku_id,
                            std::span<const NodeStockLevel> levels) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + levels.size() * 32);
  std::vector<Offset<fbs::NodeStock>> stocks;
  stocks.reserve(levels.size());
  for (const NodeStockLevel& level : levels) {
    stocks.push_back(fbs::CreateNodeStock(builder, builder.CreateString(level.node_id),
                                          level.on_hand, level.reserved));
  }
  const auto body = fbs::CreateInventoryState(builder, builder.CreateString(sku_id),
                                              builder.CreateVector(stocks));
  return finish_response(builder, request_id, body);
}

Frame build_pong(std::uint64_t request_id, std::string_view gateway_id,
                 std::string_view gateway_time) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreatePong(builder, optional_string(builder, gateway_id),
                                    optional_string(builder, gateway_time));
  return finish_response(builder, request_id, body);
}

Frame build_gateway_status(std::uint64_t request_id, const GatewayStatusReport& status) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body = fbs::CreateGatewayStatus(
      builder, optional_string(builder, status.gateway_id), status.ready, status.accepting,
      status.journal_last_sequence, status.journal_acknowledged_sequence, status.policy_version,
      status.network_version, status.ingress_queue_depth, status.journal_queue_depth,
      status.routing_workers, status.uptime_seconds, optional_string(builder, status.detail),
      status.sync, optional_string(builder, status.sync_detail), status.policy_trial_version,
      status.policy_committed_version, status.policy_previous_version,
      status.policy_highest_accepted, optional_string(builder, status.policy_detail),
      status.escrow_leases, status.escrow_unreserved_units, status.escrow_expired_leases);
  return finish_response(builder, request_id, body);
}

Frame build_policy_rolled_back(std::uint64_t request_id, std::uint64_t rolled_back_version,
                               std::uint64_t active_version, std::uint64_t journal_sequence) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes);
  const auto body =
      fbs::CreatePolicyRolledBack(builder, rolled_back_version, active_version, journal_sequence);
  return finish_response(builder, request_id, body);
}

Frame build_error(std::uint64_t request_id, fbs::ErrorCode code, std::string_view message) {
  FlatBufferBuilder builder = message_builder(kInitialBuilderBytes + message.size());
  const auto body = fbs::CreateError(builder, code, optional_string(builder, message));
  return finish_response(builder, request_id, body);
}

Frame build_error(const Refusal& refusal) {
  return build_error(refusal.request_id, refusal.code, refusal.message);
}

}  // namespace edgeroute::protocol
