// edgeroute-central: the central control plane's side of sync, as central ops run it.
//
//   edgeroute-central serve --db central.db --port 7500 --ca ca.pem --certificate central.pem
//                           --private-key central.key
//   edgeroute-central gateway add GATEWAY_ID --certificate gateway.pem --db central.db
//   edgeroute-central gateway retire GATEWAY_ID --db central.db
//   edgeroute-central gateways --db central.db
//   edgeroute-central inventory adjust --gateway G --node N --sku S --units 12 --db central.db
//   edgeroute-central inventory deltas [--gateway G] [--state pending|applied|refused] --db ...
//   edgeroute-central inventory set --node N --sku S --units 400 --db central.db
//   edgeroute-central inventory adjust --node N --sku S --units -3 --db central.db
//   edgeroute-central inventory shared --db central.db
//   edgeroute-central inventory homed [--node N] --db central.db
//   edgeroute-central quota grant --gateway G --node N --sku S --units 40 [--lease-minutes 60]
//                                 --db central.db
//   edgeroute-central quota list --db central.db
//   edgeroute-central quota reclaim --gateway G --db central.db
//   edgeroute-central conflicts --db central.db
//   edgeroute-central node close --node N --reason "building lost" --db central.db
//   edgeroute-central node reopen --node N [--reason "rebuilt"] --db central.db
//   edgeroute-central node closures --db central.db
//   edgeroute-central policy keygen --secret-key policy.key
//   edgeroute-central policy push policy.json --key policy.key --db central.db
//                                 [--expires-in-hours 168] [--wave-size 0] [--max-failures 1]
//                                 [--wave-timeout-minutes 0]
//   edgeroute-central policy status --db central.db
//
// `serve` accepts gateways' sync connections until SIGTERM or SIGINT; the other commands
// work on the same database beside a running server (SQLite WAL: readers never block it,
// a registration waits for the server's transaction to end). Exit codes: 0 done, 1 the
// command failed (the message says what and where), 2 usage.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "edgeroute/base/schema_json.h"
#include "edgeroute/hal/linux/linux_clock.h"
#include "edgeroute/ops/log.h"
#include "edgeroute/routing/fbs/policy_generated.h"
#include "edgeroute/sync/central_server.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/policy_bundle.h"
#include "edgeroute/sync/tls.h"
#include "edgeroute_routing_bfbs_embedded.h"

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

// A line of a table without the padding its last column leaves.
void print_line(const std::string& line) {
  std::cout << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
}

int run_gateway_add(const std::string& database, const std::string& gateway_id,
                    const std::string& certificate) {
  Result<std::string> fingerprint = sync::certificate_file_sha256(absolute(certificate));
  if (!fingerprint) return fail(fingerprint.status().message());
  Result<std::unique_ptr<sync::CentralStore>> store =
      sync::open_sqlite_central_store(absolute(database));
  if (!store) return fail(store.status().message());
  // Registering a retired gateway brings it back: worth saying, since it changes rollouts.
  Result<std::optional<sync::GatewayRecord>> before = (*store)->gateway(gateway_id);
  if (!before) return fail(before.status().message());
  hal::LinuxClock clock;
  if (Status added = (*store)->register_gateway(gateway_id, *fingerprint, now_us(clock));
      !added.is_ok())
    return fail(added.message());
  std::cout << fmt::format("gateway {} registered: certificate sha256 {}\n", gateway_id,
                           *fingerprint);
  if (*before && (*before)->retired()) {
    std::cout << fmt::format(
        "gateway {} was retired at {} and is active again: it takes a place in policy "
        "rollouts and gets new node closures and inventory deltas\n",
        gateway_id, utc_text((*before)->retired_at_us));
  }
  return kExitOk;
}

int run_gateway_retire(const std::string& database, const std::string& gateway_id) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::optional<sync::GatewayRecord>> before = (*store)->gateway(gateway_id);
  if (!before) return fail(before.status().message());
  if (*before && (*before)->retired()) {
    std::cout << fmt::format("gateway {} was retired already, at {}; nothing changed\n", gateway_id,
                             utc_text((*before)->retired_at_us));
    return kExitOk;
  }
  hal::LinuxClock clock;
  const std::int64_t now = now_us(clock);
  if (Status retired = (*store)->retire_gateway(gateway_id, now); !retired.is_ok())
    return fail(retired.message());
  Result<std::vector<sync::InventoryDelta>> deltas =
      (*store)->inventory_deltas(gateway_id, sync::InventoryDelta::State::pending);
  if (!deltas) return fail(deltas.status().message());
  Result<std::vector<sync::NodeClosureDelivery>> closures =
      (*store)->node_closure_deliveries(gateway_id, sync::NodeClosureDelivery::State::pending);
  if (!closures) return fail(closures.status().message());
  std::cout << fmt::format(
      "gateway {} retired at {}: it holds up no policy rollout and is offered no policy, is "
      "sent no new node closure or inventory delta, and central refuses its connection\n"
      "{} inventory delta(s) and {} node closure(s) stay pending for it; `gateway add` "
      "registers it again\n",
      gateway_id, utc_text(now), deltas->size(), closures->size());
  // Its leases are not taken back here: only its own journal can say which of those units
  // it sold, so an operator must know they stay out of what central can lease.
  Result<std::vector<sync::EscrowLease>> leases = (*store)->escrow_leases();
  if (!leases) return fail(leases.status().message());
  for (const sync::EscrowLease& lease : *leases) {
    if (lease.gateway_id != gateway_id || lease.outstanding_units == 0) continue;
    std::cout << fmt::format(
        "its lease of {} at {} still holds {} unit(s) until {}: they stay leased until its "
        "journal returns them (register it again and let it sync), or `quota reclaim` takes "
        "them back once the lease has run out\n",
        lease.sku_id, lease.node_id, lease.outstanding_units, utc_text(lease.expires_at_us));
  }
  return kExitOk;
}

