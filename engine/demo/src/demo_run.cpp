#include "edgeroute/demo/demo_run.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "edgeroute/demo/default_world.h"
#include "edgeroute/demo/order_generator.h"
#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/gateway/server.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::demo {
namespace {

using Clock = std::chrono::steady_clock;

// The demo's day: orders arrive from 08:00 to 20:00 in New York, Tuesday 24 November
// 2026, two days before Thanksgiving.
constexpr std::string_view kFirstOrderAt = "2026-11-24T13:00:00Z";
constexpr std::int64_t kDaySpanSeconds = 12 * 3600;
constexpr std::chrono::seconds kAnswerTimeout{30};

}  // namespace

Result<DemoResult> run_demo(const DemoOptions& options, const DemoProgress& progress) {
  if (options.orders == 0) return Status{StatusCode::invalid_argument, "no orders to send"};
  if (options.window == 0) return Status{StatusCode::invalid_argument, "window must be at least 1"};
  const DefaultWorld world = make_default_world({options.seed, options.sku_count});

  journal::JournalOptions journal_options;
  journal_options.path = options.data_dir + "/journal.db";
  journal_options.gateway_id = "demo-gateway";
  if (std::filesystem::exists(journal_options.path)) {
    return Status{StatusCode::failed_precondition,
                  fmt::format("{}: a journal is already there; the demo starts from an empty "
                              "data directory",
                              journal_options.path)};
  }
  Result<std::unique_ptr<journal::Journal>> journal = journal::Journal::open(journal_options);
  if (!journal) return journal.status();

  const std::int64_t first_order_at = *routing::parse_utc_instant(kFirstOrderAt);
  const hal::MonotonicTime start{};
  hal::SimClock clock(hal::WallTime(std::chrono::seconds(first_order_at)), start);

  const gateway::Baseline baseline{world.network_json, world.policy_json, world.inventory_json};
  Result<std::unique_ptr<gateway::GatewayState>> state = gateway::GatewayState::restore(
      **journal, &baseline, first_order_at, options.routing_workers + 2);
  if (!state) return state.status().with_context("the default world");

  gateway::GatewayOptions gateway_options;
  gateway_options.gateway_id = journal_options.gateway_id;
  gateway_options.pipeline.routing_workers = options.routing_workers;
  gateway::Gateway gateway(gateway_options, **journal, **state, clock);
  gateway.start();
  Result<std::unique_ptr<gateway::Server>> server = gateway::Server::start({}, gateway);
  if (!server) {
    gateway.stop();
    return server.status();
  }
  const auto stop_gateway = [&] {
    (*server)->stop_accepting();
    gateway.stop();
    (*server)->stop();
  };

  Result<protocol::BlockingClient> client = protocol::BlockingClient::connect(
      "127.0.0.1", (*server)->port(), std::chrono::milliseconds(kAnswerTimeout));
  if (!client) {
    stop_gateway();
    return client.status();
  }

  DemandOptions demand;
  demand.seed = options.seed;
  demand.order_count = options.orders;
  demand.first_order_at = first_order_at;
  demand.span_seconds = kDaySpanSeconds;
  OrderGenerator orders(world.skus_by_popularity, demand);
  DemoSummary summary(world.node_kinds);

  // Request ids are order numbers (1-based); sent_at[id - 1] is when it was written.
  std::vector<Clock::time_point> sent_at;
  sent_at.reserve(static_cast<std::size_t>(options.orders));
  std::uint64_t answered = 0;
  Status failure;
  const Clock::time_point began = Clock::now();
  while (answered < options.orders && failure.is_ok()) {
    while (!orders.done() && orders.issued() - answered < options.window) {
      const GeneratedOrder order = orders.next();
      clock.advance_to(start + std::chrono::seconds(order.created_at - first_order_at));
      const std::uint64_t request_id = orders.issued();
      sent_at.push_back(Clock::now());
      failure = client->send(protocol::build_route_order(request_id, order.bytes));
      if (!failure.is_ok()) break;
    }
    if (!failure.is_ok()) break;
    Result<protocol::ReceivedResponse> response =
        client->receive(std::chrono::milliseconds(kAnswerTimeout));
    if (!response) {
      failure = response.status();
      break;
    }
    const std::uint64_t request_id = response->request_id();
    if (request_id == 0 || request_id > sent_at.size()) {
      failure =
          Status{StatusCode::internal,
                 fmt::format("the gateway answered request {}, which was never sent", request_id)};
      break;
    }
    const auto latency = Clock::now() - sent_at[static_cast<std::size_t>(request_id - 1)];
    if (const auto* result = response->response().body_as_RouteOrderResult()) {
      summary.add_decision(*result->decision_nested_root(), latency);
    } else if (const auto* error = response->response().body_as_Error()) {
      summary.add_refusal(protocol::fbs::EnumNameErrorCode(error->code()), latency);
    } else {
      failure = Status{StatusCode::internal,
                       fmt::format("the gateway answered an order with a {}",
                                   protocol::fbs::EnumNameResponseBody(response->body_type()))};
      break;
    }
    ++answered;
    if (progress) progress(answered, options.orders);
  }
  summary.set_elapsed(Clock::now() - began);
  client->close();
  stop_gateway();
  if (!failure.is_ok()) {
    return failure.with_context(fmt::format("after {} of {} orders", answered, options.orders));
  }
  return DemoResult{std::move(summary), (*server)->port(), gateway.figures().journal_last_sequence};
}

}  // namespace edgeroute::demo
