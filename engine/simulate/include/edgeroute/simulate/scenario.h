// Scenario: what one simulated network is, read from a scenario file
// (schema/scenario.fbs, engine/simulate/scenarios/ for the shipped ones): a variant of
// the default world's nodes, the policy to route under, a demand profile, and the
// failures the `failure` band injects.
//
// Loading checks everything that can be checked without the world: dates, ranges,
// that each failure names what its kind needs. Node ids are checked against the world
// when the scenario is applied to it (scenario_world.h). Every problem is reported at
// once with its field path ("demand.weekday_percent: 6 values, a week has 7").
//
// Thread-safety: parse_scenario_json() is a pure function; load_scenario_file() reads
// files.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/validated.h"
#include "edgeroute/hal/storage.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::simulate {

struct NodeVariant {
  std::string node_id;
  std::optional<bool> enabled;
  std::optional<std::int32_t> orders_per_day;
  std::optional<std::int32_t> units_per_day;
  std::optional<std::int32_t> per_order_cents;
  std::optional<std::int32_t> per_unit_cents;
  std::optional<std::int32_t> partner_fee_cents;
  std::optional<std::int32_t> stock_percent;
  std::optional<std::int64_t> fixed_cents_per_day;
  std::optional<std::int32_t> on_time_bp;
  std::optional<std::int32_t> fill_bp;
  std::optional<std::int32_t> acceptance_bp;
};

struct PeakDemand {
  routing::EpochDay first_day = 0;
  std::int32_t days = 14;
  std::int32_t percent = 300;
  bool covers(routing::EpochDay day) const { return day >= first_day && day < first_day + days; }
};

struct DemandProfile {
  routing::EpochDay first_day = 0;
  std::int32_t days = 28;
  std::int32_t orders_per_day = 5000;
  // Monday first. The default: Monday and Sunday evenings shop most, Saturday least.
  std::array<std::int32_t, 7> weekday_percent{110, 105, 100, 100, 95, 85, 105};
  std::vector<std::int32_t> week_percent;  // empty: 100 every week
  PeakDemand peak;
};

enum class FailureKind : std::uint8_t { partner_sla_miss, node_dark, carrier_cutoff_miss };
std::string_view to_string(FailureKind kind);

struct FailureInjection {
  FailureKind kind = FailureKind::partner_sla_miss;
  std::string node_id;  // node_dark
  std::string carrier;  // carrier_cutoff_miss
  std::int32_t percent = 0;
  routing::EpochDay first_day = 0;
  std::int32_t days = 0;  // 0: to the end of the run
  bool covers(routing::EpochDay day) const {
    return day >= first_day && (days == 0 || day < first_day + days);
  }
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<NodeVariant> nodes;
  // The policy's JSON (policy.json format), and where it came from for error messages;
  // both empty for the default world's policy.
  std::string policy_json;
  std::string policy_source;
  DemandProfile demand;
  std::vector<FailureInjection> failures;
};

// A day of more orders than this is refused: a run keeps a day's orders and events in
// memory, and the arrival arithmetic stays inside 64 bits.
inline constexpr std::uint64_t kBusiestDayOrdersMax = 10'000'000;
// The largest demand multiplier a sensitivity applies (scenario_world.h), percent.
inline constexpr std::uint64_t kDemandSensitivityPercentMax = 120;
// Why `demand` is too busy to run (its busiest possible day, peak and demand sensitivity
// included, is over kBusiestDayOrdersMax), or nullopt.
std::optional<std::string> busiest_day_problem(const DemandProfile& demand);

// The scenario in `json`. Its policy_file, if any, is left in policy_source for the
// caller to read (policy_json stays empty).
Validated<Scenario> parse_scenario_json(std::string_view json);

// Reads the scenario file at `path` (absolute) and the policy file it names (relative to
// the scenario's directory) through `storage`. Errors name the file: "hybrid.json:
// demand.days: ...".
Validated<Scenario> load_scenario_file(hal::Storage& storage, const std::string& path);

}  // namespace edgeroute::simulate
