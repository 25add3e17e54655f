// `edgeroute send --report` as a warehouse operator uses it against a running gateway:
// a node's failure is recorded and re-routes the order, which --query then shows; a
// report the command cannot read is a usage error that names the format, and one the
// gateway refuses names why.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/routing/io/load.h"
#include "edgeroute/testing/command_run.h"
#include "running_gateway.h"

namespace edgeroute::gateway {
namespace {

using test_support::ask;
using test_support::decision_in;
using test_support::RunningGateway;
using ::testing::HasSubstr;

struct SendCommandFixture : test_support::GatewayOnDisk {
  SendCommandFixture() : GatewayOnDisk("send-command") {}

  edgeroute::testing::CommandRun send(const RunningGateway& gateway, const std::string& arguments) {
    return edgeroute::testing::run_command(
        std::string("'") + EDGEROUTE_BINARY +
            "' send --to 127.0.0.1:" + std::to_string(gateway.port()) + " " + arguments,
        directory / "stderr");
  }
};

TEST_F(SendCommandFixture, AFailureReportedFromTheCommandLineReRoutesTheOrder) {
  RunningGateway gateway(journal_path(), clock);
  protocol::BlockingClient client = gateway.connect();
  const Result<routing::io::OrderDocument> order = routing::io::parse_order_json(
      R"({ "id": "ord-cli", "channel": "web", "lines": [{ "sku_id": "sku-tent-2p", "quantity": 1 }],
           "ship_to": { "postal_code": "10027" }, "created_at": "2026-11-24T15:04:05Z" })");
  ASSERT_TRUE(order) << order.status().to_string();
  const std::string node = decision_in(ask(client, protocol::build_route_order(1, order->bytes())))
                               .shipments()
                               ->Get(0)
                               ->node_id()
                               ->str();

  const auto reported =
      send(gateway, "--report ord-cli:" + node + ":failed --exception-code short_pick");
  ASSERT_EQ(reported.exit_status, 0) << reported.err;
  EXPECT_THAT(reported.out, HasSubstr("order ord-cli: report recorded (journal sequence"));
  EXPECT_THAT(reported.out, HasSubstr("; rerouted"));

  const auto queried = send(gateway, "--query ord-cli");
  ASSERT_EQ(queried.exit_status, 0) << queried.err;
  EXPECT_THAT(queried.out, HasSubstr("order ord-cli: rerouted"));
}

TEST_F(SendCommandFixture, StatusSaysSyncIsOffWithoutCentralsTlsFiles) {
  RunningGateway gateway(journal_path(), clock);
  const auto status = edgeroute::testing::run_command(
      std::string(EDGEROUTE_BINARY) + " status --to 127.0.0.1:" + std::to_string(gateway.port()),
      directory / "status.err");
  ASSERT_EQ(status.exit_status, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("sync: off (no TLS files for central in the configuration)"));
  // A gateway whose agent runs says how far central is behind, and why not connected.
  gateway.gateway().report_sync_with([] { return SyncReport{false, "central refused: x"}; });
  const auto syncing = edgeroute::testing::run_command(
      std::string(EDGEROUTE_BINARY) + " status --to 127.0.0.1:" + std::to_string(gateway.port()),
      directory / "status.err");
  EXPECT_THAT(syncing.out, HasSubstr("sync: not connected, central holds 0 of 0 journal entries "
                                     "(last: central refused: x)"));
}

TEST_F(SendCommandFixture, AReportThatDoesNotReadIsAUsageErrorNamingTheFormat) {
  RunningGateway gateway(journal_path(), clock);
  const auto parts = send(gateway, "--report ord-1:failed");
  EXPECT_EQ(parts.exit_status, 2);
  EXPECT_THAT(parts.err, HasSubstr("--report ord-1:failed: three parts expected"));
  const auto event = send(gateway, "--report ord-1:fc-reno-1:lost");
  EXPECT_EQ(event.exit_status, 2);
  EXPECT_THAT(event.err, HasSubstr("'lost' is not an event"));
}

TEST_F(SendCommandFixture, AReportTheGatewayRefusesNamesWhy) {
  RunningGateway gateway(journal_path(), clock);
  const auto refused = send(gateway, "--report ord-missing:fc-reno-1:picked");
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_THAT(refused.err, HasSubstr("unknown_order"));
}

}  // namespace
}  // namespace edgeroute::gateway
