// `edgeroute simulate`: operate vs orchestrate, side by side. Runs each scenario file
// in each volume band (and, if asked, under cost sensitivities) through the real
// routing core under a simulated clock (edgeroute/simulate/simulation.h), with a
// progress bar, prints the figures side by side, and writes them as a self-contained
// HTML report with charts, JSON or CSV. docs/simulate.md tells how to read them.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_simulate_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
