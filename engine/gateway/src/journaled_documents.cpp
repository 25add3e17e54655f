#include "edgeroute/gateway/journaled_documents.h"

#include <fmt/format.h>

#include "edgeroute/gateway/journal_records.h"

namespace edgeroute::gateway {
namespace {

// Copied as one block: built from the vector's iterators, which are not pointers, it would
// go byte by byte.
std::vector<std::uint8_t> copy_of(const flatbuffers::Vector<std::uint8_t>& bytes) {
  return {bytes.data(), bytes.data() + bytes.size()};
}

Status not_of_kind(const journal::StoredEntry& entry, std::string_view wanted) {
  return {StatusCode::corruption,
          fmt::format("journal entry {} is a {} entry, not {} (order '{}')", entry.sequence,
                      journal::to_string(entry.kind), wanted, entry.order_id)};
}

}  // namespace

Result<std::vector<std::uint8_t>> journaled_decision_document(const journal::EntryReader& reader,
                                                              std::uint64_t sequence) {
  std::vector<std::uint8_t> document;
  const Status read = reader.read(sequence, [&](const journal::StoredEntry& entry) -> Status {
    if (entry.kind == journal::EntryKind::decision) {
      Result<const fbs::DecisionRecord*> record = read_decision_record(entry.payload);
      if (!record) return record.status().with_context(fmt::format("journal entry {}", sequence));
      document = copy_of(*(*record)->decision());
      return Status::ok();
    }
    if (entry.kind == journal::EntryKind::reroute) {
      Result<const fbs::RerouteRecord*> record = read_reroute_record(entry.payload);
      if (!record) return record.status().with_context(fmt::format("journal entry {}", sequence));
      document = copy_of(*(*record)->decision());
      return Status::ok();
    }
    return not_of_kind(entry, "a decision or re-route");
  });
  if (!read.is_ok()) return read;
  return document;
}

Result<std::vector<std::uint8_t>> journaled_order(const journal::EntryReader& reader,
                                                  std::uint64_t sequence) {
  std::vector<std::uint8_t> order;
  const Status read = reader.read(sequence, [&](const journal::StoredEntry& entry) -> Status {
    if (entry.kind != journal::EntryKind::decision) return not_of_kind(entry, "a decision");
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
