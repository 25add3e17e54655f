// The sync protocol's messages (sync/schema/sync.fbs): building each as a frame, and
// verifying what a peer sent before anything reads it. Beyond the generated Verifier
// (bounds, required fields) verification checks the file identifier, that the body is
// of a type this build knows, and what the schema states in words: a batch's entries
// ascend by one and are of known kinds; a delta has an id and changes at least one unit;
// a policy offer names a version and carries a bundle of 1..kMaxPolicyBundleBytes; a node
// closure has an id, names a node and carries one of central's closure correlation ids;
// an escrow grant has an id and an epoch, grants at least one unit and carries one of
// central's escrow correlation ids; a standing has no negative units; a stock report
// has no negative units and names each record's node and SKU.
// A refusal says what is wrong, as the peer will
// read it ("JournalBatch entry 3 has sequence 9 after 7").
//
// Thread-safety: pure functions; a JournalBatchBuilder belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "edgeroute/base/result.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/sync/escrow.h"
#include "edgeroute/sync/fbs/sync_generated.h"
#include "edgeroute/sync/stock_report.h"

namespace edgeroute::sync {

// Raised when a message changes in a way an older peer would misread. 2: inventory
// deltas, and the gateway's clock in the Hello. 3: policy offers and node closures.
// 4: escrow grants and the gateway's escrow standing (and journal entry kind 8).
// 5: the gateway's stock reports.
inline constexpr std::uint32_t kSyncProtocolVersion = 5;
inline constexpr const char* kSyncIdentifier = "ERSY";
// A batch is cut well below this (JournalBatchBuilder's byte budget); a larger frame
// is refused before its bytes are read.
inline constexpr std::uint32_t kMaxSyncFrameBytes = 8 * 1024 * 1024;

protocol::Frame hello_frame(std::string_view gateway_id, std::uint64_t newest_sequence,
                            std::uint64_t acknowledged, std::int64_t gateway_time_us = 0,
                            std::uint32_t protocol_version = kSyncProtocolVersion);
protocol::Frame welcome_frame(std::uint64_t acknowledged, std::string_view central_id);
protocol::Frame acknowledged_frame(std::uint64_t sequence);
protocol::Frame refused_frame(fbs::RefusalCode code, std::string_view message);
protocol::Frame inventory_delta_frame(std::uint64_t delta_id, std::string_view node_id,
                                      std::string_view sku_id, std::int32_t units,
                                      std::string_view reason, std::string_view correlation_id);
protocol::Frame inventory_delta_refused_frame(std::uint64_t delta_id, std::string_view message);
// `bundle` is a SignedPolicyBundle (policy_bundle.h), copied into the message at an
// 8-byte boundary.
protocol::Frame policy_offer_frame(std::uint64_t version, std::span<const std::uint8_t> bundle);
// `reopen`: central reopened the node rather than closed it.
protocol::Frame node_closure_frame(std::uint64_t closure_id, std::string_view node_id,
                                   std::string_view reason, std::string_view correlation_id,
                                   bool reopen = false);
protocol::Frame node_closure_refused_frame(std::uint64_t closure_id, std::string_view message);

protocol::Frame escrow_grant_frame(const EscrowGrant& grant);
protocol::Frame escrow_grant_refused_frame(std::uint64_t grant_id, std::string_view message);
protocol::Frame escrow_standing_frame(std::span<const EscrowLeaseStanding> leases);
protocol::Frame stock_report_frame(std::uint64_t as_of_sequence,
                                   std::span<const StockRecordReport> records);

// Collects consecutive journal entries into one JournalBatch frame.
class JournalBatchBuilder {
 public:
  JournalBatchBuilder();

  // Copies the entry's fields and payload into the message being built.
  void add(const journal::StoredEntry& entry);
  std::size_t entries() const { return entries_.size(); }
  // Roughly the message's size so far (for cutting batches by bytes).
  std::size_t bytes() const { return builder_.GetSize(); }
  std::uint64_t first_sequence() const { return first_sequence_; }
  std::uint64_t last_sequence() const { return last_sequence_; }

  // The frame; the builder is empty again afterwards.
  // REQUIRES: entries() > 0.
  protocol::Frame finish();

 private:
  flatbuffers::FlatBufferBuilder builder_;
  std::vector<flatbuffers::Offset<fbs::JournalEntry>> entries_;
  std::uint64_t first_sequence_ = 0;
  std::uint64_t last_sequence_ = 0;
};

// The message a payload holds, or invalid_argument naming what is wrong with it.
// REQUIRES: payload.data() is 8-byte aligned (FrameReader's payloads are).
Result<const fbs::SyncMessage*> verify_sync_message(std::span<const std::uint8_t> payload);

// The entries of a verified batch as journal entries: views into the message, valid
// while its bytes are. Payloads the sender did not align are left as they are (central
// stores them, it does not read them in place).
std::vector<journal::StoredEntry> batch_entries(const fbs::JournalBatch& batch);

}  // namespace edgeroute::sync
