// Policy push at the gateway, in process over TCP: what central ops and a warehouse rely
// on. A bundle signed with the trusted key routes at once, on trial; routing under it
// goes on; the trial's health check commits it, or reverts to the last-known-good policy
// when it rejects far more orders. Tampered, foreign-key, downgraded, expired and invalid
// bundles are refused, journaled (so that central learns of them) and change nothing.
// The stage survives a restart, and an operator can roll a policy back over the wire.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/sync/policy_bundle.h"
#include "edgeroute/testing/example_gateway.h"
#include "edgeroute/testing/text_file.h"
#include "running_gateway.h"

namespace edgeroute::gateway {
namespace {

using namespace std::chrono_literals;
using protocol::fbs::ErrorCode;
using test_support::ask;
using test_support::decision_in;
using test_support::RunningGateway;
using testing::example_text;
using ::testing::HasSubstr;

// The example policy is version 7; the same rules under another version.
std::string policy_json(std::uint64_t version) {
  std::string json = example_text("policy.json");
  const std::string from = "\"version\": 7,";
  json.replace(json.find(from), from.size(), "\"version\": " + std::to_string(version) + ",");
  return json;
}

// A policy that serves no web order: every node kind excluded, nothing backordered.
std::string rejecting_policy_json(std::uint64_t version) {
  std::string json = policy_json(version);
  const std::string exclusions = "\"exclusions\": [";
  json.replace(json.find(exclusions), exclusions.size(),
               exclusions + R"({ "channel": "web", "node_kinds": ["owned_fc", "store", )"
                            R"("partner_3pl", "dropship"], "reason": "web paused" },)");
  const std::string backorder = "\"backorder_rule\": \"backorder\"";
  json.replace(json.find(backorder), backorder.size(), "\"backorder_rule\": \"reject\"");
  return json;
}

std::vector<std::uint8_t> order_bytes(const std::string& id) {
  return edgeroute::testing::one_unit_order(id, "sku-stove-fuel");
}

struct PolicyFixture : test_support::GatewayOnDisk {
  PolicyFixture() : GatewayOnDisk("gateway-policy") {
    options.policy_trust_anchor = key.public_key;
    options.policy_trial = {60s, 5, 0.10, 0.50};
  }

  std::int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               clock.wall_now().time_since_epoch())
        .count();
  }

  std::vector<std::uint8_t> bundle(const std::string& json, std::uint64_t version,
                                   const sync::SigningKey& signer,
                                   std::chrono::hours valid_for = 24h) const {
    const std::int64_t now = now_us();
    return sync::sign_policy_bundle(
        {version, now,
         now + std::chrono::duration_cast<std::chrono::microseconds>(valid_for).count(), json},
        signer);
  }
  std::vector<std::uint8_t> bundle(std::uint64_t version) const {
    return bundle(policy_json(version), version, key);
  }

  static Status offer(RunningGateway& running, std::vector<std::uint8_t> signed_bundle) {
    std::promise<Status> answered;
    running.gateway().offer_policy(std::move(signed_bundle),
                                   [&answered](Status status) { answered.set_value(status); });
    std::future<Status> answer = answered.get_future();
    EXPECT_EQ(answer.wait_for(test_support::kTimeout), std::future_status::ready);
    return answer.get();
  }

