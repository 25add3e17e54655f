// A change of stock decided at central, applied by the gateway the way a client's
// AdjustInventory is (the same checks, the same journal entry, the same order of
// changes): a receipt for units > 0, damage for units < 0, journaled with `reference` as
// its correlation id, which is how central recognises the entry when it is replayed.
//
// Thread-safety: apply_central_adjustment() may be called from any thread; `done` is
// called once, from a pipeline thread or the caller's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "edgeroute/base/status.h"
#include "edgeroute/gateway/gateway.h"

namespace edgeroute::gateway {

// The references central's adjustments carry (sync's central_delta.h makes them); a
// client's AdjustInventory with such a reference is refused.
inline constexpr std::string_view kCentralAdjustmentReferencePrefix = "central-delta:";

struct CentralAdjustment {
  std::string node_id;
  std::string sku_id;
  std::int32_t units = 0;  // never 0
  std::string reference;
};

// `done` gets ok once the adjustment is durable and applied; otherwise the gateway's
// refusal as a Status: not_found (a node or SKU it does not know), invalid_argument (no
// stock record of the SKU at the node, 0 units), failed_precondition (a node this gateway
// does not home: its stock is central's to count, escrow_ledger.h), unavailable (busy, the journal
// refusing work, shutting down: worth asking again later), internal (anything else).
void apply_central_adjustment(Gateway& gateway, const CentralAdjustment& adjustment,
                              std::function<void(Status)> done);

}  // namespace edgeroute::gateway
