// Geography: where US postal codes are, and the zone between any two of them.
//
// It owns a table of 3-digit ZIP prefix centroids (routing/data/zip3_centroids.csv,
// compiled into the binary; see routing/data/README.md for its source) and, derived
// from it at load, the zone of every ordered pair of prefixes. Loading parses and
// checks the table once at start-up; after that nothing allocates, hashes or does I/O:
// zone() is one byte load from a dense matrix.
//
// Prefixes absent from the table are rejected by locate(), at the edge, so the rest of
// routing only ever holds known prefixes; passing an unknown one to centroid(),
// distance_miles() or zone() is a programming error and asserts.
//
// Thread-safety: immutable once built; every const method may be called from any
// number of threads at once. Move-only, because the matrix is a megabyte; a moved-from
// Geography may only be destroyed or assigned to.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/base/result.h"
#include "edgeroute/routing/great_circle.h"
#include "edgeroute/routing/zip3.h"
#include "edgeroute/routing/zone.h"

namespace edgeroute::routing {

class Geography {
 public:
  // The table shipped in the binary.
  static Result<Geography> load_embedded();

  // A table in the CSV form of routing/data/zip3_centroids.csv: a header line starting
  // "zip3,latitude,longitude", then one row per prefix with three digits, latitude and
  // longitude in degrees; further columns are allowed, and ignored. Rows must not
  // repeat a prefix. Errors are `corruption`, naming `source_name` and the line.
  static Result<Geography> from_csv(std::string_view csv_text, std::string_view source_name);

  Geography(Geography&&) noexcept = default;
  Geography& operator=(Geography&&) noexcept = default;
  Geography(const Geography&) = delete;
  Geography& operator=(const Geography&) = delete;

  // The prefix of `postal_code` (see Zip3::from_postal_code for the accepted forms),
  // or not_found if the table has no such prefix.
  Result<Zip3> locate(std::string_view postal_code) const;

  bool contains(Zip3 prefix) const { return known_[prefix.prefix()]; }
  std::size_t prefix_count() const { return prefixes_.size(); }
  // Every known prefix, ascending.
  std::span<const Zip3> prefixes() const { return prefixes_; }

  // REQUIRES (this and the two below): contains() for every prefix passed.
  Coordinates centroid(Zip3 prefix) const;
  double distance_miles(Zip3 from, Zip3 to) const;

  Zone zone(Zip3 from, Zip3 to) const {
    const std::uint8_t number = zone_numbers_[matrix_index(from, to)];
    EDGEROUTE_ASSERT(number != 0, "zone() of a ZIP prefix that is not in the table");
    return Zone(number);
  }

 private:
  Geography();

  static std::size_t matrix_index(Zip3 from, Zip3 to) {
    return std::size_t{from.prefix()} * Zip3::prefix_count + std::size_t{to.prefix()};
  }

  void add(Zip3 prefix, Coordinates centroid);
  void compute_zones();

  // Dense Zip3::prefix_count x Zip3::prefix_count, row = origin: 1 MB, one load per
  // lookup, no hashing, no branch on the layout. A table indexed only by the ~900 known
  // prefixes would save 20% of the memory for a second, dependent load (prefix -> row);
  // storing one triangle of the symmetric matrix would halve it for index arithmetic and
  // a branch. The megabyte is not all hot: a gateway's origins are its few nodes, so the
  // working set is their rows, a kilobyte each.
  std::vector<std::uint8_t> zone_numbers_;
  std::vector<Coordinates> centroids_;  // indexed by prefix; valid where known_
  std::bitset<Zip3::prefix_count> known_;
  std::vector<Zip3> prefixes_;
};

}  // namespace edgeroute::routing
