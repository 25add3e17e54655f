// The simulator: scenario files, the arrival schedule, and whole runs of the routing
// core over simulated weeks, checked against what a planner relies on: every order is
// accounted for, a run is a function of its seed, failures re-route as a gateway would,
// and the scenarios' choices (nodes off, partners preferred) show in the figures.
#include <algorithm>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/simulate/arrival_schedule.h"
#include "edgeroute/simulate/scenario.h"
#include "edgeroute/simulate/scenario_world.h"
#include "edgeroute/simulate/simulation.h"

namespace edgeroute::simulate {
namespace {

std::string errors_of(const std::vector<FieldError>& errors) {
  std::string text;
  for (const FieldError& error : errors) text += error.to_string() + "\n";
  return text;
}

hal::LinuxStorage& storage() {
  static hal::LinuxStorage linux_storage;
  return linux_storage;
}

std::string scenario_path(std::string_view name) {
  return std::string(EDGEROUTE_SOURCE_DIR) + "/engine/simulate/scenarios/" + std::string(name);
}

Scenario shipped(std::string_view name) {
  Validated<Scenario> scenario = load_scenario_file(storage(), scenario_path(name));
  EXPECT_TRUE(scenario.has_value()) << errors_of(scenario.errors());
  return std::move(scenario).value();
}

// A small world and a short run, so that a whole run takes a moment under sanitizers.
const BaseWorld& small_world() {
  static const std::shared_ptr<const BaseWorld> world = *make_base_world(7, 1500);
  return *world;
}

RunSpec short_run(Scenario scenario, Band band, std::int32_t days = 4,
                  std::int32_t orders_per_day = 400) {
  scenario.demand.days = days;
  return RunSpec{std::move(scenario), band, Sensitivity::none, 11, orders_per_day};
}

RunReport run(const RunSpec& spec) {
  Validated<RunReport> report = run_simulation(small_world(), spec);
  EXPECT_TRUE(report.has_value()) << errors_of(report.errors());
  return std::move(report).value();
}

NodeVariant varied(std::string node_id) {
  NodeVariant variant;
  variant.node_id = std::move(node_id);
  return variant;
}

FailureInjection dark(std::string node_id, routing::EpochDay first_day, std::int32_t days) {
  FailureInjection failure;
  failure.kind = FailureKind::node_dark;
  failure.node_id = std::move(node_id);
  failure.first_day = first_day;
  failure.days = days;
  return failure;
}

constexpr std::string_view kMinimalScenario = R"({
  "name": "minimal",
  "demand": { "first_day": "2026-11-30" }
})";

TEST(Scenario, ShippedScenariosLoadWithTheirPolicies) {
  for (const char* name : {"operate-heavy.json", "hybrid.json", "orchestrate-heavy.json"}) {
    const Scenario scenario = shipped(name);
    EXPECT_FALSE(scenario.name.empty());
    EXPECT_EQ(scenario.failures.size(), 3u) << name;
  }
  EXPECT_NE(shipped("orchestrate-heavy.json").policy_json.find("preferences"), std::string::npos);
  EXPECT_TRUE(shipped("hybrid.json").policy_json.empty());
}

TEST(Scenario, LeftOutFieldsKeepTheirDefaults) {
  Validated<Scenario> scenario = parse_scenario_json(kMinimalScenario);
  ASSERT_TRUE(scenario.has_value()) << errors_of(scenario.errors());
  EXPECT_EQ(scenario->demand.days, 28);
  EXPECT_EQ(scenario->demand.orders_per_day, 5000);
  EXPECT_EQ(scenario->demand.peak.first_day, scenario->demand.first_day);
  EXPECT_EQ(scenario->demand.peak.percent, 300);
  EXPECT_TRUE(scenario->nodes.empty());
}

