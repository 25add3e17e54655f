// The default world: the network, policy and inventory the demo's gateway starts from,
// built in memory so that `edgeroute demo` needs no files. A retailer that operates its
// core and orchestrates its edge: one owned fulfillment center in Columbus, five stores
// that ship from the back room, four partner 3PL warehouses and three drop-shippers,
// each at a real US address (its ZIP code) in its own time zone, with UPS, FedEx and
// USPS offering ground, two-day and next-day service; a catalog of ~10k SKUs with a
// long tail of popularity, some hazmat, oversize or fragile.
//
// The node list, the carriers' rate cards and the policy are fixed; the seed draws the
// catalog's weights and handling flags and where stock sits and how much. The three
// documents are the JSON a person would write (routing/examples/ shows the format) and
// pass the same validation as any other network, policy and inventory.
//
// Thread-safety: a pure function of its options.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgeroute/routing/fbs/network_generated.h"

namespace edgeroute::demo {

struct WorldOptions {
  std::uint64_t seed = 1;
  std::uint32_t sku_count = 10'000;
};

struct DefaultWorld {
  std::string network_json;
  std::string policy_json;
  std::string inventory_json;
  // Every SKU id, most popular first: demand draws from this list by rank.
  std::vector<std::string> skus_by_popularity;
  // The kind of every node, by id.
  std::unordered_map<std::string, routing::fbs::NodeKind> node_kinds;
  // When the inventory snapshot was taken (UTC, seconds since the epoch): the demo's
  // orders start after it.
  std::int64_t snapshot_taken_at = 0;
};

DefaultWorld make_default_world(const WorldOptions& options);

}  // namespace edgeroute::demo
