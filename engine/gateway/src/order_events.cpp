#include "edgeroute/gateway/order_events.h"

#include <string_view>
#include <utility>

#include <flatbuffers/flatbuffers.h>

#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/ops/log.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {
namespace {

using protocol::fbs::OrderEventKind;

std::string_view text_of(const flatbuffers::String* text) {
  return text != nullptr ? text->string_view() : std::string_view{};
}

// "none" is the reason of a routed decision: no exception to name.
std::string reason_code(routing::fbs::ReasonCode reason) {
  if (reason == routing::fbs::ReasonCode::none) return {};
  return routing::fbs::EnumNameReasonCode(reason);
}

// Builds the events of one entry; everything an event shares comes from the entry.
class EntryEvents {
 public:
  explicit EntryEvents(const journal::StoredEntry& entry) : entry_(entry) {}

  OrderEvent& add(OrderEventKind kind, std::string_view node_id = {}) {
    OrderEvent& event = events_.emplace_back();
    event.sequence = entry_.sequence;
    event.recorded_at_us = entry_.recorded_at_us;
    event.kind = kind;
    event.order_id = std::string(entry_.order_id);
    event.correlation_id = std::string(entry_.correlation_id);
    event.node_id = std::string(node_id);
    return event;
  }

  // One `kind` per stock line ("2 x sku-tent-2p" at the line's node).
  void add_stock_lines(
      OrderEventKind kind,
      const flatbuffers::Vector<flatbuffers::Offset<fbs::HeldStockRecord>>* lines) {
    if (lines == nullptr) return;
    for (const fbs::HeldStockRecord* line : *lines) {
      add(kind, line->node_id()->string_view()).detail =
          std::to_string(line->quantity()) + " x " + line->sku_id()->str();
    }
  }

  // One `kind` per shipment of the decision, at its node; `from` leads the detail.
  void add_shipments(OrderEventKind kind, const routing::fbs::Decision& decision,
                     std::string_view from = {}) {
    if (decision.shipments() == nullptr) return;
    for (const routing::fbs::Shipment* shipment : *decision.shipments()) {
      std::string detail;
      if (!from.empty()) {
        detail += "from ";
        detail += from;
        detail += ", ";
      }
      detail += shipment->service_id()->string_view();
      const routing::fbs::PromiseSteps* promise = shipment->promise();
      if (promise != nullptr && promise->delivery_date() != nullptr) {
        detail += ", delivery ";
        detail += promise->delivery_date()->string_view();
      }
      add(kind, shipment->node_id()->string_view()).detail = std::move(detail);
    }
  }

  Status corrupt(const Status& why) const {
    return Status(StatusCode::corruption,
                  "entry " + std::to_string(entry_.sequence) + ": " + why.message());
  }

  std::vector<OrderEvent>& events() { return events_; }

 private:
  const journal::StoredEntry& entry_;
  std::vector<OrderEvent> events_;
};

Status decision_events(const journal::StoredEntry& entry, EntryEvents& events) {
  Result<const fbs::DecisionRecord*> record = read_decision_record(entry.payload);
  if (!record) return events.corrupt(record.status());
  const routing::fbs::Decision& decision = decision_of(**record);
  events.add(OrderEventKind::accepted);
  switch (decision.outcome()) {
    case routing::fbs::Outcome::routed:
      events.add_shipments(OrderEventKind::routed, decision);
      events.add_stock_lines(OrderEventKind::reserved, (*record)->stock());
      return Status::ok();
    case routing::fbs::Outcome::rejected: {
      OrderEvent& rejected = events.add(OrderEventKind::rejected);
      rejected.exception_code = reason_code(decision.reason());
      rejected.detail = std::string(text_of(decision.detail()));
      return Status::ok();
    }
    case routing::fbs::Outcome::backordered: {
      OrderEvent& backordered =
          events.add(OrderEventKind::backordered, text_of(decision.backorder_node_id()));
      backordered.exception_code = reason_code(decision.reason());
      backordered.detail = std::string(text_of(decision.detail()));
      return Status::ok();
    }
  }
  return events.corrupt(Status(
      StatusCode::corruption,
      "decision outcome " + std::to_string(static_cast<int>(decision.outcome())) + " is unknown"));
}

Status release_events(const journal::StoredEntry& entry, EntryEvents& events) {
  flatbuffers::Verifier verifier(entry.payload.data(), entry.payload.size());
  if (!verifier.VerifyBuffer<fbs::ReleaseRecord>(nullptr)) {
    return events.corrupt(Status(StatusCode::corruption, "release payload is not a valid record"));
  }
  const auto* record = flatbuffers::GetRoot<fbs::ReleaseRecord>(entry.payload.data());
  events.add(OrderEventKind::released).detail = std::string(text_of(record->reason()));
  return Status::ok();
}

Status fulfillment_events(const journal::StoredEntry& entry, EntryEvents& events) {
  Result<const fbs::FulfillmentRecord*> read = read_fulfillment_record(entry.payload);
  if (!read) return events.corrupt(read.status());
  const fbs::FulfillmentRecord& record = **read;
  using Event = protocol::fbs::FulfillmentEventKind;
  OrderEventKind kind = OrderEventKind::picked;
  switch (record.event()) {
    case Event::picked: kind = OrderEventKind::picked; break;
    case Event::packed: kind = OrderEventKind::packed; break;
    case Event::handed_off: kind = OrderEventKind::handed_off; break;
    case Event::delayed: kind = OrderEventKind::delayed; break;
    case Event::failed: kind = OrderEventKind::failed; break;
    default:
      return events.corrupt(
          Status(StatusCode::corruption, "fulfillment event kind " +
                                             std::to_string(static_cast<int>(record.event())) +
                                             " is unknown"));
  }
  const std::string_view node_id = record.node_id()->string_view();
  OrderEvent& reported = events.add(kind, node_id);
  reported.exception_code = std::string(text_of(record.exception_code()));
  reported.detail = std::string(text_of(record.detail()));
  if (const std::string_view expected = text_of(record.expected_delivery_date());
      !expected.empty()) {
    if (!reported.detail.empty()) reported.detail += ", ";
    reported.detail += "expected delivery ";
    reported.detail += expected;
  }
  if (record.recovered()) {
    events.add(OrderEventKind::recovered, node_id).detail =
        protocol::fbs::EnumNameFulfillmentEventKind(record.event());
  }
  return Status::ok();
}

Status reroute_events(const journal::StoredEntry& entry, EntryEvents& events) {
  Result<const fbs::RerouteRecord*> read = read_reroute_record(entry.payload);
  if (!read) return events.corrupt(read.status());
  const fbs::RerouteRecord& record = **read;
  const std::string_view from = record.from_node_id()->string_view();
  if (const auto* released = record.released()) {
    for (const fbs::HeldStockRecord* line : *released) {
      // What a re-route gives back is what the order held at the node it leaves.
      events.add(OrderEventKind::released, from).detail =
          std::to_string(line->quantity()) + " x " + line->sku_id()->str();
    }
  }
  events.add_shipments(OrderEventKind::rerouted, decision_of(record), from);
  events.add_stock_lines(OrderEventKind::reserved, record.stock());
  return Status::ok();
}

// "2026-11-24T15:04:05.000123Z".
std::string rfc3339_microseconds(std::int64_t unix_us) {
  constexpr std::int64_t kMicrosPerSecond = 1'000'000;
  std::int64_t seconds = unix_us / kMicrosPerSecond;
  std::int64_t micros = unix_us % kMicrosPerSecond;
  if (micros < 0) {  // floor, so that an instant before the epoch is still right
    micros += kMicrosPerSecond;
    --seconds;
  }
  std::string text = routing::format_utc_instant(seconds);
  text.pop_back();  // the 'Z', which goes after the fraction
  const std::string fraction = std::to_string(kMicrosPerSecond + micros);  // "1000123"
  text += '.';
  text.append(fraction, 1, std::string::npos);
  text += 'Z';
  return text;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  ops::log::append_json_string(out, value);
}

}  // namespace

