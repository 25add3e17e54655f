// Fuzzes an order from the wire or a file to its decision: JSON parsing against the
// order schema, verification, resolution against the example network, planning, and
// the decision document and its JSON. Any input must end in a decision or a clear
// error; a crash, sanitizer report or failed assertion is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edgeroute/routing/io/decision_document.h"
#include "edgeroute/routing/router.h"
#include "fuzz_world.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = edgeroute::routing::io;
  namespace routing = edgeroute::routing;
  const auto& world = edgeroute::fuzz::FuzzWorld::get();
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto order = io::parse_order_json(json);
  if (!order) return 0;
  const routing::OrderResolution resolution =
      routing::resolve_order(order->root(), world.model->network());
  io::DecisionDocument decision = [&] {
    if (!resolution.ok()) return io::build_rejection(order->root(), resolution, *world.model, 0);
    static routing::Router router;
    const routing::RoutingDecision& planned =
        router.plan(resolution.request, *world.model, *world.inventory, *world.capacity);
    return io::build_decision(planned, resolution.request, *world.model,
                              resolution.request.created_at_utc);
  }();
  (void)io::decision_to_json(decision, edgeroute::JsonLayout::one_line);
  return 0;
}
