// Escrow at the gateway, in process over TCP: what a warehouse relies on when its gateway
// shares a partner's stock with other gateways. At a node it does not home the gateway
// sells only what central leased it, whatever its inventory snapshot says; a grant is
// applied once (sent again, it changes nothing), survives a restart, and is refused for a
// node the gateway homes or an epoch that is not newer; a lease past its expiry gives
// back exactly its unreserved units, once, and the orders keep theirs. Nobody adjusts that
// stock at the gateway, and a journal is not restarted homing other nodes.
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
#include "edgeroute/testing/example_gateway.h"
#include "running_gateway.h"

namespace edgeroute::gateway {
namespace {

using namespace std::chrono_literals;
using test_support::ask;
using test_support::RunningGateway;

constexpr const char* kPartner = "3pl-columbus-2";
constexpr const char* kSku = "sku-stove-fuel";

// Fuel only at the partner (1 500 units by its snapshot), none at the gateway's own centre:
// every fuel order goes to the partner or nowhere.
std::string inventory_with_fuel_at_the_partner_only() {
  return R"({ "schema_version": 1, "taken_at": "2026-11-24T06:00:00Z", "records": [
    { "node_id": "fc-reno-1", "sku_id": "sku-stove-fuel", "on_hand": 0 },
    { "node_id": "fc-reno-1", "sku_id": "sku-tent-2p", "on_hand": 40 },
    { "node_id": "3pl-columbus-2", "sku_id": "sku-stove-fuel", "on_hand": 1500 },
    { "node_id": "3pl-columbus-2", "sku_id": "sku-tent-2p", "on_hand": 900 } ] })";
}

struct StockAtPartner {
  std::int32_t on_hand = -1;
  std::int32_t reserved = -1;
};

struct Escrow : test_support::GatewayOnDisk {
  Escrow() : GatewayOnDisk("gateway-escrow") {
    options.inventory_json = inventory_with_fuel_at_the_partner_only();
    options.homed_node_ids = {"fc-reno-1", "store-brooklyn-12"};
  }

