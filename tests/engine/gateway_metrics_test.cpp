// What a gateway shows its ops endpoint, in process: a real journal on disk, the
// example network, requests handed to Gateway::handle() as the server would. What an
// operator relies on: every journaled decision is counted once under its outcome and
// reason (an order asked for again is not decided again), every RouteOrder and Quote
// answer is timed, errors are counted by code, the journal's figures move with its
// commits, node health follows the routing model in force, and /readyz turns 503 with
// the reason once the gateway is shutting down.
#include "edgeroute/gateway/gateway_metrics.h"

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/verify.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr auto kTimeout = std::chrono::seconds(10);

std::vector<std::uint8_t> order_bytes(const std::string& id, const std::string& sku) {
  const std::string json = R"({ "id": ")" + id + R"(", "channel": "web", "lines": [{ "sku_id": ")" +
                           sku +
                           R"(", "quantity": 1 }], "ship_to": { "postal_code": "10027" }, )"
                           R"("created_at": "2026-11-24T15:04:05Z" })";
  Result<routing::io::OrderDocument> order = routing::io::parse_order_json(json);
  EXPECT_TRUE(order) << order.status().to_string();
  return order->bytes();
}

// Where the answer to one request lands.
class Answer final : public ResponseSink {
 public:
  void send(protocol::Frame frame) override {
    const std::span<const std::uint8_t> payload = frame.payload();
    promise_.set_value(std::vector<std::uint8_t>(payload.begin(), payload.end()));
  }
  std::vector<std::uint8_t> wait() {
    if (future_.wait_for(kTimeout) != std::future_status::ready) {
      ADD_FAILURE() << "no answer";
      return {};
    }
    return future_.get();
  }

 private:
  std::promise<std::vector<std::uint8_t>> promise_;
  std::future<std::vector<std::uint8_t>> future_ = promise_.get_future();
};

class GatewayMetricsFixture : public ::testing::Test {
 protected:
  GatewayMetricsFixture() {
    journal::JournalOptions options;
    options.path = directory / "journal.db";
    options.gateway_id = "gw-metrics";
    auto opened = journal::Journal::open(options);
    EXPECT_TRUE(opened) << opened.status().to_string();
    journal_ = std::move(opened).value();
    const Baseline baseline{testing::example_text("network.json"),
                            testing::example_text("policy.json"),
                            testing::example_text("inventory.json")};
    auto restored = GatewayState::restore(*journal_, &baseline, now(), 4);
    EXPECT_TRUE(restored) << restored.status().to_string();
    state_ = std::move(restored).value();
    GatewayOptions gateway_options;
    gateway_options.gateway_id = "gw-metrics";
    gateway_options.pipeline.routing_workers = 2;
    gateway_options.pipeline.ingress_capacity = 64;
    gateway_options.pipeline.journal_capacity = 32;
    gateway_ = std::make_unique<Gateway>(gateway_options, *journal_, *state_, clock);
    gateway_->start();
  }
  ~GatewayMetricsFixture() override { gateway_->stop(); }

  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch())
        .count();
  }

  // The answer's payload (a protocol Response).
  std::vector<std::uint8_t> ask(const protocol::Frame& request) {
    const std::span<const std::uint8_t> payload = request.payload();
    ReceivedRequest received{std::vector<std::uint8_t>(payload.begin(), payload.end())};
    EXPECT_TRUE(protocol::verify_request(received.payload));
    auto answer = std::make_shared<Answer>();
    gateway_->handle(std::move(received), answer);
    return answer->wait();
  }

  // The value of one sample of /metrics, `series` written as rendered (name{labels}).
  std::optional<double> sample(const std::string& series) const {
    std::istringstream lines(gateway_->metrics().registry().render());
    const std::string prefix = series + " ";
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(prefix)) return std::stod(line.substr(prefix.size()));
    }
    return std::nullopt;
  }

  testing::TemporaryDirectory directory{"gateway-metrics"};
  // The example orders are stamped 2026-11-24; the gateway decides them that day.
  hal::SimClock clock{
      hal::WallTime{std::chrono::seconds(*routing::parse_utc_instant("2026-11-24T15:04:05Z"))},
      hal::MonotonicTime{}};
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<GatewayState> state_;
  std::unique_ptr<Gateway> gateway_;
};

