// `edgeroute route`: the routing core in batch, without a daemon. Reads a network, an
// inventory snapshot, a policy and orders (JSON Lines), routes each order in turn
// against the inventory as the previous orders left it (reservations are kept), and
// writes one decision per line, with its explanation. Each order is decided at its own
// created_at, so the output depends on the inputs only.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_route_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
