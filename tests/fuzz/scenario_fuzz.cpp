// Fuzzes the simulator's scenario reader and its application to the default world: JSON
// parsing, validation of every field, then the node variants, stock scaling and policy
// applied to a small default world. Any input must end in a world or in field errors.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "edgeroute/base/assert.h"
#include "edgeroute/simulate/scenario.h"
#include "edgeroute/simulate/scenario_world.h"

namespace {

// A small catalog keeps one input's world a few milliseconds.
const edgeroute::simulate::BaseWorld& base_world() {
  static const std::shared_ptr<const edgeroute::simulate::BaseWorld> world = [] {
    auto made = edgeroute::simulate::make_base_world(1, 60);
    EDGEROUTE_ASSERT(made.has_value(), "the default world builds");
    return std::move(made).value();
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const auto scenario = edgeroute::simulate::parse_scenario_json(json);
  if (!scenario) return 0;
  // 2026-11-29 to 2027-02-01: the span a four-week run from the shipped first day needs.
  constexpr std::int64_t kFrom = 1'795'910'400;
  constexpr std::int64_t kUntil = 1'801'440'000;
  for (const auto sensitivity :
       {edgeroute::simulate::Sensitivity::none, edgeroute::simulate::Sensitivity::labour_plus_15}) {
    (void)edgeroute::simulate::build_scenario_world(base_world(), *scenario, sensitivity, kFrom,
                                                    kUntil);
  }
  return 0;
}
