// Costs of the geography on the routing hot path. zone() is asked once per (candidate
// node, ship-to) pair of every decision, so it must be a load, not a computation; the
// other figures (locating a postal code, a haversine distance, loading the table at
// start-up) are here to show what zone() saves and what start-up pays.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "edgeroute/routing/geography.h"

namespace edgeroute::routing {
namespace {

const Geography& embedded_geography() {
  static const Geography geography = [] {
    Result<Geography> loaded = Geography::load_embedded();
    EDGEROUTE_ASSERT(loaded.has_value(), "the embedded ZIP prefix table must load");
    return std::move(*loaded);
  }();
  return geography;
}

// Pairs drawn uniformly from the known prefixes, fixed seed: repeatable, and spread
// over the whole megabyte of the matrix, so the figure includes cache misses.
std::vector<std::pair<Zip3, Zip3>> random_pairs(std::size_t count) {
  const auto prefixes = embedded_geography().prefixes();
  std::mt19937 generator(20240601);
  std::uniform_int_distribution<std::size_t> pick(0, prefixes.size() - 1);
  std::vector<std::pair<Zip3, Zip3>> pairs;
  pairs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    pairs.emplace_back(prefixes[pick(generator)], prefixes[pick(generator)]);
  }
  return pairs;
}

void BM_ZoneRandomPairs(benchmark::State& state) {
  const Geography& geography = embedded_geography();
  const auto pairs = random_pairs(1 << 16);
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& [from, to] = pairs[next];
    Zone zone = geography.zone(from, to);
    benchmark::DoNotOptimize(zone);
    next = (next + 1) & (pairs.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZoneRandomPairs);

// The same lookups made one after another's result, so that they cannot overlap: the
// latency of one lookup, cache misses included, rather than the throughput above.
void BM_ZoneRandomPairsDependent(benchmark::State& state) {
  const Geography& geography = embedded_geography();
  const auto pairs = random_pairs(1 << 16);
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& [from, to] = pairs[next];
    next = (next + geography.zone(from, to).number()) & (pairs.size() - 1);
  }
  benchmark::DoNotOptimize(next);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZoneRandomPairsDependent);

// The shape of one decision: a few dozen candidate nodes against one ship-to.
void BM_ZoneCandidatesForOneShipTo(benchmark::State& state) {
  const Geography& geography = embedded_geography();
  const auto pairs = random_pairs(32);
  const Zip3 ship_to = pairs.front().first;
  for (auto _ : state) {
    unsigned zone_sum = 0;
    for (const auto& pair : pairs) zone_sum += geography.zone(pair.second, ship_to).number();
    benchmark::DoNotOptimize(zone_sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pairs.size()));
}
BENCHMARK(BM_ZoneCandidatesForOneShipTo);

void BM_DistanceMiles(benchmark::State& state) {
  const Geography& geography = embedded_geography();
  const auto pairs = random_pairs(1 << 12);
  std::size_t next = 0;
  for (auto _ : state) {
    double miles = geography.distance_miles(pairs[next].first, pairs[next].second);
    benchmark::DoNotOptimize(miles);
    next = (next + 1) & (pairs.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DistanceMiles);

void BM_LocatePostalCode(benchmark::State& state) {
  const Geography& geography = embedded_geography();
  const std::string codes[] = {"10001", "60601-1234", "90012", "00901"};
  std::size_t next = 0;
  for (auto _ : state) {
    Result<Zip3> prefix = geography.locate(codes[next]);
    benchmark::DoNotOptimize(prefix);
    next = (next + 1) & 3;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LocatePostalCode);

void BM_LoadEmbedded(benchmark::State& state) {
  for (auto _ : state) {
    Result<Geography> loaded = Geography::load_embedded();
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_LoadEmbedded)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace edgeroute::routing
