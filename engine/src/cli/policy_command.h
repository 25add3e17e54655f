// `edgeroute policy status|rollback`: a running gateway's routing policies (the one
// that routes, one on trial, the last-known-good, the one before it, the highest
// version accepted) and an operator's rollback, over the wire protocol.
#pragma once

#include <CLI/CLI.hpp>

namespace edgeroute::cli {

void add_policy_command(CLI::App& app, int& exit_code);

}  // namespace edgeroute::cli
