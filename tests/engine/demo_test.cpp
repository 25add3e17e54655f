// The demo's world, demand and summary, and one short demo run through a real gateway.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include "edgeroute/demo/default_world.h"
#include "edgeroute/demo/demo_run.h"
#include "edgeroute/demo/demo_summary.h"
#include "edgeroute/demo/order_generator.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/fbs/order_generated.h"
#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::demo {
namespace {

namespace fbs = routing::fbs;

std::string errors_of(const std::vector<FieldError>& errors) {
  std::string text;
  for (const FieldError& error : errors) text += error.to_string() + "\n";
  return text;
}

const routing::Geography& geography() {
  static const routing::Geography loaded = *routing::Geography::load_embedded();
  return loaded;
}

TEST(DefaultWorld, IsAValidNetworkPolicyAndInventoryOfTheDescribedShape) {
  const DefaultWorld world = make_default_world({});
  const auto network = routing::io::load_network_json(world.network_json, geography());
  ASSERT_TRUE(network) << errors_of(network.errors());
  const auto policy = routing::io::load_policy_json(world.policy_json, network->root());
  EXPECT_TRUE(policy) << errors_of(policy.errors());
  const auto inventory = routing::io::load_inventory_json(world.inventory_json, network->root());
  EXPECT_TRUE(inventory) << errors_of(inventory.errors());

  std::map<fbs::NodeKind, int> kinds;
  for (const fbs::Node* node : *network->root().nodes()) ++kinds[node->kind()];
  EXPECT_EQ(kinds[fbs::NodeKind::owned_fc], 1);
  EXPECT_EQ(kinds[fbs::NodeKind::store], 5);
  EXPECT_EQ(kinds[fbs::NodeKind::partner_3pl], 4);
  EXPECT_EQ(kinds[fbs::NodeKind::dropship], 3);
  EXPECT_EQ(world.node_kinds.size(), 13u);

  std::set<std::string> carriers;
  std::map<fbs::ServiceLevel, int> levels;
  for (const fbs::CarrierService* service : *network->root().carrier_services()) {
    carriers.insert(service->carrier()->str());
    ++levels[service->level()];
  }
  EXPECT_EQ(carriers, (std::set<std::string>{"FedEx", "UPS", "USPS"}));
  EXPECT_EQ(levels[fbs::ServiceLevel::ground], 3);
  EXPECT_EQ(levels[fbs::ServiceLevel::two_day], 3);
  EXPECT_EQ(levels[fbs::ServiceLevel::next_day], 3);

  EXPECT_EQ(network->root().skus()->size(), 10'000u);
  EXPECT_EQ(world.skus_by_popularity.size(), 10'000u);
  EXPECT_GT(inventory->root().records()->size(), 10'000u);
}

TEST(DefaultWorld, TheSameSeedBuildsTheSameWorldAndAnotherSeedAnotherStock) {
  const DefaultWorld first = make_default_world({.seed = 7, .sku_count = 500});
  const DefaultWorld again = make_default_world({.seed = 7, .sku_count = 500});
  const DefaultWorld other = make_default_world({.seed = 8, .sku_count = 500});
  EXPECT_EQ(first.network_json, again.network_json);
  EXPECT_EQ(first.inventory_json, again.inventory_json);
  EXPECT_NE(first.inventory_json, other.inventory_json);
  // The nodes, carriers and policy are the default world's, whatever the seed.
  EXPECT_EQ(first.policy_json, other.policy_json);
}

std::vector<GeneratedOrder> generate(std::uint64_t seed, std::uint64_t count,
                                     const DefaultWorld& world) {
  DemandOptions options;
  options.seed = seed;
  options.order_count = count;
  options.first_order_at = *routing::parse_utc_instant("2026-11-24T13:00:00Z");
  options.span_seconds = 3600;
  OrderGenerator generator(world.skus_by_popularity, options);
  std::vector<GeneratedOrder> orders;
  while (!generator.done()) orders.push_back(generator.next());
  return orders;
}

TEST(OrderGenerator, TheSameSeedGivesTheSameOrdersByteForByte) {
  const DefaultWorld world = make_default_world({.seed = 1, .sku_count = 2000});
  const std::vector<GeneratedOrder> first = generate(3, 200, world);
  const std::vector<GeneratedOrder> again = generate(3, 200, world);
  const std::vector<GeneratedOrder> other = generate(4, 200, world);
  ASSERT_EQ(first.size(), 200u);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].bytes, again[i].bytes) << "order " << i;
    if (first[i].bytes != other[i].bytes) ++differing;
  }
  EXPECT_GT(differing, 190u);
}

TEST(OrderGenerator, OrdersAreWellFormedSpreadOverTheSpanAndShipToKnownPlaces) {
  const DefaultWorld world = make_default_world({.seed = 1, .sku_count = 2000});
  const std::set<std::string> catalog(world.skus_by_popularity.begin(),
                                      world.skus_by_popularity.end());
  const std::vector<GeneratedOrder> orders = generate(5, 3000, world);
  const std::int64_t first_at = *routing::parse_utc_instant("2026-11-24T13:00:00Z");
  std::set<std::string> ids;
  std::size_t discontinued_lines = 0;
  for (const GeneratedOrder& generated : orders) {
    flatbuffers::Verifier verifier(generated.bytes.data(), generated.bytes.size());
    ASSERT_TRUE(fbs::VerifyOrderBuffer(verifier)) << generated.id;
    const fbs::Order& order = *fbs::GetOrder(generated.bytes.data());
    EXPECT_EQ(order.id()->str(), generated.id);
    EXPECT_TRUE(ids.insert(generated.id).second) << "repeated id " << generated.id;
    EXPECT_GE(generated.created_at, first_at);
    EXPECT_LT(generated.created_at, first_at + 3600);
    EXPECT_EQ(routing::parse_utc_instant(order.created_at()->str()), generated.created_at);
    EXPECT_TRUE(geography().locate(order.ship_to()->postal_code()->str()))
        << order.ship_to()->postal_code()->str();
    EXPECT_GE(order.lines()->size(), 1u);
    EXPECT_LE(order.lines()->size(), 8u);
    std::set<std::string> skus_in_order;
    for (const fbs::OrderLine* line : *order.lines()) {
      EXPECT_GE(line->quantity(), 1);
      EXPECT_TRUE(skus_in_order.insert(line->sku_id()->str()).second) << "repeated line";
      if (catalog.count(line->sku_id()->str()) == 0) ++discontinued_lines;
    }
  }
  // 3000 orders an even 1.2 s apart (whole seconds): the last comes 1.2 s before the
  // hour is out.
  EXPECT_EQ(orders.back().created_at - orders.front().created_at, 3598);
  // One line in 500 names a dropped SKU: about ten of ~5000 lines, not none and not many.
  EXPECT_GT(discontinued_lines, 0u);
  EXPECT_LT(discontinued_lines, 30u);
}

TEST(OrderGenerator, DemandFollowsPopularityAndWherePeopleLive) {
  const DefaultWorld world = make_default_world({.seed = 1, .sku_count = 2000});
  const std::vector<GeneratedOrder> orders = generate(11, 4000, world);
  std::map<std::string, int> lines_by_sku;
  int california = 0;  // ZIP prefixes 900..961: ~39 M people
  int wyoming = 0;     // 820..831: ~0.6 M people
  for (const GeneratedOrder& generated : orders) {
    const fbs::Order& order = *fbs::GetOrder(generated.bytes.data());
    for (const fbs::OrderLine* line : *order.lines()) ++lines_by_sku[line->sku_id()->str()];
    const int prefix = std::stoi(order.ship_to()->postal_code()->str().substr(0, 3));
    if (prefix >= 900 && prefix <= 961) ++california;
    if (prefix >= 820 && prefix <= 831) ++wyoming;
  }
  // Zipf: rank 1 sells about ten times rank 10 and a hundred times rank 100.
  const int best_seller = lines_by_sku[world.skus_by_popularity[0]];
  EXPECT_GT(best_seller, 3 * lines_by_sku[world.skus_by_popularity[9]]);
  EXPECT_GT(best_seller, 20 * std::max(1, lines_by_sku[world.skus_by_popularity[99]]));
  EXPECT_GT(california, 10 * std::max(1, wyoming));
  EXPECT_GT(california, 300);  // ~12% of 4000
}

// A routed decision shipped from `nodes`, with the given money terms.
std::vector<std::uint8_t> routed_decision(const std::vector<std::string>& nodes,
                                          std::int64_t carrier_cents, std::int64_t lateness_cents) {
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fbs::Shipment>> shipments;
  for (const std::string& node : nodes) {
    shipments.push_back(fbs::CreateShipmentDirect(builder, node.c_str(), "ups-ground"));
  }
  const auto cost =
      fbs::CreateCostBreakdown(builder, 150, 50, 175, carrier_cents, 40, lateness_cents, 0, 0, 0);
  fbs::FinishDecisionBuffer(
      builder, fbs::CreateDecisionDirect(builder, "ord-1", nullptr, fbs::Outcome::routed,
                                         fbs::ReasonCode::none, &shipments, cost));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

std::vector<std::uint8_t> unrouted_decision(fbs::Outcome outcome, fbs::ReasonCode reason) {
  flatbuffers::FlatBufferBuilder builder;
  fbs::FinishDecisionBuffer(builder,
                            fbs::CreateDecisionDirect(builder, "ord-2", nullptr, outcome, reason));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

TEST(DemoSummary, CountsOutcomesNodeKindsCostPromisesSplitsAndLatency) {
  DemoSummary summary({{"fc", fbs::NodeKind::owned_fc},
                       {"ds", fbs::NodeKind::dropship},
                       {"3pl", fbs::NodeKind::partner_3pl}});
  using std::chrono::milliseconds;
  summary.add_decision(*fbs::GetDecision(routed_decision({"fc", "ds"}, 1000, 0).data()),
                       milliseconds(1));
  summary.add_decision(*fbs::GetDecision(routed_decision({"fc"}, 800, 1500).data()),
                       milliseconds(2));
  summary.add_decision(*fbs::GetDecision(routed_decision({"3pl"}, 600, 0).data()), milliseconds(3));
  summary.add_decision(
      *fbs::GetDecision(
          unrouted_decision(fbs::Outcome::rejected, fbs::ReasonCode::unknown_sku).data()),
      milliseconds(4));
  summary.add_decision(
      *fbs::GetDecision(
          unrouted_decision(fbs::Outcome::backordered, fbs::ReasonCode::no_inventory).data()),
      milliseconds(5));
  summary.add_refusal("busy", milliseconds(100));

  EXPECT_EQ(summary.answered(), 6u);
  EXPECT_EQ(summary.routed(), 3u);
  EXPECT_EQ(summary.rejected(), 1u);
  EXPECT_EQ(summary.backordered(), 1u);
  EXPECT_EQ(summary.orders_from(fbs::NodeKind::owned_fc), 2u);
  EXPECT_EQ(summary.orders_from(fbs::NodeKind::dropship), 1u);
  EXPECT_EQ(summary.orders_from(fbs::NodeKind::partner_3pl), 1u);
  EXPECT_EQ(summary.orders_from(fbs::NodeKind::store), 0u);
  EXPECT_EQ(summary.shipments_from(fbs::NodeKind::owned_fc), 2u);
  EXPECT_EQ(summary.split_orders(), 1u);
  EXPECT_EQ(summary.promises_kept(), 2u);
  // handling 150 + pick 50 + fee 175 + carrier, per routed order; risk is not spend.
  EXPECT_EQ(summary.fulfilment_cents(), 3 * 375 + 1000 + 800 + 600);
  EXPECT_EQ(summary.rejections_by_reason().at("unknown_sku"), 1u);
  EXPECT_EQ(summary.backorders_by_reason().at("no_inventory"), 1u);
  EXPECT_EQ(summary.refusals().at("busy"), 1u);
  EXPECT_EQ(summary.latency_quantile(0.5), milliseconds(3));
  EXPECT_EQ(summary.latency_quantile(1.0), milliseconds(100));
  const std::string text = summary.to_text();
  EXPECT_NE(text.find("split into several parcels        33.3% of routed orders"),
            std::string::npos)
      << text;
}

TEST(DemoRun, ADayOfOrdersThroughTheGatewayIsAnsweredInFullAndTheSameEveryRun) {
  testing::TemporaryDirectory first_directory("demo");
  testing::TemporaryDirectory second_directory("demo");
  DemoOptions options;
  options.seed = 9;
  options.orders = 400;
  options.sku_count = 1500;
  options.window = 32;
  options.data_dir = first_directory.path();
  std::uint64_t last_progress = 0;
  Result<DemoResult> first = run_demo(options, [&](std::uint64_t answered, std::uint64_t total) {
    EXPECT_EQ(answered, last_progress + 1);
    EXPECT_EQ(total, 400u);
    last_progress = answered;
  });
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_EQ(last_progress, 400u);
  const DemoSummary& summary = first->summary;
  EXPECT_EQ(summary.answered(), 400u);
  EXPECT_EQ(summary.routed() + summary.backordered() + summary.rejected(), 400u)
      << summary.to_text();
  EXPECT_GT(summary.routed(), 300u) << summary.to_text();
  // Every decision was journaled once.
  EXPECT_EQ(first->journal_sequence, 400u);

  options.data_dir = second_directory.path();
  Result<DemoResult> second = run_demo(options);
  ASSERT_TRUE(second) << second.status().to_string();
  EXPECT_EQ(second->summary.routed(), summary.routed());
  EXPECT_EQ(second->summary.fulfilment_cents(), summary.fulfilment_cents());
  EXPECT_EQ(second->summary.split_orders(), summary.split_orders());
  EXPECT_EQ(second->summary.promises_kept(), summary.promises_kept());
  EXPECT_EQ(second->summary.backorders_by_reason(), summary.backorders_by_reason());
  EXPECT_EQ(second->summary.rejections_by_reason(), summary.rejections_by_reason());
}

TEST(DemoRun, RefusesADataDirectoryThatAlreadyHoldsAJournal) {
  testing::TemporaryDirectory directory("demo");
  DemoOptions options;
  options.orders = 10;
  options.sku_count = 200;
  options.data_dir = directory.path();
  ASSERT_TRUE(run_demo(options));
  const Result<DemoResult> again = run_demo(options);
  ASSERT_FALSE(again);
  EXPECT_NE(again.status().message().find("journal.db: a journal is already there"),
            std::string::npos)
      << again.status().to_string();
}

}  // namespace
}  // namespace edgeroute::demo
