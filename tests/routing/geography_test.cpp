// Specifies the Geography routing relies on. The shipped table: it loads, covers the
// country (at least 880 prefixes, every centroid inside the US's latitude and
// longitude box, Alaska to Puerto Rico), and gives real distances between real cities
// within a few percent of published great-circle figures, with the zones those imply.
// The zone matrix: symmetric, zone 1 on the diagonal, and equal for every pair to the
// band of the computed distance, which proves its layout. Locating a postal code:
// unknown prefixes are refused there, so that zone() may assert on them. Loading from
// CSV: each kind of damage is reported with the source name and line.
#include <cmath>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "edgeroute/routing/geography.h"

namespace edgeroute::routing {
namespace {

class EmbeddedGeography : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<Geography> loaded = Geography::load_embedded();
    ASSERT_TRUE(loaded) << loaded.status().to_string();
    geography_ = new Geography(std::move(*loaded));
  }
  static void TearDownTestSuite() {
    delete geography_;
    geography_ = nullptr;
  }
  static const Geography& geography() { return *geography_; }

 private:
  static inline Geography* geography_ = nullptr;
};

TEST_F(EmbeddedGeography, CoversTheCountryWithSaneCoordinates) {
  EXPECT_GE(geography().prefix_count(), 880u);
  for (Zip3 prefix : geography().prefixes()) {
    const Coordinates centroid = geography().centroid(prefix);
    // Puerto Rico and the Virgin Islands in the south-east to Alaska in the north-west.
    EXPECT_GE(centroid.latitude_degrees, 17.0) << prefix.to_string();
    EXPECT_LE(centroid.latitude_degrees, 72.0) << prefix.to_string();
    EXPECT_GE(centroid.longitude_degrees, -180.0) << prefix.to_string();
    EXPECT_LE(centroid.longitude_degrees, -64.0) << prefix.to_string();
  }
}

TEST_F(EmbeddedGeography, PrefixesAreListedAscendingAndAllKnown) {
  const auto prefixes = geography().prefixes();
  ASSERT_EQ(prefixes.size(), geography().prefix_count());
  for (std::size_t i = 1; i < prefixes.size(); ++i) EXPECT_LT(prefixes[i - 1], prefixes[i]);
  for (Zip3 prefix : prefixes) EXPECT_TRUE(geography().contains(prefix));
  EXPECT_FALSE(geography().contains(Zip3(0)));
}

TEST_F(EmbeddedGeography, RealCityDistancesMatchPublishedFigures) {
  struct Route {
    const char* from;
    const char* to;
    double published_miles;  // city-centre great-circle distance
    int zone;
  };
  const Route routes[] = {
      {"10001", "90012", 2450, 8},  // New York - Los Angeles
      {"60601", "10001", 713, 5},   // Chicago - New York
      {"60601", "90012", 1745, 7},  // Chicago - Los Angeles
      {"98101", "33101", 2734, 8},  // Seattle - Miami
      {"02108", "20001", 394, 4},   // Boston - Washington
      {"75201", "77002", 225, 3},   // Dallas - Houston
  };
  for (const Route& route : routes) {
    const Result<Zip3> from = geography().locate(route.from);
    const Result<Zip3> to = geography().locate(route.to);
    ASSERT_TRUE(from && to) << route.from << " -> " << route.to;
    EXPECT_NEAR(geography().distance_miles(*from, *to), route.published_miles,
                0.03 * route.published_miles)
        << route.from << " -> " << route.to;
    EXPECT_EQ(geography().zone(*from, *to).number(), route.zone)
        << route.from << " -> " << route.to;
  }
}

TEST_F(EmbeddedGeography, NeighbouringPrefixesAreZoneOne) {
  // Manhattan and Brooklyn.
  EXPECT_EQ(geography().zone(Zip3(100), Zip3(112)), Zone(1));
}

TEST_F(EmbeddedGeography, EveryPairHasTheZoneOfItsDistanceBothWays) {
  const auto prefixes = geography().prefixes();
  for (Zip3 from : prefixes) {
    EXPECT_EQ(geography().zone(from, from), Zone(1)) << from.to_string();
    for (Zip3 to : prefixes) {
      const Zone zone = geography().zone(from, to);
      if (zone != zone_for_distance(geography().distance_miles(from, to)) ||
          zone != geography().zone(to, from)) {
        ADD_FAILURE() << from.to_string() << " -> " << to.to_string() << ": zone "
                      << int{zone.number()} << ", reverse "
                      << int{geography().zone(to, from).number()} << ", "
                      << geography().distance_miles(from, to) << " mi";
        return;
      }
    }
  }
}

TEST_F(EmbeddedGeography, LocateAcceptsEveryFormOfAKnownCode) {
  for (const char* code : {"10001", "10001-1234", "100"}) {
    Result<Zip3> prefix = geography().locate(code);
    ASSERT_TRUE(prefix) << prefix.status().to_string();
    EXPECT_EQ(*prefix, Zip3(100));
  }
  Result<Zip3> san_juan = geography().locate("00901");
  ASSERT_TRUE(san_juan) << san_juan.status().to_string();
  EXPECT_EQ(*san_juan, Zip3(9));
}

