// `edgeroute demo`: the gateway at work on the embedded default world. Starts a
// gateway in this process, drives a day of realistic orders through it over TCP with a
// progress bar, and prints what the day came to (edgeroute/demo/demo_summary.h).
// `--write-world DIR` writes the default world's network, policy and inventory as JSON
// instead, for `edgeroute serve` or a person to read.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_demo_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
