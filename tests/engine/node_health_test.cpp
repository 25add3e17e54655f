// Node health from the nodes' own reports: the blend, and what counts as on time,
// filled and accepted.
#include "edgeroute/gateway/node_health.h"

#include <gtest/gtest.h>

#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::gateway {
namespace {

using Event = protocol::fbs::FulfillmentEventKind;

std::shared_ptr<const routing::NetworkModel> example_network() {
  auto geography = std::make_shared<const routing::Geography>(*routing::Geography::load_embedded());
  const std::string json =
      testing::read_text_file(std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/network.json");
  auto document = routing::io::load_network_json(json, *geography);
  EXPECT_TRUE(document);
  auto model = routing::io::compile_network(
      document->root(), geography,
      routing::io::OffsetHorizon::around(1'764'000'000, 1'764'000'000, 30));
  EXPECT_TRUE(model) << model.status().to_string();
  return *model;
}

ShipmentReport hand_off(std::uint32_t node, std::int64_t at, std::int64_t cutoff, bool first) {
  return {node, Event::handed_off, first, at, cutoff};
}

TEST(NodeHealthLedger, WithNoReportsEveryNodeKeepsItsConfiguredHealth) {
  const auto network = example_network();
  const NodeHealthLedger ledger(network->node_count());
  const std::vector<routing::NodeHealth> health = ledger.blended(*network);
  ASSERT_EQ(health.size(), network->node_count());
  for (std::uint32_t i = 0; i < network->node_count(); ++i) {
    EXPECT_EQ(health[i].on_time_bp, network->node(i).on_time_bp);
    EXPECT_EQ(health[i].fill_bp, network->node(i).fill_bp);
    EXPECT_EQ(health[i].acceptance_bp, network->node(i).acceptance_bp);
  }
}

TEST(NodeHealthLedger, ConfiguredFiguresCountAsFiftyReportsAndObservedOnesMoveThem) {
  const auto network = example_network();
  const std::uint32_t node = *network->find_node("3pl-columbus-2");  // on time 9700
  NodeHealthLedger ledger(network->node_count());
  // 50 hand-offs, all after the cut-off they were planned on: the blend halves the gap
  // to zero. (9700 × 50 + 0 × 10000) / 100 = 4850.
  for (int i = 0; i < 50; ++i) ledger.record(hand_off(node, 2000, 1000, i == 0));
  EXPECT_EQ(ledger.blended(*network)[node].on_time_bp, 4850);
  // Hand-offs fill: fill rises towards 100% (9800 × 50 + 50 × 10000) / 100 = 9900.
  EXPECT_EQ(ledger.blended(*network)[node].fill_bp, 9900);
  // A hand-off whose timeliness cannot be judged leaves on-time alone but still fills.
  ledger.record({node, Event::handed_off, false, std::nullopt, 1000});
  EXPECT_EQ(ledger.blended(*network)[node].on_time_bp, 4850);
  EXPECT_EQ(ledger.blended(*network)[node].fill_bp, (9800 * 50 + 51 * 10000) / 101);
}

TEST(NodeHealthLedger, AFailureFirstCostsAcceptanceAndFillAFailureLaterOnlyFill) {
  const auto network = example_network();
  const std::uint32_t node = *network->find_node("fc-reno-1");  // fill 9950, acceptance 10000
  NodeHealthLedger ledger(network->node_count());
  ledger.record({node, Event::failed, true, 100, std::nullopt});
  EXPECT_EQ(ledger.blended(*network)[node].acceptance_bp, 10000 * 50 / 51);
  EXPECT_EQ(ledger.blended(*network)[node].fill_bp, 9950 * 50 / 51);
  // Picked first, failed later: the node took the work, then could not fill it.
  ledger.record({node, Event::picked, true, 100, std::nullopt});
  ledger.record({node, Event::failed, false, 200, std::nullopt});
  EXPECT_EQ(ledger.blended(*network)[node].acceptance_bp, (10000 * 50 + 1 * 10000) / 52);
  EXPECT_EQ(ledger.blended(*network)[node].fill_bp, 9950 * 50 / 52);
  EXPECT_EQ(ledger.reports(), 3u);
}

TEST(NodeHealthLedger, ANetworkWithOtherHealthRoutesWithItAndKeepsEverythingElse) {
  const auto network = example_network();
  std::vector<routing::NodeHealth> health(network->node_count());
  health[1] = {5000, 6000, 7000};
  const auto changed = network->with_node_health(health);
  EXPECT_EQ(changed->version(), network->version());
  EXPECT_NE(changed->instance_id(), network->instance_id());
  EXPECT_EQ(changed->node(1).on_time_bp, 5000);
  EXPECT_EQ(changed->node(1).health_shortfall_bp(), 5000 + 4000 + 3000);
  EXPECT_EQ(changed->node(0).health_shortfall_bp(), 0);
  EXPECT_EQ(changed->find_node(network->node(2).id), 2u);
  EXPECT_EQ(changed->find_sku(network->sku_id(0)), 0u);
  EXPECT_EQ(changed->sku_count(), network->sku_count());
}

}  // namespace
}  // namespace edgeroute::gateway