const routing::fbs::Decision& decision_in(const std::vector<std::uint8_t>& payload) {
  const auto& response = *flatbuffers::GetRoot<protocol::fbs::Response>(payload.data());
  const auto* result = response.body_as_RouteOrderResult();
  EXPECT_NE(result, nullptr) << protocol::fbs::EnumNameResponseBody(response.body_type());
  return *result->decision_nested_root();
}

TEST_F(GatewayMetricsFixture, CountsEachJournaledDecisionOnceByOutcomeAndReason) {
  EXPECT_THAT(sample(R"(edgeroute_orders_total{outcome="routed",reason="none"})"), Optional(0.0));
  EXPECT_THAT(sample("edgeroute_order_book_orders"), Optional(0.0));
  const std::vector<std::uint8_t> routed =
      ask(protocol::build_route_order(1, order_bytes("ord-m1", "sku-stove-fuel")));
  ASSERT_EQ(decision_in(routed).outcome(), routing::fbs::Outcome::routed);
  const std::vector<std::uint8_t> rejected =
      ask(protocol::build_route_order(2, order_bytes("ord-m2", "sku-unicorn")));
  const routing::fbs::Decision& rejection = decision_in(rejected);
  ASSERT_EQ(rejection.outcome(), routing::fbs::Outcome::rejected);
  const std::string reason = routing::fbs::EnumNameReasonCode(rejection.reason());
  EXPECT_EQ(reason, "unknown_sku");

  EXPECT_THAT(sample(R"(edgeroute_orders_total{outcome="routed",reason="none"})"), Optional(1.0));
  EXPECT_THAT(sample(R"(edgeroute_orders_total{outcome="rejected",reason=")" + reason + R"("})"),
              Optional(1.0));
  EXPECT_THAT(sample(R"(edgeroute_decision_latency_seconds_count{request="route_order"})"),
              Optional(2.0));
  EXPECT_THAT(sample("edgeroute_journal_committed_entries_total"), Optional(2.0));
  EXPECT_THAT(sample("edgeroute_order_book_orders"), Optional(2.0));
  EXPECT_THAT(sample("edgeroute_journal_last_sequence"),
              Optional(static_cast<double>(journal_->last_sequence())));
  EXPECT_THAT(sample(R"(edgeroute_journal_batch_entries_bucket{le="+Inf"})"),
              Optional(sample("edgeroute_journal_committed_batches_total").value_or(-1)));

  // Asked again, the order gets its stored decision: answered (and timed), not decided.
  const std::vector<std::uint8_t> again =
      ask(protocol::build_route_order(3, order_bytes("ord-m1", "sku-stove-fuel")));
  EXPECT_EQ(decision_in(again).outcome(), routing::fbs::Outcome::routed);
  EXPECT_THAT(sample(R"(edgeroute_orders_total{outcome="routed",reason="none"})"), Optional(1.0));
  EXPECT_THAT(sample(R"(edgeroute_decision_latency_seconds_count{request="route_order"})"),
              Optional(3.0));
  EXPECT_THAT(sample("edgeroute_journal_committed_entries_total"), Optional(2.0));
  EXPECT_THAT(sample("edgeroute_order_book_orders"), Optional(2.0));
}

TEST_F(GatewayMetricsFixture, TimesQuotesAndCountsErrorsByCode) {
  const std::vector<std::uint8_t> quote =
      ask(protocol::build_quote_request(1, order_bytes("ord-q", "sku-headlamp")));
  EXPECT_EQ(flatbuffers::GetRoot<protocol::fbs::Response>(quote.data())->body_type(),
            protocol::fbs::ResponseBody::QuoteResult);
  EXPECT_THAT(sample(R"(edgeroute_decision_latency_seconds_count{request="quote"})"),
              Optional(1.0));
  EXPECT_THAT(sample(R"(edgeroute_decision_latency_seconds_count{request="route_order"})"),
              Optional(0.0));

  EXPECT_THAT(sample(R"(edgeroute_requests_refused_total{code="unknown_order"})"), Optional(0.0));
  ask(protocol::build_query_order(2, "ord-nowhere"));
  ask(protocol::build_cancel_order(3, "ord-nowhere"));
  EXPECT_THAT(sample(R"(edgeroute_requests_refused_total{code="unknown_order"})"), Optional(2.0));
  EXPECT_THAT(sample(R"(edgeroute_requests_refused_total{code="busy"})"), Optional(0.0));
}

