// How a gateway keeps the documents it started from (network, policy, inventory) in its
// journal: as JSON, the record, and from the first start on also in binary form, which a
// restart verifies and validates instead of parsing the JSON again (FlatBuffers' JSON
// parser is what made a restart of a large catalog slow). A binary form that is missing
// or damaged is made again from the JSON; the gateway starts either way.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::gateway {
namespace {

constexpr std::int64_t kNow = 1'795'000'000;  // 2026-11-18, inside the examples' horizon

class GatewayBaseline : public ::testing::Test {
 protected:
  GatewayBaseline() {
    journal::JournalOptions options;
    options.path = directory_ / "journal.db";
    options.gateway_id = "gw-baseline";
    auto opened = journal::Journal::open(options);
    EXPECT_TRUE(opened) << opened.status().to_string();
    journal_ = std::move(opened).value();
  }

  std::unique_ptr<GatewayState> start(const Baseline* first = nullptr) {
    auto restored = GatewayState::restore(*journal_, first, kNow, 4);
    EXPECT_TRUE(restored) << restored.status().to_string();
    return restored ? std::move(restored).value() : nullptr;
  }

  std::optional<std::vector<std::uint8_t>> kept(std::string_view name) {
    Result<std::optional<journal::Document>> document = journal_->document(name);
    EXPECT_TRUE(document) << document.status().to_string();
    if (!document || !*document) return std::nullopt;
    return (*document)->bytes;
  }

  static std::int32_t on_hand(GatewayState& state, std::string_view sku, std::string_view node) {
    const routing::NetworkModel& network = state.network();
    const routing::InventoryCell* cell =
        state.inventory().find(network.find_sku(sku).value(), network.find_node(node).value());
    return cell == nullptr ? -1 : cell->levels().on_hand;
  }

  // The example inventory, as a document a gateway keeps, with one quantity changed.
  std::vector<std::uint8_t> inventory_bytes(std::int32_t headlamps_at_reno) {
    const routing::Geography geography = std::move(routing::Geography::load_embedded()).value();
    Validated<routing::io::NetworkDocument> network =
        routing::io::load_network_json(testing::example_text("network.json"), geography);
    EXPECT_TRUE(network);
    std::string json = testing::example_text("inventory.json");
    const std::string from = R"("sku_id": "sku-headlamp", "on_hand": 2200)";
    json.replace(json.find(from), from.size(),
                 R"("sku_id": "sku-headlamp", "on_hand": )" + std::to_string(headlamps_at_reno));
    auto inventory = routing::io::load_inventory_json(json, network->root());
    EXPECT_TRUE(inventory);
    return inventory->bytes();
  }

  testing::TemporaryDirectory directory_{"gateway-baseline"};
  std::unique_ptr<journal::Journal> journal_;
};

TEST_F(GatewayBaseline, TheFirstStartKeepsEachDocumentsBinaryFormAndARestartReadsIt) {
  const Baseline baseline{testing::example_text("network.json"),
                          testing::example_text("policy.json"),
                          testing::example_text("inventory.json")};
  ASSERT_NE(start(&baseline), nullptr);
  for (std::string_view name : {kNetworkBinary, kPolicyBinary, kInventoryBinary}) {
    EXPECT_TRUE(kept(name).has_value()) << name;
  }
  EXPECT_EQ(kept(kInventoryBinary), inventory_bytes(2200));

  // A restart takes the inventory from its binary form: one that says 7 headlamps at
  // Reno (as no JSON does) is what the restarted gateway holds.
  ASSERT_TRUE(journal_->put_document(kInventoryBinary, inventory_bytes(7), 0).is_ok());
  std::unique_ptr<GatewayState> restarted = start();
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(on_hand(*restarted, "sku-headlamp", "fc-reno-1"), 7);
}

TEST_F(GatewayBaseline, ADamagedBinaryFormIsMadeAgainFromTheJson) {
  const Baseline baseline{testing::example_text("network.json"),
                          testing::example_text("policy.json"),
                          testing::example_text("inventory.json")};
  ASSERT_NE(start(&baseline), nullptr);
  const std::optional<std::vector<std::uint8_t>> network = kept(kNetworkBinary);
  ASSERT_TRUE(network.has_value());

  std::vector<std::uint8_t> damaged = inventory_bytes(2200);
  damaged.resize(damaged.size() - 40);
  ASSERT_TRUE(journal_->put_document(kInventoryBinary, damaged, 0).is_ok());
  std::vector<std::uint8_t> garbage(network->size(), 0xA5);
  ASSERT_TRUE(journal_->put_document(kNetworkBinary, garbage, 0).is_ok());

  std::unique_ptr<GatewayState> restarted = start();
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(on_hand(*restarted, "sku-headlamp", "fc-reno-1"), 2200);
  EXPECT_EQ(kept(kInventoryBinary), inventory_bytes(2200));
  EXPECT_EQ(kept(kNetworkBinary), network);
}

}  // namespace
}  // namespace edgeroute::gateway
