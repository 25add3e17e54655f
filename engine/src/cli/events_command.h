// `edgeroute events`: what happened to orders, as the gateway's journal tells it.
//
//   edgeroute events (--config gateway.json | --journal PATH) [--order ID] [--from SEQ]
//                    [--limit N]
//
// Prints the order events (gateway/order_events.h: accepted, routed, reserved, ...,
// each with the order's correlation id) derived from the journal's entries, one JSON
// object per line, oldest first. The journal is opened read-only, so this runs beside
// the daemon that writes it and sees what it had committed. --config names the journal
// in the configuration's data_dir and refuses one of another gateway; --journal takes
// the file as it is. Errors name the file and exit 1.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_events_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
