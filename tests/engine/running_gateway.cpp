// The gateway the TCP tests start and stop, put together the way the daemon does: open
// the journal, restore the state (the baseline only counts on a new journal), start the
// pipeline, then the server on a port of the system's choosing. Every step that fails
// fails the test with its status.
#include "running_gateway.h"

#include <utility>

#include <gtest/gtest.h>

#include "edgeroute/routing/time_text.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::gateway::test_support {

GatewayOnDisk::GatewayOnDisk(const std::string& purpose)
    : directory(purpose),
      clock(
          hal::WallTime{std::chrono::seconds(*routing::parse_utc_instant("2026-11-24T15:04:05Z"))},
          hal::MonotonicTime{}) {}

RunningGateway::RunningGateway(const std::string& journal_path, hal::Clock& clock,
                               Options options) {
  journal::JournalOptions journal_options;
  journal_options.path = journal_path;
  journal_options.gateway_id = "gw-test";
  journal_options.max_page_count = options.max_page_count;
  auto opened = journal::Journal::open(journal_options);
  EXPECT_TRUE(opened) << opened.status().to_string();
  journal_ = std::move(opened).value();
  const Baseline baseline{
      edgeroute::testing::example_text("network.json"),
      options.policy_json.empty() ? edgeroute::testing::example_text("policy.json")
                                  : std::move(options.policy_json),
      options.inventory_json.empty() ? edgeroute::testing::example_text("inventory.json")
                                     : std::move(options.inventory_json)};
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
  auto restored = GatewayState::restore(*journal_, &baseline, now, 4, options.homed_node_ids);
  EXPECT_TRUE(restored) << restored.status().to_string();
  state_ = std::move(restored).value();
  GatewayOptions gateway_options;
  gateway_options.gateway_id = "gw-test";
  gateway_options.pipeline.routing_workers = 2;
  gateway_options.policy_trust_anchor = options.policy_trust_anchor;
  gateway_options.policy_trial = options.policy_trial;
  gateway_ = std::make_unique<Gateway>(gateway_options, *journal_, *state_, clock);
  gateway_->start();
  auto server = Server::start({}, *gateway_);
  EXPECT_TRUE(server) << server.status().to_string();
  server_ = std::move(server).value();
}

RunningGateway::~RunningGateway() {
  // The daemon's shutdown order: no new connections, the accepted requests finished and
  // answered over the connections still open, then the server itself.
  server_->stop_accepting();
  gateway_->stop();
  server_->stop();
}

std::uint16_t RunningGateway::port() const {
  return server_->port();
}

protocol::BlockingClient RunningGateway::connect() const {
  auto client = protocol::BlockingClient::connect("127.0.0.1", server_->port(), kTimeout);
  EXPECT_TRUE(client) << client.status().to_string();
  return std::move(client).value();
}

protocol::ReceivedResponse ask(protocol::BlockingClient& client, const protocol::Frame& request) {
  EXPECT_TRUE(client.send(request).is_ok());
  Result<protocol::ReceivedResponse> response = client.receive(kTimeout);
  EXPECT_TRUE(response) << response.status().to_string();
  return std::move(response).value();
}

const routing::fbs::Decision& decision_in(const protocol::ReceivedResponse& response) {
  const auto* result = response.response().body_as_RouteOrderResult();
  EXPECT_NE(result, nullptr) << protocol::fbs::EnumNameResponseBody(response.body_type());
  return *result->decision_nested_root();
}

}  // namespace edgeroute::gateway::test_support