int run_gateways(const std::string& database) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::GatewayRecord>> gateways = (*store)->gateways();
  if (!gateways) return fail(gateways.status().message());
  std::cout << fmt::format("{:<24} {:>14} {:>10}  {:<20}  {:<20}  {:>11}  {:<20}  {}\n", "gateway",
                           "acknowledged", "lag", "newest entry", "last contact", "clock off",
                           "retired", "certificate");
  for (const sync::GatewayRecord& gateway : *gateways) {
    // Entries the gateway reported at its last hello that central does not hold yet.
    const std::uint64_t lag = gateway.reported_newest_sequence > gateway.acknowledged
                                  ? gateway.reported_newest_sequence - gateway.acknowledged
                                  : 0;
    std::cout << fmt::format(
        "{:<24} {:>14} {:>10}  {:<20}  {:<20}  {:>+10.1f}s  {:<20}  {}…\n", gateway.gateway_id,
        gateway.acknowledged, lag, utc_text(gateway.newest_entry_recorded_at_us),
        utc_text(gateway.last_contact_us), static_cast<double>(gateway.clock_skew_us) / 1e6,
        utc_text(gateway.retired_at_us), gateway.certificate_sha256.substr(0, 16));
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

// The stock of a shared (node, SKU) after an operator's change.
void print_shared_stock(const sync::SharedStock& stock) {
  std::cout << fmt::format(
      "shared stock of {} at {}: {} unit(s) on hand, {} leased to gateways, {} free to lease\n",
      stock.sku_id, stock.node_id, stock.free_units + stock.leased_units, stock.leased_units,
      stock.free_units);
  if (stock.free_units < 0) {
    std::cout << fmt::format(
        "the leases hold {} unit(s) more than is there: a conflict (`conflicts`) until stock "
        "comes back or the leases run out and return\n",
        -stock.free_units);
  }
  if (stock.uncounted_units > 0) {
    std::cout << fmt::format(
        "{} unit(s) reclaimed from retired gateways' leases are left out until a count "
        "(`inventory set`) says how many are still there\n",
        stock.uncounted_units);
  }
}

// `inventory set`: an operator's count of a node no gateway homes.
int run_inventory_set(const DeltaOptions& options) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(options.database);
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  Result<sync::SharedStock> stock =
      (*store)->set_shared_stock(options.node_id, options.sku_id, options.units, now_us(clock));
  if (!stock) return fail(stock.status().message());
  print_shared_stock(*stock);
  return kExitOk;
}

// `inventory adjust`: through the gateway that homes the node (a delta), or, without a
// gateway, at a node none homes (shared stock, leased out by escrow). The store refuses a
// delta for a (node, SKU) that is shared stock, saying which command changes it.
int run_inventory_adjust(const DeltaOptions& options) {
  if (options.gateway_id.empty() && !options.reason.empty()) {
    return fail(
        "--reason is kept with a delta to a gateway (--gateway); an adjustment of shared "
        "stock keeps no reason: leave --reason out, or name the gateway that homes the node");
  }
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(options.database);
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  if (options.gateway_id.empty()) {
    Result<sync::SharedStock> stock = (*store)->adjust_shared_stock(options.node_id, options.sku_id,
                                                                    options.units, now_us(clock));
    if (!stock) return fail(stock.status().message());
    print_shared_stock(*stock);
    return kExitOk;
  }
  Result<std::uint64_t> id =
      (*store)->add_inventory_delta(options.gateway_id, options.node_id, options.sku_id,
                                    options.units, options.reason, now_us(clock));
  if (!id) return fail(id.status().message());
  std::cout << fmt::format(
      "delta {} for gateway {}: {} units of {} at {}; pending until the gateway applies it\n", *id,
      options.gateway_id, fmt::format("{:+}", options.units), options.sku_id, options.node_id);
  return kExitOk;
}

void print_deltas(const std::vector<sync::InventoryDelta>& deltas, bool with_reason) {
  std::cout << fmt::format("{:>6}  {:<20} {:<16} {:<20} {:>7}  {:<8} {:>9}  {}\n", "delta",
                           "gateway", "node", "sku", "units", "state", "sequence",
                           with_reason ? "refused because" : "reason");
  for (const sync::InventoryDelta& delta : deltas) {
    std::cout << fmt::format(
        "{:>6}  {:<20} {:<16} {:<20} {:>+7}  {:<8} {:>9}  {}\n", delta.id, delta.gateway_id,
        delta.node_id, delta.sku_id, delta.units, sync::to_string(delta.state),
        delta.applied_at_sequence == 0 ? std::string("-")
                                       : std::to_string(delta.applied_at_sequence),
        with_reason ? delta.refusal : delta.reason);
  }
}

// Deltas in one state (all when `state` is empty), as a table.
int list_deltas(const std::string& database, const std::string& gateway_id,
                const std::string& state) {
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
  print_deltas(*deltas, false);
  return kExitOk;
}

