// The stock of the nodes a gateway homes, as it reports it to central (docs/sync.md,
// "Stock of record"): plain values that the StockReport message carries (messages.h),
// the gateway gives the agent (sync_agent.h) and central keeps (central_store.h).
//
// A report comes in parts, each a run of the gateway's catalog and each read at one
// journal position: its on-hand figures are exactly those of the gateway's journal
// through `as_of_sequence` (the entries before it applied, none after), so central can
// say how current each record is against the journal it holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgeroute::sync {

// One (node, SKU) the gateway homes.
struct StockRecordReport {
  std::string node_id;
  std::string sku_id;
  std::int32_t on_hand = 0;
  // What orders hold there when the part was read: the journaled ones, and any decision
  // being journaled at that instant.
  std::int32_t reserved = 0;

  bool operator==(const StockRecordReport&) const = default;
};

// One part of a report: the homed records of the catalog's SKUs [first_sku, next_sku).
struct StockReportPart {
  std::uint64_t as_of_sequence = 0;
  std::uint32_t next_sku = 0;
  // No SKU at or after next_sku: the report is complete.
  bool last = false;
  // A digest of the part's records (SKU and node positions, on-hand, reserved): the same
  // digest as the last part sent for this run means nothing there changed.
  std::uint64_t digest = 0;
  // Empty when the caller's digest matched (nothing changed), or when the run has no
  // homed record.
  std::vector<StockRecordReport> records;
};

}  // namespace edgeroute::sync
