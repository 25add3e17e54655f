// A made-up simulation report of three runs (operate-heavy, hybrid and orchestrate-heavy),
// every field filled (nodes of each kind, a fortnight of daily figures), so that the
// renderers can be checked without running a simulation. Its figures vary by run so that
// a chart or column drawn from the wrong run shows.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "edgeroute/simulate/simulation_report.h"

namespace edgeroute::simulate::testing {

inline NodeReport synthetic_node(std::string id, routing::fbs::NodeKind kind, std::uint32_t run,
                                 std::uint32_t index) {
  NodeReport node;
  node.node_id = std::move(id);
  node.kind = kind;
  node.enabled = true;
  node.shipments = 1000 + 250 * std::uint64_t{index} + 100 * std::uint64_t{run};
  node.units = node.shipments * 3;
  node.failed_shipments = 5 + std::uint64_t{index} + std::uint64_t{run} * 4;
  // Stores and drop-shippers take what they are sent; FCs and the 3PL have an order limit.
  node.capacity_limited =
      kind != routing::fbs::NodeKind::store && kind != routing::fbs::NodeKind::dropship;
  node.utilisation_bp = node.capacity_limited ? 4200 + 1300 * index + 900 * run : 0;
  node.open_days = 14;
  node.saturated_days = run;
  node.fixed_cents = kind == routing::fbs::NodeKind::owned_fc ? 2'100'000 : 0;
  node.variable_cents = static_cast<std::int64_t>(node.shipments) * 745;
  return node;
}

inline RunReport synthetic_run(std::string scenario, std::string band, std::string sensitivity,
                               std::uint32_t run_index) {
  RunReport run;
  run.scenario = std::move(scenario);
  run.band = std::move(band);
  run.sensitivity = std::move(sensitivity);
  run.seed = 7;
  run.first_day = "2025-03-03";
  run.days = 14;
  run.orders = 14'000 + 3'000 * std::uint64_t{run_index};
  run.backordered = 40 + 60 * std::uint64_t{run_index};
  run.rejected = 12 + 3 * std::uint64_t{run_index};
  run.lost = 3 + 9 * std::uint64_t{run_index};
  run.delivered = run.orders - run.backordered - run.rejected - run.lost;
  run.rejected_by_reason = {{"unknown_sku", run.rejected - 2}, {"policy", 2}};
  run.backordered_by_reason = {{"no_inventory", run.backordered}};
  run.fixed_cents = 4'200'000 - 1'400'000 * std::int64_t{run_index};
  run.handling_cents = 3'150'000 - 600'000 * std::int64_t{run_index};
  run.partner_fee_cents = 250'000 + 1'900'000 * std::int64_t{run_index};
  run.carrier_cents = 9'800'000 + 700'000 * std::int64_t{run_index};
  const auto delivered = static_cast<std::int64_t>(run.delivered);
  const std::int64_t variable = run.handling_cents + run.partner_fee_cents + run.carrier_cents;
  run.fixed_per_order_cents = run.fixed_cents / delivered;
  run.variable_per_order_cents = variable / delivered;
  run.cost_per_order_cents = (run.fixed_cents + variable) / delivered;
  run.promise_kept_bp = 9612 - 380 * run_index;
  run.delivery_days = {2,
                       4 + run_index,
                       6 + 2 * run_index,
                       9 + 2 * run_index,
                       251 + 40 * run_index,
                       118 + 35 * run_index,
                       run.delivered};
  run.split_orders = 300 + 150 * std::uint64_t{run_index};
  run.split_bp = static_cast<std::uint32_t>(run.split_orders * 10000 / run.orders);
  run.exceptions = 90 + 140 * std::uint64_t{run_index};
  run.reroutes = 60 + 100 * std::uint64_t{run_index};
  run.recover_minutes = {95 + 30 * std::int64_t{run_index},
                         480 + 120 * std::int64_t{run_index},
                         1440,
                         2000,
                         15000,
                         9000,
                         run.exceptions};
  run.nodes = {
      synthetic_node("fc-east", routing::fbs::NodeKind::owned_fc, run_index, 0),
      synthetic_node("fc-west", routing::fbs::NodeKind::owned_fc, run_index, 1),
      synthetic_node("store-0042", routing::fbs::NodeKind::store, run_index, 2),
      synthetic_node("3pl-reno", routing::fbs::NodeKind::partner_3pl, run_index, 3),
      synthetic_node("dropship-acme", routing::fbs::NodeKind::dropship, run_index, 4),
  };
  run.largest_partner = "3pl-reno";
  run.largest_partner_share_bp = 1800 + 1700 * run_index;
  run.partner_share_bp = 2500 + 2100 * run_index;
  for (std::uint32_t day = 0; day < run.days; ++day) {
    DayReport report;
    report.date = "2025-03-" + std::string(day + 3 < 10 ? "0" : "") + std::to_string(day + 3);
    // A weekly shape: busier early in the week, a peak band busier still.
    const std::uint64_t weekday_lift = (day % 7 < 2 ? 250 : 0);
    report.orders = 900 + weekday_lift + 200 * std::uint64_t{run_index} + 10 * std::uint64_t{day};
    report.backordered = 3 + std::uint64_t{run_index} * (day % 3);
    report.rejected = 1;
    report.exceptions = 5 + 10 * std::uint64_t{run_index};
    const std::uint64_t partner_share = 150 + 250 * std::uint64_t{run_index};
    report.shipped_by_kind[0] = report.orders - partner_share - 120;
    report.shipped_by_kind[1] = 120;
    report.shipped_by_kind[2] = partner_share * 2 / 3;
    report.shipped_by_kind[3] = partner_share / 3 + 10;
    run.daily.push_back(std::move(report));
  }
  run.wall_seconds = 1.25 + run_index;
  return run;
}

inline SimulationReport synthetic_report() {
  SimulationReport report;
  report.runs.push_back(synthetic_run("operate-heavy", "baseline", "", 0));
  report.runs.push_back(synthetic_run("hybrid", "peak", "", 1));
  report.runs.push_back(synthetic_run("orchestrate-heavy", "failure", "partner_fee+10%", 2));
  report.wall_seconds = 3.5;
  return report;
}

}  // namespace edgeroute::simulate::testing
