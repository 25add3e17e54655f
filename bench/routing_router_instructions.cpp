// Instructions per routing decision, for valgrind's callgrind: the repeatable figure
// (wall times on a shared machine are not) and the proxy for the ARM gateways. Builds
// scenario R1 or H (routing_router_scenarios.h), warms up on orders it will not count,
// then makes N decisions (spread over the scenario's stream of orders) twice, each batch
// inside a function of its own that callgrind counts alone:
//   plan_batch_for_callgrind   N x Router::plan
//   route_batch_for_callgrind  N x (Router::route + PlanReservation::release)
//
//   valgrind --tool=callgrind --toggle-collect=route_batch_for_callgrind <binary> [N [R1|H]]
// gives N decisions' instructions as the total Ir; scripts/count-instructions.sh does
// this for both batches and divides. N defaults to 10000 (R1 is the default scenario).
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "routing_router_scenarios.h"

namespace edgeroute::routing::bench {

// C names, so that the toggle-collect pattern is the bare function name; noipa, so that
// the compiler neither inlines nor clones them (a clone would have another name).
extern "C" [[gnu::noipa]] std::size_t plan_batch_for_callgrind(
    Worker& worker, std::span<const OrderRequest> orders) {
  std::size_t routed = 0;
  for (const OrderRequest& order : orders) {
    if (worker.decide(order, Decision::plan).outcome == fbs::Outcome::routed) ++routed;
  }
  return routed;
}

extern "C" [[gnu::noipa]] std::size_t route_batch_for_callgrind(
    Worker& worker, std::span<const OrderRequest> orders) {
  std::size_t routed = 0;
  for (const OrderRequest& order : orders) {
    if (worker.decide(order, Decision::route).outcome == fbs::Outcome::routed) ++routed;
  }
  return routed;
}

}  // namespace edgeroute::routing::bench

int main(int argc, char** argv) {
  namespace bench = edgeroute::routing::bench;
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10'000;
  const std::string_view name = argc > 2 ? argv[2] : bench::kR1.name;
  if (name != bench::kR1.name && name != bench::kH.name) {
    std::fprintf(stderr, "usage: %s [N [R1|H]]\n", argv[0]);
    return 2;
  }
  bench::Scenario& scenario = name == bench::kR1.name ? bench::r1() : bench::h();
  const std::span<const edgeroute::routing::OrderRequest> orders = scenario.orders();
  if (count == 0 || 2 * count > orders.size()) {
    std::fprintf(stderr, "%s: N must be in 1..%zu for %s\n", argv[0], orders.size() / 2,
                 std::string(name).c_str());
    return 2;
  }
  // N orders spread over the whole stream (every stride-th, still in the order they were
  // placed), so that each time of day weighs as much as in the benchmark; orders from
  // between them warm the router up, outside the counted functions.
  const std::size_t stride = orders.size() / count;
  std::vector<edgeroute::routing::OrderRequest> counted;
  std::vector<edgeroute::routing::OrderRequest> warm_up;
  for (std::size_t i = 0; i < count; ++i) {
    counted.push_back(orders[i * stride]);
    warm_up.push_back(orders[i * stride + stride / 2]);
  }
  bench::Worker worker(scenario);
  for (const edgeroute::routing::OrderRequest& order : warm_up) {
    (void)worker.decide(order, bench::Decision::route);
  }
  const std::size_t planned = bench::plan_batch_for_callgrind(worker, counted);
  const std::size_t routed = bench::route_batch_for_callgrind(worker, counted);
  std::printf("%s: %zu orders; plan() routed %zu, route() routed %zu\n", std::string(name).c_str(),
              count, planned, routed);
  return 0;
}
