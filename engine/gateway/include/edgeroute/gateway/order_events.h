// Order events: the one taxonomy of what can be observed about an order
// (protocol::fbs::OrderEventKind), derived from the journal. The journal is the event
// log: events are computed from its entries whenever they are asked for and never stored a
// second time, so they cannot disagree with the state a gateway restores from the same
// entries. `edgeroute events` prints them; docs/protocol.md ("Order events") has the table.
//
// The mapping, entry by entry (each event carries the entry's sequence, time, order id
// and correlation id):
//   decision             accepted; then by the decision's outcome
//                          routed:      one `routed` per shipment (node: the shipment's;
//                                       detail "ups-ground, delivery 2026-11-27"), then one
//                                       `reserved` per stock line held (detail "2 x sku-tent-2p");
//                          rejected:    `rejected` (exception code: the reason, e.g.
//                                       "no_inventory"; detail: the decision's detail);
//                          backordered: `backordered` (node: the backorder node; exception
//                                       code: the reason; detail: the decision's detail);
//   release              `released` (detail: the cancel's reason);
//   fulfillment_event    picked, packed, handed_off, delayed or failed (node, exception
//                        code and detail as reported; a delay's expected delivery date is
//                        added to the detail), then `recovered` when the event closed an
//                        open exception (detail: the event that did);
//   reroute              `released` per line given back at the node left (node: that one),
//                        `rerouted` per shipment of the new decision (node: the new one;
//                        detail "from fc-reno-1, ups-ground, delivery 2026-11-27"), then
//                        `reserved` per stock line the new decision holds;
//   inventory_adjustment, policy_change, network_change: none (not about an order).
//
// Thread-safety: pure functions; read_order_events() uses the journal it is given as the
// journal's own rules allow (one thread at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "edgeroute/base/status.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"

namespace edgeroute::gateway {

struct OrderEvent {
  std::uint64_t sequence = 0;       // of the journal entry it comes from
  std::int64_t recorded_at_us = 0;  // the entry's time, UTC microseconds since the epoch
  protocol::fbs::OrderEventKind kind = protocol::fbs::OrderEventKind::accepted;
  std::string order_id;
  std::string correlation_id;
  std::string node_id;         // empty when the event concerns no one node
  std::string exception_code;  // rejected, backordered, delayed, failed
  std::string detail;          // a person's words
};

// Appends the events of one journal entry (none for entries that are not about an
// order). corruption, naming the entry's sequence, when the payload does not verify or
// holds a value this build does not know; `out` is then left as it was.
Status append_order_events(const journal::StoredEntry& entry, std::vector<OrderEvent>& out);

// One line of JSON, no newline:
//   {"sequence":12,"recorded_at":"2026-11-24T15:04:05.000000Z","event":"routed",
//    "order_id":"SO-1","correlation_id":"c-1","node_id":"fc-reno-1","detail":"..."}
// recorded_at is RFC 3339 in UTC with microseconds; node_id, exception_code and detail
// appear only when not empty. Strings are escaped as JSON requires.
std::string to_json(const OrderEvent& event);

// Which events read_order_events() visits.
struct OrderEventQuery {
  std::uint64_t from_sequence = 1;  // entries from this sequence on (0 reads as 1)
  std::string order_id;             // only this order's; empty: every order's
  std::uint64_t limit = 0;          // at most this many events; 0: all of them
};

// The events of the journal's entries, oldest first, as the query selects them; beside
// the gateway writing the journal, open it read-only. The journal is read in short read
// transactions and the visitor called between them, so a slow visitor never holds the
// writer's WAL; a scan may reach entries appended while it runs. The visitor stops the
// scan by returning a failed Status, which comes back. Errors name the journal's file
// and, for a bad payload, the entry.
Status read_order_events(const journal::Journal& journal, const OrderEventQuery& query,
                         const std::function<Status(const OrderEvent&)>& visit);

}  // namespace edgeroute::gateway
