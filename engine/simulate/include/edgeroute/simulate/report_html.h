// The simulation report as one HTML page a planner can open anywhere, offline, or mail on:
// the summary table (the terminal table's rows), and charts of cost per order, promise,
// delivery days, orders lost, node utilisation, partner concentration and each run's
// daily orders by node kind. Everything is inline: the CSS, the figures (report_to_json)
// and Chart.js, which the binary carries (Debian's libjs-chart.js, MIT).
//
// The page marks on its root element how its script went, so that a headless browser can
// check it rendered: data-charts-expected (canvases on the page), data-charts-rendered
// (charts created, set last) and data-render-error (a script error's message).
//
// Thread-safety: a pure function of its argument.
#pragma once

#include <string>

#include "edgeroute/simulate/simulation_report.h"

namespace edgeroute::simulate {

std::string report_to_html(const SimulationReport& report);

}  // namespace edgeroute::simulate
