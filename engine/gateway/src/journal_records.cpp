#include "edgeroute/gateway/journal_records.h"

#include <algorithm>
#include <limits>

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include "edgeroute/protocol/frame.h"
#include "edgeroute/routing/fbs/order_generated.h"

namespace edgeroute::gateway {
namespace {

std::vector<std::uint8_t> finish(flatbuffers::FlatBufferBuilder& builder) {
  const std::uint8_t* data = builder.GetBufferPointer();
  return {data, data + builder.GetSize()};
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fbs::HeldStockRecord>>> stock_lines(
    flatbuffers::FlatBufferBuilder& builder, std::span<const HeldStock> lines,
    const routing::NetworkModel& network) {
  std::vector<flatbuffers::Offset<fbs::HeldStockRecord>> records;
  records.reserve(lines.size());
  for (const HeldStock& line : lines) {
    records.push_back(fbs::CreateHeldStockRecord(
        builder, builder.CreateString(network.sku_id(line.cell->sku_index())),
        builder.CreateString(network.node(line.cell->node_index()).id), line.quantity));
  }
  return builder.CreateVector(records);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fbs::HeldCapacityRecord>>>
capacity_claims(flatbuffers::FlatBufferBuilder& builder, std::span<const HeldCapacity> claims,
                const routing::NetworkModel& network) {
  std::vector<flatbuffers::Offset<fbs::HeldCapacityRecord>> records;
  records.reserve(claims.size());
  for (const HeldCapacity& claim : claims) {
    records.push_back(fbs::CreateHeldCapacityRecord(
        builder, builder.CreateString(network.node(claim.node_index).id), claim.local_day,
        claim.orders, claim.units));
  }
  return builder.CreateVector(records);
}

// A nested decision document must verify on its own before anything reads it.
Status verify_nested_decision(const flatbuffers::Vector<std::uint8_t>* document,
                              std::string_view what) {
  flatbuffers::Verifier verifier(document->data(), document->size());
  if (!routing::fbs::VerifyDecisionBuffer(verifier)) {
    return Status{StatusCode::corruption,
                  std::string(what) + " record: the decision document is not valid"};
  }
  return Status::ok();
}

template <typename Root>
Result<const Root*> verified(std::span<const std::uint8_t> payload, std::string_view what) {
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (!verifier.VerifyBuffer<Root>(nullptr)) {
    return Status{StatusCode::corruption, std::string(what) + " payload is not a valid record"};
  }
  return flatbuffers::GetRoot<Root>(payload.data());
}

}  // namespace

std::vector<std::uint8_t> build_decision_record(std::span<const std::uint8_t> decision_document,
                                                const HeldReservation& held,
                                                const routing::NetworkModel& network,
                                                std::span<const std::uint8_t> order) {
  flatbuffers::FlatBufferBuilder builder(decision_document.size() + order.size() + 256);
  // Read in place at replay, so aligned as buffers of their own.
  const auto decision = protocol::nested_buffer(builder, decision_document);
  const auto stock = stock_lines(builder, held.stock(), network);
  const auto claims = capacity_claims(builder, held.capacity(), network);
  const auto order_bytes = order.empty() ? 0 : protocol::nested_buffer(builder, order);
  builder.Finish(fbs::CreateDecisionRecord(builder, decision, stock, claims, order_bytes));
  return finish(builder);
}

std::vector<std::uint8_t> build_release_record(std::string_view reason) {
  flatbuffers::FlatBufferBuilder builder(64 + reason.size());
  builder.Finish(fbs::CreateReleaseRecord(builder, builder.CreateString(reason)));
  return finish(builder);
}

std::vector<std::uint8_t> build_adjustment_record(std::string_view sku_id, std::string_view node_id,
                                                  protocol::fbs::AdjustmentKind kind,
                                                  std::int32_t delta, std::int32_t counted,
                                                  std::string_view reference) {
  flatbuffers::FlatBufferBuilder builder(128);
  builder.Finish(fbs::CreateAdjustmentRecord(builder, builder.CreateString(sku_id),
                                             builder.CreateString(node_id), kind, delta, counted,
                                             builder.CreateString(reference)));
  return finish(builder);
}

std::vector<std::uint8_t> build_fulfillment_record(const FulfillmentFacts& facts,
                                                   std::span<const HeldStock> shipped,
                                                   const routing::NetworkModel& network) {
  flatbuffers::FlatBufferBuilder builder(256);
  const auto node = builder.CreateString(facts.node_id);
  const auto occurred = builder.CreateString(facts.occurred_at);
  const auto code = builder.CreateString(facts.exception_code);
  const auto detail = builder.CreateString(facts.detail);
  const auto lines = stock_lines(builder, shipped, network);
  const auto expected =
      facts.expected_delivery_date.empty() ? 0 : builder.CreateString(facts.expected_delivery_date);
  builder.Finish(fbs::CreateFulfillmentRecord(builder, node, facts.event, occurred, code, detail,
                                              lines, expected, facts.recovered));
  return finish(builder);
}

std::vector<std::uint8_t> build_reroute_record(std::string_view from_node_id,
                                               const HeldReservation& released,
                                               std::span<const std::uint8_t> decision_document,
                                               const HeldReservation& held,
                                               const routing::NetworkModel& network) {
  flatbuffers::FlatBufferBuilder builder(decision_document.size() + 512);
  const auto decision = protocol::nested_buffer(builder, decision_document);
  const auto from = builder.CreateString(from_node_id);
  const auto released_stock = stock_lines(builder, released.stock(), network);
  const auto released_claims = capacity_claims(builder, released.capacity(), network);
  const auto stock = stock_lines(builder, held.stock(), network);
  const auto claims = capacity_claims(builder, held.capacity(), network);
  builder.Finish(fbs::CreateRerouteRecord(builder, from, released_stock, released_claims, decision,
                                          stock, claims));
  return finish(builder);
}

Result<const fbs::DecisionRecord*> read_decision_record(std::span<const std::uint8_t> payload) {
  Result<const fbs::DecisionRecord*> record = verified<fbs::DecisionRecord>(payload, "decision");
  if (!record) return record;
  if (Status checked = verify_nested_decision((*record)->decision(), "decision");
      !checked.is_ok()) {
    return checked;
  }
  if (const auto* order = (*record)->order()) {
    flatbuffers::Verifier verifier(order->data(), order->size());
    if (!routing::fbs::VerifyOrderBuffer(verifier)) {
      return Status{StatusCode::corruption, "decision record: the order is not valid"};
    }
  }
  return record;
}

Result<const fbs::RerouteRecord*> read_reroute_record(std::span<const std::uint8_t> payload) {
  Result<const fbs::RerouteRecord*> record = verified<fbs::RerouteRecord>(payload, "reroute");
  if (!record) return record;
  if (Status checked = verify_nested_decision((*record)->decision(), "reroute"); !checked.is_ok()) {
    return checked;
  }
  return record;
}

std::vector<std::uint8_t> build_policy_change_record(const PolicyChangeFacts& facts) {
  flatbuffers::FlatBufferBuilder builder(128 + facts.policy_json.size() + facts.reason.size());
  const auto policy_json = facts.policy_json.empty() ? 0 : builder.CreateString(facts.policy_json);
  const auto reason = facts.reason.empty() ? 0 : builder.CreateString(facts.reason);
  builder.Finish(fbs::CreatePolicyChangeRecord(builder, facts.change, facts.version,
                                               facts.active_version, policy_json, reason));
  return finish(builder);
}

Result<const fbs::PolicyChangeRecord*> read_policy_change_record(
    std::span<const std::uint8_t> payload) {
  Result<const fbs::PolicyChangeRecord*> record =
      verified<fbs::PolicyChangeRecord>(payload, "policy change");
  if (!record) return record;
  if ((*record)->change() == fbs::PolicyChangeKind::trial && (*record)->policy_json() == nullptr) {
    return Status{StatusCode::corruption, "policy change record: a trial without its policy"};
  }
  return record;
}

std::vector<std::uint8_t> build_network_change_record(fbs::NetworkChangeKind change,
                                                      std::string_view node_id,
                                                      std::string_view reason,
                                                      std::string_view reference) {
  flatbuffers::FlatBufferBuilder builder(128 + reason.size());
  const auto node = builder.CreateString(node_id);
  const auto why = reason.empty() ? 0 : builder.CreateString(reason);
  const auto ref = reference.empty() ? 0 : builder.CreateString(reference);
  builder.Finish(fbs::CreateNetworkChangeRecord(builder, change, node, why, ref));
  return finish(builder);
}

Result<const fbs::NetworkChangeRecord*> read_network_change_record(
    std::span<const std::uint8_t> payload) {
  return verified<fbs::NetworkChangeRecord>(payload, "network change");
}

std::vector<std::uint8_t> build_escrow_change_record(const EscrowChangeFacts& facts) {
  flatbuffers::FlatBufferBuilder builder(128);
  const auto node = builder.CreateString(facts.node_id);
  const auto sku = builder.CreateString(facts.sku_id);
  const auto ref = facts.reference.empty() ? 0 : builder.CreateString(facts.reference);
  builder.Finish(fbs::CreateEscrowChangeRecord(builder, facts.change, node, sku, facts.epoch,
                                               facts.units, facts.expires_at_us, ref));
  return finish(builder);
}

Result<const fbs::EscrowChangeRecord*> read_escrow_change_record(
    std::span<const std::uint8_t> payload) {
  Result<const fbs::EscrowChangeRecord*> record =
      verified<fbs::EscrowChangeRecord>(payload, "escrow change");
  if (record && (*record)->units() < 0) {
    return Status{
        StatusCode::corruption,
        fmt::format("escrow change record of {} at {}: {} units", (*record)->sku_id()->str(),
                    (*record)->node_id()->str(), (*record)->units())};
  }
  return record;
}

Result<const fbs::AdjustmentRecord*> read_adjustment_record(std::span<const std::uint8_t> payload) {
  return verified<fbs::AdjustmentRecord>(payload, "inventory adjustment");
}

Result<const fbs::FulfillmentRecord*> read_fulfillment_record(
    std::span<const std::uint8_t> payload) {
  return verified<fbs::FulfillmentRecord>(payload, "fulfillment event");
}

const routing::fbs::Decision& decision_of(const fbs::DecisionRecord& record) {
  return *routing::fbs::GetDecision(record.decision()->data());
}

const routing::fbs::Decision& decision_of(const fbs::RerouteRecord& record) {
  return *routing::fbs::GetDecision(record.decision()->data());
}

std::int32_t adjusted_on_hand(std::int32_t on_hand, protocol::fbs::AdjustmentKind kind,
                              std::int32_t delta, std::int32_t counted) {
  const std::int64_t target = kind == protocol::fbs::AdjustmentKind::cycle_count
                                  ? std::int64_t{counted}
                                  : std::int64_t{on_hand} + delta;
  return static_cast<std::int32_t>(
      std::clamp<std::int64_t>(target, 0, std::numeric_limits<std::int32_t>::max()));
}

std::int32_t escrow_on_hand_after(std::int32_t on_hand, fbs::EscrowChangeKind change,
                                  std::int32_t units) {
  if (change == fbs::EscrowChangeKind::granted) {
    return adjusted_on_hand(on_hand, protocol::fbs::AdjustmentKind::receipt, units, 0);
  }
  return std::max(on_hand, units) - units;
}

OrderStatus status_of(routing::fbs::Outcome outcome) {
  switch (outcome) {
    case routing::fbs::Outcome::routed: return OrderStatus::routed;
    case routing::fbs::Outcome::backordered: return OrderStatus::backordered;
    case routing::fbs::Outcome::rejected: return OrderStatus::rejected;
  }
  return OrderStatus::rejected;
}

OrderStatus status_of(protocol::fbs::FulfillmentEventKind event) {
  using Event = protocol::fbs::FulfillmentEventKind;
  switch (event) {
    case Event::picked: return OrderStatus::picked;
    case Event::packed: return OrderStatus::packed;
    case Event::handed_off: return OrderStatus::handed_off;
    case Event::delayed: return OrderStatus::delayed;
    case Event::failed: return OrderStatus::failed;
  }
  return OrderStatus::failed;
}

OrderStatus status_after(OrderStatus before, protocol::fbs::FulfillmentEventKind event,
                         bool nothing_left_to_ship) {
  if (event != protocol::fbs::FulfillmentEventKind::handed_off) return status_of(event);
  return nothing_left_to_ship ? OrderStatus::handed_off : before;
}

}  // namespace edgeroute::gateway
