#include "cli/events_command.h"

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "cli/absolute_path.h"
#include "cli/exit_code.h"
#include "edgeroute/firmware_config/config_file.h"
#include "edgeroute/gateway/order_events.h"
#include "edgeroute/journal/journal.h"

namespace edgeroute::cli {
namespace {

struct EventsOptions {
  std::string config;
  std::string journal;
  std::string order;
  std::uint64_t from = 1;
  std::uint64_t limit = 0;
};

int fail(const std::string& message) {
  std::cerr << "edgeroute events: " << message << '\n';
  return kExitFailure;
}

int run_events(const EventsOptions& options) {
  journal::JournalOptions journal_options;
  journal_options.read_only = true;
  if (!options.config.empty()) {
    const firmware_config::ConfigResult config =
        firmware_config::load_gateway_config(options.config);
    if (!config) {
      for (const firmware_config::ConfigError& error : config.errors()) {
        std::cerr << options.config << ": " << error.to_string() << '\n';
      }
      return kExitFailure;
    }
    // Where `edgeroute serve` keeps it, and only this gateway's.
    journal_options.path = absolute_path(config->data_dir) + "/journal.db";
    journal_options.gateway_id = config->gateway_id;
  } else {
    journal_options.path = absolute_path(options.journal);
  }
  Result<std::unique_ptr<journal::Journal>> journal = journal::Journal::open(journal_options);
  if (!journal) return fail(journal.status().message());

  gateway::OrderEventQuery query;
  query.from_sequence = options.from;
  query.order_id = options.order;
  query.limit = options.limit;
  std::string line;
  const Status read =
      gateway::read_order_events(**journal, query, [&](const gateway::OrderEvent& event) {
        line = gateway::to_json(event);
        line += '\n';
        std::cout << line;
        return Status::ok();
      });
  std::cout.flush();
  if (!read.is_ok()) return fail(read.message());
  if (!std::cout) return fail("cannot write to standard output");
  return kExitOk;
}

}  // namespace

void add_events_command(CLI::App& app, int& exit_code) {
  CLI::App* events = app.add_subcommand(
      "events", "Print the order events a gateway's journal records (JSON Lines, oldest first)");
  auto options = std::make_shared<EventsOptions>();
  CLI::Option* config = events->add_option("--config", options->config,
                                           "Gateway configuration: its data_dir's journal");
  CLI::Option* journal =
      events->add_option("--journal", options->journal, "The journal file itself");
  config->excludes(journal);
  events->add_option("--order", options->order, "Only this order's events (id)");
  events->add_option("--from", options->from, "Start at this journal sequence")
      ->check(CLI::PositiveNumber);
  events->add_option("--limit", options->limit, "Print at most this many events")
      ->check(CLI::PositiveNumber);
  events->callback([options, &exit_code] {
    if (options->config.empty() && options->journal.empty()) {
      std::cerr << "edgeroute events: give --config or --journal\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = run_events(*options);
  });
}

}  // namespace edgeroute::cli
