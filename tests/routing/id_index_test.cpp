// Specifies IdIndex, the id → position lookup of a network's SKUs and nodes: every id
// is found at the position it was added at, whether the index was sized in advance or
// grew; ids that were never added (a prefix, an extension, the empty id, a near miss)
// are not found; a repeated id is refused with the earlier position and changes
// nothing; and a million-SKU catalog's ids fit the few bytes per id that the gateway's
// memory budget counts on.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/id_index.h"

namespace edgeroute::routing {
namespace {

std::vector<std::string> catalog_ids(std::uint32_t count) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    // Short ids and some far longer, so lengths differ within one probe run.
    ids.push_back(i % 7 == 0 ? "an-sku-with-a-long-supplier-reference-" + std::to_string(i)
                             : "sku-" + std::to_string(i));
  }
  return ids;
}

void expect_every_id_found(const IdIndex& index, const std::vector<std::string>& ids) {
  ASSERT_EQ(index.size(), ids.size());
  for (std::uint32_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(index.find(ids[i]), i) << ids[i];
    ASSERT_EQ(index.id(i), ids[i]);
  }
}

TEST(IdIndex, FindsEveryIdAtThePositionItWasAddedAt) {
  const std::vector<std::string> ids = catalog_ids(50'000);
  IdIndex index;
  std::size_t characters = 0;
  for (const std::string& id : ids) characters += id.size();
  index.reserve(ids.size(), characters);
  for (const std::string& id : ids) ASSERT_EQ(index.add(id), std::nullopt) << id;
  expect_every_id_found(index, ids);
}

TEST(IdIndex, GrowsWhenMoreIdsComeThanWereReservedAndStillFindsThemAll) {
  const std::vector<std::string> ids = catalog_ids(20'000);
  IdIndex index;
  index.reserve(3, 10);
  for (const std::string& id : ids) ASSERT_EQ(index.add(id), std::nullopt) << id;
  expect_every_id_found(index, ids);
}

TEST(IdIndex, DoesNotFindIdsThatWereNeverAdded) {
  IdIndex empty;
  EXPECT_EQ(empty.find("sku-1"), std::nullopt);
  EXPECT_EQ(empty.find(""), std::nullopt);

  IdIndex index;
  for (const std::string& id : catalog_ids(1'000)) index.add(id);
  for (const char* absent : {"sku-", "sku-1000", "sku-10000", "sku-01", "SKU-1", "sku-1 ", "",
                             "an-sku-with-a-long-supplier-reference-1"}) {
    EXPECT_EQ(index.find(absent), std::nullopt) << absent;
  }
}

TEST(IdIndex, RefusesARepeatedIdWithTheEarlierPositionAndAddsNothing) {
  IdIndex index;
  EXPECT_EQ(index.add("fc-east"), std::nullopt);
  EXPECT_EQ(index.add("store-12"), std::nullopt);
  EXPECT_EQ(index.add("store-12"), 1u);
  EXPECT_EQ(index.add("fc-east"), 0u);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.add("3pl-dallas"), std::nullopt);
  EXPECT_EQ(index.find("3pl-dallas"), 2u);
  EXPECT_EQ(index.id(2), "3pl-dallas");
}

TEST(IdIndex, AnEmptyIdIsAnIdLikeAnyOther) {
  IdIndex index;
  EXPECT_EQ(index.add("a"), std::nullopt);
  EXPECT_EQ(index.add(""), std::nullopt);
  EXPECT_EQ(index.add("b"), std::nullopt);
  EXPECT_EQ(index.find(""), 1u);
  EXPECT_EQ(index.id(1), "");
  EXPECT_EQ(index.add(""), 1u);
}

// The gateway budget (docs/performance.md) counts a million-SKU catalog's ids at their
// characters plus 10 bytes: a 4-byte end and 6 bytes of slots.
TEST(IdIndex, AReservedCatalogCostsItsCharactersAndTenBytesAnId) {
  constexpr std::uint32_t kCount = 200'000;
  IdIndex index;
  index.reserve(kCount, kCount * 11);
  for (std::uint32_t i = 0; i < kCount; ++i) {
    std::string id = std::to_string(10'000'000 + i);
    id.insert(0, "sku");  // 11 characters
    ASSERT_EQ(index.add(id), std::nullopt);
  }
  EXPECT_LE(index.memory_bytes(), std::size_t{kCount} * (11 + 10) + 64);
}

}  // namespace
}  // namespace edgeroute::routing