TEST(Scenario, EveryProblemIsReportedWithItsField) {
  Validated<Scenario> scenario = parse_scenario_json(R"({
    "name": "broken",
    "nodes": [ { "node_id": "fc", "stock_percent": -5 }, { "node_id": "fc" } ],
    "demand": { "first_day": "2026-13-01", "days": 0, "weekday_percent": [100, 100] },
    "failures": [ { "kind": "node_dark" }, { "kind": "carrier_cutoff_miss", "percent": 20 } ]
  })");
  ASSERT_FALSE(scenario.has_value());
  const std::string errors = errors_of(scenario.errors());
  for (const char* expected :
       {"nodes[0].stock_percent: -5 is not in [0, 10000]",
        "nodes[1].node_id: 'fc' is already varied",
        "demand.first_day: '2026-13-01' is not a YYYY-MM-DD date", "demand.days: 0 is not in",
        "demand.weekday_percent: 2 values, a week has 7",
        "failures[0].node_id: a node_dark failure",
        "failures[1].carrier: a carrier_cutoff_miss failure names its carrier"}) {
    EXPECT_NE(errors.find(expected), std::string::npos) << expected << "\nin:\n" << errors;
  }
}

TEST(Scenario, DemandBeyondWhatARunHoldsIsRefused) {
  Validated<Scenario> scenario = parse_scenario_json(R"({
    "name": "too busy",
    "demand": { "first_day": "2026-11-30", "orders_per_day": 9000000,
                "peak": { "percent": 300 }, "week_percent": [100, 10000] }
  })");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_NE(errors_of(scenario.errors()).find("demand: its busiest day"), std::string::npos)
      << errors_of(scenario.errors());
  // A run that resizes a good scenario's demand is checked too.
  RunSpec spec{shipped("hybrid.json"), Band::peak, Sensitivity::none, 1, 5'000'000};
  Validated<RunReport> report = run_simulation(small_world(), spec);
  ASSERT_FALSE(report.has_value());
  EXPECT_NE(errors_of(report.errors()).find("at most 10000000 a day"), std::string::npos)
      << errors_of(report.errors());
}

TEST(Scenario, DatesOutsideTheYearsARunCoversAreNamed) {
  Validated<Scenario> scenario = parse_scenario_json(R"({
    "name": "far future",
    "demand": { "first_day": "9999-12-01" },
    "failures": [ { "kind": "partner_sla_miss", "percent": 5, "first_day": "1960-01-01" } ]
  })");
  ASSERT_FALSE(scenario.has_value());
  const std::string errors = errors_of(scenario.errors());
  EXPECT_NE(errors.find("demand.first_day: '9999-12-01' is outside 1970-01-02 to 2199-12-31"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("failures[0].first_day: '1960-01-01' is not a YYYY-MM-DD date from"),
            std::string::npos)
      << errors;
}

TEST(Scenario, MalformedJsonNamesItsPosition) {
  Validated<Scenario> scenario =
      parse_scenario_json(R"({ "name": "x", "demand": { "frist_day": 1 } })");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_NE(errors_of(scenario.errors()).find("line 1"), std::string::npos)
      << errors_of(scenario.errors());
}

TEST(Scenario, AMissingPolicyFileIsNamed) {
  const std::string path = std::string(::testing::TempDir()) + "/missing-policy.json";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs(
        R"({ "name": "x", "policy_file": "nowhere.json", "demand": { "first_day": "2026-11-30" } })",
        file);
    std::fclose(file);
  }
  Validated<Scenario> scenario = load_scenario_file(storage(), path);
  ASSERT_FALSE(scenario.has_value());
  const std::string errors = errors_of(scenario.errors());
  EXPECT_NE(errors.find("missing-policy.json: policy_file"), std::string::npos) << errors;
  EXPECT_NE(errors.find("nowhere.json"), std::string::npos) << errors;
}

TEST(ScenarioWorld, AnUnknownNodeIsNamed) {
  Scenario scenario = *parse_scenario_json(kMinimalScenario);
  scenario.nodes.push_back(varied("fc-atlantis"));
  Validated<ScenarioWorld> world = build_scenario_world(small_world(), scenario, Sensitivity::none,
                                                        1'764'000'000, 1'770'000'000);
  ASSERT_FALSE(world.has_value());
  EXPECT_EQ(errors_of(world.errors()),
            "nodes[0].node_id: 'fc-atlantis' is not a node of the default world\n");
}

