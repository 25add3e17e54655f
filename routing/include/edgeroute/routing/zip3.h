// Zip3: a 3-digit US ZIP prefix (000..999), the unit of geography routing works in.
// USPS draws its zone chart between 3-digit prefixes, and so do we: a ship-to or a
// node is located by the first three digits of its postal code.
//
// Zip3::from_postal_code checks only the form of a code. Whether the prefix exists is
// a question for the Geography that holds the table (Geography::locate), so that
// everything downstream can take a Zip3 as known.
//
// A Zip3 is a two-byte value; safe to copy and share between threads.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "edgeroute/base/assert.h"
#include "edgeroute/base/result.h"

namespace edgeroute::routing {

class Zip3 {
 public:
  static constexpr std::uint16_t prefix_count = 1000;

  // REQUIRES: prefix < 1000.
  constexpr explicit Zip3(std::uint16_t prefix) : prefix_(prefix) {
    EDGEROUTE_ASSERT(prefix < prefix_count, "a ZIP prefix has three digits");
  }

  // Accepts exactly "12345", "12345-6789" (ZIP+4) or "123" (a bare prefix); no
  // whitespace, no other separators. Anything else is invalid_argument, with a
  // message quoting the code.
  static Result<Zip3> from_postal_code(std::string_view postal_code);

  constexpr std::uint16_t prefix() const { return prefix_; }

  // Three digits, zero-padded: "007".
  std::string to_string() const;

  friend constexpr auto operator<=>(Zip3, Zip3) = default;

 private:
  std::uint16_t prefix_;
};

}  // namespace edgeroute::routing