  sync::EscrowGrant grant(std::uint64_t epoch, std::int32_t units, std::string reference) const {
    // Central numbers its grants; here the epoch does for the id.
    return {epoch,
            kPartner,
            kSku,
            epoch,
            units,
            clock.wall_unix_microseconds() + std::int64_t{3'600'000'000},
            std::move(reference)};
  }

  static Status apply(RunningGateway& running, const sync::EscrowGrant& grant) {
    std::promise<Status> answered;
    running.gateway().grant_escrow(grant,
                                   [&answered](Status status) { answered.set_value(status); });
    std::future<Status> answer = answered.get_future();
    EXPECT_EQ(answer.wait_for(test_support::kTimeout), std::future_status::ready);
    return answer.get();
  }

  routing::fbs::Outcome route(protocol::BlockingClient& client, const std::string& order_id) {
    const protocol::ReceivedResponse response =
        ask(client, protocol::build_route_order(
                        ++request_id, edgeroute::testing::one_unit_order(order_id, kSku)));
    return test_support::decision_in(response).outcome();
  }

  StockAtPartner at_partner(protocol::BlockingClient& client) {
    const protocol::ReceivedResponse response =
        ask(client, protocol::build_query_inventory(++request_id, kSku, kPartner));
    const auto* state = response.response().body_as_InventoryState();
    if (state == nullptr || state->levels()->size() != 1) {
      ADD_FAILURE() << "no stock record of " << kSku << " at " << kPartner;
      return {};
    }
    return {state->levels()->Get(0)->on_hand(), state->levels()->Get(0)->reserved()};
  }

  // The escrow_change entries of the journal, as (change, units).
  std::vector<std::pair<fbs::EscrowChangeKind, std::int32_t>> escrow_entries() {
    journal::JournalOptions reader;
    reader.path = journal_path();
    reader.gateway_id = "gw-test";
    reader.read_only = true;
    auto journal = journal::Journal::open(reader);
    EXPECT_TRUE(journal) << journal.status().to_string();
    std::vector<std::pair<fbs::EscrowChangeKind, std::int32_t>> entries;
    if (!journal) return entries;
    const Status read = (*journal)->read(1, [&](const journal::StoredEntry& entry) {
      if (entry.kind != journal::EntryKind::escrow_change) return Status::ok();
      Result<const fbs::EscrowChangeRecord*> record = read_escrow_change_record(entry.payload);
      if (!record) return record.status();
      entries.emplace_back((*record)->change(), (*record)->units());
      return Status::ok();
    });
    EXPECT_TRUE(read.is_ok()) << read.to_string();
    return entries;
  }

  RunningGateway::Options options;
  std::uint64_t request_id = 0;
};

TEST_F(Escrow, AtANodeNotHomedHereNothingIsSoldBeyondTheLease) {
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  EXPECT_EQ(at_partner(client).on_hand, 0) << "the snapshot's 1 500 units are not this gateway's";
  EXPECT_NE(route(client, "ord-e0"), routing::fbs::Outcome::routed);

  // The example policy keeps 2 units of safety stock at every node, leased units included.
  ASSERT_TRUE(apply(running, grant(1, 4, "central-escrow:00000000000000e1")).is_ok());
  EXPECT_EQ(route(client, "ord-e1"), routing::fbs::Outcome::routed);
  EXPECT_EQ(route(client, "ord-e2"), routing::fbs::Outcome::routed);
  EXPECT_NE(route(client, "ord-e3"), routing::fbs::Outcome::routed) << "the lease is used up";
  const StockAtPartner stock = at_partner(client);
  EXPECT_EQ(stock.on_hand, 4);
  EXPECT_EQ(stock.reserved, 2);
}

TEST_F(Escrow, AGrantSentAgainChangesNothingAndSurvivesARestart) {
  {
    RunningGateway running(journal_path(), clock, options);
    const sync::EscrowGrant first = grant(1, 5, "central-escrow:00000000000000e2");
    ASSERT_TRUE(apply(running, first).is_ok());
    EXPECT_TRUE(apply(running, first).is_ok()) << "the journal holds it already";
    protocol::BlockingClient client = running.connect();
    ASSERT_EQ(route(client, "ord-r1"), routing::fbs::Outcome::routed);
  }
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  const StockAtPartner stock = at_partner(client);
  EXPECT_EQ(stock.on_hand, 5);
  EXPECT_EQ(stock.reserved, 1);
  const std::vector<sync::EscrowLeaseStanding> standing = running.gateway().escrow_standing();
  ASSERT_EQ(standing.size(), 1U);
  EXPECT_EQ(standing[0].node_id, kPartner);
  EXPECT_EQ(standing[0].epoch, 1U);
  EXPECT_EQ(standing[0].unreserved_units, 4);
  EXPECT_EQ(standing[0].reserved_units, 1);
  EXPECT_EQ(escrow_entries().size(), 1U);
}

TEST_F(Escrow, GrantsAreRefusedWhereTheyCannotHold) {
  RunningGateway running(journal_path(), clock, options);
  ASSERT_TRUE(apply(running, grant(3, 5, "central-escrow:00000000000000e3")).is_ok());

  sync::EscrowGrant homed = grant(4, 5, "central-escrow:00000000000000e4");
  homed.node_id = "fc-reno-1";
  const Status at_home = apply(running, homed);
  EXPECT_EQ(at_home.code(), StatusCode::failed_precondition);
  EXPECT_THAT(at_home.message(), ::testing::HasSubstr("homed by this gateway"));

  const Status stale = apply(running, grant(3, 5, "central-escrow:00000000000000e5"));
  EXPECT_EQ(stale.code(), StatusCode::failed_precondition);
  EXPECT_THAT(stale.message(), ::testing::HasSubstr("epoch 3"));

  sync::EscrowGrant unknown = grant(6, 5, "central-escrow:00000000000000e6");
  unknown.sku_id = "sku-canoe";
  EXPECT_EQ(apply(running, unknown).code(), StatusCode::not_found);

  protocol::BlockingClient client = running.connect();
  EXPECT_EQ(at_partner(client).on_hand, 5) << "only the first grant counts";
}

// The partner starts carrying an SKU it never stocked: central leases some, and the
// gateway sells it at once, without a new inventory snapshot or a restart.
TEST_F(Escrow, AGrantOfAnSkuTheNodeNeverStockedStartsItsStockRecordAndSurvivesARestart) {
  options.inventory_json = R"({ "schema_version": 1, "taken_at": "2026-11-24T06:00:00Z",
    "records": [ { "node_id": "fc-reno-1", "sku_id": "sku-tent-2p", "on_hand": 40 } ] })";
  {
    RunningGateway running(journal_path(), clock, options);
    protocol::BlockingClient client = running.connect();
    EXPECT_NE(route(client, "ord-n0"), routing::fbs::Outcome::routed) << "fuel is nowhere";
    ASSERT_TRUE(apply(running, grant(1, 4, "central-escrow:00000000000000f1")).is_ok());
    // 4 leased, 2 of them the policy's safety stock.
    EXPECT_EQ(route(client, "ord-n1"), routing::fbs::Outcome::routed);
    EXPECT_EQ(route(client, "ord-n2"), routing::fbs::Outcome::routed);
    EXPECT_NE(route(client, "ord-n3"), routing::fbs::Outcome::routed);
    const StockAtPartner stock = at_partner(client);
    EXPECT_EQ(stock.on_hand, 4);
    EXPECT_EQ(stock.reserved, 2);
  }
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  const StockAtPartner stock = at_partner(client);
  EXPECT_EQ(stock.on_hand, 4);
  EXPECT_EQ(stock.reserved, 2);
  const std::vector<sync::EscrowLeaseStanding> standing = running.gateway().escrow_standing();
  ASSERT_EQ(standing.size(), 1U);
  EXPECT_EQ(standing[0].unreserved_units, 2);
}

