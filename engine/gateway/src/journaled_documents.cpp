#include "edgeroute/gateway/journaled_documents.h"

#include <algorithm>
#include <initializer_list>

#include <fmt/format.h>

#include "edgeroute/gateway/journal_records.h"

namespace edgeroute::gateway {
namespace {

// Copied as one block: built from the vector's iterators, which are not pointers, it would
// go byte by byte.
std::vector<std::uint8_t> copy_of(const flatbuffers::Vector<std::uint8_t>& bytes) {
  return {bytes.data(), bytes.data() + bytes.size()};
}

// The entry is of a kind in `kinds` and about `order_id`: a sequence the book holds can
// only point elsewhere if the file was replaced or damaged, and then no client may be
// sent another order's documents.
Status check_entry(const journal::StoredEntry& entry,
                   std::initializer_list<journal::EntryKind> kinds, std::string_view wanted,
                   std::string_view order_id) {
  if (std::find(kinds.begin(), kinds.end(), entry.kind) == kinds.end()) {
    return {StatusCode::corruption,
            fmt::format("journal entry {} is a {} entry, not {} (order '{}')", entry.sequence,
                        journal::to_string(entry.kind), wanted, order_id)};
  }
  if (entry.order_id != order_id) {
    return {StatusCode::corruption, fmt::format("journal entry {} is about order '{}', not '{}'",
                                                entry.sequence, entry.order_id, order_id)};
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<std::uint8_t>> journaled_decision_document(const journal::EntryReader& reader,
                                                              std::uint64_t sequence,
                                                              std::string_view order_id) {
  std::vector<std::uint8_t> document;
  const Status read = reader.read(sequence, [&](const journal::StoredEntry& entry) -> Status {
    if (Status checked =
            check_entry(entry, {journal::EntryKind::decision, journal::EntryKind::reroute},
                        "a decision or re-route", order_id);
        !checked.is_ok()) {
      return checked;
    }
    // Both records nest the decision document the same way.
    const auto take_decision = [&](const auto& record) -> Status {
      if (!record) return record.status().with_context(fmt::format("journal entry {}", sequence));
      document = copy_of(*(*record)->decision());
      return Status::ok();
    };
    return entry.kind == journal::EntryKind::decision
               ? take_decision(read_decision_record(entry.payload))
               : take_decision(read_reroute_record(entry.payload));
  });
  if (!read.is_ok()) return read;
  return document;
}

Result<std::vector<std::uint8_t>> journaled_order(const journal::EntryReader& reader,
                                                  std::uint64_t sequence,
                                                  std::string_view order_id) {
  std::vector<std::uint8_t> order;
  const Status read = reader.read(sequence, [&](const journal::StoredEntry& entry) -> Status {
    if (Status checked = check_entry(entry, {journal::EntryKind::decision}, "a decision", order_id);
        !checked.is_ok()) {
      return checked;
    }
    Result<const fbs::DecisionRecord*> record = read_decision_record(entry.payload);
    if (!record) return record.status().with_context(fmt::format("journal entry {}", sequence));
    const auto* bytes = (*record)->order();
    if (bytes == nullptr) {
      return {StatusCode::not_found,
              fmt::format("journal entry {} (order '{}') was written before orders were journaled",
                          sequence, entry.order_id)};
    }
    order = copy_of(*bytes);
    return Status::ok();
  });
  if (!read.is_ok()) return read;
  return order;
}

}  // namespace edgeroute::gateway