TEST_F(EmbeddedGeography, LocateRefusesAnUnknownPrefixNamingIt) {
  for (const char* code : {"000", "00001", "00001-0001"}) {
    Result<Zip3> prefix = geography().locate(code);
    ASSERT_FALSE(prefix) << code;
    EXPECT_EQ(prefix.status().code(), StatusCode::not_found);
    EXPECT_NE(prefix.status().message().find(std::string("\"") + code + "\""), std::string::npos)
        << prefix.status().message();
    EXPECT_NE(prefix.status().message().find("ZIP prefix 000"), std::string::npos)
        << prefix.status().message();
  }
}

TEST_F(EmbeddedGeography, LocateRefusesMalformedCodes) {
  for (const char* code : {"", "abcde", "1234", "10001-12"}) {
    Result<Zip3> prefix = geography().locate(code);
    ASSERT_FALSE(prefix) << code;
    EXPECT_EQ(prefix.status().code(), StatusCode::invalid_argument) << code;
  }
}

TEST_F(EmbeddedGeography, MovingKeepsTheTable) {
  Result<Geography> loaded = Geography::load_embedded();
  ASSERT_TRUE(loaded);
  Geography moved = std::move(*loaded);
  EXPECT_EQ(moved.prefix_count(), geography().prefix_count());
  EXPECT_EQ(moved.zone(Zip3(100), Zip3(900)), Zone(8));
}

using EmbeddedGeographyDeathTest = EmbeddedGeography;

TEST_F(EmbeddedGeographyDeathTest, AnUnknownPrefixIsAProgrammingError) {
  EXPECT_DEATH((void)geography().zone(Zip3(0), Zip3(100)), "not in the table");
  EXPECT_DEATH((void)geography().zone(Zip3(100), Zip3(0)), "not in the table");
  EXPECT_DEATH((void)geography().distance_miles(Zip3(0), Zip3(100)), "not in the table");
}

// --- Loading from CSV text ---

Status load_error(const std::string& csv) {
  Result<Geography> geography = Geography::from_csv(csv, "table.csv");
  return geography ? Status::ok() : geography.status();
}

TEST(GeographyFromCsv, AcceptsExtraColumnsBlankLinesAndCrLf) {
  Result<Geography> geography = Geography::from_csv(
      "zip3,latitude,longitude,population,state\r\n"
      "100,40.77903,-73.96655,1560632,NY\r\n"
      "\r\n"
      "900,34.03587,-118.29668,2438602,CA",
      "table.csv");
  ASSERT_TRUE(geography) << geography.status().to_string();
  EXPECT_EQ(geography->prefix_count(), 2u);
  EXPECT_EQ(geography->centroid(Zip3(900)).longitude_degrees, -118.29668);
  EXPECT_EQ(geography->zone(Zip3(100), Zip3(900)), Zone(8));
}

TEST(GeographyFromCsv, EachKindOfDamageNamesTheSourceAndLine) {
  struct Case {
    std::string csv;
    std::string message;
  };
  const std::string header = "zip3,latitude,longitude\n";
  const Case cases[] = {
      {"", "table.csv:1: the header must start with \"zip3,latitude,longitude\""},
      {"zip,latitude,longitude\n100,40,-74\n", "table.csv:1: the header"},
      {"zip3,lat,lon\n100,40,-74\n", "table.csv:1: the header"},
      {header, "table.csv:1: the table has no rows"},
      {header + "100,40,-74\n100,41,-74\n", "table.csv:3: zip3 100 appears twice"},
      {header + "100,40\n", "table.csv:2: expected 3 columns, found 2"},
      {header + "100,40,-74,NY\n", "table.csv:2: expected 3 columns, found 4"},
      {header + "1000,40,-74\n", "table.csv:2: zip3 \"1000\" is not three digits"},
      {header + "10,40,-74\n", "table.csv:2: zip3 \"10\" is not three digits"},
      {header + "1a0,40,-74\n", "table.csv:2: zip3 \"1a0\" is not three digits"},
      {header + "100,north,-74\n", "table.csv:2: latitude \"north\" is not a number in -90..90"},
      {header + "100,,-74\n", "table.csv:2: latitude \"\" is not a number"},
      {header + "100,40x,-74\n", "table.csv:2: latitude \"40x\" is not a number"},
      {header + "100,90.5,-74\n", "table.csv:2: latitude \"90.5\" is not a number in -90..90"},
      {header + "100,nan,-74\n", "table.csv:2: latitude \"nan\" is not a number"},
      {header + "100,40,-180.01\n", "table.csv:2: longitude \"-180.01\" is not a number"},
      {header + "100,40,inf\n", "table.csv:2: longitude \"inf\" is not a number"},
  };
  for (const Case& c : cases) {
    const Status status = load_error(c.csv);
    EXPECT_EQ(status.code(), StatusCode::corruption) << c.csv;
    EXPECT_NE(status.message().find(c.message), std::string::npos)
        << "for:\n"
        << c.csv << "\ngot: " << status.message();
  }
}

}  // namespace
}  // namespace edgeroute::routing
