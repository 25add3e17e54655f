// Specifies how a gateway configuration file becomes the effective configuration:
// FlatBuffers' parser reads the JSON against the schema (syntax errors, unknown and
// repeated fields stop there, with FlatBuffers' line and column), the named device
// profile fills what the file omits field by field, missing fields are reported as
// missing, and validation reports every broken rule at once as "path: message".
// Bad files are given inline (one broken thing each) or read from
// tests/firmware_config/data/, and each must produce exactly the expected errors.
// The shipped example file must load, and printing any effective configuration
// must give text that loads back to the same configuration.
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixtures.h"
#include "edgeroute/firmware_config/config_file.h"

namespace edgeroute::firmware_config {
namespace {

using ::testing::ElementsAre;
using testing::gateway_json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::read_source_file;
using ::testing::SizeIs;
using testing::source_path;
using ::testing::StartsWith;
using testing::valid_config;

std::vector<ConfigError> errors_of(const ConfigResult& result) {
  EXPECT_FALSE(result.has_value()) << "expected errors, got a valid configuration";
  return result.errors();
}

// The single file-level error of a result (syntax, schema type, I/O).
std::string file_error_of(const ConfigResult& result) {
  const std::vector<ConfigError> errors = errors_of(result);
  if (errors.size() != 1 || !errors[0].path.empty()) {
    ADD_FAILURE() << "expected one error about the whole file, got "
                  << ::testing::PrintToString(errors);
    return "";
  }
  return errors[0].message;
}

TEST(ConfigFile, MinimalFileTakesEverythingElseFromItsProfile) {
  const ConfigResult loaded = parse_gateway_config(gateway_json());
  ASSERT_TRUE(loaded.has_value()) << ::testing::PrintToString(loaded.errors());
  EXPECT_EQ(*loaded, valid_config());
}

TEST(ConfigFile, FileValuesOverrideTheProfileFieldByField) {
  const ConfigResult loaded = parse_gateway_config(gateway_json({
      {"orders", R"({"port": 9000})"},
      {"queues", R"({"journal_capacity": 4096})"},
      {"routing_workers", "8"},
  }));
  ASSERT_TRUE(loaded.has_value()) << ::testing::PrintToString(loaded.errors());
  EXPECT_EQ(loaded->orders, (Listener{"127.0.0.1", 9000}));  // address from x86-dev
  EXPECT_EQ(loaded->queues, (Queues{1024, 4096, 1024}));
  EXPECT_EQ(loaded->routing_workers, 8);
}

TEST(ConfigFile, ServerNameDefaultsToCentralHost) {
  const ConfigResult defaulted = parse_gateway_config(gateway_json());
  ASSERT_TRUE(defaulted.has_value());
  EXPECT_EQ(defaulted->central.server_name, "central.example.com");

  const ConfigResult explicit_name = parse_gateway_config(gateway_json(
      {{"central",
        R"({"host": "10.0.0.5", "port": 7443, "server_name": "central.example.com"})"}}));
  ASSERT_TRUE(explicit_name.has_value()) << ::testing::PrintToString(explicit_name.errors());
  EXPECT_EQ(explicit_name->central.host, "10.0.0.5");
  EXPECT_EQ(explicit_name->central.server_name, "central.example.com");
}

TEST(ConfigFile, PolicyTrialTakesItsDefaultsFieldByField) {
  const ConfigResult defaulted = parse_gateway_config(gateway_json());
  ASSERT_TRUE(defaulted.has_value());
  EXPECT_EQ(defaulted->policy_trial, (PolicyTrial{60, 20, 10, 50}));
  const ConfigResult longer = parse_gateway_config(
      gateway_json({{"policy_trial", R"({"seconds": 900, "min_decisions": 200})"}}));
  ASSERT_TRUE(longer.has_value()) << ::testing::PrintToString(longer.errors());
  EXPECT_EQ(longer->policy_trial, (PolicyTrial{900, 200, 10, 50}));
  const std::vector<ConfigError> zero =
      errors_of(parse_gateway_config(gateway_json({{"policy_trial", R"({"seconds": 0})"}})));
  ASSERT_EQ(zero.size(), 1U) << ::testing::PrintToString(zero);
  EXPECT_EQ(zero[0].path, "policy_trial.seconds");
  EXPECT_EQ(zero[0].message, "0 is outside 1..86400");
}

TEST(ConfigFile, SchemaVersionDefaultsToTheCurrentOne) {
  const ConfigResult loaded = parse_gateway_config(gateway_json({{"schema_version", "1"}}));
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->schema_version, 1);
  EXPECT_EQ(parse_gateway_config(gateway_json())->schema_version, 1);
}

TEST(ConfigFile, ExampleFileLoads) {
  const ConfigResult loaded =
      load_gateway_config(source_path("firmware_config/examples/gateway.json"));
  ASSERT_TRUE(loaded.has_value()) << ::testing::PrintToString(loaded.errors());
  EXPECT_EQ(loaded->device_profile, "x86-dev");
  EXPECT_EQ(loaded->orders, (Listener{"127.0.0.1", 7400}));
  EXPECT_EQ(loaded->ops, (Listener{"127.0.0.1", 7401}));
  EXPECT_EQ(loaded->sync, (Listener{"127.0.0.1", 7402}));
}

struct BadFile {
  std::string name;
  std::string json;
  std::vector<ConfigError> expected;
};

std::ostream& operator<<(std::ostream& out, const BadFile& file) {
  return out << file.name;
}

class ConfigFileRejects : public ::testing::TestWithParam<BadFile> {};

TEST_P(ConfigFileRejects, WithExactlyTheExpectedErrors) {
  EXPECT_EQ(errors_of(parse_gateway_config(GetParam().json)), GetParam().expected);
}

std::vector<BadFile> bad_files() {
  return {
      {"PortOutOfRange",
       gateway_json({{"orders", R"({"port": 70000})"}}),
       {{"orders.port", "70000 is not a TCP port"}}},
      {"UnknownProfile",
       gateway_json({{"device_profile", R"("rpi5")"}}),
       {{"device_profile", "'rpi5' is not a known profile (known: generic-arm64, rpi4, x86-dev)"}}},
      {"NoProfile",
       gateway_json({{"device_profile", ""}}),
       {{"device_profile", "is required (known: generic-arm64, rpi4, x86-dev)"}}},
      {"UnknownProfileStillValidatesWhatTheFileSets",
       gateway_json({{"device_profile", R"("rpi5")"}, {"routing_workers", "100"}}),
       {{"device_profile", "'rpi5' is not a known profile (known: generic-arm64, rpi4, x86-dev)"},
        {"routing_workers", "100 is outside 1..64"}}},
      {"NoGatewayId",
       gateway_json({{"gateway_id", ""}}),
       {{"gateway_id", "is required; profile 'x86-dev' has no default for it"}}},
      {"EmptyGatewayId",
       gateway_json({{"gateway_id", R"("")"}}),
       {{"gateway_id", "must not be empty"}}},
      {"EmptyServedNodeList",
       gateway_json({{"served_node_ids", "[]"}}),
       {{"served_node_ids", "must list at least one node"}}},
      {"DuplicateServedNode",
       gateway_json({{"served_node_ids", R"(["fc-1", "fc-2", "fc-1"])"}}),
       {{"served_node_ids[2]", "'fc-1' is already listed at served_node_ids[0]"}}},
      {"NoCentralPort",
       gateway_json({{"central", R"({"host": "central.example.com"})"}}),
       {{"central.port", "is required; profile 'x86-dev' has no default for it"}}},
      {"NoCentralAtAll",
       gateway_json({{"central", ""}}),
       {{"central.host", "is required; profile 'x86-dev' has no default for it"},
        {"central.port", "is required; profile 'x86-dev' has no default for it"}}},
      {"ListenerClashWithProfileAddress",
       gateway_json({{"sync", R"({"port": 7400})"}}),
       {{"sync.port", "7400 is already used by orders on 127.0.0.1"}}},
      {"UnsupportedSchemaVersion",
       gateway_json({{"schema_version", "2"}}),
       {{"schema_version", "2 is not supported (this build reads version 1)"}}},
      {"TrustAnchorTooShort",
       gateway_json({{"policy_trust_anchor", R"("c2hvcnQ=")"}}),
       {{"policy_trust_anchor", "decodes to 5 bytes; an Ed25519 public key is 32"}}},
      {"RelativeDataDir",
       gateway_json({{"data_dir", R"("data")"}}),
       {{"data_dir", "'data' is not an absolute path"}}},
      {"OrdersPortOutOfRangeFile",
       read_source_file("tests/firmware_config/data/orders_port_out_of_range.json"),
       {{"orders.port", "70000 is not a TCP port"}}},
      {"ManyErrorsFile",
       read_source_file("tests/firmware_config/data/many_errors.json"),
       {{"gateway_id", "'Warehouse 7' may contain only lowercase letters, digits, '-' and '_'"},
        {"served_node_ids[2]", "'fc-1' is already listed at served_node_ids[0]"},
        {"orders.address", "'localhost' is not an IPv4 or IPv6 address"},
        {"sync.port", "7401 is already used by ops on 0.0.0.0"},
        {"data_dir", "'data' is not an absolute path"},
        {"routing_workers", "0 is outside 1..64"},
        {"queues.ingress_capacity", "1000 is not a power of two"},
        {"central.port", "is required; profile 'rpi4' has no default for it"},
        {"policy_trust_anchor", "decodes to 5 bytes; an Ed25519 public key is 32"}}},
  };
}

INSTANTIATE_TEST_SUITE_P(BadFiles, ConfigFileRejects, ::testing::ValuesIn(bad_files()),
                         [](const auto& test_case) { return test_case.param.name; });

TEST(ConfigFile, SyntaxErrorNamesLineAndColumn) {
  // Line 5 starts "central" where a ',' should have ended line 4.
  const std::string error = file_error_of(
      parse_gateway_config(read_source_file("tests/firmware_config/data/syntax_error.json")));
  EXPECT_THAT(error, MatchesRegex("line 5, column [0-9]+: expecting: , instead got: .*"));
}

TEST(ConfigFile, UnknownFieldIsRejectedWithItsPosition) {
  const std::string error = file_error_of(
      parse_gateway_config(read_source_file("tests/firmware_config/data/unknown_field.json")));
  EXPECT_THAT(error, MatchesRegex("line 5, column [0-9]+: unknown field: prot"));
}

TEST(ConfigFile, RepeatedFieldIsRejected) {
  const std::string error = file_error_of(
      parse_gateway_config(gateway_json({{"gateway_id", R"("a", "gateway_id": "b")"}})));
  EXPECT_THAT(error, HasSubstr("field set more than once: gateway_id"));
}

TEST(ConfigFile, WrongTypeIsRejectedByTheParser) {
  const std::string error =
      file_error_of(parse_gateway_config(gateway_json({{"gateway_id", "42"}})));
  EXPECT_THAT(error, StartsWith("line 3, column "));
}

TEST(ConfigFile, NumberBeyondInt32IsRejectedByTheParser) {
  const std::string error =
      file_error_of(parse_gateway_config(gateway_json({{"routing_workers", "5000000000"}})));
  EXPECT_THAT(error, HasSubstr("constant does not fit"));
}

TEST(ConfigFile, UnquotedKeysAndTrailingCommasAreNotJson) {
  EXPECT_THAT(file_error_of(parse_gateway_config(R"({device_profile: "x86-dev"})")),
              StartsWith("line 1, column "));
  EXPECT_THAT(file_error_of(parse_gateway_config(R"({"device_profile": "x86-dev",})")),
              StartsWith("line 1, column "));
}

TEST(ConfigFile, EmptyAndNulContainingTextAreRejected) {
  EXPECT_THAT(file_error_of(parse_gateway_config("")), HasSubstr("input file is empty"));
  EXPECT_EQ(file_error_of(parse_gateway_config(std::string("{\"gateway_id\": \"a\0b\"}", 21))),
            "byte 17: NUL is not allowed in JSON text");
}

TEST(ConfigFile, OversizedTextIsRejectedUnparsed) {
  const std::string huge(kConfigFileBytesMax + 1, ' ');
  EXPECT_EQ(file_error_of(parse_gateway_config(huge)),
            "is larger than 1048576 bytes, the limit for a configuration");
}

TEST(ConfigFile, MissingFileIsOneClearError) {
  EXPECT_EQ(
      file_error_of(load_gateway_config(source_path("tests/firmware_config/data/absent.json"))),
      "cannot read: No such file or directory");
}

TEST(ConfigFile, DirectoryIsNotAFile) {
  EXPECT_THAT(file_error_of(load_gateway_config(source_path("tests/firmware_config/data"))),
              StartsWith("cannot read: "));
}

TEST(ConfigFile, EffectiveConfigurationRoundTrips) {
  GatewayConfig config = valid_config();
  config.device_profile = "rpi4";  // output must stand alone, whatever the profile
  config.served_node_ids = {"fc-1", "store-2", "dropship_9"};
  config.orders = {"::", 0};
  config.central.server_name = "tls.example.com";  // differs from host
  const Result<std::string> text = to_json(config);
  ASSERT_TRUE(text.has_value()) << text.status().to_string();
  const ConfigResult reloaded = parse_gateway_config(*text);
  ASSERT_TRUE(reloaded.has_value()) << ::testing::PrintToString(reloaded.errors()) << "\n" << *text;
  EXPECT_EQ(*reloaded, config);
}

TEST(ConfigFile, ExampleRoundTrips) {
  const ConfigResult loaded =
      load_gateway_config(source_path("firmware_config/examples/gateway.json"));
  ASSERT_TRUE(loaded.has_value());
  const Result<std::string> text = to_json(*loaded);
  ASSERT_TRUE(text.has_value());
  EXPECT_THAT(*text, HasSubstr("\"data_dir\": \"/tmp/edgeroute\""));  // from the profile
  const ConfigResult reloaded = parse_gateway_config(*text);
  ASSERT_TRUE(reloaded.has_value()) << ::testing::PrintToString(reloaded.errors());
  EXPECT_EQ(*reloaded, *loaded);
}

TEST(ConfigFile, NonUtf8StringCannotBePrinted) {
  GatewayConfig config = valid_config();
  config.data_dir = "/data/\xff";
  EXPECT_FALSE(to_json(config).has_value());
}

}  // namespace
}  // namespace edgeroute::firmware_config
