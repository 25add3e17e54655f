// kill -9 under load, again and again: the daemon (`edgeroute serve`, the real binary) is
// killed at a random moment while a client streams orders and cancels at it, then
// restarted on the same data directory. An independent ledger kept by the client says
// what the gateway acknowledged; after every restart the gateway must still know each
// acknowledged decision, byte for byte, and exactly once in its journal, and its stock
// must add up: on_hand unchanged (nothing was received or shipped), reserved equal to the
// units of the orders it holds as routed, never above on_hand.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/testing/example_gateway.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute {
namespace {

constexpr auto kTimeout = std::chrono::seconds(20);
const std::vector<std::string> kSkus = {"sku-tent-2p", "sku-headlamp", "sku-stove-fuel"};

// The daemon as a child process, ready once it logs gateway.listening.
class Daemon : public testing::ExampleGatewayProcess {
 public:
  Daemon(const std::string& config, bool first_start)
      : ExampleGatewayProcess(EDGEROUTE_BINARY, config, first_start) {}
};

// What the client was told, independently of the gateway.
struct Ledger {
  std::set<std::string> sent;
  std::map<std::string, std::vector<std::uint8_t>> acknowledged;  // order id -> decision
  std::set<std::string> cancelled;                                // cancel acknowledged
};

// Streams orders (and cancels of acknowledged ones) until the connection breaks.
void drive(std::uint16_t port, int round, Ledger& ledger, std::mt19937& random) {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", port, kTimeout);
  ASSERT_TRUE(client) << client.status().to_string();
  std::map<std::uint64_t, std::pair<bool, std::string>> in_flight;  // id -> (cancel?, order)
  std::uint64_t next_id = 1;
  for (int n = 0;; ++n) {
    while (in_flight.size() < 16) {
      const std::uint64_t id = next_id++;
      if (!ledger.acknowledged.empty() && random() % 8 == 0) {
        auto pick = ledger.acknowledged.begin();
        std::advance(pick, static_cast<long>(random() % ledger.acknowledged.size()));
        if (client->send(protocol::build_cancel_order(id, pick->first)).is_ok()) {
          in_flight[id] = {true, pick->first};
        } else {
          return;
        }
        continue;
      }
      const std::string order_id = "r" + std::to_string(round) + "-" + std::to_string(id);
      ledger.sent.insert(order_id);
      if (!client
               ->send(protocol::build_route_order(
                   id, testing::one_unit_order(order_id, kSkus[random() % kSkus.size()])))
               .is_ok()) {
        return;
      }
      in_flight[id] = {false, order_id};
    }
    Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
    if (!response) return;  // killed
    const auto found = in_flight.find(response->request_id());
    ASSERT_NE(found, in_flight.end());
    const auto [is_cancel, order_id] = found->second;
    in_flight.erase(found);
    const protocol::fbs::Response& body = response->response();
    if (const auto* routed = body.body_as_RouteOrderResult()) {
      ledger.acknowledged[order_id].assign(routed->decision()->begin(), routed->decision()->end());
    } else if (const auto* cancelled = body.body_as_CancelOrderResult()) {
      if (cancelled->released()) ledger.cancelled.insert(order_id);
    } else {
      const auto* error = body.body_as_Error();
      ASSERT_NE(error, nullptr);
      // Refusals are allowed (busy, an order still in flight); nothing else is.
      EXPECT_TRUE(error->code() == protocol::fbs::ErrorCode::busy ||
                  error->code() == protocol::fbs::ErrorCode::order_in_flight)
          << protocol::fbs::EnumNameErrorCode(error->code()) << ": " << error->message()->str();
    }
  }
}

protocol::ReceivedResponse ask(protocol::BlockingClient& client, const protocol::Frame& frame) {
  EXPECT_TRUE(client.send(frame).is_ok());
  Result<protocol::ReceivedResponse> response = client.receive(kTimeout);
  EXPECT_TRUE(response) << response.status().to_string();
  return std::move(response).value();
}

// Checks the restarted gateway against the ledger and the initial stock.
void check(std::uint16_t port, const Ledger& ledger,
           const std::map<std::string, routing::StockLevels>& initial_totals) {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", port, kTimeout);
  ASSERT_TRUE(client) << client.status().to_string();
  std::map<std::string, int> held_units;  // by SKU, from what the gateway says it holds
  std::uint64_t id = 1;
  for (const std::string& order_id : ledger.sent) {
    const protocol::ReceivedResponse response =
        ask(*client, protocol::build_query_order(id++, order_id));
    const auto* state = response.response().body_as_OrderState();
    const auto acknowledged = ledger.acknowledged.find(order_id);
    if (state == nullptr) {
      EXPECT_EQ(acknowledged, ledger.acknowledged.end())
          << order_id << " was acknowledged, and the restarted gateway does not know it";
      continue;
    }
    if (acknowledged != ledger.acknowledged.end()) {
      const auto* decision = state->decision();
      ASSERT_NE(decision, nullptr) << order_id;
      EXPECT_TRUE(std::equal(decision->begin(), decision->end(), acknowledged->second.begin(),
                             acknowledged->second.end()))
          << order_id << ": the restored decision differs from the one acknowledged";
    }
    if (ledger.cancelled.contains(order_id)) {
      EXPECT_EQ(state->status(), protocol::fbs::OrderStatus::released) << order_id;
    }
    if (state->status() == protocol::fbs::OrderStatus::routed) {
      for (const auto* shipment : *state->decision_nested_root()->shipments()) {
        for (const auto* line : *shipment->lines())
          held_units[line->sku_id()->str()] += line->quantity();
      }
    }
  }
  for (const std::string& sku : kSkus) {
    const protocol::ReceivedResponse response =
        ask(*client, protocol::build_query_inventory(id++, sku));
    const auto* inventory = response.response().body_as_InventoryState();
    ASSERT_NE(inventory, nullptr);
    routing::StockLevels total;
    for (const auto* level : *inventory->levels()) {
      EXPECT_LE(level->reserved(), level->on_hand()) << sku << " at " << level->node_id()->str();
      total.on_hand += level->on_hand();
      total.reserved += level->reserved();
    }
    EXPECT_EQ(total.on_hand, initial_totals.at(sku).on_hand) << sku;
    EXPECT_EQ(total.reserved, held_units[sku]) << sku << ": reserved units and held orders differ";
  }
}

TEST(GatewayCrash, KilledUnderLoadItLosesNoAcknowledgedDecisionAndStockAddsUp) {
  testing::TemporaryDirectory directory("crash");
  const std::string config = directory / "gateway.json";
  {
    std::ofstream file(config);
    file << R"({ "schema_version": 1, "device_profile": "x86-dev", "gateway_id": "gw-crash",
      "served_node_ids": ["fc-reno-1"], "orders": { "address": "127.0.0.1", "port": 0 },
      "ops": { "address": "127.0.0.1", "port": 0 }, "sync": { "address": "127.0.0.1", "port": 0 },
      "data_dir": ")"
         << directory / "data"
         << R"(", "central": { "host": "127.0.0.1", "port": 7500 },
      "policy_trust_anchor": "58VMtSJaH3diZ7aOlqRhIKv6AWQJtvoTo3hEX0VZwnE=" })";
  }
  std::map<std::string, routing::StockLevels> initial_totals;
  Ledger ledger;
  std::mt19937 random(20261124);
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    Daemon daemon(config, round == 0);
    ASSERT_NE(daemon.port(), 0);
    if (round == 0) {
      Result<protocol::BlockingClient> client =
          protocol::BlockingClient::connect("127.0.0.1", daemon.port(), kTimeout);
      ASSERT_TRUE(client);
      for (const std::string& sku : kSkus) {
        const protocol::ReceivedResponse response =
            ask(*client, protocol::build_query_inventory(1, sku));
        routing::StockLevels total;
        for (const auto* level : *response.response().body_as_InventoryState()->levels()) {
          total.on_hand += level->on_hand();
        }
        initial_totals[sku] = total;
      }
    } else {
      check(daemon.port(), ledger, initial_totals);
      if (::testing::Test::HasFailure()) return;
    }
    // Load, and a kill at a random moment in the middle of it.
    const auto kill_after = std::chrono::milliseconds(100 + random() % 400);
    std::thread killer([&] {
      std::this_thread::sleep_for(kill_after);
      const int status = daemon.kill(SIGKILL);
      EXPECT_TRUE(WIFSIGNALED(status));
    });
    drive(daemon.port(), round, ledger, random);
    killer.join();
  }
  // The last state, checked once more, then the journal itself: each acknowledged order
  // has exactly one decision entry.
  {
    Daemon daemon(config, false);
    check(daemon.port(), ledger, initial_totals);
    const int status = daemon.kill(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status)) << "the daemon did not exit by itself on SIGTERM: " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  journal::JournalOptions options;
  options.path = directory / "data/journal.db";
  options.gateway_id = "gw-crash";
  auto journal = journal::Journal::open(options);
  ASSERT_TRUE(journal) << journal.status().to_string();
  std::map<std::string, int> decisions;
  ASSERT_TRUE((*journal)
                  ->read(1,
                         [&](const journal::StoredEntry& entry) {
                           if (entry.kind == journal::EntryKind::decision) {
                             ++decisions[std::string(entry.order_id)];
                           }
                           return Status::ok();
                         })
                  .is_ok());
  for (const auto& [order_id, decision] : ledger.acknowledged) {
    const bool rejected =
        routing::fbs::GetDecision(decision.data())->outcome() == routing::fbs::Outcome::rejected;
    if (!rejected) {
      EXPECT_EQ(decisions[order_id], 1) << order_id;
    }
  }
  EXPECT_GT(ledger.acknowledged.size(), 100u) << "too little load to prove anything";
  std::cout << ledger.sent.size() << " orders sent, " << ledger.acknowledged.size()
            << " acknowledged, " << ledger.cancelled.size() << " cancels acknowledged over "
            << kRounds << " kills\n";
}

}  // namespace
}  // namespace edgeroute
