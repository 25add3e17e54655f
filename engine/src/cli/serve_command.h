// `edgeroute serve --config gateway.json`: the gateway daemon. Restores its state from
// the journal in the configuration's data_dir (on the first start, from a network, a
// policy and an inventory snapshot given on the command line or found in data_dir),
// serves the wire protocol on the orders listener until SIGTERM or SIGINT, then drains:
// every request already accepted is decided, journaled and answered before it exits 0.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