  // Checks the trial until the stage leaves it and the change is done (the verdict is
  // journaled first, then applied, then the next change may come).
  static PolicyFigures settle_trial(RunningGateway& running) {
    const auto deadline = std::chrono::steady_clock::now() + test_support::kTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      running.gateway().check_policy_trial();
      if (running.gateway().policy_figures().trial == 0 &&
          !running.gateway().policy_change_under_way()) {
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    return running.gateway().policy_figures();
  }

  routing::fbs::Outcome route(protocol::BlockingClient& client, const std::string& order_id,
                              std::uint64_t* policy_version = nullptr) {
    const protocol::ReceivedResponse response =
        ask(client, protocol::build_route_order(++request_id, order_bytes(order_id)));
    const routing::fbs::Decision& decision = decision_in(response);
    if (policy_version != nullptr) *policy_version = decision.policy_version();
    return decision.outcome();
  }

  // The policy changes in the journal, as (change, version, reason).
  std::vector<std::tuple<fbs::PolicyChangeKind, std::uint64_t, std::string>> journaled_changes() {
    journal::JournalOptions reader;
    reader.path = journal_path();
    reader.read_only = true;
    auto journal = journal::Journal::open(reader);
    EXPECT_TRUE(journal) << journal.status().to_string();
    std::vector<std::tuple<fbs::PolicyChangeKind, std::uint64_t, std::string>> changes;
    if (!journal) return changes;
    const Status read = (*journal)->read(1, [&](const journal::StoredEntry& entry) {
      if (entry.kind != journal::EntryKind::policy_change) return Status::ok();
      Result<const fbs::PolicyChangeRecord*> record = read_policy_change_record(entry.payload);
      if (!record) return record.status();
      changes.emplace_back((*record)->change(), (*record)->version(),
                           (*record)->reason() != nullptr ? (*record)->reason()->str() : "");
      return Status::ok();
    });
    EXPECT_TRUE(read.is_ok()) << read.to_string();
    return changes;
  }

  sync::SigningKey key = sync::generate_signing_key();
  test_support::RunningGatewayOptions options;
  std::uint64_t request_id = 0;
};

TEST_F(PolicyFixture, ASignedBundleRoutesOnTrialAndIsCommittedWhenItsTimeIsUp) {
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  ASSERT_TRUE(offer(running, bundle(8)).is_ok());

  PolicyFigures stage = running.gateway().policy_figures();
  EXPECT_EQ(stage.active, 8u);
  EXPECT_EQ(stage.trial, 8u);
  EXPECT_EQ(stage.committed, 7u);
  std::uint64_t decided_under = 0;
  EXPECT_EQ(route(client, "ord-p1", &decided_under), routing::fbs::Outcome::routed);
  EXPECT_EQ(decided_under, 8u);

  running.gateway().check_policy_trial();
  EXPECT_EQ(running.gateway().policy_figures().trial, 8u) << "judged before its time";
  clock.advance(61s);
  stage = settle_trial(running);
  EXPECT_EQ(stage.trial, 0u);
  EXPECT_EQ(stage.committed, 8u);
  EXPECT_EQ(stage.previous, 7u);
  EXPECT_EQ(stage.highest_accepted, 8u);

  const protocol::ReceivedResponse status =
      ask(client, protocol::build_gateway_status_request(++request_id));
  const auto* report = status.response().body_as_GatewayStatus();
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->policy_version(), 8u);
  EXPECT_EQ(report->policy_committed_version(), 8u);
  EXPECT_THAT(report->policy_detail()->str(), HasSubstr("policy 8 committed"));
  EXPECT_THAT(journaled_changes(),
              ::testing::ElementsAre(::testing::FieldsAre(fbs::PolicyChangeKind::trial, 8u, ""),
                                     ::testing::FieldsAre(fbs::PolicyChangeKind::committed, 8u,
                                                          HasSubstr("orders routed"))));
}

TEST_F(PolicyFixture, ATrialThatRejectsFarMoreOrdersIsRevertedToTheLastKnownGood) {
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(route(client, "ord-before-" + std::to_string(i)), routing::fbs::Outcome::routed);
  }
  ASSERT_TRUE(offer(running, bundle(rejecting_policy_json(8), 8, key)).is_ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(route(client, "ord-during-" + std::to_string(i)), routing::fbs::Outcome::rejected);
  }
  const PolicyFigures stage = settle_trial(running);
  EXPECT_EQ(stage.active, 7u);
  EXPECT_EQ(stage.committed, 7u);
  EXPECT_EQ(stage.highest_accepted, 8u);
  EXPECT_THAT(
      running.gateway().policy_detail(),
      HasSubstr("policy 8 reverted to 7: rejected 5 of 5 orders on trial (100%) against 0%"));
  std::uint64_t decided_under = 0;
  EXPECT_EQ(route(client, "ord-after", &decided_under), routing::fbs::Outcome::routed);
  EXPECT_EQ(decided_under, 7u);

  // Its version is spent: central cannot bring it back, only a newer one.
  const Status again = offer(running, bundle(rejecting_policy_json(8), 8, key));
  EXPECT_EQ(again.code(), StatusCode::failed_precondition);
  EXPECT_TRUE(offer(running, bundle(9)).is_ok());
}

