// The documents an order's record points to in the journal rather than holds: its latest
// decision document and the order as received. The order book keeps only the sequences
// of their entries; the bytes (about 2 KB an order) are read back, verified, when a client
// asks for them (QueryOrder, a RouteOrder sent again) or a re-route plans the order
// again. Reading one costs a point lookup on a pooled read connection, about 6 µs with
// the file in the page cache (docs/journal.md, section 10), on requests that are rare
// next to the decisions themselves.
//
// Errors: not_found for an entry the journal does not hold; corruption, naming the
// entry, for one of another kind or order, or that does not verify; the reader's own
// otherwise (the journal could not be opened or read: worth trying again).
//
// Thread-safety: pure functions of the reader, which any thread may use.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/journal/entry_reader.h"

namespace edgeroute::gateway {

// The decision document (routing::fbs::Decision) of entry `sequence`, a decision or a
// re-route entry of order `order_id` (OrderRecord::decision_sequence, document_sequence).
Result<std::vector<std::uint8_t>> journaled_decision_document(const journal::EntryReader& reader,
                                                              std::uint64_t sequence,
                                                              std::string_view order_id);

// The order as received (routing::fbs::Order) in decision entry `sequence` of order
// `order_id` (OrderRecord::decision_sequence); not_found when that entry was written
// before orders were journaled.
Result<std::vector<std::uint8_t>> journaled_order(const journal::EntryReader& reader,
                                                  std::uint64_t sequence,
                                                  std::string_view order_id);

}  // namespace edgeroute::gateway
