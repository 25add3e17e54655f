// Changes central decided that move a gateway's orders, in process over TCP. A node
// closure: what a warehouse relies on when central closes a partner node while the
// gateway holds orders there.
// Nothing more is routed to it; every order holding stock there is routed again where
// the policy allows (status rerouted, its stock at the node given back); where it does
// not, the order stays, reported failed with an open exception, for an operator. All of
// it survives a restart, and a restart finishes re-routes a crash cut short. A closure of
// a node this gateway does not route to is recorded and changes nothing. A count at
// central that leaves a node short of what its orders hold moves the newest of them. A
// node central reopens is routed to again, through a restart.
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/central_adjustment.h"
#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/testing/example_gateway.h"
#include "edgeroute/testing/text_file.h"
#include "running_gateway.h"

namespace edgeroute::gateway {
namespace {

using namespace std::chrono_literals;
using protocol::fbs::OrderStatus;
using test_support::ask;
using test_support::decision_in;
using test_support::RunningGateway;
using testing::example_text;

std::vector<std::uint8_t> order_bytes(const std::string& id) {
  return edgeroute::testing::one_unit_order(id, "sku-stove-fuel");
}

struct CentralChanges : test_support::GatewayOnDisk {
  CentralChanges() : GatewayOnDisk("gateway-central-changes") {}

  // The node the order was routed to.
  std::string route(protocol::BlockingClient& client, const std::string& order_id) {
    const protocol::ReceivedResponse response =
        ask(client, protocol::build_route_order(++request_id, order_bytes(order_id)));
    const routing::fbs::Decision& decision = decision_in(response);
    EXPECT_EQ(decision.outcome(), routing::fbs::Outcome::routed);
    if (decision.shipments() == nullptr || decision.shipments()->size() == 0) return "";
    return decision.shipments()->Get(0)->node_id()->str();
  }

  static Status close(RunningGateway& running, const std::string& node_id) {
    std::promise<Status> answered;
    running.gateway().close_node(node_id, "building flooded", "central-closure:00000000000000a1",
                                 [&answered](Status status) { answered.set_value(status); });
    std::future<Status> answer = answered.get_future();
    EXPECT_EQ(answer.wait_for(test_support::kTimeout), std::future_status::ready);
    return answer.get();
  }

  // Waits until the order's status is `wanted`; its latest decision's first node then.
  std::string wait_for_status(protocol::BlockingClient& client, const std::string& order_id,
                              OrderStatus wanted) {
    const auto give_up = std::chrono::steady_clock::now() + test_support::kTimeout;
    for (;;) {
      const protocol::ReceivedResponse response =
          ask(client, protocol::build_query_order(++request_id, order_id));
      const auto* state = response.response().body_as_OrderState();
      if (state != nullptr && state->status() == wanted) {
        const auto* decision = routing::fbs::GetDecision(state->decision()->data());
        return decision->shipments()->Get(0)->node_id()->str();
      }
      if (std::chrono::steady_clock::now() > give_up) {
        ADD_FAILURE() << order_id << " never became " << protocol::fbs::EnumNameOrderStatus(wanted);
        return "";
      }
      std::this_thread::sleep_for(5ms);
    }
  }

  std::int32_t reserved_at(protocol::BlockingClient& client, const std::string& node) {
    const protocol::ReceivedResponse response =
        ask(client, protocol::build_query_inventory(++request_id, "sku-stove-fuel", node));
    const auto* state = response.response().body_as_InventoryState();
    EXPECT_NE(state, nullptr);
    return state == nullptr || state->levels()->size() != 1 ? -1
                                                            : state->levels()->Get(0)->reserved();
  }

