// The simulation report as data for other tools: JSON with every figure (nodes and the
// daily series included) for scripts and the HTML report's charts, and CSV with one row
// of scalar figures per run for a spreadsheet.
//
// JSON keys follow simulation_report.h's field names and order, so that a script reading
// it can rely on the units the names carry (_cents, _bp, _minutes) and a diff of two
// reports lines up. CSV gives money in dollars and shares in percent, as a spreadsheet
// shows them, and quotes fields as RFC 4180 says.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>

#include "edgeroute/simulate/simulation_report.h"

namespace edgeroute::simulate {

// UTF-8 JSON, indented, ending in '\n'. Invalid UTF-8 in names becomes U+FFFD, so the
// document always parses.
std::string report_to_json(const SimulationReport& report);

// A header row, then one row per run in report order; lines end in CRLF (RFC 4180).
std::string report_to_csv(const SimulationReport& report);

}  // namespace edgeroute::simulate
