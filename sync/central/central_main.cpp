// edgeroute-central: the central control plane's side of sync, as central ops run it.
//
//   edgeroute-central serve --db central.db --port 7500 --ca ca.pem --certificate central.pem
//                           --private-key central.key
//   edgeroute-central gateway add GATEWAY_ID --certificate gateway.pem --db central.db
//   edgeroute-central gateways --db central.db
//   edgeroute-central inventory adjust --gateway G --node N --sku S --units 12 --db central.db
//   edgeroute-central inventory deltas [--gateway G] [--state pending|applied|refused] --db ...
//   edgeroute-central conflicts --db central.db
//
// `serve` accepts gateways' sync connections until SIGTERM or SIGINT; the other commands
// work on the same database beside a running server (SQLite WAL: readers never block it,
// a registration waits for the server's transaction to end). Exit codes: 0 done, 1 the
// command failed (the message says what and where), 2 usage.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "edgeroute/hal/linux/linux_clock.h"
#include "edgeroute/ops/log.h"
#include "edgeroute/sync/central_server.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/tls.h"

namespace {

using namespace edgeroute;
namespace log = ops::log;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int fail(const std::string& message) {
  std::cerr << "edgeroute-central: " << message << "\n";
  return kExitFailure;
}

std::string absolute(const std::string& path) {
  return path.empty() ? path : std::filesystem::absolute(path).lexically_normal().string();
}

std::int64_t now_us(const hal::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock.wall_now().time_since_epoch())
      .count();
}

// UTC, to the second; "never" for 0.
std::string utc_text(std::int64_t micros) {
  if (micros == 0) return "never";
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

Result<std::unique_ptr<sync::CentralStore>> existing_store(const std::string& database) {
  // Reading or adding must not create a store where there was none (a mistyped path).
  if (!std::filesystem::exists(absolute(database)))
    return Status(StatusCode::not_found,
                  fmt::format("{}: no central database there", absolute(database)));
  return sync::open_sqlite_central_store(absolute(database));
}

struct ServeOptions {
  std::string database;
  std::string address = "127.0.0.1";
  std::uint16_t port = 7500;
  sync::TlsFiles tls;
  std::string central_id = "central";
};

int run_serve(const ServeOptions& options) {
  // Block the stop signals before any thread starts, so that every thread inherits the
  // mask and sigtimedwait below is the only place they arrive.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  log::set_context({{"central", options.central_id}});
  Result<std::unique_ptr<sync::CentralStore>> store =
      sync::open_sqlite_central_store(absolute(options.database));
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  sync::CentralServerOptions server_options;
  server_options.address = options.address;
  server_options.port = options.port;
  server_options.tls = {absolute(options.tls.ca_certificate), absolute(options.tls.certificate),
                        absolute(options.tls.private_key)};
  server_options.central_id = options.central_id;
  Result<std::unique_ptr<sync::CentralServer>> server =
      sync::CentralServer::start(server_options, **store, clock);
  if (!server) return fail(server.status().message());
  log::info("central.listening", {{"address", options.address},
                                  {"port", (*server)->port()},
                                  {"database", absolute(options.database)}});
  int received = 0;
  do {
    received = sigwaitinfo(&stop_signals, nullptr);
  } while (received != SIGTERM && received != SIGINT);
  (*server)->stop();
  const sync::CentralFigures figures = (*server)->figures();
  log::info("central.stopped", {{"signal", strsignal(received)},
                                {"batches_applied", figures.batches_applied},
                                {"entries_applied", figures.entries_applied},
                                {"duplicates_skipped", figures.duplicates_skipped},
                                {"refusals", figures.refusals}});
  return kExitOk;
}

int run_gateway_add(const std::string& database, const std::string& gateway_id,
                    const std::string& certificate) {
  Result<std::string> fingerprint = sync::certificate_file_sha256(absolute(certificate));
  if (!fingerprint) return fail(fingerprint.status().message());
  Result<std::unique_ptr<sync::CentralStore>> store =
      sync::open_sqlite_central_store(absolute(database));
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  if (Status added = (*store)->register_gateway(gateway_id, *fingerprint, now_us(clock));
      !added.is_ok())
    return fail(added.message());
  std::cout << fmt::format("gateway {} registered: certificate sha256 {}\n", gateway_id,
                           *fingerprint);
  return kExitOk;
}

int run_gateways(const std::string& database) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::GatewayRecord>> gateways = (*store)->gateways();
  if (!gateways) return fail(gateways.status().message());
  std::cout << fmt::format("{:<24} {:>14} {:>10}  {:<20}  {:<20}  {:>11}  {}\n", "gateway",
                           "acknowledged", "lag", "newest entry", "last contact", "clock off",
                           "certificate");
  for (const sync::GatewayRecord& gateway : *gateways) {
    // Entries the gateway reported at its last hello that central does not hold yet.
    const std::uint64_t lag = gateway.reported_newest_sequence > gateway.acknowledged
                                  ? gateway.reported_newest_sequence - gateway.acknowledged
                                  : 0;
    std::cout << fmt::format(
        "{:<24} {:>14} {:>10}  {:<20}  {:<20}  {:>+10.1f}s  {}…\n", gateway.gateway_id,
        gateway.acknowledged, lag, utc_text(gateway.newest_entry_recorded_at_us),
        utc_text(gateway.last_contact_us), static_cast<double>(gateway.clock_skew_us) / 1e6,
        gateway.certificate_sha256.substr(0, 16));
  }
  return kExitOk;
}