TEST(ScenarioWorld, AFailureNamingANodeOrCarrierTheWorldLacksIsRefused) {
  Scenario scenario = *parse_scenario_json(kMinimalScenario);
  scenario.failures.push_back(dark("3pl-atlanta-GA", scenario.demand.first_day, 2));
  FailureInjection carrier;
  carrier.kind = FailureKind::carrier_cutoff_miss;
  carrier.carrier = "usps";
  carrier.percent = 10;
  scenario.failures.push_back(carrier);
  Validated<ScenarioWorld> world = build_scenario_world(small_world(), scenario, Sensitivity::none,
                                                        1'795'910'400, 1'801'440'000);
  ASSERT_FALSE(world.has_value());
  EXPECT_EQ(errors_of(world.errors()),
            "failures[0].node_id: '3pl-atlanta-GA' is not a node of the default world\n"
            "failures[1].carrier: 'usps' is not a carrier of the default world (UPS, FedEx, "
            "USPS)\n");
}

TEST(ScenarioWorld, AnEmptyPolicyFileIsAnErrorNotTheDefaultPolicy) {
  Scenario scenario = *parse_scenario_json(kMinimalScenario);
  scenario.policy_source = "empty.policy.json";
  Validated<ScenarioWorld> world = build_scenario_world(small_world(), scenario, Sensitivity::none,
                                                        1'795'910'400, 1'801'440'000);
  ASSERT_FALSE(world.has_value());
  EXPECT_EQ(world.errors().front().path.rfind("empty.policy.json", 0), 0u)
      << errors_of(world.errors());
}

TEST(ScenarioWorld, VariantsAndSensitivitiesChangeTheNetworkTheRouterSees) {
  Scenario scenario = *parse_scenario_json(kMinimalScenario);
  scenario.nodes.push_back(varied("3pl-reno-nv"));
  scenario.nodes.back().enabled = false;
  scenario.nodes.push_back(varied("fc-columbus-oh"));
  scenario.nodes.back().orders_per_day = 42;
  scenario.nodes.back().fixed_cents_per_day = 1000;
  const auto build = [&](Sensitivity sensitivity) {
    Validated<ScenarioWorld> world =
        build_scenario_world(small_world(), scenario, sensitivity, 1'764'000'000, 1'770'000'000);
    EXPECT_TRUE(world.has_value()) << errors_of(world.errors());
    return std::move(world).value();
  };
  const ScenarioWorld plain = build(Sensitivity::none);
  const std::uint32_t reno = *plain.network->find_node("3pl-reno-nv");
  const std::uint32_t atlanta = *plain.network->find_node("3pl-atlanta-ga");
  const std::uint32_t fc = *plain.network->find_node("fc-columbus-oh");
  EXPECT_FALSE(plain.network->node(reno).enabled);
  EXPECT_EQ(plain.network->node(fc).orders_per_day, 42);
  EXPECT_EQ(plain.nodes[fc].fixed_cents_per_day, 1000);

  const ScenarioWorld dearer_partners = build(Sensitivity::partner_fee_plus_10);
  EXPECT_EQ(dearer_partners.network->node(atlanta).partner_fee_cents,
            (plain.network->node(atlanta).partner_fee_cents * 110 + 50) / 100);
  const ScenarioWorld dearer_labour = build(Sensitivity::labour_plus_15);
  EXPECT_EQ(dearer_labour.network->node(fc).per_order_cents,
            (plain.network->node(fc).per_order_cents * 115 + 50) / 100);
  EXPECT_EQ(dearer_labour.network->node(atlanta).per_order_cents,
            plain.network->node(atlanta).per_order_cents);
  EXPECT_EQ(dearer_labour.nodes[fc].fixed_cents_per_day, 1150);
}