TEST_F(PolicyFixture, BundlesThatMustNotRouteAreRefusedJournaledAndChangeNothing) {
  RunningGateway running(journal_path(), clock, options);
  std::vector<std::uint8_t> tampered = bundle(8);
  // The policy's text sits inside the signed bytes: one character of it changed.
  const std::string weight = "\"split_cents\": 600";
  const auto at = std::search(tampered.begin(), tampered.end(), weight.begin(), weight.end());
  ASSERT_NE(at, tampered.end());
  *(at + static_cast<std::ptrdiff_t>(weight.size()) - 3) = '9';

  const Status altered = offer(running, tampered);
  EXPECT_EQ(altered.code(), StatusCode::permission_denied);
  EXPECT_THAT(altered.message(), HasSubstr("does not verify against the trust anchor"));
  const Status foreign = offer(running, bundle(policy_json(8), 8, sync::generate_signing_key()));
  EXPECT_EQ(foreign.code(), StatusCode::permission_denied);
  const Status downgraded = offer(running, bundle(6));
  EXPECT_EQ(downgraded.code(), StatusCode::failed_precondition);
  EXPECT_THAT(downgraded.message(), HasSubstr("version 6 is not above 7"));
  const Status expired = offer(running, bundle(policy_json(8), 8, key, -1h));
  EXPECT_EQ(expired.code(), StatusCode::out_of_range);
  EXPECT_THAT(expired.message(), HasSubstr("expired at"));
  std::string unknown_node = policy_json(8);
  unknown_node.replace(unknown_node.find("store-brooklyn-12"), 17, "store-nowhere-99");
  const Status invalid = offer(running, bundle(unknown_node, 8, key));
  EXPECT_EQ(invalid.code(), StatusCode::invalid_argument);
  EXPECT_THAT(invalid.message(), HasSubstr("store-nowhere-99"));
  const Status mislabelled = offer(running, bundle(policy_json(9), 8, key));
  EXPECT_EQ(mislabelled.code(), StatusCode::invalid_argument);
  EXPECT_THAT(mislabelled.message(), HasSubstr("carries a policy document of version 9"));
  const Status garbage = offer(running, {1, 2, 3});
  EXPECT_EQ(garbage.code(), StatusCode::invalid_argument);

  const PolicyFigures stage = running.gateway().policy_figures();
  EXPECT_EQ(stage.active, 7u);
  EXPECT_EQ(stage.highest_accepted, 7u);
  const auto changes = journaled_changes();
  ASSERT_EQ(changes.size(), 7u);
  for (const auto& [change, version, reason] : changes) {
    EXPECT_EQ(change, fbs::PolicyChangeKind::refused);
    EXPECT_FALSE(reason.empty());
  }
  EXPECT_EQ(std::get<1>(changes[2]), 6u) << "a refusal names the version the bundle claimed";
  EXPECT_EQ(std::get<1>(changes[6]), 0u) << "garbage claims no version";
}

TEST_F(PolicyFixture, ASecondBundleWaitsUntilTheTrialIsSettled) {
  RunningGateway running(journal_path(), clock, options);
  ASSERT_TRUE(offer(running, bundle(8)).is_ok());
  const Status second = offer(running, bundle(9));
  EXPECT_EQ(second.code(), StatusCode::unavailable);
  EXPECT_THAT(second.message(), HasSubstr("policy 8 is on trial"));
  EXPECT_EQ(running.gateway().policy_figures().highest_accepted, 8u);
  EXPECT_EQ(journaled_changes().size(), 1u) << "postponed, not refused: nothing journaled";
}

