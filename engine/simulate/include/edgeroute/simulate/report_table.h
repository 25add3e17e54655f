// The simulation report as a terminal table: the runs side by side as columns, the
// figures a planner compares as rows, so that a scenario's cost, promise, exceptions and
// partner concentration read across at a glance. Many runs wrap into blocks of a few
// columns each, the labels repeated, so the table stays readable in an 80-column terminal.
//
// The rows (labels, groups and each run's cell text) are also what the HTML report's
// summary table shows: report_rows() is the one place that decides them.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include "edgeroute/simulate/simulation_report.h"

namespace edgeroute::simulate {

// One row of the comparison: a label and, per run in report order, its figure as text.
struct ReportRow {
  std::string group;  // the section it belongs to: orders, cost per order, promise, ...
  std::string label;
  std::vector<std::string> cells;
};

// A run's heading: scenario, band and sensitivity (empty when the run has none).
struct RunHeading {
  std::string scenario;
  std::string band;
  std::string sensitivity;
};

RunHeading run_heading(const RunReport& run);

// The rows, in display order. Seed, first day and days appear as rows only when the runs
// differ in them; report_context() states them once otherwise.
std::vector<ReportRow> report_rows(const SimulationReport& report);

// One line naming what the runs share: "9 runs; seed 1; 28 days from 2025-03-03".
std::string report_context(const SimulationReport& report);

// The whole table, the context line first; each line ends in '\n'.
std::string format_report_table(const SimulationReport& report);

}  // namespace edgeroute::simulate