// What the gateways could not apply or settle, section by section: an operator's list.
int run_conflicts(const std::string& database) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::InventoryDelta>> deltas =
      (*store)->inventory_deltas("", sync::InventoryDelta::State::refused);
  if (!deltas) return fail(deltas.status().message());
  Result<std::vector<sync::NodeClosureDelivery>> closures =
      (*store)->node_closure_deliveries("", sync::NodeClosureDelivery::State::refused);
  if (!closures) return fail(closures.status().message());
  Result<std::vector<sync::StrandedOrder>> stranded = (*store)->stranded_orders();
  if (!stranded) return fail(stranded.status().message());
  Result<std::vector<sync::EscrowGrantRecord>> grants =
      (*store)->escrow_grants("", sync::EscrowGrantRecord::State::refused);
  if (!grants) return fail(grants.status().message());
  Result<std::vector<sync::SharedStock>> shared = (*store)->shared_stock();
  if (!shared) return fail(shared.status().message());
  std::vector<sync::SharedStock> uncounted;
  std::copy_if(shared->begin(), shared->end(), std::back_inserter(uncounted),
               [](const sync::SharedStock& stock) { return stock.uncounted_units > 0; });
  std::erase_if(*shared, [](const sync::SharedStock& stock) { return stock.free_units >= 0; });

  // Each section is titled, and says "none" rather than leave a bare header.
  std::cout << "inventory deltas refused:\n";
  if (deltas->empty()) {
    std::cout << "  none\n";
  } else {
    print_deltas(*deltas, true);
  }
  std::cout << "\nnode closures refused:\n";
  if (closures->empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto closure, auto change, auto gateway, auto node, auto why) {
      print_line(
          fmt::format("{:>7}  {:<6}  {:<20} {:<16} {}", closure, change, gateway, node, why));
    };
    row("closure", "change", "gateway", "node", "refused because");
    for (const sync::NodeClosureDelivery& closure : *closures) {
      row(closure.closure_id, closure.reopen ? "reopen" : "close", closure.gateway_id,
          closure.node_id, closure.refusal);
    }
  }
  std::cout << "\norders stranded by central's changes (a closed node, a count short):\n";
  if (stranded->empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto gateway, auto order, auto node, auto sequence, auto reason) {
      print_line(
          fmt::format("{:<20} {:<24} {:<16} {:>9}  {}", gateway, order, node, sequence, reason));
    };
    row("gateway", "order", "node", "sequence", "reason");
    for (const sync::StrandedOrder& order : *stranded)
      row(order.gateway_id, order.order_id, order.node_id, order.sequence, order.reason);
  }
  // A refused grant stops the top-ups of its lease until `quota grant` sets the quota again.
  std::cout << "\nescrow grants refused (no more top-ups until the quota is set again):\n";
  if (grants->empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto grant, auto gateway, auto node, auto sku, auto units, auto why) {
      print_line(fmt::format("{:>6}  {:<20} {:<16} {:<20} {:>7}  {}", grant, gateway, node, sku,
                             units, why));
    };
    row("grant", "gateway", "node", "sku", "units", "refused because");
    for (const sync::EscrowGrantRecord& grant : *grants)
      row(grant.id, grant.gateway_id, grant.node_id, grant.sku_id, grant.units, grant.refusal);
  }
  std::cout << "\nshared stock below what its leases hold (free units below 0):\n";
  if (shared->empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto node, auto sku, auto free, auto leased) {
      print_line(fmt::format("{:<16} {:<20} {:>10} {:>10}", node, sku, free, leased));
    };
    row("node", "sku", "free", "leased");
    for (const sync::SharedStock& stock : *shared)
      row(stock.node_id, stock.sku_id, stock.free_units, stock.leased_units);
  }
  std::cout << "\nshared stock reclaimed from retired gateways, waiting for a count "
               "(`inventory set`):\n";
  if (uncounted.empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto node, auto sku, auto units) {
      print_line(fmt::format("{:<16} {:<20} {:>10}", node, sku, units));
    };
    row("node", "sku", "uncounted");
    for (const sync::SharedStock& stock : uncounted)
      row(stock.node_id, stock.sku_id, stock.uncounted_units);
  }
  return kExitOk;
}

// `inventory shared`: every shared (node, SKU) and how much of it is leased.
int run_inventory_shared(const std::string& database) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::SharedStock>> shared = (*store)->shared_stock();
  if (!shared) return fail(shared.status().message());
  if (shared->empty()) {
    std::cout << "no shared stock; `inventory set` counts it\n";
    return kExitOk;
  }
  const auto row = [](auto node, auto sku, auto free, auto leased, auto uncounted, auto updated) {
    print_line(fmt::format("{:<16} {:<20} {:>10} {:>10} {:>10}  {}", node, sku, free, leased,
                           uncounted, updated));
  };
  row("node", "sku", "free", "leased", "uncounted", "counted or adjusted");
  for (const sync::SharedStock& stock : *shared)
    row(stock.node_id, stock.sku_id, stock.free_units, stock.leased_units, stock.uncounted_units,
        utc_text(stock.updated_at_us));
  return kExitOk;
}

// `inventory homed`: the stock of record of the nodes gateways home, as their stock
// reports said, and how far behind what central holds of their journals each is.
int run_inventory_homed(const std::string& database, const std::string& node_id) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::HomedStock>> homed = (*store)->homed_stock(node_id);
  if (!homed) return fail(homed.status().message());
  if (homed->empty()) {
    std::cout << (node_id.empty()
                      ? std::string("no homed stock reported yet; gateways report "
                                    "theirs once their journal has caught up\n")
                      : fmt::format("no homed stock reported for node '{}'\n", node_id));
    return kExitOk;
  }
  const auto row = [](auto node, auto sku, auto gateway, auto on_hand, auto reserved, auto as_of,
                      auto behind, auto reported) {
    print_line(fmt::format("{:<16} {:<20} {:<16} {:>9} {:>9} {:>10} {:>8}  {}", node, sku, gateway,
                           on_hand, reserved, as_of, behind, reported));
  };
  row("node", "sku", "gateway", "on_hand", "reserved", "as_of_seq", "behind", "reported");
  for (const sync::HomedStock& stock : *homed) {
    // Entries central holds that the record does not reflect yet.
    const std::uint64_t behind =
        stock.central_mark > stock.as_of_sequence ? stock.central_mark - stock.as_of_sequence : 0;
    row(stock.node_id, stock.sku_id, stock.gateway_id, stock.on_hand, stock.reserved,
        stock.as_of_sequence, behind, utc_text(stock.reported_at_us));
  }
  return kExitOk;
}