Status append_order_events(const journal::StoredEntry& entry, std::vector<OrderEvent>& out) {
  EntryEvents events(entry);
  Status built = Status::ok();
  switch (entry.kind) {
    case journal::EntryKind::decision: built = decision_events(entry, events); break;
    case journal::EntryKind::release: built = release_events(entry, events); break;
    case journal::EntryKind::fulfillment_event: built = fulfillment_events(entry, events); break;
    case journal::EntryKind::reroute: built = reroute_events(entry, events); break;
    case journal::EntryKind::inventory_adjustment:
    case journal::EntryKind::policy_change:
    case journal::EntryKind::network_change:
    case journal::EntryKind::escrow_change: break;
  }
  if (!built.is_ok()) return built;
  for (OrderEvent& event : events.events()) out.push_back(std::move(event));
  return Status::ok();
}

std::string to_json(const OrderEvent& event) {
  std::string line;
  line.reserve(192 + event.detail.size());
  line += "{\"sequence\":";
  line += std::to_string(event.sequence);
  append_field(line, "recorded_at", rfc3339_microseconds(event.recorded_at_us));
  append_field(line, "event", protocol::fbs::EnumNameOrderEventKind(event.kind));
  append_field(line, "order_id", event.order_id);
  append_field(line, "correlation_id", event.correlation_id);
  if (!event.node_id.empty()) append_field(line, "node_id", event.node_id);
  if (!event.exception_code.empty()) append_field(line, "exception_code", event.exception_code);
  if (!event.detail.empty()) append_field(line, "detail", event.detail);
  line += '}';
  return line;
}

Status read_order_events(const journal::Journal& journal, const OrderEventQuery& query,
                         const std::function<Status(const OrderEvent&)>& visit) {
  // Entries per read transaction. A reader in a transaction keeps the writer's WAL from
  // starting over (docs/journal.md, section 4), and the visitor may be slow (a pipe into a
  // pager): events are gathered in short reads and handed out between them. Entries never
  // change once written, so this reads what one long scan would.
  constexpr std::uint64_t kEntriesPerRead = 2048;
  std::uint64_t next = query.from_sequence == 0 ? 1 : query.from_sequence;
  std::uint64_t visited = 0;
  std::vector<OrderEvent> gathered;
  for (;;) {
    gathered.clear();
    std::uint64_t entries = 0;
    bool more = false;
    const Status read = journal.read(next, [&](const journal::StoredEntry& entry) {
      if (entries == kEntriesPerRead) {
        more = true;
        // Ends this read; `more`, not this Status, says what happened.
        return Status(StatusCode::out_of_range, "read in parts");
      }
      ++entries;
      next = entry.sequence + 1;
      // Entries of other orders are not even parsed.
      if (!query.order_id.empty() && entry.order_id != query.order_id) return Status::ok();
      if (Status appended = append_order_events(entry, gathered); !appended.is_ok()) {
        return appended.with_context(journal.path());
      }
      return Status::ok();
    });
    if (!more && !read.is_ok()) return read;
    for (const OrderEvent& event : gathered) {
      if (Status visited_event = visit(event); !visited_event.is_ok()) return visited_event;
      if (query.limit != 0 && ++visited == query.limit) return Status::ok();
    }
    if (!more) return Status::ok();
  }
}

}  // namespace edgeroute::gateway
