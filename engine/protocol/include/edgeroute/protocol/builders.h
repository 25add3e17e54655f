// Builders of every Request and Response (protocol.fbs), each returning the finished
// frame ready to send: used by the gateway to answer, by `edgeroute send`, the load
// generator and the tests to ask. Orders, decisions and quotes are passed as the
// finished routing buffers they already are (an OrderDocument's or DecisionDocument's
// bytes) and nested byte for byte, at the 8-byte alignment their readers need.
//
// The builders check nothing a peer could get wrong: what they build is exactly what
// they are given, so tests can build refusable messages too. Strings are copied;
// an empty string_view for an optional string leaves the field absent.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "edgeroute/protocol/checked.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"
#include "edgeroute/protocol/frame.h"

namespace edgeroute::protocol {

// ------------------------------------------------------------------------- requests

Frame build_route_order(std::uint64_t request_id, std::span<const std::uint8_t> order);
Frame build_quote_request(std::uint64_t request_id, std::span<const std::uint8_t> order);
Frame build_cancel_order(std::uint64_t request_id, std::string_view order_id,
                         std::string_view reason = {});

// Inventory adjustments, one builder per kind so that each quantity has one meaning.
// `units` arrived: on-hand += units.
Frame build_receipt(std::uint64_t request_id, std::string_view node_id, std::string_view sku_id,
                    std::int32_t units, std::string_view reference = {});
// A count found `counted` units: on-hand = counted.
Frame build_cycle_count(std::uint64_t request_id, std::string_view node_id, std::string_view sku_id,
                        std::int32_t counted, std::string_view reference = {});
// `units` found damaged or lost: on-hand -= units (sent as delta = -units).
Frame build_damage(std::uint64_t request_id, std::string_view node_id, std::string_view sku_id,
                   std::int32_t units, std::string_view reference = {});

struct FulfillmentReport {
  std::string_view order_id;
  std::string_view node_id;
  fbs::FulfillmentEventKind event = fbs::FulfillmentEventKind::picked;
  std::string_view occurred_at;     // UTC, RFC 3339
  std::string_view exception_code;  // delayed and failed
  std::string_view detail;
  std::string_view expected_delivery_date;  // delayed: "YYYY-MM-DD"
};
Frame build_report_fulfillment(std::uint64_t request_id, const FulfillmentReport& report);

Frame build_query_order(std::uint64_t request_id, std::string_view order_id);
// An empty node_id asks about every node.
Frame build_query_inventory(std::uint64_t request_id, std::string_view sku_id,
                            std::string_view node_id = {});
Frame build_ping(std::uint64_t request_id);
Frame build_gateway_status_request(std::uint64_t request_id);
Frame build_rollback_policy(std::uint64_t request_id, std::string_view reason);

// ------------------------------------------------------------------------ responses

Frame build_route_order_result(std::uint64_t request_id, std::span<const std::uint8_t> decision);
Frame build_quote_result(std::uint64_t request_id, std::span<const std::uint8_t> quote);
Frame build_cancel_order_result(std::uint64_t request_id, std::string_view order_id, bool released,
                                std::uint64_t journal_sequence);

struct StockAfterAdjustment {
  std::string_view node_id;
  std::string_view sku_id;
  std::int32_t on_hand = 0;
  std::int32_t reserved = 0;
  std::int32_t oversold_units = 0;
  std::uint64_t journal_sequence = 0;
};
Frame build_adjust_inventory_result(std::uint64_t request_id, const StockAfterAdjustment& stock);

Frame build_report_fulfillment_result(std::uint64_t request_id, std::string_view order_id,
                                      std::uint64_t journal_sequence, bool rerouted);

// An empty `decision` leaves it absent (an order still being decided).
Frame build_order_state(std::uint64_t request_id, std::string_view order_id,
                        fbs::OrderStatus status, std::span<const std::uint8_t> decision,
                        std::uint64_t journal_sequence);

struct NodeStockLevel {
  std::string_view node_id;
  std::int32_t on_hand = 0;
  std::int32_t reserved = 0;
};
Frame build_inventory_state(std::uint64_t request_id, std::string_view sku_id,
                            std::span<const NodeStockLevel> levels);

Frame build_pong(std::uint64_t request_id, std::string_view gateway_id,
                 std::string_view gateway_time);

struct GatewayStatusReport {
  std::string_view gateway_id;
  bool ready = false;
  bool accepting = false;
  std::uint64_t journal_last_sequence = 0;
  std::uint64_t journal_acknowledged_sequence = 0;
  std::uint64_t policy_version = 0;
  std::uint64_t network_version = 0;
  std::uint32_t ingress_queue_depth = 0;
  std::uint32_t journal_queue_depth = 0;
  std::uint32_t routing_workers = 0;
  std::uint64_t uptime_seconds = 0;
  std::string_view detail;
  fbs::SyncState sync = fbs::SyncState::off;
  std::string_view sync_detail;
  std::uint64_t policy_trial_version = 0;
  std::uint64_t policy_committed_version = 0;
  std::uint64_t policy_previous_version = 0;
  std::uint64_t policy_highest_accepted = 0;
  std::string_view policy_detail;
  std::uint32_t escrow_leases = 0;
  std::uint64_t escrow_unreserved_units = 0;
  std::uint32_t escrow_expired_leases = 0;
};
Frame build_gateway_status(std::uint64_t request_id, const GatewayStatusReport& status);

Frame build_policy_rolled_back(std::uint64_t request_id, std::uint64_t rolled_back_version,
                               std::uint64_t active_version, std::uint64_t journal_sequence);

Frame build_error(std::uint64_t request_id, fbs::ErrorCode code, std::string_view message);
// The answer to a refused frame or message (verify.h, FrameReader).
Frame build_error(const Refusal& refusal);

}  // namespace edgeroute::protocol
