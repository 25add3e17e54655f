#include "edgeroute/simulate/scenario.h"

#include <filesystem>

#include <fmt/format.h>

#include "edgeroute/base/schema_json.h"
#include "edgeroute/hal/storage.h"
#include "edgeroute/simulate/fbs/scenario_generated.h"
#include "edgeroute_simulate_bfbs_embedded.h"

namespace edgeroute::simulate {
namespace {

constexpr int kSchemaVersion = 1;
// A run long enough for a season, short enough for the time-zone tables a run compiles.
constexpr std::int32_t kDaysMax = 366;
constexpr std::int32_t kOrdersPerDayMax = 10'000'000;
constexpr std::int32_t kPercentMax = 10'000;
// A billion dollars a day: beyond any node, and far inside the 64-bit sums of a run.
constexpr std::int64_t kFixedCentsPerDayMax = 100'000'000'000;
// Dates a run may use: the time-zone tables a run compiles cover these years.
constexpr std::string_view kFirstDateAllowed = "1970-01-02";
constexpr std::string_view kLastDateAllowed = "2199-12-31";

const SchemaJson& scenario_schema() {
  static const SchemaJson schema(embedded::scenario_schema(), "Scenario");
  return schema;
}

class Checker {
 public:
  std::vector<FieldError> errors;

  void fail(std::string path, std::string message) {
    errors.push_back({std::move(path), std::move(message)});
  }

  template <typename Number>
  void in_range(const std::string& path, Number value, Number low, Number high) {
    if (value < low || value > high)
      fail(path, fmt::format("{} is not in [{}, {}]", value, low, high));
  }

