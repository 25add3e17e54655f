// `edgeroute config ...`: commands about the gateway configuration file.
//
//   edgeroute config check FILE
//     Loads FILE with its device profile's defaults and validates it. Valid: prints
//     the effective configuration as JSON on stdout (it reads back as the same
//     configuration) and exits 0. Invalid or unreadable: prints each error on its own
//     line on stderr as "FILE: path: message" and exits 1.
//
// Like every subcommand, it registers itself on the tool's CLI11 app; main() only
// lists the subcommands. Its callback runs on main's thread during parsing and
// stores the exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_config_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
