// The edgeroute tool: one binary, one subcommand per job (config, demo, events, route,
// serve, send, simulate, status). Each subcommand lives in its own file under cli/ and
// registers itself here; main only parses the command line and returns the exit
// code the subcommand chose (cli/exit_code.h). Usage errors exit 2.
#include <CLI/CLI.hpp>

#include "cli/config_command.h"
#include "cli/demo_command.h"
#include "cli/events_command.h"
#include "cli/exit_code.h"
#include "cli/policy_command.h"
#include "cli/route_command.h"
#include "cli/send_command.h"
#include "cli/serve_command.h"
#include "cli/simulate_command.h"

int main(int argc, char** argv) {
  CLI::App app("edgeroute: order routing for warehouse edge gateways", "edgeroute");
  app.require_subcommand(1);
  int exit_code = edgeroute::cli::kExitOk;
  edgeroute::cli::add_config_command(app, exit_code);
  edgeroute::cli::add_demo_command(app, exit_code);
  edgeroute::cli::add_events_command(app, exit_code);
  edgeroute::cli::add_route_command(app, exit_code);
  edgeroute::cli::add_serve_command(app, exit_code);
  edgeroute::cli::add_send_command(app, exit_code);
  edgeroute::cli::add_simulate_command(app, exit_code);
  edgeroute::cli::add_status_command(app, exit_code);
  edgeroute::cli::add_policy_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version are "errors" with exit code 0; print them and succeed.
    const int printed = app.exit(error);
    return printed == 0 ? edgeroute::cli::kExitOk : edgeroute::cli::kExitUsage;
  }
  return exit_code;
}