  std::optional<routing::EpochDay> date(const std::string& path, const flatbuffers::String* text) {
    if (text == nullptr) return std::nullopt;
    const std::optional<routing::EpochDay> day = routing::parse_epoch_day(text->string_view());
    if (!day) {
      fail(path, fmt::format("'{}' is not a YYYY-MM-DD date from {} to {}", text->string_view(),
                             kFirstDateAllowed, kLastDateAllowed));
      return std::nullopt;
    }
    if (*day < *routing::parse_epoch_day(kFirstDateAllowed) ||
        *day > *routing::parse_epoch_day(kLastDateAllowed)) {
      fail(path, fmt::format("'{}' is outside {} to {}", text->string_view(), kFirstDateAllowed,
                             kLastDateAllowed));
      return std::nullopt;
    }
    return day;
  }
};

template <typename Number>
std::optional<Number> optional_of(flatbuffers::Optional<Number> value) {
  if (!value.has_value()) return std::nullopt;
  return *value;
}

NodeVariant node_variant(const fbs::NodeVariant& node, const std::string& path, Checker& check) {
  NodeVariant variant;
  variant.node_id = node.node_id()->str();
  variant.enabled = optional_of(node.enabled());
  variant.orders_per_day = optional_of(node.orders_per_day());
  variant.units_per_day = optional_of(node.units_per_day());
  variant.per_order_cents = optional_of(node.per_order_cents());
  variant.per_unit_cents = optional_of(node.per_unit_cents());
  variant.partner_fee_cents = optional_of(node.partner_fee_cents());
  variant.stock_percent = optional_of(node.stock_percent());
  variant.fixed_cents_per_day = optional_of(node.fixed_cents_per_day());
  variant.on_time_bp = optional_of(node.on_time_bp());
  variant.fill_bp = optional_of(node.fill_bp());
  variant.acceptance_bp = optional_of(node.acceptance_bp());
  const auto non_negative = [&](std::string_view field, const std::optional<std::int32_t>& value) {
    if (value && *value < 0) check.fail(fmt::format("{}.{}", path, field), "must not be negative");
  };
  non_negative("orders_per_day", variant.orders_per_day);
  non_negative("units_per_day", variant.units_per_day);
  non_negative("per_order_cents", variant.per_order_cents);
  non_negative("per_unit_cents", variant.per_unit_cents);
  non_negative("partner_fee_cents", variant.partner_fee_cents);
  if (variant.stock_percent) {
    check.in_range(path + ".stock_percent", *variant.stock_percent, 0, kPercentMax);
  }
  if (variant.fixed_cents_per_day) {
    check.in_range(path + ".fixed_cents_per_day", *variant.fixed_cents_per_day, std::int64_t{0},
                   kFixedCentsPerDayMax);
  }
  for (const auto& [field, value] :
       {std::pair{"on_time_bp", variant.on_time_bp}, std::pair{"fill_bp", variant.fill_bp},
        std::pair{"acceptance_bp", variant.acceptance_bp}}) {
    if (value) check.in_range(fmt::format("{}.{}", path, field), *value, 0, 10000);
  }
  return variant;
}

DemandProfile demand_profile(const fbs::Demand& demand, Checker& check) {
  DemandProfile profile;
  if (const auto first = check.date("demand.first_day", demand.first_day())) {
    profile.first_day = *first;
  }
  profile.days = demand.days();
  check.in_range("demand.days", profile.days, 1, kDaysMax);
  profile.orders_per_day = demand.orders_per_day();
  check.in_range("demand.orders_per_day", profile.orders_per_day, 0, kOrdersPerDayMax);
  if (const auto* weekdays = demand.weekday_percent(); weekdays != nullptr) {
    if (weekdays->size() != 7) {
      check.fail("demand.weekday_percent",
                 fmt::format("{} values, a week has 7 (Monday first)", weekdays->size()));
    } else {
      for (flatbuffers::uoffset_t i = 0; i < 7; ++i) {
        profile.weekday_percent[i] = weekdays->Get(i);
        check.in_range(fmt::format("demand.weekday_percent[{}]", i), weekdays->Get(i), 0,
                       kPercentMax);
      }
    }
  }
  if (const auto* weeks = demand.week_percent(); weeks != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < weeks->size(); ++i) {
      profile.week_percent.push_back(weeks->Get(i));
      check.in_range(fmt::format("demand.week_percent[{}]", i), weeks->Get(i), 0, kPercentMax);
    }
  }
  profile.peak.first_day = profile.first_day;
  if (const fbs::Peak* peak = demand.peak(); peak != nullptr) {
    if (const auto first = check.date("demand.peak.first_day", peak->first_day())) {
      profile.peak.first_day = *first;
    }
    profile.peak.days = peak->days();
    profile.peak.percent = peak->percent();
    check.in_range("demand.peak.days", profile.peak.days, 1, kDaysMax);
    check.in_range("demand.peak.percent", profile.peak.percent, 0, kPercentMax);
  }
  if (check.errors.empty()) {
    if (const std::optional<std::string> too_busy = busiest_day_problem(profile)) {
      check.fail("demand", *too_busy);
    }
  }
  return profile;
}

FailureInjection failure_injection(const fbs::Failure& failure, const std::string& path,
                                   routing::EpochDay run_first_day, Checker& check) {
  FailureInjection injection;
  injection.kind = static_cast<FailureKind>(failure.kind());
  if (!fbs::EnumNameFailureKind(failure.kind())[0]) {
    check.fail(path + ".kind", "is not a failure kind");
  }
  injection.percent = failure.percent();
  injection.days = failure.days();
  injection.first_day = run_first_day;
  if (const auto first = check.date(path + ".first_day", failure.first_day())) {
    injection.first_day = *first;
  }
  if (failure.node_id() != nullptr) injection.node_id = failure.node_id()->str();
  if (failure.carrier() != nullptr) injection.carrier = failure.carrier()->str();
  check.in_range(path + ".days", injection.days, 0, kDaysMax);
  switch (injection.kind) {
    case FailureKind::node_dark:
      if (injection.node_id.empty())
        check.fail(path + ".node_id", "a node_dark failure names its node");
      break;
    case FailureKind::carrier_cutoff_miss:
      if (injection.carrier.empty()) {
        check.fail(path + ".carrier", "a carrier_cutoff_miss failure names its carrier");
      }
      [[fallthrough]];
    case FailureKind::partner_sla_miss:
      check.in_range(path + ".percent", injection.percent, 1, 100);
      break;
  }
  return injection;
}

}  // namespace

