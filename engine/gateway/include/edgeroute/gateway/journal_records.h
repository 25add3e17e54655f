// The gateway's journal payloads (schema/journal_records.fbs): built by the workers that
// make a change, read back (verified first) when the state is restored.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/gateway/fbs/journal_records_generated.h"
#include "edgeroute/gateway/held_reservation.h"
#include "edgeroute/gateway/order_book.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/network_model.h"

namespace edgeroute::gateway {

// `order`: the order as received (empty for none), kept so that a re-route can plan
// the order again after a restart.
std::vector<std::uint8_t> build_decision_record(std::span<const std::uint8_t> decision_document,
                                                const HeldReservation& held,
                                                const routing::NetworkModel& network,
                                                std::span<const std::uint8_t> order = {});
std::vector<std::uint8_t> build_release_record(std::string_view reason);
std::vector<std::uint8_t> build_adjustment_record(std::string_view sku_id, std::string_view node_id,
                                                  protocol::fbs::AdjustmentKind kind,
                                                  std::int32_t delta, std::int32_t counted,
                                                  std::string_view reference);
struct FulfillmentFacts {
  std::string_view node_id;
  protocol::fbs::FulfillmentEventKind event = protocol::fbs::FulfillmentEventKind::picked;
  std::string_view occurred_at;
  std::string_view exception_code;
  std::string_view detail;
  std::string_view expected_delivery_date;  // delayed
  bool recovered = false;  // the event closes an open exception (RerouteRecord docs)
};
std::vector<std::uint8_t> build_fulfillment_record(const FulfillmentFacts& facts,
                                                   std::span<const HeldStock> shipped,
                                                   const routing::NetworkModel& network);
// A re-route away from `from_node_id`: what was given back there, the new decision for
// the moved lines, and what it holds.
std::vector<std::uint8_t> build_reroute_record(std::string_view from_node_id,
                                               const HeldReservation& released,
                                               std::span<const std::uint8_t> decision_document,
                                               const HeldReservation& held,
                                               const routing::NetworkModel& network);

// A change of the routing policy (PolicyChangeRecord's fields).
struct PolicyChangeFacts {
  fbs::PolicyChangeKind change = fbs::PolicyChangeKind::refused;
  std::uint64_t version = 0;
  std::uint64_t active_version = 0;
  std::string_view policy_json;  // trial only
  std::string_view reason;
};
std::vector<std::uint8_t> build_policy_change_record(const PolicyChangeFacts& facts);
std::vector<std::uint8_t> build_network_change_record(fbs::NetworkChangeKind change,
                                                      std::string_view node_id,
                                                      std::string_view reason,
                                                      std::string_view reference);
// A change of an escrow lease (EscrowChangeRecord's fields).
struct EscrowChangeFacts {
  fbs::EscrowChangeKind change = fbs::EscrowChangeKind::granted;
  std::string_view node_id;
  std::string_view sku_id;
  std::uint64_t epoch = 0;
  std::int32_t units = 0;
  std::int64_t expires_at_us = 0;  // granted
  std::string_view reference;      // granted
};
std::vector<std::uint8_t> build_escrow_change_record(const EscrowChangeFacts& facts);

// Verified views of a payload; corruption naming what is wrong otherwise. The decision
// record's nested decision document is verified too.
Result<const fbs::DecisionRecord*> read_decision_record(std::span<const std::uint8_t> payload);
Result<const fbs::AdjustmentRecord*> read_adjustment_record(std::span<const std::uint8_t> payload);
Result<const fbs::FulfillmentRecord*> read_fulfillment_record(
    std::span<const std::uint8_t> payload);
Result<const fbs::RerouteRecord*> read_reroute_record(std::span<const std::uint8_t> payload);
// Also checks that a trial carries its policy document.
Result<const fbs::PolicyChangeRecord*> read_policy_change_record(
    std::span<const std::uint8_t> payload);
Result<const fbs::NetworkChangeRecord*> read_network_change_record(
    std::span<const std::uint8_t> payload);
// Also checks that the units are not negative.
Result<const fbs::EscrowChangeRecord*> read_escrow_change_record(
    std::span<const std::uint8_t> payload);

// REQUIRES: `record` came from read_decision_record (read_reroute_record).
const routing::fbs::Decision& decision_of(const fbs::DecisionRecord& record);
const routing::fbs::Decision& decision_of(const fbs::RerouteRecord& record);

// The on_hand an adjustment leaves behind, from the on_hand it finds: a cycle count sets
// it, a receipt or damage moves it, clamped to [0, INT32_MAX]. The gateway applies it in
// journal order when the adjustment is durable, and replay applies it in the same order,
// so both reach the same figure.
std::int32_t adjusted_on_hand(std::int32_t on_hand, protocol::fbs::AdjustmentKind kind,
                              std::int32_t delta, std::int32_t counted);

// The on_hand an escrow change leaves behind: a grant adds its units (clamped at
// INT32_MAX), a return takes its units out (never below 0). The gateway applies it once
// the entry is durable, and replay applies it in journal order.
std::int32_t escrow_on_hand_after(std::int32_t on_hand, fbs::EscrowChangeKind change,
                                  std::int32_t units);

OrderStatus status_of(routing::fbs::Outcome outcome);
OrderStatus status_of(protocol::fbs::FulfillmentEventKind event);
// Where an order stands after a fulfillment event: handed_off once nothing is left to
// ship (an order split over nodes is handed off node by node), otherwise the event's own
// status (a hand-off of part of the order leaves the status it had).
OrderStatus status_after(OrderStatus before, protocol::fbs::FulfillmentEventKind event,
                         bool nothing_left_to_ship);

}  // namespace edgeroute::gateway