TEST_F(PolicyFixture, ARestartComesBackToTheSameStage) {
  {
    RunningGateway running(journal_path(), clock, options);
    ASSERT_TRUE(offer(running, bundle(8)).is_ok());
    clock.advance(61s);
    ASSERT_EQ(settle_trial(running).committed, 8u);
    ASSERT_TRUE(offer(running, bundle(9)).is_ok());
  }
  RunningGateway running(journal_path(), clock, options);
  const PolicyFigures stage = running.gateway().policy_figures();
  EXPECT_EQ(stage.active, 9u);
  EXPECT_EQ(stage.trial, 9u);
  EXPECT_EQ(stage.committed, 8u);
  EXPECT_EQ(stage.previous, 7u);
  EXPECT_EQ(stage.highest_accepted, 9u);
  protocol::BlockingClient client = running.connect();
  std::uint64_t decided_under = 0;
  route(client, "ord-restarted", &decided_under);
  EXPECT_EQ(decided_under, 9u);
  // The trial is judged afresh from the restart: not at once.
  running.gateway().check_policy_trial();
  EXPECT_EQ(running.gateway().policy_figures().trial, 9u);
}

TEST_F(PolicyFixture, RevertsAndRollbacksComeBackThroughARestart) {
  {
    RunningGateway running(journal_path(), clock, options);
    protocol::BlockingClient client = running.connect();
    ASSERT_TRUE(offer(running, bundle(rejecting_policy_json(8), 8, key)).is_ok());
    for (int i = 0; i < 5; ++i) route(client, "ord-r-" + std::to_string(i));
    ASSERT_EQ(settle_trial(running).active, 7u);  // reverted
    ASSERT_TRUE(offer(running, bundle(9)).is_ok());
    clock.advance(61s);
    ASSERT_EQ(settle_trial(running).committed, 9u);
    ASSERT_TRUE(offer(running, bundle(10)).is_ok());
    clock.advance(61s);
    ASSERT_EQ(settle_trial(running).committed, 10u);
    const protocol::ReceivedResponse rolled =
        ask(client, protocol::build_rollback_policy(++request_id, "drill"));
    ASSERT_NE(rolled.response().body_as_PolicyRolledBack(), nullptr);
  }
  RunningGateway running(journal_path(), clock, options);
  const PolicyFigures stage = running.gateway().policy_figures();
  EXPECT_EQ(stage.active, 9u);
  EXPECT_EQ(stage.committed, 9u);
  EXPECT_EQ(stage.previous, 0u) << "one step back, not a history";
  EXPECT_EQ(stage.trial, 0u);
  EXPECT_EQ(stage.highest_accepted, 10u);
  protocol::BlockingClient client = running.connect();
  std::uint64_t decided_under = 0;
  route(client, "ord-after-restart", &decided_under);
  EXPECT_EQ(decided_under, 9u);
}

TEST_F(PolicyFixture, AFreshGatewayJudgesATrialByACeilingUntilItHasSomethingToCompareWith) {
  options.policy_trial = {60s, 5, 0.10, 0.50};
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  // Nothing routed before: an order for a SKU no node stocks is rejected under any
  // policy, and does not condemn a harmless one.
  ASSERT_TRUE(offer(running, bundle(8)).is_ok());
  for (int i = 0; i < 4; ++i) route(client, "ord-fine-" + std::to_string(i));
  Result<routing::io::OrderDocument> unknown = routing::io::parse_order_json(
      R"({ "id": "ord-unknown", "channel": "web", "lines": [{ "sku_id": "sku-nowhere",)"
      R"( "quantity": 1 }], "ship_to": { "postal_code": "10027" },)"
      R"( "created_at": "2026-11-24T15:04:05Z" })");
  ASSERT_TRUE(unknown) << unknown.status().to_string();
  ASSERT_EQ(decision_in(ask(client, protocol::build_route_order(++request_id, unknown->bytes())))
                .outcome(),
            routing::fbs::Outcome::rejected);
  clock.advance(61s);
  EXPECT_EQ(settle_trial(running).committed, 8u);
  // One rejected order before it is no baseline that excuses rejecting every order.
  ASSERT_TRUE(offer(running, bundle(rejecting_policy_json(9), 9, key)).is_ok());
  for (int i = 0; i < 5; ++i) route(client, "ord-bad-" + std::to_string(i));
  const PolicyFigures stage = settle_trial(running);
  EXPECT_EQ(stage.active, 8u);
  EXPECT_THAT(running.gateway().policy_detail(), HasSubstr("policy 9 reverted to 8"));
}