struct QuotaOptions {
  std::string database;
  std::string gateway_id;
  std::string node_id;
  std::string sku_id;
  std::int32_t units = 0;
  std::int64_t lease_minutes = 60;
};

// `quota grant`: keep a gateway topped up with a lease of shared stock.
int run_quota_grant(const QuotaOptions& options) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(options.database);
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  const sync::EscrowQuota quota{options.gateway_id,
                                options.node_id,
                                options.sku_id,
                                options.units,
                                options.lease_minutes * 60,
                                0};
  if (Status set = (*store)->set_escrow_quota(quota, now_us(clock)); !set.is_ok())
    return fail(set.message());
  if (options.units == 0) {
    std::cout << fmt::format(
        "quota of gateway {} for {} at {}: 0, no more top-ups; what its lease holds comes "
        "back when the lease runs out\n",
        options.gateway_id, options.sku_id, options.node_id);
    return kExitOk;
  }
  Result<std::vector<sync::SharedStock>> shared = (*store)->shared_stock();
  if (!shared) return fail(shared.status().message());
  std::int64_t free_units = 0;
  for (const sync::SharedStock& stock : *shared)
    if (stock.node_id == options.node_id && stock.sku_id == options.sku_id)
      free_units = stock.free_units;
  std::cout << fmt::format(
      "quota of gateway {} for {} at {}: kept topped up to {} unreserved unit(s), each lease "
      "running {} minute(s); a running server grants it from the {} unit(s) free to lease\n",
      options.gateway_id, options.sku_id, options.node_id, options.units, options.lease_minutes,
      free_units);
  return kExitOk;
}

// `quota list`: the quotas, the leases as central knows them, and the grants not yet
// answered, each under its own title.
int run_quota_list(const std::string& database) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::EscrowQuota>> quotas = (*store)->escrow_quotas("");
  if (!quotas) return fail(quotas.status().message());
  Result<std::vector<sync::EscrowLease>> leases = (*store)->escrow_leases();
  if (!leases) return fail(leases.status().message());
  Result<std::vector<sync::EscrowGrantRecord>> pending =
      (*store)->escrow_grants("", sync::EscrowGrantRecord::State::pending);
  if (!pending) return fail(pending.status().message());

  std::cout << "escrow quotas:\n";
  if (quotas->empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto gateway, auto node, auto sku, auto units, auto lease, auto set) {
      print_line(fmt::format("{:<20} {:<16} {:<20} {:>7} {:>14}  {}", gateway, node, sku, units,
                             lease, set));
    };
    row("gateway", "node", "sku", "units", "lease minutes", "set");
    for (const sync::EscrowQuota& quota : *quotas)
      row(quota.gateway_id, quota.node_id, quota.sku_id, quota.units, quota.lease_seconds / 60,
          utc_text(quota.set_at_us));
  }
  std::cout << "\nescrow leases:\n";
  if (leases->empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto gateway, auto node, auto sku, auto epoch, auto outstanding,
                        auto granted, auto returned, auto shipped, auto expires, auto report) {
      print_line(fmt::format("{:<20} {:<16} {:<20} {:>6} {:>11} {:>9} {:>9} {:>9}  {:<20}  {}",
                             gateway, node, sku, epoch, outstanding, granted, returned, shipped,
                             expires, report));
    };
    row("gateway", "node", "sku", "epoch", "outstanding", "granted", "returned", "shipped",
        "expires", "last report");
    for (const sync::EscrowLease& lease : *leases) {
      const std::string report =
          lease.reported_unreserved_units < 0
              ? std::string("none since the newest grant")
              : fmt::format("{} unreserved, {} reserved at {}", lease.reported_unreserved_units,
                            lease.reported_reserved_units, utc_text(lease.reported_at_us));
      row(lease.gateway_id, lease.node_id, lease.sku_id, lease.epoch, lease.outstanding_units,
          lease.granted_units, lease.returned_units, lease.shipped_units,
          utc_text(lease.expires_at_us), report);
    }
  }
  std::cout << "\nescrow grants pending (sent until the gateway's journal applies them):\n";
  if (pending->empty()) {
    std::cout << "  none\n";
  } else {
    const auto row = [](auto grant, auto gateway, auto node, auto sku, auto epoch, auto units,
                        auto created) {
      print_line(fmt::format("{:>6}  {:<20} {:<16} {:<20} {:>6} {:>7}  {}", grant, gateway, node,
                             sku, epoch, units, created));
    };
    row("grant", "gateway", "node", "sku", "epoch", "units", "granted");
    for (const sync::EscrowGrantRecord& grant : *pending)
      row(grant.id, grant.gateway_id, grant.node_id, grant.sku_id, grant.epoch, grant.units,
          utc_text(grant.created_at_us));
  }
  return kExitOk;
}

// `quota reclaim`: the leases of a retired gateway that will not sync again, taken back.
int run_quota_reclaim(const std::string& database, const std::string& gateway_id) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  Result<std::vector<sync::EscrowLease>> reclaimed =
      (*store)->reclaim_escrow_leases(gateway_id, now_us(clock));
  if (!reclaimed) return fail(reclaimed.status().message());
  if (reclaimed->empty()) {
    std::cout << fmt::format("gateway {} holds no leased units; nothing changed\n", gateway_id);
    return kExitOk;
  }
  for (const sync::EscrowLease& lease : *reclaimed) {
    std::cout << fmt::format("reclaimed {} unit(s) of {} at {} from gateway {}",
                             lease.outstanding_units, lease.sku_id, lease.node_id, gateway_id);
    // What its orders held at its last report: units a partner may still ship.
    if (lease.reported_unreserved_units >= 0 && lease.reported_reserved_units > 0) {
      std::cout << fmt::format("; its orders held {} of them at its last report, {}",
                               lease.reported_reserved_units, utc_text(lease.reported_at_us));
    }
    std::cout << '\n';
  }
  std::cout << "they are not free to lease: the gateway may have sold some. Count each node "
               "(`inventory set`) once its orders there have shipped or been cancelled\n";
  return kExitOk;
}