std::optional<std::string> busiest_day_problem(const DemandProfile& demand) {
  // In 64-bit integers: each factor is bounded at load (orders 10^7, percents 10^4).
  std::uint64_t weekday = 0;
  for (const std::int32_t percent : demand.weekday_percent) {
    weekday = std::max(weekday, static_cast<std::uint64_t>(percent));
  }
  std::uint64_t week = demand.week_percent.empty() ? 100 : 0;
  for (const std::int32_t percent : demand.week_percent) {
    week = std::max(week, static_cast<std::uint64_t>(percent));
  }
  const std::uint64_t peak =
      std::max<std::uint64_t>(100, static_cast<std::uint64_t>(demand.peak.percent));
  const std::uint64_t busiest = static_cast<std::uint64_t>(demand.orders_per_day) * weekday / 100 *
                                week / 100 * peak / 100 * kDemandSensitivityPercentMax / 100;
  if (busiest <= kBusiestDayOrdersMax) return std::nullopt;
  return fmt::format(
      "its busiest day (orders_per_day × weekday × week × peak, with 20% more demand) comes to "
      "{} orders; at most {} a day",
      busiest, kBusiestDayOrdersMax);
}

std::string_view to_string(FailureKind kind) {
  return fbs::EnumNameFailureKind(static_cast<fbs::FailureKind>(kind));
}

Validated<Scenario> parse_scenario_json(std::string_view json) {
  Result<std::vector<std::uint8_t>> bytes = scenario_schema().parse(json);
  if (!bytes) return std::vector<FieldError>{{"", bytes.status().message()}};
  flatbuffers::Verifier verifier(bytes->data(), bytes->size());
  if (!fbs::VerifyScenarioBuffer(verifier)) {
    return std::vector<FieldError>{{"", "the parsed scenario fails verification"}};
  }
  const fbs::Scenario& root = *fbs::GetScenario(bytes->data());
  Checker check;
  if (root.schema_version() != kSchemaVersion) {
    check.fail("schema_version", fmt::format("{} is not supported (this build reads {})",
                                             root.schema_version(), kSchemaVersion));
  }
  Scenario scenario;
  scenario.name = root.name()->str();
  if (scenario.name.empty()) check.fail("name", "must not be empty");
  if (root.description() != nullptr) scenario.description = root.description()->str();
  if (const auto* nodes = root.nodes(); nodes != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < nodes->size(); ++i) {
      const std::string path = fmt::format("nodes[{}]", i);
      scenario.nodes.push_back(node_variant(*nodes->Get(i), path, check));
      for (flatbuffers::uoffset_t earlier = 0; earlier < i; ++earlier) {
        if (scenario.nodes[earlier].node_id == scenario.nodes.back().node_id) {
          check.fail(path + ".node_id", fmt::format("'{}' is already varied by nodes[{}]",
                                                    scenario.nodes.back().node_id, earlier));
        }
      }
    }
  }
  if (root.policy_file() != nullptr) scenario.policy_source = root.policy_file()->str();
  scenario.demand = demand_profile(*root.demand(), check);
  if (const auto* failures = root.failures(); failures != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < failures->size(); ++i) {
      scenario.failures.push_back(failure_injection(
          *failures->Get(i), fmt::format("failures[{}]", i), scenario.demand.first_day, check));
    }
  }
  if (!check.errors.empty()) return std::move(check.errors);
  return scenario;
}

Validated<Scenario> load_scenario_file(hal::Storage& storage, const std::string& path) {
  const auto in_file = [](const std::string& file, std::vector<FieldError> errors) {
    for (FieldError& error : errors) {
      error.path = error.path.empty() ? file : fmt::format("{}: {}", file, error.path);
    }
    return errors;
  };
  Result<std::string> text = storage.read_file(path);
  if (!text) return std::vector<FieldError>{{"", text.status().message()}};
  Validated<Scenario> parsed = parse_scenario_json(*text);
  if (!parsed) return in_file(path, parsed.errors());
  Scenario scenario = std::move(parsed).value();
  if (!scenario.policy_source.empty()) {
    const std::filesystem::path policy_path =
        std::filesystem::path(path).parent_path() / scenario.policy_source;
    scenario.policy_source = policy_path.string();
    Result<std::string> policy = storage.read_file(scenario.policy_source);
    if (!policy) {
      return in_file(path, {{"policy_file", policy.status().message()}});
    }
    scenario.policy_json = std::move(policy).value();
  }
  return scenario;
}

}  // namespace edgeroute::simulate
