#include "cli/serve_command.h"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "cli/absolute_path.h"
#include "cli/exit_code.h"
#include "edgeroute/firmware_config/config_file.h"
#include "edgeroute/firmware_config/trust_anchor.h"
#include "edgeroute/gateway/central_adjustment.h"
#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/gateway/server.h"
#include "edgeroute/hal/fixed_link.h"
#include "edgeroute/hal/linux/linux_clock.h"
#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/hal/linux/netlink_link.h"
#include "edgeroute/hal/linux/systemd_watchdog.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/ops/log.h"
#include "edgeroute/ops/ops_server.h"
#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/sync_agent.h"

namespace edgeroute::cli {
namespace {

namespace log = ops::log;

// The gateway refuses clients' adjustments that carry the references central's deltas
// are journaled under; both sides must mean the same prefix.
static_assert(sync::kCentralDeltaPrefix == gateway::kCentralAdjustmentReferencePrefix);

struct ServeOptions {
  std::string config;
  std::string network;
  std::string policy;
  std::string inventory;
  std::uint32_t io_threads = 1;
};

int fail(const std::string& message) {
  std::cerr << "edgeroute serve: " << message << '\n';
  return kExitFailure;
}

sync::SyncAgentOptions sync_options(const firmware_config::GatewayConfig& config,
                                    const std::string& journal_path) {
  sync::SyncAgentOptions options;
  options.gateway_id = config.gateway_id;
  options.central_host = config.central.host;
  options.central_port = static_cast<std::uint16_t>(config.central.port);
  options.server_name = config.central.server_name;
  options.tls = {config.central.ca_certificate, config.central.certificate,
                 config.central.private_key};
  options.journal_path = journal_path;
  options.jitter_seed = static_cast<std::uint64_t>(::getpid());
  return options;
}

// What /metrics shows of sync: whether a session is open, how far central has
// acknowledged, and how many journaled entries it does not hold yet (the lag).
void add_sync_metrics(gateway::Gateway& gateway, const sync::SyncAgent& agent) {
  ops::Registry& registry = gateway.metrics().registry();
  registry.add_gauge("edgeroute_sync_connected", "1 while a session with central is open.",
                     [&agent] { return agent.figures().connected ? 1.0 : 0.0; });
  registry.add_gauge("edgeroute_sync_acknowledged_sequence",
                     "Journal sequence central holds everything up to.",
                     [&agent] { return static_cast<double>(agent.figures().acknowledged); });
  registry.add_gauge("edgeroute_sync_unacknowledged_entries",
                     "Journal entries central does not hold yet.", [&gateway, &agent] {
                       const std::uint64_t newest = gateway.figures().journal_last_sequence;
                       const std::uint64_t held = agent.figures().acknowledged;
                       return static_cast<double>(newest > held ? newest - held : 0);
                     });
  registry.add_counter("edgeroute_sync_sessions_total", "Sessions opened with central.",
                       [&agent] { return static_cast<double>(agent.figures().sessions); });
  registry.add_counter("edgeroute_sync_failures_total",
                       "Sessions or attempts that ended in an error.",
                       [&agent] { return static_cast<double>(agent.figures().failures); });
  registry.add_counter("edgeroute_sync_entries_sent_total",
                       "Journal entries sent to central, resends included.",
                       [&agent] { return static_cast<double>(agent.figures().entries_sent); });
  registry.add_counter("edgeroute_sync_policies_offered_total",
                       "Signed policy versions central offered and the agent handed on.",
                       [&agent] { return static_cast<double>(agent.figures().policies_offered); });
  registry.add_counter("edgeroute_sync_policies_refused_total",
                       "Policy bundles the gateway refused (signature, version, expiry, validity).",
                       [&agent] { return static_cast<double>(agent.figures().policies_refused); });
  registry.add_counter("edgeroute_sync_escrow_grants_applied_total",
                       "Escrow grants from central the gateway journaled.", [&agent] {
                         return static_cast<double>(agent.figures().escrow_grants_applied);
                       });
  registry.add_counter("edgeroute_sync_escrow_grants_refused_total",
                       "Escrow grants the gateway sent back to central as conflicts.", [&agent] {
                         return static_cast<double>(agent.figures().escrow_grants_refused);
                       });
  registry.add_counter(
      "edgeroute_sync_stock_records_reported_total",
      "Stock records of homed nodes sent to central in stock reports (changed parts only).",
      [&agent] { return static_cast<double>(agent.figures().stock_records_reported); });
  registry.add_counter("edgeroute_sync_stock_reports_completed_total",
                       "Walks of the whole catalog for stock reports finished.", [&agent] {
                         return static_cast<double>(agent.figures().stock_reports_completed);
                       });
  // Headroom: what this gateway can still sell of stock it shares with others.
  registry.add_gauge("edgeroute_escrow_leases", "Escrow leases held at nodes not homed here.",
                     [&gateway] { return static_cast<double>(gateway.escrow_figures().leases); });
  registry.add_gauge("edgeroute_escrow_unreserved_units",
                     "Units of escrow leases no order holds: what is left to sell.", [&gateway] {
                       return static_cast<double>(gateway.escrow_figures().unreserved_units);
                     });
  registry.add_gauge(
      "edgeroute_escrow_expired_leases",
      "Escrow leases past their expiry: their unreserved units go back to central.",
      [&gateway] { return static_cast<double>(gateway.escrow_figures().expired_leases); });
}

// The documents a new journal starts from: the command line's, else data_dir's.
Result<std::optional<gateway::Baseline>> first_baseline(const ServeOptions& options,
                                                        const std::string& data_dir) {
  const bool given =
      !options.network.empty() || !options.policy.empty() || !options.inventory.empty();
  std::string network = options.network;
  std::string policy = options.policy;
  std::string inventory = options.inventory;
  if (!given) {
    network = data_dir + "/network.json";
    policy = data_dir + "/policy.json";
    inventory = data_dir + "/inventory.json";
    if (!std::filesystem::exists(network)) return std::optional<gateway::Baseline>{};
  } else if (network.empty() || policy.empty() || inventory.empty()) {
    return Status{StatusCode::invalid_argument, "--network, --policy and --inventory go together"};
  }
  hal::LinuxStorage storage;
  gateway::Baseline baseline;
  for (auto [file, text] :
       {std::pair{&network, &baseline.network_json}, std::pair{&policy, &baseline.policy_json},
        std::pair{&inventory, &baseline.inventory_json}}) {
    Result<std::string> read = storage.read_file(absolute_path(*file));
    if (!read) return read.status().with_context(*file);
    *text = std::move(read).value();
  }
  return std::optional<gateway::Baseline>{std::move(baseline)};
}

int run_serve(const ServeOptions& options) {
  // Signals are taken by sigwait below, so every thread started from here on must
  // have them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A log line written after its reader went away (a closed pipe) must not kill the
  // gateway: the write fails, and the gateway goes on.
  std::signal(SIGPIPE, SIG_IGN);

  const firmware_config::ConfigResult config = firmware_config::load_gateway_config(options.config);
  if (!config) {
    for (const firmware_config::ConfigError& error : config.errors()) {
      std::cerr << options.config << ": " << error.to_string() << '\n';
    }
    return kExitFailure;
  }
  log::set_context({{"gateway", config->gateway_id}});
  const std::string data_dir = absolute_path(config->data_dir);
  std::error_code made;
  std::filesystem::create_directories(data_dir, made);
  if (made) return fail(fmt::format("{}: {}", data_dir, made.message()));

  journal::JournalOptions journal_options;
  journal_options.path = data_dir + "/journal.db";
  journal_options.gateway_id = config->gateway_id;
  journal_options.wal_checkpoint_pages =
      static_cast<std::uint32_t>(config->journal.wal_checkpoint_pages);
  Result<std::unique_ptr<journal::Journal>> journal = journal::Journal::open(journal_options);
  if (!journal) return fail(journal.status().message());

  Result<std::optional<gateway::Baseline>> baseline = first_baseline(options, data_dir);
  if (!baseline) return fail(baseline.status().message());

  hal::LinuxClock clock;
  const auto restore_started = clock.monotonic_now();
  const std::int64_t now_utc =
      std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
  const auto workers = static_cast<std::uint32_t>(config->routing_workers);
  // A gateway that syncs shares the nodes it does not home with other gateways: it sells
  // their stock only within central's escrow leases. Alone, it homes every node.
  const std::vector<std::string> homed_node_ids =
      config->central.sync_enabled() ? config->served_node_ids : std::vector<std::string>{};
  Result<std::unique_ptr<gateway::GatewayState>> state = gateway::GatewayState::restore(
      **journal, *baseline ? &**baseline : nullptr, now_utc, workers + 2, homed_node_ids);
  if (!state) return fail(state.status().message());
  const auto restore_took = std::chrono::duration_cast<std::chrono::milliseconds>(
      clock.monotonic_now() - restore_started);
  const gateway::RestoreSummary& restored = (*state)->restored();
  log::info("gateway.restored", {{"journal", journal_options.path},
                                 {"journal_sequence", (*journal)->last_sequence()},
                                 {"entries_replayed", restored.entries_replayed},
                                 {"orders", restored.orders},
                                 {"orders_holding_stock", restored.orders_holding_stock},
                                 {"took_ms", restore_took.count()}});

  gateway::GatewayOptions gateway_options;
  gateway_options.gateway_id = config->gateway_id;
  gateway_options.pipeline.routing_workers = workers;
  gateway_options.pipeline.ingress_capacity =
      static_cast<std::uint32_t>(config->queues.ingress_capacity);
  gateway_options.pipeline.journal_capacity =
      static_cast<std::uint32_t>(config->queues.journal_capacity);
  gateway_options.pipeline.batch_max_entries =
      static_cast<std::uint32_t>(config->journal.batch_max_decisions);
  gateway_options.pipeline.batch_max_delay =
      std::chrono::microseconds(config->journal.batch_max_delay_us);
  // Validated with the rest of the configuration: decoding cannot fail here.
  gateway_options.policy_trust_anchor =
      firmware_config::decode_trust_anchor(config->policy_trust_anchor).value();
  gateway_options.policy_trial = {
      std::chrono::seconds(config->policy_trial.seconds),
      static_cast<std::uint32_t>(config->policy_trial.min_decisions),
      config->policy_trial.max_rejection_rise_percent / 100.0,
      config->policy_trial.max_rejection_percent_without_baseline / 100.0};
  gateway::Gateway gateway(gateway_options, **journal, **state, clock);
  gateway.start();

  gateway::ServerOptions server_options;
  server_options.address = config->orders.address;
  server_options.port = static_cast<std::uint16_t>(config->orders.port);
  server_options.io_threads = options.io_threads;
  Result<std::unique_ptr<gateway::Server>> server = gateway::Server::start(server_options, gateway);
  if (!server) {
    gateway.stop();
    return fail(server.status().message());
  }

  log::info("gateway.listening", {{"address", server_options.address},
                                  {"port", (*server)->port()},
                                  {"journal_sequence", gateway.figures().journal_last_sequence}});

  // Sync with central, on a thread of its own, when the configuration gives the TLS
  // files. Stopped before the gateway: it reports central's mark to the journal writer.
  std::unique_ptr<hal::Link> wan_link;
  std::unique_ptr<sync::SyncAgent> sync_agent;
  const auto stop_sync = [&sync_agent] {
    if (sync_agent) sync_agent->stop();
  };
  if (config->central.sync_enabled()) {
    // Sync is off the order path: an interface that cannot be watched is reported and
    // the agent goes by its connection attempts alone.
    if (Result<std::unique_ptr<hal::NetlinkLink>> link =
            hal::NetlinkLink::create(config->wan_interface)) {
      wan_link = std::move(*link);
    } else {
      log::warning("sync.link_unwatched",
                   {{"wan_interface", config->wan_interface}, {"error", link.status().message()}});
      wan_link = std::make_unique<hal::FixedLink>();
    }
    sync::SyncAgentOptions agent_options = sync_options(*config, journal_options.path);
    agent_options.clock = &clock;
    Result<std::unique_ptr<sync::SyncAgent>> agent = sync::SyncAgent::start(
        std::move(agent_options), *wan_link, (*journal)->acknowledged(),
        [&gateway](std::uint64_t sequence) { gateway.record_central_acknowledged(sequence); },
        [&gateway](const sync::CentralInventoryDelta& delta, std::function<void(Status)> done) {
          gateway::apply_central_adjustment(
              gateway, {delta.node_id, delta.sku_id, delta.units, delta.correlation_id},
              std::move(done));
        },
        [&gateway](std::uint64_t, std::vector<std::uint8_t> signed_bundle,
                   std::function<void(Status)> done) {
          gateway.offer_policy(std::move(signed_bundle), std::move(done));
        },
        [&gateway](const sync::CentralNodeClosure& closure, std::function<void(Status)> done) {
          if (closure.reopen) {
            gateway.reopen_node(closure.node_id, closure.reason, closure.correlation_id,
                                std::move(done));
          } else {
            gateway.close_node(closure.node_id, closure.reason, closure.correlation_id,
                               std::move(done));
          }
        },
        sync::SyncAgent::EscrowHooks{
            [&gateway](const sync::EscrowGrant& grant, std::function<void(Status)> done) {
              gateway.grant_escrow(grant, std::move(done));
            },
            [&gateway] { return gateway.escrow_standing(); }},
        sync::SyncAgent::StockHooks{[&gateway](std::uint32_t first_sku, std::uint32_t sku_count,
                                               std::optional<std::uint64_t> unless_digest) {
          return gateway.stock_report(first_sku, sku_count, unless_digest);
        }});
    if (!agent) {
      (*server)->stop_accepting();
      gateway.stop();
      (*server)->stop();
      return fail(fmt::format("sync: {}", agent.status().message()));
    }
    sync_agent = std::move(*agent);
    add_sync_metrics(gateway, *sync_agent);
    gateway.report_sync_with([agent_seen = sync_agent.get()] {
      const sync::SyncFigures figures = agent_seen->figures();
      return gateway::SyncReport{figures.connected, figures.last_error};
    });
    log::info("sync.started",
              {{"central", fmt::format("{}:{}", config->central.host, config->central.port)},
               {"wan_interface", config->wan_interface},
               {"acknowledged", (*journal)->acknowledged()}});
  } else {
    log::info("sync.off", {{"reason",
                            "central.certificate, central.private_key and "
                            "central.ca_certificate are not configured"}});
  }

  // The ops endpoint, on threads of its own; started after the orders listener (so
  // /readyz never says ready before orders can arrive) and stopped last.
  ops::OpsHandlers ops_handlers;
  ops_handlers.metrics = [&gateway] { return gateway.metrics().registry().render(); };
  ops_handlers.health = [&gateway] { return gateway::gateway_health(gateway); };
  ops_handlers.readiness = [&gateway] { return gateway::gateway_readiness(gateway); };
  Result<std::unique_ptr<ops::OpsServer>> ops_server = ops::OpsServer::start(
      config->ops.address, static_cast<std::uint16_t>(config->ops.port), std::move(ops_handlers));
  if (!ops_server) {
    stop_sync();
    (*server)->stop_accepting();
    gateway.stop();
    (*server)->stop();
    return fail(fmt::format("ops endpoint: {}", ops_server.status().message()));
  }
  log::info("ops.listening", {{"address", config->ops.address}, {"port", (*ops_server)->port()}});

  hal::SystemdWatchdog watchdog;
  (void)watchdog.notify_ready();
  // Wakes at least once a second: a policy on trial is judged that often.
  const auto keep_alive = std::min<hal::Duration>(
      watchdog.keep_alive_interval().value_or(std::chrono::seconds(1)), std::chrono::seconds(1));
  std::string policy_said = gateway.policy_detail();
  // Ticks between sweeps for orders left at nodes central closed (Gateway::
  // reroute_from_closed_nodes): a straggler waits seconds, not a restart.
  constexpr int kTicksPerClosedNodeSweep = 10;
  int ticks = 0;
  int received = 0;
  for (;;) {
    timespec wait{};
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(keep_alive);
    wait.tv_sec = static_cast<time_t>(seconds.count());
    wait.tv_nsec = static_cast<long>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(keep_alive - seconds).count());
    received = sigtimedwait(&stop_signals, nullptr, &wait);
    if (received == SIGTERM || received == SIGINT) break;
    if (gateway.failed()) break;
    (void)watchdog.keep_alive();
    gateway.check_policy_trial();
    gateway.return_expired_escrow();
    if (++ticks % kTicksPerClosedNodeSweep == 0) gateway.reroute_from_closed_nodes();
    if (std::string policy_now = gateway.policy_detail(); policy_now != policy_said) {
      const gateway::PolicyFigures policy = gateway.policy_figures();
      log::info(
          "policy.changed",
          {{"active", policy.active}, {"committed", policy.committed}, {"detail", policy_now}});
      policy_said = std::move(policy_now);
    }
  }
  if (gateway.failed()) {
    // The journal failed with an outcome only a restart can settle (replay decides what
    // was recorded): stop, and let the supervisor start the gateway again.
    log::error("journal.failed",
               {{"error", gateway.figures().detail}, {"action", "stopping for a restart"}});
    stop_sync();
    (*server)->stop_accepting();
    gateway.stop();
    (*server)->stop();
    (*ops_server)->stop();
    return kExitFailure;
  }