struct NodeOptions {
  std::string database;
  std::string node_id;
  std::string reason;
};

// `node close` and `node reopen`: the record, and the gateways it goes to.
int run_node_change(const NodeOptions& options, bool reopen) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(options.database);
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  Result<std::uint64_t> id =
      reopen ? (*store)->add_node_reopening(options.node_id, options.reason, now_us(clock))
             : (*store)->add_node_closure(options.node_id, options.reason, now_us(clock));
  if (!id) return fail(id.status().message());
  Result<std::vector<sync::NodeClosureDelivery>> deliveries =
      (*store)->node_closure_deliveries("", std::nullopt);
  if (!deliveries) return fail(deliveries.status().message());
  std::string gateways;
  std::size_t count = 0;
  for (const sync::NodeClosureDelivery& delivery : *deliveries) {
    if (delivery.closure_id != *id) continue;
    gateways += (count++ == 0 ? "" : ", ") + delivery.gateway_id;
  }
  std::cout << fmt::format(
      "{} {} of node {}: sent to {} gateway(s) ({}); pending until each journals it\n",
      reopen ? "reopening" : "closure", *id, options.node_id, count, gateways);
  Result<std::vector<sync::GatewayRecord>> registered = (*store)->gateways();
  if (!registered) return fail(registered.status().message());
  std::string retired;
  for (const sync::GatewayRecord& gateway : *registered)
    if (gateway.retired()) retired += (retired.empty() ? "" : ", ") + gateway.gateway_id;
  if (!retired.empty()) std::cout << fmt::format("not sent to retired gateway(s): {}\n", retired);
  if (reopen) {
    // Not refused (what central recorded need not be what every gateway holds), but worth
    // saying: most likely a mistyped node.
    // The reopening is stored: a failed read here only loses the note.
    Result<std::vector<sync::NodeClosure>> records = (*store)->node_closures();
    bool closed = !records;
    if (records) {
      for (const sync::NodeClosure& record : *records)
        if (record.node_id == options.node_id && record.id < *id) closed = !record.reopen;
    }
    if (!closed) {
      std::cout << fmt::format(
          "note: node {} was not closed at central (never, or reopened since); a gateway "
          "where it is open changes nothing\n",
          options.node_id);
    }
  }
  return kExitOk;
}

int run_node_closures(const std::string& database) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  Result<std::vector<sync::NodeClosure>> closures = (*store)->node_closures();
  if (!closures) return fail(closures.status().message());
  Result<std::vector<sync::GatewayRecord>> registered = (*store)->gateways();
  if (!registered) return fail(registered.status().message());
  std::map<std::string, std::int64_t, std::less<>> retired_at;
  for (const sync::GatewayRecord& gateway : *registered)
    if (gateway.retired()) retired_at.emplace(gateway.gateway_id, gateway.retired_at_us);
  if (closures->empty()) std::cout << "no node closed\n";
  for (const sync::NodeClosure& closure : *closures) {
    // Closures and reopenings share one sequence of ids: in id order they tell what
    // central decided about a node, and in which order the gateways apply it.
    print_line(fmt::format("{} {}: node {}, {} {}{}{}", closure.reopen ? "reopening" : "closure",
                           closure.id, closure.node_id, closure.reopen ? "reopened" : "closed",
                           utc_text(closure.created_at_us), closure.reason.empty() ? "" : ": ",
                           closure.reason));
    print_line(fmt::format("  {:<24} {:<8} {:>10}  {}", "gateway", "state", "sequence",
                           "refused because, or note"));
    for (const sync::NodeClosureDelivery& delivery : closure.deliveries) {
      // A pending delivery of a retired gateway waits for nothing but its registration.
      std::string detail = delivery.refusal;
      if (const auto retired = retired_at.find(delivery.gateway_id);
          retired != retired_at.end() &&
          delivery.state == sync::NodeClosureDelivery::State::pending) {
        detail = fmt::format("gateway retired {}: offered only if registered again",
                             utc_text(retired->second));
      }
      print_line(fmt::format(
          "  {:<24} {:<8} {:>10}  {}", delivery.gateway_id, sync::to_string(delivery.state),
          delivery.applied_at_sequence == 0 ? std::string("-")
                                            : std::to_string(delivery.applied_at_sequence),
          detail));
    }
  }
  return kExitOk;
}

// The whole of a file, or why not (naming it).
Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(StatusCode::not_found,
                  fmt::format("{}: cannot read it: {}", path, std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Status(StatusCode::io_error, fmt::format("{}: read failed", path));
  return contents.str();
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// A new file holding `contents`, readable by its owner only; an existing file is never
// replaced (losing a signing key would leave every gateway trusting a key no one has).
Status write_new_private_file(const std::string& path, std::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status(StatusCode::already_exists,
                    fmt::format("{}: exists; a key file is never overwritten (move it away "
                                "first)",
                                path));
    }
    return Status(StatusCode::io_error, fmt::format("{}: create: {}", path, std::strerror(errno)));
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t wrote = ::write(fd, contents.data() + written, contents.size() - written);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      const Status failed(StatusCode::io_error,
                          fmt::format("{}: write: {}", path, std::strerror(errno)));
      ::close(fd);
      ::unlink(path.c_str());
      return failed;
    }
    written += static_cast<std::size_t>(wrote);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const Status failed(StatusCode::io_error,
                        fmt::format("{}: sync: {}", path, std::strerror(errno)));
    ::unlink(path.c_str());
    return failed;
  }
  return Status::ok();
}

