// The stock of record a gateway reports to central (docs/sync.md, "Stock of record"), in
// process over TCP: what central relies on when it shows a node's stock. Each part's
// on-hand is exactly the journal's through the sequence the part names, even while
// receipts stream in; only the nodes the gateway homes are in it; a part whose records
// did not change since the digest the agent holds comes back without them.
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "running_gateway.h"

namespace edgeroute::gateway {
namespace {

using test_support::ask;
using test_support::RunningGateway;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kTent = "sku-tent-2p";

struct StockReport : test_support::GatewayOnDisk {
  StockReport() : GatewayOnDisk("gateway-stock-report") {}
};

// The record of `node_id` in a part, or nullopt.
std::optional<sync::StockRecordReport> record_at(const sync::StockReportPart& part,
                                                 const std::string& node_id) {
  for (const sync::StockRecordReport& record : part.records)
    if (record.node_id == node_id) return record;
  return std::nullopt;
}

// One walk of the catalog, `skus_per_part` SKUs a part, every record.
std::vector<sync::StockRecordReport> walk(const Gateway& gateway, std::uint32_t skus_per_part) {
  std::vector<sync::StockRecordReport> records;
  std::uint32_t next = 0;
  for (int parts = 0; parts < 1000; ++parts) {
    sync::StockReportPart part = gateway.stock_report(next, skus_per_part, std::nullopt);
    records.insert(records.end(), part.records.begin(), part.records.end());
    if (part.last) return records;
    EXPECT_GT(part.next_sku, next) << "a walk that does not move on";
    next = part.next_sku;
  }
  ADD_FAILURE() << "the walk did not end";
  return records;
}

TEST_F(StockReport, EachPartsOnHandIsTheJournalsThroughItsSequenceWhileReceiptsStream) {
  RunningGateway running(journal_path(), clock);
  const std::uint32_t tent = *running.state().network().find_sku(kTent);
  // The on-hand at the Reno centre after each receipt, by the receipt's journal sequence.
  std::map<std::uint64_t, std::int32_t> on_hand_after;
  std::atomic<bool> receipts_done{false};
  std::thread warehouse([&] {
    protocol::BlockingClient client = running.connect();
    for (int i = 0; i < 300; ++i) {
      const protocol::ReceivedResponse answer =
          ask(client, protocol::build_receipt(static_cast<std::uint64_t>(i) + 1, "fc-reno-1", kTent,
                                              1, fmt::format("PO-{}", i)));
      const auto* result = answer.response().body_as_AdjustInventoryResult();
      if (result == nullptr) {
        ADD_FAILURE() << "receipt " << i << " was not applied";
        break;
      }
      on_hand_after[result->journal_sequence()] = result->on_hand();
    }
    receipts_done.store(true, std::memory_order_release);
  });

  std::vector<std::pair<std::uint64_t, std::int32_t>> reads;  // (as_of_sequence, on_hand)
  while (!receipts_done.load(std::memory_order_acquire)) {
    const sync::StockReportPart part = running.gateway().stock_report(tent, 1, std::nullopt);
    const std::optional<sync::StockRecordReport> reno = record_at(part, "fc-reno-1");
    ASSERT_TRUE(reno.has_value());
    reads.emplace_back(part.as_of_sequence, reno->on_hand);
  }
  warehouse.join();
  ASSERT_EQ(on_hand_after.size(), 300U);

  std::size_t distinct_positions = 0;
  std::uint64_t previous_position = 0;
  for (const auto& [as_of, on_hand] : reads) {
    // The newest receipt at or before the part's position; before any, the snapshot's 340.
    const auto after = on_hand_after.upper_bound(as_of);
    const std::int32_t expected = after == on_hand_after.begin() ? 340 : std::prev(after)->second;
    EXPECT_EQ(on_hand, expected) << "read as of sequence " << as_of;
    if (as_of != previous_position) ++distinct_positions;
    previous_position = as_of;
  }
  // The reads ran while the receipts were journaled, not only before or after them.
  EXPECT_GT(distinct_positions, 10U);
}

TEST_F(StockReport, OnlyTheNodesTheGatewayHomesAreReported) {
  RunningGateway::Options options;
  options.homed_node_ids = {"fc-reno-1", "store-brooklyn-12"};
  RunningGateway running(journal_path(), clock, options);
  for (const std::uint32_t skus_per_part : {1U, 3U, 100U}) {
    SCOPED_TRACE(fmt::format("{} SKUs a part", skus_per_part));
    const std::vector<sync::StockRecordReport> records = walk(running.gateway(), skus_per_part);
    // The shipped example stocks 10 (node, SKU) pairs, 6 of them at the two homed nodes.
    EXPECT_EQ(records.size(), 6U);
    for (const sync::StockRecordReport& record : records) {
      EXPECT_THAT(record.node_id, ::testing::AnyOf("fc-reno-1", "store-brooklyn-12"))
          << record.sku_id << " at a node this gateway does not home";
    }
    EXPECT_THAT(records, ::testing::Contains(sync::StockRecordReport{"fc-reno-1", kTent, 340, 0}));
  }
  // Past the catalog's end: the last part, and nothing in it.
  const std::uint32_t skus = running.state().inventory().sku_count();
  const sync::StockReportPart beyond = running.gateway().stock_report(skus + 5, 10, std::nullopt);
  EXPECT_TRUE(beyond.last);
  EXPECT_THAT(beyond.records, IsEmpty());
}

TEST_F(StockReport, APartUnchangedSinceItsDigestComesBackWithoutItsRecords) {
  RunningGateway running(journal_path(), clock);
  const std::uint32_t tent = *running.state().network().find_sku(kTent);
  const sync::StockReportPart first = running.gateway().stock_report(tent, 1, std::nullopt);
  ASSERT_THAT(first.records, Not(IsEmpty()));

  const sync::StockReportPart unchanged = running.gateway().stock_report(tent, 1, first.digest);
  EXPECT_EQ(unchanged.digest, first.digest);
  EXPECT_THAT(unchanged.records, IsEmpty());

  protocol::BlockingClient client = running.connect();
  ask(client, protocol::build_receipt(1, "store-brooklyn-12", kTent, 2, "PO-1"));
  const sync::StockReportPart changed = running.gateway().stock_report(tent, 1, first.digest);
  EXPECT_NE(changed.digest, first.digest);
  const std::optional<sync::StockRecordReport> brooklyn = record_at(changed, "store-brooklyn-12");
  ASSERT_TRUE(brooklyn.has_value());
  EXPECT_EQ(brooklyn->on_hand, 8);
  EXPECT_GT(changed.as_of_sequence, first.as_of_sequence);
}

}  // namespace
}  // namespace edgeroute::gateway
