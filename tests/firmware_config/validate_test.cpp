// Specifies validate(), the rules a gateway configuration must satisfy before the
// daemon starts with it. Each case takes a valid configuration, breaks one rule (or
// probes the edge of one), and expects exactly the listed "path: message" errors:
// the path names the field (with the list index for served_node_ids), the message
// says what is wrong with the value as written. Cases at the edges of each range
// prove the limits are inclusive and that what is allowed stays allowed. The last
// tests show that every broken rule is reported in one pass, in schema order.
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixtures.h"
#include "edgeroute/firmware_config/validate.h"

namespace edgeroute::firmware_config {
namespace {

using ::testing::ElementsAre;
using testing::valid_config;

struct RuleCase {
  std::string name;
  std::function<void(GatewayConfig&)> change;
  std::vector<ConfigError> expected;
};

std::ostream& operator<<(std::ostream& out, const RuleCase& rule) {
  return out << rule.name;
}

class ValidateRule : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidateRule, ReportsExactlyTheExpectedErrors) {
  GatewayConfig config = valid_config();
  GetParam().change(config);
  EXPECT_EQ(validate(config), GetParam().expected);
}

std::vector<RuleCase> rule_cases() {
  const std::string ed25519_31_bytes = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
  const std::string max_length_id(64, 'a');
  return {
      {"ValidConfigHasNoErrors", [](GatewayConfig&) {}, {}},
      {"SchemaVersionFromTheFuture",
       [](GatewayConfig& c) { c.schema_version = 2; },
       {{"schema_version", "2 is not supported (this build reads version 1)"}}},
      {"UnknownDeviceProfile",
       [](GatewayConfig& c) { c.device_profile = "rpi5"; },
       {{"device_profile", "'rpi5' is not a known profile (known: generic-arm64, rpi4, x86-dev)"}}},
      {"EmptyGatewayId",
       [](GatewayConfig& c) { c.gateway_id = ""; },
       {{"gateway_id", "must not be empty"}}},
      {"GatewayIdWithUppercaseAndSpace",
       [](GatewayConfig& c) { c.gateway_id = "Gw 1"; },
       {{"gateway_id", "'Gw 1' may contain only lowercase letters, digits, '-' and '_'"}}},
      {"GatewayIdAtLengthLimit", [=](GatewayConfig& c) { c.gateway_id = max_length_id; }, {}},
      {"GatewayIdOverLengthLimit",
       [=](GatewayConfig& c) { c.gateway_id = max_length_id + "b"; },
       {{"gateway_id", "'" + max_length_id + "b' is 65 characters long; the limit is 64"}}},
      {"GatewayIdControlCharacterIsEscaped",
       [](GatewayConfig& c) { c.gateway_id = "gw\n1"; },
       {{"gateway_id", "'gw\\x0a1' may contain only lowercase letters, digits, '-' and '_'"}}},
      {"NoServedNodes",
       [](GatewayConfig& c) { c.served_node_ids.clear(); },
       {{"served_node_ids", "must list at least one node"}}},
      {"InvalidServedNodeIdNamesItsIndex",
       [](GatewayConfig& c) {
         c.served_node_ids = {"fc-1", "store-2", "FC 3"};
       },
       {{"served_node_ids[2]", "'FC 3' may contain only lowercase letters, digits, '-' and '_'"}}},
      {"DuplicateServedNodeNamesBothIndices",
       [](GatewayConfig& c) {
         c.served_node_ids = {"fc-1", "store-2", "fc-1"};
       },
       {{"served_node_ids[2]", "'fc-1' is already listed at served_node_ids[0]"}}},
      {"TooManyServedNodes",
       [](GatewayConfig& c) { c.served_node_ids.assign(kServedNodeIdsMax + 1, "fc"); },
       {{"served_node_ids", "lists 1025 nodes; the limit is 1024"}}},
      {"PortAboveTcpRange",
       [](GatewayConfig& c) { c.orders.port = 70000; },
       {{"orders.port", "70000 is not a TCP port"}}},
      {"NegativePort",
       [](GatewayConfig& c) { c.ops.port = -1; },
       {{"ops.port", "-1 is not a TCP port"}}},
      {"HighestPortIsValid", [](GatewayConfig& c) { c.sync.port = 65535; }, {}},
      {"PortZeroLetsTheOsChooseForEveryListener",
       [](GatewayConfig& c) { c.orders.port = c.ops.port = c.sync.port = 0; },
       {}},
      {"HostNameIsNotAListenAddress",
       [](GatewayConfig& c) { c.orders.address = "localhost"; },
       {{"orders.address", "'localhost' is not an IPv4 or IPv6 address"}}},
      {"Ipv6ListenAddress", [](GatewayConfig& c) { c.sync.address = "::1"; }, {}},
      {"TwoListenersOnOneAddressAndPort",
       [](GatewayConfig& c) { c.sync.port = c.orders.port; },
       {{"sync.port", "7400 is already used by orders on 127.0.0.1"}}},
      {"WildcardOverlapsASpecificAddress",
       [](GatewayConfig& c) {
         c.ops.address = "0.0.0.0";
         c.ops.port = c.orders.port;
       },
       {{"ops.port", "7400 is already used by orders on 127.0.0.1"}}},
      {"Ipv6WildcardOverlapsIpv4",
       [](GatewayConfig& c) {
         c.sync.address = "::";
         c.sync.port = c.ops.port;
       },
       {{"sync.port", "7401 is already used by ops on 127.0.0.1"}}},
      {"SamePortOnDistinctAddressesIsFine",
       [](GatewayConfig& c) {
         c.ops.address = "127.0.0.2";
         c.ops.port = c.orders.port;
       },
       {}},
      {"RelativeDataDir",
       [](GatewayConfig& c) { c.data_dir = "var/edgeroute"; },
       {{"data_dir", "'var/edgeroute' is not an absolute path"}}},
      {"EmptyDataDir",
       [](GatewayConfig& c) { c.data_dir = ""; },
       {{"data_dir", "must not be empty"}}},
      {"NoRoutingWorkers",
       [](GatewayConfig& c) { c.routing_workers = 0; },
       {{"routing_workers", "0 is outside 1..64"}}},
      {"TooManyRoutingWorkers",
       [](GatewayConfig& c) { c.routing_workers = 65; },
       {{"routing_workers", "65 is outside 1..64"}}},
      {"OneRoutingWorker", [](GatewayConfig& c) { c.routing_workers = 1; }, {}},
      {"RoutingWorkersAtLimit", [](GatewayConfig& c) { c.routing_workers = 64; }, {}},
      {"QueueCapacityNotAPowerOfTwo",
       [](GatewayConfig& c) { c.queues.ingress_capacity = 1000; },
       {{"queues.ingress_capacity", "1000 is not a power of two"}}},
      {"QueueCapacityBelowMinimum",
       [](GatewayConfig& c) { c.queues.journal_capacity = 8; },
       {{"queues.journal_capacity", "8 is outside 16..1048576"}}},
      {"QueueCapacityAboveMaximum",
       [](GatewayConfig& c) { c.queues.completion_capacity = 1 << 21; },
       {{"queues.completion_capacity", "2097152 is outside 16..1048576"}}},
      {"QueueCapacitiesAtLimits",
       [](GatewayConfig& c) {
         c.queues.ingress_capacity = kQueueCapacityMin;
         c.queues.journal_capacity = kQueueCapacityMax;
       },
       {}},
      {"EmptyJournalBatch",
       [](GatewayConfig& c) { c.journal.batch_max_decisions = 0; },
       {{"journal.batch_max_decisions", "0 is outside 1..65536"}}},
      {"JournalDelayOverOneSecond",
       [](GatewayConfig& c) { c.journal.batch_max_delay_us = 1000001; },
       {{"journal.batch_max_delay_us", "1000001 is outside 0..1000000"}}},
      {"JournalZeroDelayCommitsAtOnce",
       [](GatewayConfig& c) { c.journal.batch_max_delay_us = 0; },
       {}},
      {"WalCheckpointNever",
       [](GatewayConfig& c) { c.journal.wal_checkpoint_pages = 0; },
       {{"journal.wal_checkpoint_pages", "0 is outside 1..65536"}}},
      {"EmptyCentralHost",
       [](GatewayConfig& c) { c.central.host = c.central.server_name = ""; },
       {{"central.host", "must not be empty"}}},
      {"CentralHostWithSpace",
       [](GatewayConfig& c) { c.central.host = c.central.server_name = "central example"; },
       {{"central.host", "'central example' is not a host name or IP address"}}},
      {"CentralHostAsIpv6Literal",
       [](GatewayConfig& c) { c.central.host = c.central.server_name = "2001:db8::1"; },
       {}},
      {"CentralPortZero",
       [](GatewayConfig& c) { c.central.port = 0; },
       {{"central.port", "0 is not a TCP port"}}},
      {"CentralServerNameLabelEndsWithHyphen",
       [](GatewayConfig& c) { c.central.server_name = "central-.example.com"; },
       {{"central.server_name", "'central-.example.com' is not a host name or IP address"}}},
      {"CentralTlsFilesAllGiven",
       [](GatewayConfig& c) {
         c.central.ca_certificate = "/etc/edgeroute/ca.pem";
         c.central.certificate = "/etc/edgeroute/gateway.pem";
         c.central.private_key = "/etc/edgeroute/gateway.key";
       },
       {}},
      {"CentralTlsFilesIncomplete",
       [](GatewayConfig& c) { c.central.certificate = "/etc/edgeroute/gateway.pem"; },
       {{"central.ca_certificate", "is required when the other central TLS files are given"},
        {"central.private_key", "is required when the other central TLS files are given"}}},
      {"CentralTlsFileRelative",
       [](GatewayConfig& c) {
         c.central.ca_certificate = "/etc/edgeroute/ca.pem";
         c.central.certificate = "gateway.pem";
         c.central.private_key = "/etc/edgeroute/gateway.key";
       },
       {{"central.certificate", "'gateway.pem' is not an absolute path"}}},
      {"TrustAnchorNotBase64",
       [](GatewayConfig& c) { c.policy_trust_anchor = "not base64!"; },
       {{"policy_trust_anchor", "is not valid base64 (standard alphabet, '=' padding)"}}},
      {"TrustAnchorOneByteShort",
       [=](GatewayConfig& c) { c.policy_trust_anchor = ed25519_31_bytes; },
       {{"policy_trust_anchor", "decodes to 31 bytes; an Ed25519 public key is 32"}}},
      {"EmptyTrustAnchor",
       [](GatewayConfig& c) { c.policy_trust_anchor = ""; },
       {{"policy_trust_anchor", "is empty; expected the base64 of a 32-byte Ed25519 public key"}}},
      {"WanInterfaceTooLong",
       [](GatewayConfig& c) { c.wan_interface = "enx0123456789abc"; },
       {{"wan_interface", "'enx0123456789abc' is longer than 15 characters, the kernel's limit"}}},
      {"WanInterfaceWithSlash",
       [](GatewayConfig& c) { c.wan_interface = "eth0/1"; },
       {{"wan_interface", "'eth0/1' is not a network interface name"}}},
  };
}

INSTANTIATE_TEST_SUITE_P(Rules, ValidateRule, ::testing::ValuesIn(rule_cases()),
                         [](const auto& test_case) { return test_case.param.name; });

TEST(Validate, ReportsEveryBrokenRuleInSchemaOrder) {
  GatewayConfig config = valid_config();
  config.wan_interface = "";
  config.orders.port = 70000;
  config.gateway_id = "";
  config.queues.journal_capacity = 100;
  config.sync.port = config.ops.port;
  EXPECT_THAT(validate(config),
              ElementsAre(ConfigError{"gateway_id", "must not be empty"},
                          ConfigError{"orders.port", "70000 is not a TCP port"},
                          ConfigError{"sync.port", "7401 is already used by ops on 127.0.0.1"},
                          ConfigError{"queues.journal_capacity", "100 is not a power of two"},
                          ConfigError{"wan_interface", "must not be empty"}));
}

TEST(Validate, ErrorPrintsAsPathColonMessage) {
  EXPECT_EQ((ConfigError{"orders.port", "70000 is not a TCP port"}.to_string()),
            "orders.port: 70000 is not a TCP port");
  EXPECT_EQ((ConfigError{"", "cannot read: No such file or directory"}.to_string()),
            "cannot read: No such file or directory");
}

}  // namespace
}  // namespace edgeroute::firmware_config
