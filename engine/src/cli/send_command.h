// `edgeroute send` and `edgeroute status`: a client of a running gateway, over the wire
// protocol. send routes (or quotes) JSON orders through the daemon and prints each
// decision as JSON, exactly as `edgeroute route` would print it; it can also cancel
// orders, report their fulfillment at a node (picked ... failed, which may re-route them)
// and look them up. status prints the gateway's readiness, queue depths, journal position
// and versions.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_send_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