TEST(ArrivalSchedule, FollowsWeekdaysSeasonPeakAndHours) {
  DemandProfile demand;
  demand.first_day = *routing::parse_epoch_day("2026-11-30");  // a Monday
  demand.days = 21;
  demand.orders_per_day = 1000;
  demand.week_percent = {100, 200};
  demand.peak = {*routing::parse_epoch_day("2026-12-14"), 2, 300};
  const ArrivalSchedule ordinary(demand, false, 100);
  EXPECT_EQ(ordinary.orders_on(demand.first_day), 1100u);       // Monday 110%
  EXPECT_EQ(ordinary.orders_on(demand.first_day + 5), 850u);    // Saturday 85%
  EXPECT_EQ(ordinary.orders_on(demand.first_day + 7), 2200u);   // week two doubles
  EXPECT_EQ(ordinary.orders_on(demand.first_day + 14), 2200u);  // the last value holds
  const ArrivalSchedule peak(demand, true, 120);
  EXPECT_EQ(peak.orders_on(demand.first_day + 14), 2200u * 3 * 120 / 100);
  EXPECT_EQ(peak.orders_on(demand.first_day + 16), 2000u * 120 / 100);  // Wednesday

  std::vector<std::uint64_t> per_utc_hour(24);
  routing::UnixSeconds previous = 0;
  for (std::uint64_t i = 0; i < ordinary.orders_on(demand.first_day); ++i) {
    const routing::UnixSeconds at = ordinary.instant(i);
    ASSERT_GE(at, previous);
    ASSERT_EQ(routing::day_of(at), demand.first_day);
    previous = at;
    ++per_utc_hour[static_cast<std::size_t>((at % 86400) / 3600)];
  }
  // 01:00 UTC is 20:00 in New York, 09:00 UTC is 04:00: evening shoppers outnumber
  // night owls eight to one (give or take an order of rounding).
  EXPECT_GE(per_utc_hour[1], 7 * per_utc_hour[9]);
  EXPECT_LE(per_utc_hour[1], 9 * per_utc_hour[9]);
  EXPECT_EQ(routing::day_of(ordinary.instant(ordinary.total() - 1)), demand.first_day + 20);
}

TEST(Simulation, EveryOrderEndsOneWayAndTheFiguresAddUp) {
  const RunReport report = run(short_run(shipped("hybrid.json"), Band::baseline));
  std::uint64_t scheduled = 0;
  for (const DayReport& day : report.daily) scheduled += day.orders;
  EXPECT_EQ(scheduled, report.orders);
  EXPECT_EQ(report.delivered + report.backordered + report.rejected + report.lost, report.orders);
  EXPECT_GT(report.delivered, report.orders * 8 / 10);
  std::uint64_t rejected = 0;
  for (const ReasonCount& reason : report.rejected_by_reason) rejected += reason.orders;
  EXPECT_EQ(rejected, report.rejected);
  EXPECT_EQ(report.cost_per_order_cents, (report.fixed_cents + report.handling_cents +
                                          report.partner_fee_cents + report.carrier_cents) /
                                             static_cast<std::int64_t>(report.delivered));
  std::int64_t variable = 0;
  std::uint64_t shipments = 0;
  for (const NodeReport& node : report.nodes) {
    variable += node.variable_cents;
    shipments += node.shipments;
  }
  EXPECT_EQ(variable, report.handling_cents + report.partner_fee_cents + report.carrier_cents);
  EXPECT_GE(shipments, report.delivered);
  EXPECT_EQ(report.delivery_days.count, report.delivered);
  EXPECT_GT(report.promise_kept_bp, 8000u);
  // hybrid.json: the center's $13,000 and five stores' $60 a day, for four days.
  EXPECT_EQ(report.fixed_cents, (1'300'000 + 5 * 6000) * 4);
}

TEST(Simulation, TheSameSpecGivesTheSameReport) {
  const RunSpec spec = short_run(shipped("hybrid.json"), Band::failure, 3, 300);
  RunReport first = run(spec);
  RunReport second = run(spec);
  first.wall_seconds = second.wall_seconds = 0;
  EXPECT_EQ(first.delivered, second.delivered);
  EXPECT_EQ(first.cost_per_order_cents, second.cost_per_order_cents);
  EXPECT_EQ(first.exceptions, second.exceptions);
  EXPECT_EQ(first.reroutes, second.reroutes);
  EXPECT_EQ(first.recover_minutes.p90, second.recover_minutes.p90);
  EXPECT_EQ(first.delivery_days.stddev_centi, second.delivery_days.stddev_centi);
  for (std::size_t i = 0; i < first.nodes.size(); ++i) {
    EXPECT_EQ(first.nodes[i].shipments, second.nodes[i].shipments) << first.nodes[i].node_id;
  }
}