int run_policy_keygen(const std::string& secret_key_path) {
  const sync::SigningKey key = sync::generate_signing_key();
  const std::string secret = sync::to_base64(key.secret) + "\n";
  if (Status written = write_new_private_file(absolute(secret_key_path), secret); !written.is_ok())
    return fail(written.message());
  std::cerr << fmt::format("secret key written to {} (mode 0600); keep it off the gateways\n",
                           absolute(secret_key_path));
  // What each gateway's configuration carries to trust policies signed with this key.
  std::cout << fmt::format("\"policy_trust_anchor\": \"{}\"\n", sync::to_base64(key.public_key));
  return kExitOk;
}

struct PolicyPushOptions {
  std::string database;
  std::string policy_file;
  std::string secret_key_file;
  std::uint32_t expires_in_hours = 168;
  std::uint32_t wave_size = 0;
  std::uint32_t max_failures = 1;
  std::uint32_t wave_timeout_minutes = 0;  // 0: a wave waits for every gateway before it
};

constexpr std::int64_t kMicrosPerMinute = 60'000'000;
// A year, leap day included: a longer wait is no time limit in practice.
constexpr std::uint32_t kMaxWaveTimeoutMinutes = 366U * 24U * 60U;

// "; a wave waits at most M minute(s) for a gateway", or nothing without a limit.
std::string wave_timeout_text(std::int64_t wave_timeout_us) {
  if (wave_timeout_us <= 0) return "";
  return fmt::format("; a wave waits at most {} minute(s) for a gateway",
                     wave_timeout_us / kMicrosPerMinute);
}

// The policy document's version, read through the policy schema: central has no
// network to validate the policy against (each gateway validates it against its own).
Result<std::uint64_t> policy_version(const std::string& path, std::string_view json) {
  static const SchemaJson schema(routing::embedded::policy_schema(), "Policy");
  Result<std::vector<std::uint8_t>> parsed = schema.parse(json);
  if (!parsed)
    return Status(StatusCode::invalid_argument,
                  fmt::format("{}: {}", path, parsed.status().message()));
  flatbuffers::Verifier verifier(parsed->data(), parsed->size());
  if (!routing::fbs::VerifyPolicyBuffer(verifier))
    return Status(StatusCode::internal,
                  fmt::format("{}: the parsed policy fails verification", path));
  const std::uint64_t version = routing::fbs::GetPolicy(parsed->data())->version();
  if (version == 0) {
    return Status(StatusCode::invalid_argument,
                  fmt::format("{}: \"version\" is 0 or missing; a pushed policy has a version "
                              "of 1 or more, above every one pushed before",
                              path));
  }
  return version;
}

int run_policy_push(const PolicyPushOptions& options) {
  const std::string policy_path = absolute(options.policy_file);
  Result<std::string> json = read_file(policy_path);
  if (!json) return fail(json.status().message());
  Result<std::uint64_t> version = policy_version(policy_path, *json);
  if (!version) return fail(version.status().message());
  const std::string key_path = absolute(options.secret_key_file);
  Result<std::string> key_text = read_file(key_path);
  if (!key_text) return fail(key_text.status().message());
  Result<sync::SigningKey> key = sync::decode_signing_key(trimmed(*key_text));
  if (!key) return fail(fmt::format("{}: {}", key_path, key.status().message()));
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(options.database);
  if (!store) return fail(store.status().message());

  hal::LinuxClock clock;
  const std::int64_t now = now_us(clock);
  sync::PolicyBundleContents contents;
  contents.version = *version;
  contents.issued_at_us = now;
  contents.expires_at_us =
      now + static_cast<std::int64_t>(options.expires_in_hours) * 3'600'000'000LL;
  contents.policy_json = std::move(*json);
  sync::PolicyRelease release;
  release.version = *version;
  release.signed_bundle = sync::sign_policy_bundle(contents, *key);
  release.expires_at_us = contents.expires_at_us;
  release.wave_size = options.wave_size;
  release.max_failures = options.max_failures;
  release.wave_timeout_us =
      static_cast<std::int64_t>(options.wave_timeout_minutes) * kMicrosPerMinute;
  if (Status added = (*store)->add_policy(release, now); !added.is_ok())
    return fail(added.message());
  std::cout << fmt::format(
      "policy version {} pushed ({} bytes signed), expires {}; offered {}{}; the rollout halts "
      "after {} refusal(s), revert(s) or rollback(s)\n",
      release.version, release.signed_bundle.size(), utc_text(release.expires_at_us),
      release.wave_size == 0
          ? std::string("to every gateway at once")
          : fmt::format("in waves of {} gateway(s), each once every gateway of the waves before "
                        "it settled{}",
                        release.wave_size, release.wave_timeout_us > 0 ? " or timed out" : ""),
      wave_timeout_text(release.wave_timeout_us), release.max_failures);
  return kExitOk;
}

std::string standing_text(const sync::PolicyRollout::Gateway& gateway) {
  using Standing = sync::PolicyRollout::Standing;
  switch (gateway.standing) {
    case Standing::reported: return std::string(sync::to_string(gateway.outcome->change));
    case Standing::waiting: return "waiting";
    case Standing::later_wave: return "not yet offered";
    case Standing::not_offered: return "not offered";
    case Standing::timed_out:
      // Still offered when it said nothing; on trial, its verdict is awaited.
      return gateway.outcome
                 ? fmt::format("timed out ({})", sync::to_string(gateway.outcome->change))
                 : std::string("timed out");
    case Standing::retired:
      // What it did before it was retired, when it did anything.
      return gateway.outcome ? fmt::format("retired ({})", sync::to_string(gateway.outcome->change))
                             : std::string("retired");
  }
  return "unknown";
}

