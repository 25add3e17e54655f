#include "edgeroute/routing/id_index.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "edgeroute/base/assert.h"

namespace edgeroute::routing {

namespace {

// Slots for `count` ids at most two thirds full (and never fewer than 8, so that a
// small list probes a few slots, not one).
std::size_t slots_for(std::size_t count) {
  return std::max<std::size_t>(8, count + count / 2 + 1);
}

}  // namespace

void IdIndex::reserve(std::size_t count, std::size_t characters) {
  characters_.reserve(characters);
  ends_.reserve(count);
  if (slots_for(count) > slots_.size()) rehash(count);
}

std::size_t IdIndex::first_slot(std::string_view id) const {
  const std::size_t hash = std::hash<std::string_view>{}(id);
  // Folded to 32 bits and scaled onto the table by a multiply (Lemire's range
  // reduction) rather than a modulo, which is a division on the lookup path; the
  // folding keeps the high half of a 64-bit hash, where std::hash mixes best.
  const auto folded = static_cast<std::uint32_t>(hash ^ (static_cast<std::uint64_t>(hash) >> 32));
  return static_cast<std::size_t>((std::uint64_t{folded} * slots_.size()) >> 32);
}

std::optional<std::uint32_t> IdIndex::find(std::string_view id) const {
  if (slots_.empty()) return std::nullopt;
  for (std::size_t slot = first_slot(id);; slot = slot + 1 == slots_.size() ? 0 : slot + 1) {
    const std::uint32_t held = slots_[slot];
    if (held == kEmpty) return std::nullopt;
    if (this->id(held - 1) == id) return held - 1;
  }
}

std::string_view IdIndex::id(std::uint32_t position) const {
  const std::uint32_t begin = position == 0 ? 0 : ends_[position - 1];
  return std::string_view(characters_).substr(begin, ends_[position] - begin);
}

std::optional<std::uint32_t> IdIndex::add(std::string_view id) {
  EDGEROUTE_ASSERT(ends_.size() < std::numeric_limits<std::uint32_t>::max() - 1,
                   "an id index holds fewer than 2^32 - 1 ids");
  EDGEROUTE_ASSERT(characters_.size() + id.size() <= std::numeric_limits<std::uint32_t>::max(),
                   "an id index's characters fit 32-bit offsets");
  if (slots_for(ends_.size() + 1) > slots_.size()) rehash(2 * (ends_.size() + 1));
  std::size_t slot = first_slot(id);
  for (; slots_[slot] != kEmpty; slot = slot + 1 == slots_.size() ? 0 : slot + 1) {
    if (this->id(slots_[slot] - 1) == id) return slots_[slot] - 1;
  }
  characters_.append(id);
  ends_.push_back(static_cast<std::uint32_t>(characters_.size()));
  slots_[slot] = size();  // the new position, plus one
  return std::nullopt;
}

void IdIndex::rehash(std::size_t count) {
  slots_.assign(slots_for(count), kEmpty);
  for (std::uint32_t position = 0; position < size(); ++position) {
    std::size_t slot = first_slot(id(position));
    while (slots_[slot] != kEmpty) slot = slot + 1 == slots_.size() ? 0 : slot + 1;
    slots_[slot] = position + 1;
  }
}

std::size_t IdIndex::memory_bytes() const {
  return characters_.capacity() + ends_.capacity() * sizeof(std::uint32_t) +
         slots_.capacity() * sizeof(std::uint32_t);
}

}  // namespace edgeroute::routing