TEST(Simulation, ADarkPartnerFailsItsShipmentsAndTheyAreReRouted) {
  Scenario scenario = shipped("hybrid.json");
  scenario.failures = {dark("3pl-allentown-pa", scenario.demand.first_day, 2)};
  // Allentown takes overflow: make sure it gets some by shrinking the owned center.
  scenario.nodes.push_back(varied("fc-columbus-oh"));
  scenario.nodes.back().orders_per_day = 100;
  const RunReport failing = run(short_run(scenario, Band::failure));
  const RunReport ordinary = run(short_run(scenario, Band::baseline));
  const auto allentown = [](const RunReport& report) {
    return *std::find_if(report.nodes.begin(), report.nodes.end(),
                         [](const NodeReport& node) { return node.node_id == "3pl-allentown-pa"; });
  };
  EXPECT_GT(allentown(failing).failed_shipments, 0u);
  EXPECT_GT(failing.reroutes, 0u);
  // Every order ended, so every reserved unit was shipped or given back.
  EXPECT_EQ(failing.units_reserved_at_end, 0);
  EXPECT_EQ(ordinary.units_reserved_at_end, 0);
  EXPECT_GE(failing.exceptions, allentown(failing).failed_shipments);
  EXPECT_GT(failing.recover_minutes.count, 0u);
  EXPECT_LT(allentown(failing).shipments, allentown(ordinary).shipments);
}

TEST(Simulation, WithoutReRoutingAFailedShipmentLosesItsOrder) {
  const std::string policy_path = std::string(::testing::TempDir()) + "/no-reroute.policy.json";
  Scenario scenario = shipped("orchestrate-heavy.json");
  std::string policy = scenario.policy_json;
  const std::string last = "\"backorder_node_id\": \"fc-columbus-oh\"";
  policy.replace(policy.find(last), last.size(),
                 last + ", \"reroute_failed\": false, \"reroute_delayed_past_promise\": false");
  scenario.policy_json = policy;
  scenario.failures = {dark("3pl-allentown-pa", scenario.demand.first_day, 2)};
  const RunReport report = run(short_run(scenario, Band::failure));
  EXPECT_EQ(report.reroutes, 0u);
  EXPECT_GT(report.lost, 0u);
  EXPECT_EQ(report.units_reserved_at_end, 0);
  EXPECT_EQ(report.delivered + report.backordered + report.rejected + report.lost, report.orders);
}

TEST(Simulation, ScenarioChoicesShowInWhoShips) {
  const RunReport operate = run(short_run(shipped("operate-heavy.json"), Band::baseline));
  const RunReport hybrid = run(short_run(shipped("hybrid.json"), Band::baseline));
  const RunReport orchestrate = run(short_run(shipped("orchestrate-heavy.json"), Band::baseline));
  EXPECT_EQ(operate.partner_share_bp, 0u);
  EXPECT_TRUE(operate.largest_partner.empty());
  EXPECT_GT(hybrid.partner_share_bp, 0u);
  EXPECT_GT(orchestrate.partner_share_bp, hybrid.partner_share_bp);
  EXPECT_GT(operate.fixed_per_order_cents, orchestrate.fixed_per_order_cents);
}

TEST(Simulation, PeakDemandFillsTheOwnedCenterAndOverflowsToPartners) {
  // The owned center sized for a little over an ordinary day (2,000 orders arrive).
  Scenario scenario = shipped("hybrid.json");
  for (NodeVariant& node : scenario.nodes) {
    if (node.node_id == "fc-columbus-oh") node.orders_per_day = 1800;
  }
  const RunReport peak = run(short_run(scenario, Band::peak, 3, 2000));
  const RunReport baseline = run(short_run(scenario, Band::baseline, 3, 2000));
  EXPECT_GT(peak.orders, 2 * baseline.orders);
  const auto fc = [](const RunReport& report) {
    return *std::find_if(report.nodes.begin(), report.nodes.end(),
                         [](const NodeReport& node) { return node.node_id == "fc-columbus-oh"; });
  };
  EXPECT_LT(fc(baseline).saturated_days, fc(peak).saturated_days);
  EXPECT_EQ(fc(peak).saturated_days, fc(peak).open_days);
  EXPECT_EQ(fc(peak).utilisation_bp, 10000u);
  EXPECT_GT(fc(peak).utilisation_bp, fc(baseline).utilisation_bp);
  // The owned center is full, so the partners take the overflow.
  EXPECT_GT(peak.partner_share_bp, baseline.partner_share_bp);
  EXPECT_GT(fc(peak).utilisation_bp, fc(baseline).utilisation_bp);
}

}  // namespace
}  // namespace edgeroute::simulate