  (void)watchdog.notify_stopping();
  log::info("gateway.draining", {{"signal", strsignal(received)}});
  stop_sync();
  (*server)->stop_accepting();
  gateway.stop();
  (*server)->stop();
  (*ops_server)->stop();
  const gateway::GatewayFigures figures = gateway.figures();
  log::info("gateway.stopped", {{"journal_sequence", figures.journal_last_sequence},
                                {"requests_taken", figures.pipeline.jobs_submitted},
                                {"refused_busy", figures.pipeline.jobs_refused_busy}});
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  CLI::App* serve = app.add_subcommand("serve", "Run the gateway daemon");
  auto options = std::make_shared<ServeOptions>();
  serve->add_option("--config", options->config, "Gateway configuration (JSON)")->required();
  serve->add_option("--network", options->network,
                    "Network (JSON) a new journal starts from (default: <data_dir>/network.json)");
  serve->add_option("--policy", options->policy, "Routing policy (JSON) a new journal starts from");
  serve->add_option("--inventory", options->inventory,
                    "Inventory snapshot (JSON) a new journal starts from");
  serve->add_option("--io-threads", options->io_threads, "Threads serving connections")
      ->default_val(1)
      ->check(CLI::Range(1, 64));
  serve->callback([options, &exit_code] { exit_code = run_serve(*options); });
}

}  // namespace edgeroute::cli