  std::uint64_t request_id = 0;
};

TEST_F(CentralChanges, OrdersAtAClosedNodeAreRoutedAgainAndNothingNewGoesThere) {
  RunningGateway running(journal_path(), clock);
  protocol::BlockingClient client = running.connect();
  const std::string closed = route(client, "ord-c1");
  ASSERT_FALSE(closed.empty());
  ASSERT_EQ(route(client, "ord-c2"), closed) << "the same order goes to the same best node";
  ASSERT_EQ(reserved_at(client, closed), 2);

  ASSERT_TRUE(close(running, closed).is_ok());
  for (const std::string order : {"ord-c1", "ord-c2"}) {
    const std::string now_at = wait_for_status(client, order, OrderStatus::rerouted);
    EXPECT_NE(now_at, closed) << order;
    EXPECT_FALSE(now_at.empty());
  }
  EXPECT_EQ(reserved_at(client, closed), 0) << "the closed node's stock was given back";
  EXPECT_NE(route(client, "ord-c3"), closed);
}

TEST_F(CentralChanges, AReopenedNodeIsRoutedToAgainAlsoAfterARestart) {
  std::string closed;
  {
    RunningGateway running(journal_path(), clock);
    protocol::BlockingClient client = running.connect();
    closed = route(client, "ord-o1");
    ASSERT_TRUE(close(running, closed).is_ok());
    ASSERT_NE(route(client, "ord-o2"), closed);
    std::promise<Status> answered;
    running.gateway().reopen_node(closed, "water pumped out", "central-closure:00000000000000a2",
                                  [&answered](Status status) { answered.set_value(status); });
    ASSERT_TRUE(answered.get_future().get().is_ok());
    EXPECT_EQ(route(client, "ord-o3"), closed) << "the best node is open again";
    EXPECT_NE(wait_for_status(client, "ord-o1", OrderStatus::rerouted), closed)
        << "an order moved away stays where it went";
  }
  RunningGateway running(journal_path(), clock);
  protocol::BlockingClient client = running.connect();
  EXPECT_EQ(route(client, "ord-o4"), closed);
  EXPECT_TRUE(running.state().closed_nodes().empty());
}

TEST_F(CentralChanges, AClosedNodeStaysClosedThroughARestart) {
  std::string closed;
  {
    RunningGateway running(journal_path(), clock);
    protocol::BlockingClient client = running.connect();
    closed = route(client, "ord-r1");
    ASSERT_TRUE(close(running, closed).is_ok());
    wait_for_status(client, "ord-r1", OrderStatus::rerouted);
  }
  RunningGateway running(journal_path(), clock);
  protocol::BlockingClient client = running.connect();
  EXPECT_NE(route(client, "ord-r2"), closed);
  EXPECT_EQ(reserved_at(client, closed), 0);
}

TEST_F(CentralChanges, WithoutReRoutingTheOrderStaysAtTheNodeWithAnOpenExceptionOnce) {
  test_support::RunningGatewayOptions options;
  options.policy_json = example_text("policy.json");
  const std::string backorder = "\"backorder_rule\": \"backorder\",";
  options.policy_json.replace(options.policy_json.find(backorder), backorder.size(),
                              backorder + " \"reroute_failed\": false,");
  std::string closed;
  {
    RunningGateway running(journal_path(), clock, options);
    protocol::BlockingClient client = running.connect();
    closed = route(client, "ord-s1");
    ASSERT_TRUE(close(running, closed).is_ok());
    EXPECT_EQ(wait_for_status(client, "ord-s1", OrderStatus::failed), closed);
    EXPECT_EQ(reserved_at(client, closed), 1) << "kept for an operator to decide";
  }
  // A restart does not report it failed a second time.
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  const protocol::ReceivedResponse state = ask(client, protocol::build_query_order(1, "ord-s1"));
  const auto* order = state.response().body_as_OrderState();
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->status(), OrderStatus::failed);
  const std::uint64_t sequence = order->journal_sequence();
  std::this_thread::sleep_for(50ms);
  const protocol::ReceivedResponse again = ask(client, protocol::build_query_order(2, "ord-s1"));
  EXPECT_EQ(again.response().body_as_OrderState()->journal_sequence(), sequence);
}

TEST_F(CentralChanges, ARestartFinishesTheReRoutesACrashCutShort) {
  std::string closed;
  {
    RunningGateway running(journal_path(), clock);
    protocol::BlockingClient client = running.connect();
    closed = route(client, "ord-k1");
  }
  // The closure reached the journal; the gateway died before it re-routed anything.
  {
    journal::JournalOptions writer;
    writer.path = journal_path();
    writer.gateway_id = "gw-test";
    auto journal = journal::Journal::open(writer);
    ASSERT_TRUE(journal) << journal.status().to_string();
    const std::vector<std::uint8_t> payload = build_network_change_record(
        fbs::NetworkChangeKind::node_closed, closed, "building flooded", "central-closure:1");
    const journal::EntryToAppend entry{journal::EntryKind::network_change, 0, "",
                                       "central-closure:1", payload};
    ASSERT_TRUE((*journal)->append({&entry, 1}).has_value());
  }
  RunningGateway running(journal_path(), clock);
  protocol::BlockingClient client = running.connect();
  EXPECT_NE(wait_for_status(client, "ord-k1", OrderStatus::rerouted), closed);
  EXPECT_EQ(reserved_at(client, closed), 0);
}

TEST_F(CentralChanges, ACountAtCentralBelowWhatOrdersHoldMovesTheNewestOfThem) {
  RunningGateway running(journal_path(), clock);
  protocol::BlockingClient client = running.connect();
  const std::string node = route(client, "ord-o1");
  ASSERT_EQ(route(client, "ord-o2"), node);
  ASSERT_EQ(route(client, "ord-o3"), node);
  const protocol::ReceivedResponse levels =
      ask(client, protocol::build_query_inventory(++request_id, "sku-stove-fuel", node));
  const std::int32_t on_hand =
      levels.response().body_as_InventoryState()->levels()->Get(0)->on_hand();
  ASSERT_EQ(reserved_at(client, node), 3);

  // Central counted one unit where the gateway holds three for its orders.
  std::promise<Status> applied;
  apply_central_adjustment(
      running.gateway(), {node, "sku-stove-fuel", -(on_hand - 1), "central-delta:00000000000000b2"},
      [&applied](Status status) { applied.set_value(status); });
  ASSERT_TRUE(applied.get_future().get().is_ok());

  EXPECT_NE(wait_for_status(client, "ord-o3", OrderStatus::rerouted), node);
  EXPECT_NE(wait_for_status(client, "ord-o2", OrderStatus::rerouted), node);
  const protocol::ReceivedResponse oldest =
      ask(client, protocol::build_query_order(++request_id, "ord-o1"));
  EXPECT_EQ(oldest.response().body_as_OrderState()->status(), OrderStatus::routed)
      << "the oldest order keeps the unit that is there";
  EXPECT_EQ(reserved_at(client, node), 1);
}

TEST_F(CentralChanges, ANodeThisGatewayDoesNotKnowIsClosedWithoutChangingAnything) {
  {
    RunningGateway running(journal_path(), clock);
    EXPECT_TRUE(close(running, "3pl-nowhere-9").is_ok()) << "a closure elsewhere is no conflict";
  }
  RunningGateway running(journal_path(), clock);
  protocol::BlockingClient client = running.connect();
  EXPECT_FALSE(route(client, "ord-u1").empty()) << "the journal replays with the entry in it";
}

}  // namespace
}  // namespace edgeroute::gateway