TEST_F(GatewayMetricsFixture, ShowsTheQueuesAndTheGatewaysVersions) {
  EXPECT_THAT(sample(R"(edgeroute_queue_capacity{queue="ingress"})"), Optional(64.0));
  EXPECT_THAT(sample(R"(edgeroute_queue_capacity{queue="journal"})"), Optional(32.0));
  EXPECT_THAT(sample(R"(edgeroute_queue_depth{queue="ingress"})"), Optional(0.0));
  EXPECT_THAT(sample("edgeroute_ready"), Optional(1.0));
  EXPECT_THAT(sample("edgeroute_network_version"),
              Optional(static_cast<double>(state_->network().version())));
  EXPECT_THAT(sample("edgeroute_policy_version"),
              Optional(static_cast<double>(state_->policy_version())));
  EXPECT_THAT(gateway_->metrics().registry().render(),
              HasSubstr("# TYPE edgeroute_build_info gauge\nedgeroute_build_info{version=\""));
}

TEST_F(GatewayMetricsFixture, NodeHealthFollowsTheRoutingModelInForce) {
  EXPECT_THAT(sample(R"(edgeroute_node_on_time_ratio{node="fc-reno-1",kind="owned_fc"})"),
              Optional(0.99));
  EXPECT_THAT(sample(R"(edgeroute_node_fill_ratio{node="store-brooklyn-12",kind="store"})"),
              Optional(0.93));
  EXPECT_THAT(sample(R"(edgeroute_node_acceptance_ratio{node="dropship-acme",kind="dropship"})"),
              Optional(0.95));

  // A new model whose network says fc-reno-1 has slipped, published as run-time updates
  // will publish it.
  std::string network_json = testing::example_text("network.json");
  const std::string was = R"("on_time_bp": 9900)";
  ASSERT_NE(network_json.find(was), std::string::npos);
  network_json.replace(network_json.find(was), was.size(), R"("on_time_bp": 8125)");
  auto geography =
      std::make_shared<const routing::Geography>(routing::Geography::load_embedded().value());
  auto network = routing::io::load_network_json(network_json, *geography);
  ASSERT_TRUE(network);
  auto policy =
      routing::io::load_policy_json(testing::example_text("policy.json"), network->root());
  ASSERT_TRUE(policy);
  auto network_model = routing::io::compile_network(
      network->root(), geography, routing::io::OffsetHorizon::around(now(), now(), 30));
  ASSERT_TRUE(network_model) << network_model.status().to_string();
  auto policy_model = routing::io::compile_policy(policy->root(), **network_model);
  ASSERT_TRUE(policy_model) << policy_model.status().to_string();
  Result<routing::RoutingModel> model =
      routing::RoutingModel::create(*network_model, *policy_model);
  ASSERT_TRUE(model) << model.status().to_string();
  ASSERT_TRUE(state_->models().publish(
      std::make_unique<const routing::RoutingModel>(std::move(model).value())));

  EXPECT_THAT(sample(R"(edgeroute_node_on_time_ratio{node="fc-reno-1",kind="owned_fc"})"),
              Optional(0.8125));
}

TEST_F(GatewayMetricsFixture, ReadinessNamesWhyOnceTheGatewayStops) {
  EXPECT_TRUE(gateway_readiness(*gateway_).is_ok());
  EXPECT_TRUE(gateway_health(*gateway_).is_ok());
  gateway_->stop();
  const Status readiness = gateway_readiness(*gateway_);
  EXPECT_FALSE(readiness.is_ok());
  EXPECT_THAT(readiness.message(), HasSubstr("shutting down"));
  EXPECT_THAT(sample("edgeroute_ready"), Optional(0.0));
  // Stopping is not a failure: nothing for a restart to settle.
  EXPECT_TRUE(gateway_health(*gateway_).is_ok());
}

}  // namespace
}  // namespace edgeroute::gateway