int run_policy_status(const std::string& database) {
  Result<std::unique_ptr<sync::CentralStore>> store = existing_store(database);
  if (!store) return fail(store.status().message());
  hal::LinuxClock clock;
  Result<std::vector<sync::PolicyRollout>> rollouts = (*store)->policy_rollouts(now_us(clock));
  if (!rollouts) return fail(rollouts.status().message());
  if (rollouts->empty()) std::cout << "no policy pushed\n";
  for (const sync::PolicyRollout& rollout : *rollouts) {
    std::cout << fmt::format(
        "policy version {}: {}; pushed {}, expires {}; {}{}; halts at {} failure(s), {} so far\n",
        rollout.version, sync::to_string(rollout.state), utc_text(rollout.pushed_at_us),
        utc_text(rollout.expires_at_us),
        rollout.wave_size == 0 ? std::string("every gateway at once")
                               : fmt::format("waves of {}", rollout.wave_size),
        wave_timeout_text(rollout.wave_timeout_us), rollout.max_failures, rollout.failures);
    std::cout << fmt::format("  {:<24} {:>5}  {:<21} {:>10}  reason\n", "gateway", "wave",
                             "outcome", "sequence");
    for (const sync::PolicyRollout::Gateway& gateway : rollout.gateways) {
      const bool reported = gateway.outcome.has_value();
      // A retired gateway has no place in any wave.
      const bool retired = gateway.standing == sync::PolicyRollout::Standing::retired;
      const std::string line = fmt::format(
          "  {:<24} {:>5}  {:<21} {:>10}  {}", gateway.gateway_id,
          retired ? std::string("-") : std::to_string(gateway.wave), standing_text(gateway),
          reported ? std::to_string(gateway.outcome->sequence) : "-",
          reported ? gateway.outcome->reason : "");
      std::cout << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
    }
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
  CLI::App* retire = gateway->add_subcommand(
      "retire",
      "Retire a gateway gone for good: it no longer holds up policy rollouts, is sent no new "
      "node closure or inventory delta, and its connection is refused (gateway add brings it "
      "back)");
  retire->add_option("GATEWAY_ID", *gateway_id, "The gateway's id")->required();
  retire->add_option("--db", *database, "Central's database")->required();
  retire->callback([database, gateway_id, &exit_code] {
    exit_code = run_gateway_retire(*database, *gateway_id);
  });

  auto delta = std::make_shared<DeltaOptions>();
  CLI::App* inventory =
      app.add_subcommand("inventory", "Changes of stock decided at central, for the gateways");
  inventory->require_subcommand(1);
  CLI::App* adjust = inventory->add_subcommand(
      "adjust",
      "Add units to (or take them from) a node's on-hand: through the gateway that homes it, "
      "or without --gateway the shared stock of a node no gateway homes");
  adjust->add_option("--gateway", delta->gateway_id,
                     "The gateway that homes the node (none: shared stock)");
  adjust->add_option("--node", delta->node_id, "The node")->required();
  adjust->add_option("--sku", delta->sku_id, "The SKU")->required();
  adjust->add_option("--units", delta->units, "Units: + a receipt, - a write-off")->required();
  adjust->add_option("--reason", delta->reason,
                     "The document behind the change (a delta to a gateway only)");
  adjust->add_option("--db", delta->database, "Central's database")->required();
  adjust->callback([delta, &exit_code] { exit_code = run_inventory_adjust(*delta); });
  CLI::App* deltas = inventory->add_subcommand(
      "deltas", "List inventory deltas: pending, applied (at which journal entry), refused");
  deltas->add_option("--gateway", delta->gateway_id, "Only this gateway's");
  deltas->add_option("--state", delta->state, "pending, applied or refused");
  deltas->add_option("--db", delta->database, "Central's database")->required();
  deltas->callback([delta, &exit_code] {
    exit_code = list_deltas(delta->database, delta->gateway_id, delta->state);
  });

  CLI::App* set_stock = inventory->add_subcommand(
      "set",
      "Count the shared stock of a node no gateway homes: what central can lease to gateways "
      "is the count less what their leases hold");
  set_stock->add_option("--node", delta->node_id, "The node")->required();
  set_stock->add_option("--sku", delta->sku_id, "The SKU")->required();
  set_stock->add_option("--units", delta->units, "The units counted at the node")->required();
  set_stock->add_option("--db", delta->database, "Central's database")->required();
  set_stock->callback([delta, &exit_code] { exit_code = run_inventory_set(*delta); });
  CLI::App* shared = inventory->add_subcommand(
      "shared", "List shared stock: per node and SKU, the units free to lease and leased");
  shared->add_option("--db", delta->database, "Central's database")->required();
  shared->callback([delta, &exit_code] { exit_code = run_inventory_shared(delta->database); });
  CLI::App* homed = inventory->add_subcommand(
      "homed",
      "List the stock of record of the nodes gateways home, as their stock reports said: per "
      "node and SKU, on hand and reserved, the journal entry it stands at and how many entries "
      "central holds beyond it");
  homed->add_option("--node", delta->node_id, "Only this node's");
  homed->add_option("--db", delta->database, "Central's database")->required();
  homed->callback(
      [delta, &exit_code] { exit_code = run_inventory_homed(delta->database, delta->node_id); });

  auto quota_options = std::make_shared<QuotaOptions>();
  CLI::App* quota =
      app.add_subcommand("quota", "Escrow: leases of shared stock kept topped up per gateway");
  quota->require_subcommand(1);
  CLI::App* quota_grant = quota->add_subcommand(
      "grant",
      "Keep a gateway topped up to a number of unreserved units of shared stock, leased for a "
      "time (0 units: no more top-ups)");
  quota_grant->add_option("--gateway", quota_options->gateway_id, "The gateway")->required();
  quota_grant->add_option("--node", quota_options->node_id, "The node no gateway homes")
      ->required();
  quota_grant->add_option("--sku", quota_options->sku_id, "The SKU")->required();
  quota_grant->add_option("--units", quota_options->units, "Unreserved units to keep it at")
      ->required();
  quota_grant
      ->add_option("--lease-minutes", quota_options->lease_minutes,
                   "How long each grant runs before its unreserved units come back")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{60 * 24 * 366}))
      ->capture_default_str();
  quota_grant->add_option("--db", quota_options->database, "Central's database")->required();
  quota_grant->callback(
      [quota_options, &exit_code] { exit_code = run_quota_grant(*quota_options); });
  CLI::App* quota_list = quota->add_subcommand(
      "list",
      "List quotas, leases (epoch, outstanding, granted, returned, shipped, expiry, last "
      "report) and pending grants");
  quota_list->add_option("--db", quota_options->database, "Central's database")->required();
  quota_list->callback(
      [quota_options, &exit_code] { exit_code = run_quota_list(quota_options->database); });
  CLI::App* quota_reclaim = quota->add_subcommand(
      "reclaim",
      "Take back the leases of a retired gateway that will not sync again, once they have run "
      "out; the units wait for a count of their node");
  quota_reclaim->add_option("--gateway", quota_options->gateway_id, "The retired gateway")
      ->required();
  quota_reclaim->add_option("--db", quota_options->database, "Central's database")->required();
  quota_reclaim->callback([quota_options, &exit_code] {
    exit_code = run_quota_reclaim(quota_options->database, quota_options->gateway_id);
  });

  CLI::App* conflicts = app.add_subcommand(
      "conflicts",
      "What gateways could not apply, with their reasons, the orders stranded at closed "
      "nodes, shared stock below what its leases hold, and units reclaimed from retired "
      "gateways waiting for a count: for an operator to settle");
  conflicts->add_option("--db", delta->database, "Central's database")->required();
  conflicts->callback([delta, &exit_code] { exit_code = run_conflicts(delta->database); });

  auto node_options = std::make_shared<NodeOptions>();
  CLI::App* node =
      app.add_subcommand("node", "Nodes closed (and reopened) at central, for every gateway");
  node->require_subcommand(1);
  CLI::App* node_close = node->add_subcommand(
      "close",
      "Close a node at every registered gateway: nothing more is routed there, and the "
      "orders holding stock there are routed again where they can be");
  node_close->add_option("--node", node_options->node_id, "The node")->required();
  node_close->add_option("--reason", node_options->reason, "Why, for the gateways' journals")
      ->required();
  node_close->add_option("--db", node_options->database, "Central's database")->required();
  node_close->callback(
      [node_options, &exit_code] { exit_code = run_node_change(*node_options, false); });
  CLI::App* node_reopen = node->add_subcommand(
      "reopen",
      "Reopen a node closed at central, at every registered gateway: it is routed to again; "
      "orders already moved away stay where they went");
  node_reopen->add_option("--node", node_options->node_id, "The node")->required();
  node_reopen->add_option("--reason", node_options->reason, "Why, for the gateways' journals");
  node_reopen->add_option("--db", node_options->database, "Central's database")->required();
  node_reopen->callback(
      [node_options, &exit_code] { exit_code = run_node_change(*node_options, true); });
  CLI::App* closures = node->add_subcommand(
      "closures",
      "List node closures and reopenings: per gateway pending, applied (at which journal "
      "entry) or refused (why)");
  closures->add_option("--db", node_options->database, "Central's database")->required();
  closures->callback(
      [node_options, &exit_code] { exit_code = run_node_closures(node_options->database); });

  auto push = std::make_shared<PolicyPushOptions>();
  CLI::App* policy =
      app.add_subcommand("policy", "Signed routing policies, rolled out to the gateways");
  policy->require_subcommand(1);
  CLI::App* keygen = policy->add_subcommand(
      "keygen", "Make a signing key: the secret key to a new file, the trust anchor to stdout");
  keygen->add_option("--secret-key", push->secret_key_file, "The new secret key file (mode 0600)")
      ->required();
  keygen->callback([push, &exit_code] { exit_code = run_policy_keygen(push->secret_key_file); });
  CLI::App* push_command = policy->add_subcommand(
      "push", "Sign a policy and store it for the gateways; a running server rolls it out");
  push_command->add_option("FILE", push->policy_file, "The policy document (JSON)")->required();
  push_command->add_option("--key", push->secret_key_file, "The secret key file (policy keygen)")
      ->required();
  push_command->add_option("--db", push->database, "Central's database")->required();
  push_command
      ->add_option("--expires-in-hours", push->expires_in_hours,
                   "No gateway takes the policy up after this many hours")
      ->check(CLI::Range(1U, 24U * 366U * 10U))
      ->capture_default_str();
  push_command
      ->add_option("--wave-size", push->wave_size,
                   "Gateways per wave, by id; a wave is offered once every gateway of the "
                   "waves before it settled (0: every gateway at once)")
      ->capture_default_str();
  push_command
      ->add_option("--max-failures", push->max_failures,
                   "Refusals, reverts or rollbacks at gateways that halt the rollout")
      ->check(CLI::Range(1U, 1'000'000U))
      ->capture_default_str();
  push_command
      ->add_option("--wave-timeout-minutes", push->wave_timeout_minutes,
                   "How long a wave waits for a gateway that does not answer; past it the "
                   "gateway no longer holds the next wave (it is still offered the policy, and "
                   "is no failure) (0: no limit)")
      ->check(CLI::Range(0U, kMaxWaveTimeoutMinutes))
      ->capture_default_str();
  push_command->callback([push, &exit_code] { exit_code = run_policy_push(*push); });
  CLI::App* status = policy->add_subcommand(
      "status", "Each pushed policy's rollout: its state and every gateway's outcome");
  status->add_option("--db", push->database, "Central's database")->required();
  status->callback([push, &exit_code] { exit_code = run_policy_status(push->database); });

  CLI::App* gateways = app.add_subcommand(
      "gateways", "List gateways: acknowledged sequence, last contact, retired since");
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
