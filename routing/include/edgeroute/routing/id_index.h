// IdIndex: the ids of one list (a network's SKUs, its nodes), each stored once, and the
// way back from an id to its position in the list.
//
// Why not std::unordered_map<std::string, std::uint32_t>: a catalog of a million SKUs is
// the case this must serve, and there the map costs about 100 bytes per id (the node
// with its cached hash and a std::string, the bucket pointer, malloc's own header),
// 96 MB of a gateway's 200 MB budget beside the inventory table. Here an id costs its
// characters, a 4-byte end offset and 6 bytes of hash slots (a million ids of 11
// characters: 21 MB), and building it is two allocations, not a million.
//
// The slots hold positions (plus one; 0 is empty) in an open-addressing table probed
// linearly, at most two thirds full, so a lookup reads on average two slots when the id
// is there and five when it is not, each compared by length before its characters.
// The table keeps no hashes: a position's id is where it is compared anyway.
//
// Thread-safety: add() needs exclusive access; once the list is complete, an IdIndex is
// read-only and any number of threads may call find() and id().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgeroute::routing {

class IdIndex {
 public:
  IdIndex() = default;

  // Room for `count` ids of `characters` characters in all, so that a list of known
  // size is built without reallocation (add() grows past it, just more slowly).
  void reserve(std::size_t count, std::size_t characters);

  // Appends `id` as position size(). When an earlier position already has this id,
  // nothing is added and that position is returned, for the caller's error.
  // REQUIRES: size() < 2^32 - 1 and the ids' characters stay below 4 GiB.
  std::optional<std::uint32_t> add(std::string_view id);

  std::optional<std::uint32_t> find(std::string_view id) const;
  // REQUIRES: position < size().
  std::string_view id(std::uint32_t position) const;
  std::uint32_t size() const { return static_cast<std::uint32_t>(ends_.size()); }

  // What the index holds on the heap, for memory budgets.
  std::size_t memory_bytes() const;

 private:
  static constexpr std::uint32_t kEmpty = 0;

  std::size_t first_slot(std::string_view id) const;
  // Rebuilds the slots for room for `count` ids at the load limit.
  void rehash(std::size_t count);

  std::string characters_;            // every id, back to back
  std::vector<std::uint32_t> ends_;   // id i is characters_[ends_[i-1], ends_[i])
  std::vector<std::uint32_t> slots_;  // position + 1, or kEmpty
};

}  // namespace edgeroute::routing
