#include "edgeroute/routing/great_circle.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace edgeroute::routing {
namespace {

double radians(double degrees) {
  return degrees * std::numbers::pi / 180.0;
}

}  // namespace

double great_circle_distance_miles(Coordinates from, Coordinates to) {
  const double from_latitude = radians(from.latitude_degrees);
  const double to_latitude = radians(to.latitude_degrees);
  const double sin_half_latitude = std::sin((to_latitude - from_latitude) / 2.0);
  const double sin_half_longitude =
      std::sin(radians(to.longitude_degrees - from.longitude_degrees) / 2.0);
  const double haversine =
      sin_half_latitude * sin_half_latitude +
      std::cos(from_latitude) * std::cos(to_latitude) * sin_half_longitude * sin_half_longitude;
  // Rounding can push antipodal points a hair past 1, outside asin's domain.
  return 2.0 * earth_radius_miles * std::asin(std::sqrt(std::min(haversine, 1.0)));
}

}  // namespace edgeroute::routing
