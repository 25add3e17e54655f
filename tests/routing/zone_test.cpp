// Specifies the zone bands exactly as zone.h documents them, so that anyone can
// recompute a zone by hand: each upper edge (50, 150, ..., 1800 miles) belongs to the
// nearer zone and anything past it to the next. Proved twice: on the pure band
// function, at the edges and one representable step past them; and end to end through
// a Geography built from a synthetic table whose points lie due north of an origin at
// chosen distances (on a meridian, distance = earth radius x latitude difference in
// radians), a thousandth of a mile either side of every edge.
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/great_circle.h"
#include "edgeroute/routing/zone.h"

namespace edgeroute::routing {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

TEST(ZoneForDistance, EachUpperEdgeBelongsToTheNearerZone) {
  EXPECT_EQ(zone_for_distance(0.0).number(), 1);
  const std::vector<double> edges_miles = {50, 150, 300, 600, 1000, 1400, 1800};
  for (std::size_t i = 0; i < edges_miles.size(); ++i) {
    const auto nearer = static_cast<std::uint8_t>(i + 1);
    EXPECT_EQ(zone_for_distance(edges_miles[i]).number(), nearer) << edges_miles[i];
    EXPECT_EQ(zone_for_distance(std::nextafter(edges_miles[i], infinity)).number(), nearer + 1)
        << "just past " << edges_miles[i];
  }
}

TEST(ZoneForDistance, UspsWholeMileChartReadsTheSame) {
  // USPS: 0-50 zone 1, 51-150 zone 2, ..., 1801+ zone 8.
  const std::vector<std::pair<double, int>> chart = {
      {1, 1},   {50, 1},   {51, 2},   {150, 2},  {151, 3},  {300, 3},  {301, 4},  {600, 4},
      {601, 5}, {1000, 5}, {1001, 6}, {1400, 6}, {1401, 7}, {1800, 7}, {1801, 8}, {12451, 8}};
  for (const auto& [miles, zone] : chart) {
    EXPECT_EQ(zone_for_distance(miles).number(), zone) << miles << " mi";
  }
}

// Latitude `distance_miles` due north of `origin_latitude_degrees` on the sphere.
double latitude_north_of(double origin_latitude_degrees, double distance_miles) {
  return origin_latitude_degrees + distance_miles / earth_radius_miles * 180.0 / std::numbers::pi;
}

constexpr double origin_latitude_degrees = 20.0;
constexpr double meridian_degrees = -100.0;
constexpr double margin_miles = 0.001;

struct SyntheticPoint {
  std::uint16_t prefix;
  double distance_miles;  // from the origin, prefix 1
  int zone;
};

// Prefix 1 is the origin; prefixes 10.. are a margin either side of each band edge.
std::vector<SyntheticPoint> synthetic_points() {
  std::vector<SyntheticPoint> points;
  std::uint16_t prefix = 10;
  int zone = 1;
  for (double edge_miles : zone_upper_edge_miles) {
    points.push_back({prefix++, edge_miles - margin_miles, zone});
    points.push_back({prefix++, edge_miles + margin_miles, zone + 1});
    ++zone;
  }
  points.push_back({prefix++, 51.0, 2});
  return points;
}

std::string synthetic_csv() {
  std::ostringstream csv;
  csv << std::fixed << std::setprecision(9) << "zip3,latitude,longitude\n";
  csv << "001," << origin_latitude_degrees << ',' << meridian_degrees << '\n';
  for (const SyntheticPoint& point : synthetic_points()) {
    csv << Zip3(point.prefix).to_string() << ','
        << latitude_north_of(origin_latitude_degrees, point.distance_miles) << ','
        << meridian_degrees << '\n';
  }
  return csv.str();
}

TEST(ZoneFromGeography, SyntheticPointsEitherSideOfEveryEdge) {
  Result<Geography> geography = Geography::from_csv(synthetic_csv(), "synthetic.csv");
  ASSERT_TRUE(geography) << geography.status().to_string();
  const Zip3 origin(1);
  for (const SyntheticPoint& point : synthetic_points()) {
    const Zip3 destination(point.prefix);
    // 9 decimals of a degree are 7e-8 miles: far inside the margin.
    EXPECT_NEAR(geography->distance_miles(origin, destination), point.distance_miles, 1e-6);
    EXPECT_EQ(geography->zone(origin, destination).number(), point.zone)
        << point.distance_miles << " mi";
    EXPECT_EQ(geography->zone(destination, origin).number(), point.zone)
        << point.distance_miles << " mi, reversed";
  }
}

TEST(ZoneFromGeography, SamePrefixIsZoneOne) {
  Result<Geography> geography = Geography::from_csv(synthetic_csv(), "synthetic.csv");
  ASSERT_TRUE(geography) << geography.status().to_string();
  for (Zip3 prefix : geography->prefixes()) {
    EXPECT_EQ(geography->distance_miles(prefix, prefix), 0.0);
    EXPECT_EQ(geography->zone(prefix, prefix), Zone(1));
  }
}

TEST(ZoneFromGeography, ZonesBetweenTwoDistantPointsComeFromTheirOwnDistance) {
  // 10 and 23 lie 49.999 and 1800.001 miles north of the origin: 1750.002 apart.
  Result<Geography> geography = Geography::from_csv(synthetic_csv(), "synthetic.csv");
  ASSERT_TRUE(geography) << geography.status().to_string();
  EXPECT_NEAR(geography->distance_miles(Zip3(10), Zip3(23)), 1750.002, 1e-6);
  EXPECT_EQ(geography->zone(Zip3(10), Zip3(23)), Zone(7));
}

}  // namespace
}  // namespace edgeroute::routing
