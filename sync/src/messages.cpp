#include "edgeroute/sync/messages.h"

#include <fmt/format.h>

#include <limits>
#include <utility>

#include "edgeroute/base/assert.h"
#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/policy_bundle.h"

namespace edgeroute::sync {
namespace {

protocol::Frame finish_message(flatbuffers::FlatBufferBuilder& builder, fbs::Body type,
                               flatbuffers::Offset<void> body) {
  builder.Finish(fbs::CreateSyncMessage(builder, type, body), kSyncIdentifier);
  return protocol::Frame(std::move(builder));
}

flatbuffers::Offset<flatbuffers::String> optional_string(flatbuffers::FlatBufferBuilder& builder,
                                                         std::string_view text) {
  if (text.empty()) return 0;
  return builder.CreateString(text.data(), text.size());
}

// A gateway's refusal of a change central sent (a delta, a closure, a grant): the change's
// id and the gateway's words, in the body `create` builds.
template <typename Table>
using CreateRefusal = flatbuffers::Offset<Table> (*)(flatbuffers::FlatBufferBuilder&, std::uint64_t,
                                                     flatbuffers::Offset<flatbuffers::String>);
template <typename Table>
protocol::Frame refusal_frame(fbs::Body type, CreateRefusal<Table> create, std::uint64_t id,
                              std::string_view message) {
  auto builder = protocol::message_builder();
  const auto text = optional_string(builder, message);
  const auto refused = create(builder, id, text);
  return finish_message(builder, type, refused.Union());
}

Status malformed(std::string message) {
  return Status(StatusCode::invalid_argument, std::move(message));
}

Status check_batch(const fbs::JournalBatch& batch) {
  const auto& entries = *batch.entries();
  if (entries.size() == 0) return malformed("JournalBatch has no entries");
  std::uint64_t previous = 0;
  for (flatbuffers::uoffset_t index = 0; index < entries.size(); ++index) {
    const fbs::JournalEntry& entry = *entries.Get(index);
    if (entry.sequence() == 0)
      return malformed(fmt::format("JournalBatch entry {} has sequence 0", index));
    if (index > 0 && entry.sequence() != previous + 1)
      return malformed(fmt::format("JournalBatch entry {} has sequence {} after {}", index,
                                   entry.sequence(), previous));
    if (entry.kind() < journal::kEntryKindFirst || entry.kind() > journal::kEntryKindLast)
      return malformed(fmt::format("JournalBatch entry {} (sequence {}) has unknown kind {}", index,
                                   entry.sequence(), entry.kind()));
    previous = entry.sequence();
  }
  return Status::ok();
}

std::string_view view_of(const flatbuffers::String* text) {
  return text == nullptr ? std::string_view() : std::string_view(text->c_str(), text->size());
}

}  // namespace

protocol::Frame hello_frame(std::string_view gateway_id, std::uint64_t newest_sequence,
                            std::uint64_t acknowledged, std::int64_t gateway_time_us,
                            std::uint32_t protocol_version) {
  auto builder = protocol::message_builder();
  const auto id = builder.CreateString(gateway_id.data(), gateway_id.size());
  const auto hello = fbs::CreateHello(builder, protocol_version, id, newest_sequence, acknowledged,
                                      gateway_time_us);
  return finish_message(builder, fbs::Body::Hello, hello.Union());
}

protocol::Frame welcome_frame(std::uint64_t acknowledged, std::string_view central_id) {
  auto builder = protocol::message_builder();
  const auto name = optional_string(builder, central_id);
  const auto welcome = fbs::CreateWelcome(builder, kSyncProtocolVersion, acknowledged, name);
  return finish_message(builder, fbs::Body::Welcome, welcome.Union());
}

protocol::Frame acknowledged_frame(std::uint64_t sequence) {
  auto builder = protocol::message_builder();
  const auto acknowledged = fbs::CreateAcknowledged(builder, sequence);
  return finish_message(builder, fbs::Body::Acknowledged, acknowledged.Union());
}

protocol::Frame refused_frame(fbs::RefusalCode code, std::string_view message) {
  auto builder = protocol::message_builder();
  const auto text = optional_string(builder, message);
  const auto refused = fbs::CreateRefused(builder, code, text);
  return finish_message(builder, fbs::Body::Refused, refused.Union());
}

protocol::Frame inventory_delta_frame(std::uint64_t delta_id, std::string_view node_id,
                                      std::string_view sku_id, std::int32_t units,
                                      std::string_view reason, std::string_view correlation_id) {
  auto builder = protocol::message_builder();
  const auto node = builder.CreateString(node_id.data(), node_id.size());
  const auto sku = builder.CreateString(sku_id.data(), sku_id.size());
  const auto why = optional_string(builder, reason);
  const auto correlation = builder.CreateString(correlation_id.data(), correlation_id.size());
  const auto delta =
      fbs::CreateInventoryDelta(builder, delta_id, node, sku, units, why, correlation);
  return finish_message(builder, fbs::Body::InventoryDelta, delta.Union());
}

protocol::Frame inventory_delta_refused_frame(std::uint64_t delta_id, std::string_view message) {
  return refusal_frame<fbs::InventoryDeltaRefused>(
      fbs::Body::InventoryDeltaRefused, &fbs::CreateInventoryDeltaRefused, delta_id, message);
}

protocol::Frame policy_offer_frame(std::uint64_t version, std::span<const std::uint8_t> bundle) {
  auto builder = protocol::message_builder(bundle.size() + 256);
  // The field is required: an empty bundle is sent as one (and refused by the receiver).
  const auto bytes = bundle.empty() ? builder.CreateVector(std::vector<std::uint8_t>())
                                    : protocol::nested_buffer(builder, bundle);
  const auto offer = fbs::CreatePolicyOffer(builder, version, bytes);
  return finish_message(builder, fbs::Body::PolicyOffer, offer.Union());
}

protocol::Frame node_closure_frame(std::uint64_t closure_id, std::string_view node_id,
                                   std::string_view reason, std::string_view correlation_id,
                                   bool reopen) {
  auto builder = protocol::message_builder();
  const auto node = builder.CreateString(node_id.data(), node_id.size());
  const auto why = optional_string(builder, reason);
  const auto correlation = builder.CreateString(correlation_id.data(), correlation_id.size());
  const auto closure = fbs::CreateNodeClosure(builder, closure_id, node, why, correlation, reopen);
  return finish_message(builder, fbs::Body::NodeClosure, closure.Union());
}

protocol::Frame node_closure_refused_frame(std::uint64_t closure_id, std::string_view message) {
  return refusal_frame<fbs::NodeClosureRefused>(
      fbs::Body::NodeClosureRefused, &fbs::CreateNodeClosureRefused, closure_id, message);
}

protocol::Frame escrow_grant_frame(const EscrowGrant& grant) {
  auto builder = protocol::message_builder();
  const auto node = builder.CreateString(grant.node_id.data(), grant.node_id.size());
  const auto sku = builder.CreateString(grant.sku_id.data(), grant.sku_id.size());
  const auto correlation =
      builder.CreateString(grant.correlation_id.data(), grant.correlation_id.size());
  const auto body = fbs::CreateEscrowGrant(builder, grant.grant_id, node, sku, grant.epoch,
                                           grant.units, grant.expires_at_us, correlation);
  return finish_message(builder, fbs::Body::EscrowGrant, body.Union());
}

protocol::Frame escrow_grant_refused_frame(std::uint64_t grant_id, std::string_view message) {
  return refusal_frame<fbs::EscrowGrantRefused>(fbs::Body::EscrowGrantRefused,
                                                &fbs::CreateEscrowGrantRefused, grant_id, message);
}

protocol::Frame escrow_standing_frame(std::span<const EscrowLeaseStanding> leases) {
  auto builder = protocol::message_builder();
  std::vector<flatbuffers::Offset<fbs::EscrowLeaseStanding>> standings;
  standings.reserve(leases.size());
  for (const EscrowLeaseStanding& lease : leases) {
    const auto node = builder.CreateString(lease.node_id);
    const auto sku = builder.CreateString(lease.sku_id);
    standings.push_back(fbs::CreateEscrowLeaseStanding(builder, node, sku, lease.epoch,
                                                       lease.unreserved_units, lease.reserved_units,
                                                       lease.expires_at_us));
  }
  const auto vector = builder.CreateVector(standings);
  const auto standing = fbs::CreateEscrowStanding(builder, vector);
  return finish_message(builder, fbs::Body::EscrowStanding, standing.Union());
}

protocol::Frame stock_report_frame(std::uint64_t as_of_sequence,
                                   std::span<const StockRecordReport> records) {
  auto builder = protocol::message_builder();
  std::vector<flatbuffers::Offset<fbs::StockRecord>> built;
  built.reserve(records.size());
  for (const StockRecordReport& record : records) {
    const auto node = builder.CreateString(record.node_id);
    const auto sku = builder.CreateString(record.sku_id);
    built.push_back(fbs::CreateStockRecord(builder, node, sku, record.on_hand, record.reserved));
  }
  const auto vector = builder.CreateVector(built);
  const auto report = fbs::CreateStockReport(builder, as_of_sequence, vector);
  return finish_message(builder, fbs::Body::StockReport, report.Union());
}

JournalBatchBuilder::JournalBatchBuilder() : builder_(protocol::message_builder(64 * 1024)) {}

void JournalBatchBuilder::add(const journal::StoredEntry& entry) {
  const auto payload = protocol::nested_buffer(builder_, entry.payload);
  const auto order_id = optional_string(builder_, entry.order_id);
  const auto correlation_id = optional_string(builder_, entry.correlation_id);
  entries_.push_back(
      fbs::CreateJournalEntry(builder_, entry.sequence, static_cast<std::uint8_t>(entry.kind),
                              entry.recorded_at_us, order_id, correlation_id, payload));
  if (entries_.size() == 1) first_sequence_ = entry.sequence;
  last_sequence_ = entry.sequence;
}

protocol::Frame JournalBatchBuilder::finish() {
  EDGEROUTE_ASSERT(!entries_.empty(), "an empty journal batch");
  const auto entries = builder_.CreateVector(entries_);
  const auto batch = fbs::CreateJournalBatch(builder_, entries);
  protocol::Frame frame = finish_message(builder_, fbs::Body::JournalBatch, batch.Union());
  builder_ = protocol::message_builder(64 * 1024);
  entries_.clear();
  first_sequence_ = 0;
  last_sequence_ = 0;
  return frame;
}

Result<const fbs::SyncMessage*> verify_sync_message(std::span<const std::uint8_t> payload) {
  if (payload.size() < 8)
    return malformed(fmt::format("frame of {} bytes is too short for a message", payload.size()));
  if (!flatbuffers::BufferHasIdentifier(payload.data(), kSyncIdentifier))
    return malformed("frame is not a sync message (file identifier is not \"ERSY\")");
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (!fbs::VerifySyncMessageBuffer(verifier))
    return malformed("sync message fails verification (truncated or inconsistent)");
  const fbs::SyncMessage* message = fbs::GetSyncMessage(payload.data());
  switch (message->body_type()) {
    case fbs::Body::Hello:
    case fbs::Body::Welcome:
    case fbs::Body::Acknowledged:
    case fbs::Body::Refused:
    case fbs::Body::InventoryDeltaRefused:
    case fbs::Body::NodeClosureRefused:
    case fbs::Body::EscrowGrantRefused: return message;
    case fbs::Body::InventoryDelta: {
      const fbs::InventoryDelta& delta = *message->body_as_InventoryDelta();
      if (delta.delta_id() == 0) return malformed("InventoryDelta has delta_id 0");
      if (delta.units() == 0 || delta.units() == std::numeric_limits<std::int32_t>::min())
        return malformed(
            fmt::format("InventoryDelta {} changes {} units", delta.delta_id(), delta.units()));
      if (!names_central_delta(delta.correlation_id()->string_view()))
        return malformed(
            fmt::format("InventoryDelta {} has correlation id '{}', not one of "
                        "central's deltas",
                        delta.delta_id(), delta.correlation_id()->string_view()));
      return message;
    }
    case fbs::Body::PolicyOffer: {
      const fbs::PolicyOffer& offer = *message->body_as_PolicyOffer();
      if (offer.version() == 0) return malformed("PolicyOffer has version 0");
      const std::size_t bundle_bytes = offer.signed_bundle()->size();
      if (bundle_bytes == 0)
        return malformed(
            fmt::format("PolicyOffer of version {} has an empty bundle", offer.version()));
      if (bundle_bytes > kMaxPolicyBundleBytes)
        return malformed(
            fmt::format("PolicyOffer of version {} has a bundle of {} bytes, above "
                        "the limit of {}",
                        offer.version(), bundle_bytes, kMaxPolicyBundleBytes));
      return message;
    }
    case fbs::Body::NodeClosure: {
      const fbs::NodeClosure& closure = *message->body_as_NodeClosure();
      if (closure.closure_id() == 0) return malformed("NodeClosure has closure_id 0");
      if (closure.node_id()->size() == 0)
        return malformed(fmt::format("NodeClosure {} has an empty node_id", closure.closure_id()));
      if (!names_central_closure(closure.correlation_id()->string_view()))
        return malformed(
            fmt::format("NodeClosure {} has correlation_id '{}', not one of central's "
                        "closures",
                        closure.closure_id(), closure.correlation_id()->string_view()));
      return message;
    }
    case fbs::Body::EscrowGrant: {
      const fbs::EscrowGrant& grant = *message->body_as_EscrowGrant();
      if (grant.grant_id() == 0) return malformed("EscrowGrant has grant_id 0");
      if (grant.units() <= 0)
        return malformed(
            fmt::format("EscrowGrant {} grants {} units", grant.grant_id(), grant.units()));
      if (grant.epoch() == 0)
        return malformed(fmt::format("EscrowGrant {} has epoch 0", grant.grant_id()));
      if (!names_central_escrow(grant.correlation_id()->string_view()))
        return malformed(
            fmt::format("EscrowGrant {} has correlation_id '{}', not one of central's grants",
                        grant.grant_id(), grant.correlation_id()->string_view()));
      return message;
    }
    case fbs::Body::EscrowStanding: {
      const fbs::EscrowStanding& standing = *message->body_as_EscrowStanding();
      if (standing.leases() == nullptr) return message;
      for (flatbuffers::uoffset_t i = 0; i < standing.leases()->size(); ++i) {
        const fbs::EscrowLeaseStanding& lease = *standing.leases()->Get(i);
        if (lease.unreserved_units() < 0 || lease.reserved_units() < 0)
          return malformed(fmt::format("EscrowStanding lease {} has negative units", i));
      }
      return message;
    }
    case fbs::Body::StockReport: {
      const fbs::StockReport& report = *message->body_as_StockReport();
      for (flatbuffers::uoffset_t i = 0; i < report.records()->size(); ++i) {
        const fbs::StockRecord& record = *report.records()->Get(i);
        if (record.node_id()->size() == 0 || record.sku_id()->size() == 0)
          return malformed(fmt::format("StockReport record {} has an empty node or SKU id", i));
        if (record.on_hand() < 0 || record.reserved() < 0)
          return malformed(fmt::format("StockReport record {} ({} at '{}') has negative units", i,
                                       record.sku_id()->string_view(),
                                       record.node_id()->string_view()));
      }
      return message;
    }
    case fbs::Body::JournalBatch: {
      Status batch = check_batch(*message->body_as_JournalBatch());
      if (!batch.is_ok()) return batch;
      return message;
    }
    case fbs::Body::NONE: break;
  }
  return malformed(
      fmt::format("sync message of unknown type {}", static_cast<unsigned>(message->body_type())));
}

std::vector<journal::StoredEntry> batch_entries(const fbs::JournalBatch& batch) {
  std::vector<journal::StoredEntry> entries;
  entries.reserve(batch.entries()->size());
  for (const fbs::JournalEntry* entry : *batch.entries()) {
    journal::StoredEntry stored;
    stored.sequence = entry->sequence();
    stored.kind = static_cast<journal::EntryKind>(entry->kind());
    stored.recorded_at_us = entry->recorded_at_us();
    stored.order_id = view_of(entry->order_id());
    stored.correlation_id = view_of(entry->correlation_id());
    if (entry->payload() != nullptr)
      stored.payload =
          std::span<const std::uint8_t>(entry->payload()->data(), entry->payload()->size());
    entries.push_back(stored);
  }
  return entries;
}

}  // namespace edgeroute::sync
