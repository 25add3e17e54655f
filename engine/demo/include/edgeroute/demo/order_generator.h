// OrderGenerator: a stream of realistic orders for the default world, the same stream
// for the same seed on every machine. Ship-to addresses follow where people live (a
// ZIP prefix is drawn in proportion to its population, from the centroid table the
// binary carries); SKUs follow a Zipf popularity law (the SKU of rank r is drawn with
// weight 1/r, the long tail of a real catalog); baskets are mostly one or two lines;
// a share of customers pay for two-day or next-day delivery or name a latest date;
// channels are web, app, marketplace and the loyalty programme. A few orders name a
// discontinued SKU, as real storefronts do: those are rejected with a reason.
//
// Orders arrive evenly spread over [first_order_at, first_order_at + span), or when the
// caller says (next_at).
//
// Thread-safety: none; one generator per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgeroute/demo/random.h"

namespace edgeroute::demo {

struct DemandOptions {
  std::uint64_t seed = 1;
  std::uint64_t order_count = 5000;
  std::int64_t first_order_at = 0;  // UTC seconds since the epoch
  std::int64_t span_seconds = 12 * 3600;
  std::string id_prefix = "demo";
};

struct GeneratedOrder {
  std::string id;
  std::int64_t created_at = 0;
  // A finished routing::fbs::Order FlatBuffer (file identifier "EROR").
  std::vector<std::uint8_t> bytes;
};

class OrderGenerator {
 public:
  // `skus_by_popularity`: the catalog, most popular first (DefaultWorld).
  OrderGenerator(std::span<const std::string> skus_by_popularity, DemandOptions options);

  bool done() const { return issued_ == options_.order_count; }
  std::uint64_t issued() const { return issued_; }
  // The next order, placed evenly within the span. REQUIRES: !done().
  GeneratedOrder next();
  // The next order, placed at `created_at` (UTC seconds): for callers with their own
  // arrival pattern (engine/simulate). REQUIRES: !done().
  GeneratedOrder next_at(std::int64_t created_at);

 private:
  std::uint32_t draw_sku_rank();
  std::string draw_postal_code();

  std::span<const std::string> skus_;
  DemandOptions options_;
  DemoRandom random_;
  std::uint64_t issued_ = 0;
  // Cumulative weights for inverse-transform sampling: integers, so that a draw is
  // the same on every architecture.
  std::vector<std::uint64_t> sku_cumulative_;
  std::vector<std::uint64_t> population_cumulative_;
  std::vector<std::uint16_t> zip3_of_population_slot_;
};

}  // namespace edgeroute::demo
