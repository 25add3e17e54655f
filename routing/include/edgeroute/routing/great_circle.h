// Great-circle distance on a spherical Earth, the geometry behind zones.
//
// A sphere of radius 3958.8 miles (the mean Earth radius) is accurate to about 0.5%
// against the ellipsoid, far finer than the width of a zone band. Pure functions;
// safe from any thread.
#pragma once

namespace edgeroute::routing {

inline constexpr double earth_radius_miles = 3958.8;

struct Coordinates {
  double latitude_degrees = 0.0;   // -90 (south) .. 90 (north)
  double longitude_degrees = 0.0;  // -180 (west) .. 180 (east)
};

// The haversine formula: well conditioned for short distances too, where the
// spherical law of cosines loses precision.
double great_circle_distance_miles(Coordinates from, Coordinates to);

}  // namespace edgeroute::routing