struct DeltaOptions {
  std::string database;
  std::string gateway_id;
  std::string node_id;
  std::string sku_id;
  std::int32_t units = 0;
  std::string reason;
  std::string state;
};

int run_inventory_adjust(const DeltaOptions& options) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(options.database);
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  Result<std::uint64_t> id =
      (*store)->add_inventory_delta(options.gateway_id, options.node_id, options.sku_id,
                                    options.units, options.reason, now_us(clock));
  if (!id) return fail(id.status().message());
  std::cout << fmt::format(
      "delta {} for gateway {}: {} units of {} at {}; pending until the gateway applies it\n", *id,
      options.gateway_id, fmt::format("{:+}", options.units), options.sku_id, options.node_id);
  return kExitOk;
}

// Deltas in one state (all when `state` is empty), as a table.
int list_deltas(const std::string& database, const std::string& gateway_id,
                const std::string& state, bool with_reason) {
  std::optional<sync::InventoryDelta::State> wanted;
  if (state == "pending") wanted = sync::InventoryDelta::State::pending;
  if (state == "applied") wanted = sync::InventoryDelta::State::applied;
  if (state == "refused") wanted = sync::InventoryDelta::State::refused;
  if (!state.empty() && !wanted)
    return fail(fmt::format("--state '{}' is not pending, applied or refused", state));
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::InventoryDelta>> deltas = (*store)->inventory_deltas(gateway_id, wanted);
  if (!deltas) return fail(deltas.status().message());
  std::cout << fmt::format("{:>6}  {:<20} {:<16} {:<20} {:>7}  {:<8} {:>9}  {}\n", "delta",
                           "gateway", "node", "sku", "units", "state", "sequence",
                           with_reason ? "refused because" : "reason");
  for (const sync::InventoryDelta& delta : *deltas) {
    std::cout << fmt::format(
        "{:>6}  {:<20} {:<16} {:<20} {:>+7}  {:<8} {:>9}  {}\n", delta.id, delta.gateway_id,
        delta.node_id, delta.sku_id, delta.units, sync::to_string(delta.state),
        delta.applied_at_sequence == 0 ? std::string("-")
                                       : std::to_string(delta.applied_at_sequence),
        with_reason ? delta.refusal : delta.reason);
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("edgeroute-central: the central control plane's sync server", "edgeroute-central");
  app.require_subcommand(1);
  int exit_code = kExitOk;

  auto serve_options = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand("serve", "Accept gateways' sync connections");
  serve->add_option("--db", serve_options->database, "Central's database (created if absent)")
      ->required();
  serve->add_option("--address", serve_options->address, "IP address to listen on")
      ->capture_default_str();
  serve->add_option("--port", serve_options->port, "TCP port (0: any free port, logged)")
      ->capture_default_str();
  serve
      ->add_option("--ca", serve_options->tls.ca_certificate,
                   "CA certificate that issued the gateways' certificates (PEM)")
      ->required();
  serve->add_option("--certificate", serve_options->tls.certificate, "Central's certificate (PEM)")
      ->required();
  serve->add_option("--private-key", serve_options->tls.private_key, "Central's private key (PEM)")
      ->required();
  serve->add_option("--central-id", serve_options->central_id, "Name sent to gateways")
      ->capture_default_str();
  serve->callback([serve_options, &exit_code] { exit_code = run_serve(*serve_options); });

  auto database = std::make_shared<std::string>();
  auto gateway_id = std::make_shared<std::string>();
  auto certificate = std::make_shared<std::string>();
  CLI::App* gateway = app.add_subcommand("gateway", "Manage the registry of gateways");
  gateway->require_subcommand(1);
  CLI::App* add = gateway->add_subcommand(
      "add", "Register a gateway and its certificate (or rotate the certificate)");
  add->add_option("GATEWAY_ID", *gateway_id, "The gateway's id")->required();
  add->add_option("--certificate", *certificate, "The gateway's certificate (PEM)")->required();
  add->add_option("--db", *database, "Central's database")->required();
  add->callback([database, gateway_id, certificate, &exit_code] {
    exit_code = run_gateway_add(*database, *gateway_id, *certificate);
  });

  auto delta = std::make_shared<DeltaOptions>();
  CLI::App* inventory =
      app.add_subcommand("inventory", "Changes of stock decided at central, for the gateways");
  inventory->require_subcommand(1);
  CLI::App* adjust = inventory->add_subcommand(
      "adjust", "Add units to (or take them from) a node's on-hand, through its gateway");
  adjust->add_option("--gateway", delta->gateway_id, "The gateway that homes the node")->required();
  adjust->add_option("--node", delta->node_id, "The node")->required();
  adjust->add_option("--sku", delta->sku_id, "The SKU")->required();
  adjust->add_option("--units", delta->units, "Units: + a receipt, - a write-off")->required();
  adjust->add_option("--reason", delta->reason, "The document behind the change");
  adjust->add_option("--db", delta->database, "Central's database")->required();
  adjust->callback([delta, &exit_code] { exit_code = run_inventory_adjust(*delta); });
  CLI::App* deltas = inventory->add_subcommand(
      "deltas", "List inventory deltas: pending, applied (at which journal entry), refused");
  deltas->add_option("--gateway", delta->gateway_id, "Only this gateway's");
  deltas->add_option("--state", delta->state, "pending, applied or refused");
  deltas->add_option("--db", delta->database, "Central's database")->required();
  deltas->callback([delta, &exit_code] {
    exit_code = list_deltas(delta->database, delta->gateway_id, delta->state, false);
  });

  CLI::App* conflicts = app.add_subcommand(
      "conflicts", "What gateways could not apply, with their reasons: for an operator to settle");
  conflicts->add_option("--db", delta->database, "Central's database")->required();
  conflicts->callback(
      [delta, &exit_code] { exit_code = list_deltas(delta->database, "", "refused", true); });

  CLI::App* gateways =
      app.add_subcommand("gateways", "List gateways: acknowledged sequence, last contact");
  gateways->add_option("--db", *database, "Central's database")->required();
  gateways->callback([database, &exit_code] { exit_code = run_gateways(*database); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int printed = app.exit(error);
    return printed == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}