TEST_F(PolicyFixture, AnOperatorRollsTheCommittedPolicyBackOneStepOverTheWire) {
  RunningGateway running(journal_path(), clock, options);
  protocol::BlockingClient client = running.connect();
  const protocol::ReceivedResponse nothing =
      ask(client, protocol::build_rollback_policy(++request_id, "no reason"));
  const auto* refused = nothing.response().body_as_Error();
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->code(), ErrorCode::failed_precondition);
  EXPECT_THAT(refused->message()->str(), HasSubstr("nothing to roll back to"));

  ASSERT_TRUE(offer(running, bundle(8)).is_ok());
  clock.advance(61s);
  ASSERT_EQ(settle_trial(running).committed, 8u);
  const protocol::ReceivedResponse rolled =
      ask(client, protocol::build_rollback_policy(++request_id, "late shipments at stores"));
  const auto* result = rolled.response().body_as_PolicyRolledBack();
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->rolled_back_version(), 8u);
  EXPECT_EQ(result->active_version(), 7u);
  EXPECT_GT(result->sequence(), 0u);
  std::uint64_t decided_under = 0;
  route(client, "ord-rolled-back", &decided_under);
  EXPECT_EQ(decided_under, 7u);
  EXPECT_THAT(running.gateway().policy_detail(),
              HasSubstr("policy 8 rolled back to 7: late shipments at stores"));
  EXPECT_EQ(offer(running, bundle(8)).code(), StatusCode::failed_precondition);
}

TEST_F(PolicyFixture, RoutingGoesOnThroughEverySwapAndDecisionsFollowTheSwapsInOrder) {
  RunningGateway running(journal_path(), clock, options);
  std::atomic<bool> swapping{true};
  constexpr int kClients = 3;
  std::vector<std::vector<std::uint64_t>> seen(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      protocol::BlockingClient client = running.connect();
      for (std::uint64_t n = 1; swapping.load() || n <= 50; ++n) {
        const protocol::ReceivedResponse response =
            ask(client,
                protocol::build_route_order(n, order_bytes(fmt::format("ord-swap-{}-{}", c, n))));
        seen[static_cast<std::size_t>(c)].push_back(decision_in(response).policy_version());
      }
    });
  }
  ASSERT_TRUE(offer(running, bundle(8)).is_ok());
  clock.advance(61s);
  ASSERT_EQ(settle_trial(running).committed, 8u);
  ASSERT_TRUE(offer(running, bundle(9)).is_ok());
  protocol::BlockingClient operator_client = running.connect();
  const protocol::ReceivedResponse rolled =
      ask(operator_client, protocol::build_rollback_policy(++request_id, "drill"));
  ASSERT_NE(rolled.response().body_as_PolicyRolledBack(), nullptr);
  swapping = false;
  for (std::thread& client : clients) client.join();

  // Each client asks one order at a time, so its decisions follow the stage's changes in
  // order: 7, then 8 (trial, committed), then 9 (trial), then 8 again (rolled back), some
  // of them perhaps unseen, none out of order.
  const std::vector<std::uint64_t> stages{7, 8, 9, 8};
  for (const auto& versions_seen : seen) {
    ASSERT_GE(versions_seen.size(), 50u);
    std::size_t at = 0;
    for (const std::uint64_t version : versions_seen) {
      while (at < stages.size() && stages[at] != version) ++at;
      ASSERT_LT(at, stages.size()) << "a decision under policy " << version << " out of order";
    }
  }
  EXPECT_EQ(running.gateway().policy_figures().active, 8u);
}

}  // namespace
}  // namespace edgeroute::gateway
