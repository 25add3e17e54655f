// Zone: the USPS-style distance band (1 nearest .. 8 farthest) between an origin
// and a destination. Carrier transit times and rates are tabulated by zone.
//
// The bands, on the great-circle distance d in miles between the two prefixes'
// centroids (great_circle.h: haversine on a sphere of radius 3958.8 miles; centroids
// from routing/data/zip3_centroids.csv), each upper edge inclusive, each lower edge
// exclusive:
//   zone 1:    0 <= d <=   50      zone 5:  600 < d <= 1000
//   zone 2:   50 <  d <=  150      zone 6: 1000 < d <= 1400
//   zone 3:  150 <  d <=  300      zone 7: 1400 < d <= 1800
//   zone 4:  300 <  d <=  600      zone 8: 1800 < d
// This is USPS's "0-50, 51-150, ..., 1801+" chart read on a continuous distance:
// no rounding, so 50.0 is zone 1 and 50.01 is zone 2.
//
// A Zone is a one-byte value; safe to copy and share between threads.
#pragma once

#include <array>
#include <compare>
#include <cstdint>

#include "edgeroute/base/assert.h"

namespace edgeroute::routing {

class Zone {
 public:
  static constexpr std::uint8_t nearest = 1;
  static constexpr std::uint8_t farthest = 8;

  // REQUIRES: 1 <= number <= 8.
  constexpr explicit Zone(std::uint8_t number) : number_(number) {
    EDGEROUTE_ASSERT(number >= nearest && number <= farthest, "zones are numbered 1 to 8");
  }

  constexpr std::uint8_t number() const { return number_; }

  friend constexpr auto operator<=>(Zone, Zone) = default;

 private:
  std::uint8_t number_;
};

// zone_upper_edge_miles[n - 1] is the largest distance still in zone n (n = 1..7).
inline constexpr std::array<double, 7> zone_upper_edge_miles = {50.0,   150.0,  300.0, 600.0,
                                                                1000.0, 1400.0, 1800.0};

// REQUIRES: distance_miles >= 0 (and not NaN).
constexpr Zone zone_for_distance(double distance_miles) {
  EDGEROUTE_ASSERT(distance_miles >= 0.0, "a distance is never negative");
  std::uint8_t number = Zone::nearest;
  for (double upper_edge_miles : zone_upper_edge_miles) {
    if (distance_miles <= upper_edge_miles) break;
    ++number;
  }
  return Zone(number);
}

}  // namespace edgeroute::routing
