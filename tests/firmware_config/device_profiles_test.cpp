// Specifies the shipped device profiles. Every known profile must parse against the
// schema, and a file that sets only a gateway's identity must become a valid
// configuration with that profile: a profile supplies every other field, with
// values that pass validation. Profiles must never carry a gateway's identity
// (it would silently be shared by every gateway using the profile). The profile's
// name in the file selects its defaults, which the test checks on values that
// differ between profiles.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixtures.h"
#include "edgeroute/firmware_config/config_file.h"
#include "edgeroute/firmware_config/device_profiles.h"

namespace edgeroute::firmware_config {
namespace {

using ::testing::ElementsAre;
using testing::gateway_json;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(DeviceProfiles, KnownProfilesAreTheShippedFiles) {
  EXPECT_THAT(known_device_profiles(), ElementsAre("generic-arm64", "rpi4", "x86-dev"));
  EXPECT_EQ(known_device_profiles_list(), "generic-arm64, rpi4, x86-dev");
  for (std::string_view name : known_device_profiles()) {
    const auto embedded = device_profile_json(name);
    ASSERT_TRUE(embedded.has_value()) << name;
    EXPECT_EQ(*embedded,
              testing::read_source_file("firmware_config/profiles/" + std::string(name) + ".json"));
  }
  EXPECT_FALSE(device_profile_json("rpi5").has_value());
}

TEST(DeviceProfiles, EachCompletesAnIdentityOnlyFileIntoAValidConfig) {
  for (std::string_view name : known_device_profiles()) {
    SCOPED_TRACE(name);
    const std::string profile = "\"" + std::string(name) + "\"";
    const ConfigResult loaded = parse_gateway_config(gateway_json({{"device_profile", profile}}));
    ASSERT_TRUE(loaded.has_value()) << ::testing::PrintToString(loaded.errors());
    EXPECT_EQ(loaded->device_profile, name);
  }
}

TEST(DeviceProfiles, NoneCarriesAGatewayIdentity) {
  for (std::string_view name : known_device_profiles()) {
    SCOPED_TRACE(name);
    const std::string json(*device_profile_json(name));
    for (const char* identity : {"\"device_profile\"", "\"gateway_id\"", "\"served_node_ids\"",
                                 "\"central\"", "\"policy_trust_anchor\"", "\"schema_version\""}) {
      EXPECT_THAT(json, Not(HasSubstr(identity)));
    }
  }
}

TEST(DeviceProfiles, TheNamedProfileSuppliesTheDefaults) {
  const ConfigResult rpi4 = parse_gateway_config(gateway_json({{"device_profile", R"("rpi4")"}}));
  const ConfigResult arm64 =
      parse_gateway_config(gateway_json({{"device_profile", R"("generic-arm64")"}}));
  const ConfigResult dev = parse_gateway_config(gateway_json({{"device_profile", R"("x86-dev")"}}));
  ASSERT_TRUE(rpi4 && arm64 && dev);

  // Raspberry Pi 4: four cores, one left for I/O and the journal; small queues.
  EXPECT_EQ(rpi4->routing_workers, 3);
  EXPECT_LT(rpi4->queues.ingress_capacity, arm64->queues.ingress_capacity);
  EXPECT_EQ(rpi4->data_dir, "/var/lib/edgeroute");
  // A developer's machine listens on loopback only and keeps its data under /tmp.
  EXPECT_EQ(dev->orders.address, "127.0.0.1");
  EXPECT_EQ(dev->data_dir, "/tmp/edgeroute");
  EXPECT_EQ(arm64->wan_interface, "eth0");
}

}  // namespace
}  // namespace edgeroute::firmware_config