TEST_F(Escrow, AnExpiredLeaseGivesBackItsUnreservedUnitsOnceAndOrdersKeepTheirs) {
  using Kind = fbs::EscrowChangeKind;
  {
    RunningGateway running(journal_path(), clock, options);
    sync::EscrowGrant short_lease = grant(1, 6, "central-escrow:00000000000000e8");
    short_lease.expires_at_us = clock.wall_unix_microseconds() + 60'000'000;
    ASSERT_TRUE(apply(running, short_lease).is_ok());
    protocol::BlockingClient client = running.connect();
    ASSERT_EQ(route(client, "ord-x1"), routing::fbs::Outcome::routed);
    ASSERT_EQ(route(client, "ord-x2"), routing::fbs::Outcome::routed);

    // Not expired yet: nothing goes back, and the lease still sells.
    running.gateway().return_expired_escrow();
    ASSERT_EQ(route(client, "ord-x3"), routing::fbs::Outcome::routed);

    clock.advance(61s);
    running.gateway().return_expired_escrow();
    running.gateway().return_expired_escrow();
    const auto give_up = std::chrono::steady_clock::now() + test_support::kTimeout;
    while (escrow_entries().size() < 2 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(5ms);
    }
    const StockAtPartner stock = at_partner(client);
    EXPECT_EQ(stock.on_hand, 3);
    EXPECT_EQ(stock.reserved, 3) << "the orders keep their units";
    EXPECT_NE(route(client, "ord-x4"), routing::fbs::Outcome::routed);
    running.gateway().return_expired_escrow();
    EXPECT_EQ(running.gateway().escrow_figures().expired_leases, 1U);
    EXPECT_EQ(running.gateway().escrow_figures().unreserved_units, 0U);
  }
  EXPECT_THAT(escrow_entries(),
              ::testing::ElementsAre(std::pair{Kind::granted, 6}, std::pair{Kind::returned, 3}));
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  const StockAtPartner stock = at_partner(client);
  EXPECT_EQ(stock.on_hand, 3);
  EXPECT_EQ(stock.reserved, 3);
}

TEST_F(Escrow, AnOlderGrantSentAgainIsAppliedOnce) {
  RunningGateway running(journal_path(), clock, options);
  const sync::EscrowGrant first = grant(1, 5, "central-escrow:00000000000000f1");
  ASSERT_TRUE(apply(running, first).is_ok());
  ASSERT_TRUE(apply(running, grant(2, 4, "central-escrow:00000000000000f2")).is_ok());
  EXPECT_TRUE(apply(running, first).is_ok()) << "a lost session's resend, already applied";
  protocol::BlockingClient client = running.connect();
  EXPECT_EQ(at_partner(client).on_hand, 9);
  EXPECT_EQ(escrow_entries().size(), 2U);
}

TEST_F(Escrow, StockAtANodeNotHomedHereIsNotAdjustedHere) {
  RunningGateway running(journal_path(), clock, options);
  std::promise<Status> answered;
  apply_central_adjustment(running.gateway(),
                           {kPartner, kSku, 500, "central-delta:00000000000000f3"},
                           [&answered](Status status) { answered.set_value(status); });
  const Status refused = answered.get_future().get();
  EXPECT_EQ(refused.code(), StatusCode::failed_precondition) << "a conflict central sees";
  EXPECT_THAT(refused.message(), ::testing::HasSubstr("not homed by this gateway"));
  protocol::BlockingClient client = running.connect();
  EXPECT_EQ(at_partner(client).on_hand, 0);
}

TEST_F(Escrow, AJournalIsNotRestartedHomingOtherNodes) {
  { RunningGateway running(journal_path(), clock, options); }
  journal::JournalOptions writer;
  writer.path = journal_path();
  writer.gateway_id = "gw-test";
  auto journal = journal::Journal::open(writer);
  ASSERT_TRUE(journal) << journal.status().to_string();
  const std::vector<std::string> partner_homed_too = {"fc-reno-1", "store-brooklyn-12", kPartner};
  for (const std::vector<std::string>& homing : {partner_homed_too, std::vector<std::string>{}}) {
    auto restored = GatewayState::restore(**journal, nullptr, clock.wall_unix_seconds(), 4, homing);
    ASSERT_FALSE(restored);
    EXPECT_EQ(restored.status().code(), StatusCode::failed_precondition);
    EXPECT_THAT(restored.status().message(),
                ::testing::HasSubstr("written by a gateway homing fc-reno-1, store-brooklyn-12"));
  }
  EXPECT_TRUE(GatewayState::restore(**journal, nullptr, clock.wall_unix_seconds(), 4,
                                    options.homed_node_ids));
}

TEST_F(Escrow, AGatewayWithoutCentralHomesEveryNode) {
  options.homed_node_ids.clear();
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  EXPECT_EQ(at_partner(client).on_hand, 1500);
  EXPECT_EQ(route(client, "ord-a1"), routing::fbs::Outcome::routed);
  EXPECT_EQ(apply(running, grant(1, 5, "central-escrow:00000000000000e9")).code(),
            StatusCode::failed_precondition);
}

}  // namespace
}  // namespace edgeroute::gateway
