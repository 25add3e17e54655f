#include "cli/route_command.h"

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/absolute_path.h"
#include "cli/exit_code.h"
#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/decision_document.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/router.h"

namespace edgeroute::cli {
namespace {

namespace io = routing::io;

struct RouteFiles {
  std::string network;
  std::string inventory;
  std::string policy;
  std::string orders;
  std::string out;
  bool indented = false;  // one indented object after another, for people
  bool quote = false;     // delivery options per service level instead of decisions
};

// A problem that stops the run, already worded with the file it concerns.
struct Failure {
  std::vector<std::string> messages;
};

Failure failure(const std::string& file, const Status& status) {
  return {{fmt::format("{}: {}", file, status.message())}};
}

Failure failure(const std::string& file, const std::vector<FieldError>& errors) {
  Failure result;
  for (const FieldError& error : errors) {
    result.messages.push_back(fmt::format("{}: {}", file, error.to_string()));
  }
  return result;
}

struct OrderLine {
  std::size_t line_number = 0;
  io::OrderDocument document;
};

// Orders that parse, and the problems of the lines that do not.
struct OrderBatch {
  std::vector<OrderLine> orders;
  std::vector<std::string> unreadable;
};

OrderBatch parse_orders(const std::string& file, std::string_view text) {
  OrderBatch batch;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Result<io::OrderDocument> order = io::parse_order_json(line);
    if (!order) {
      batch.unreadable.push_back(
          fmt::format("{}:{}: {}", file, line_number, order.status().message()));
      continue;
    }
    batch.orders.push_back({line_number, std::move(order).value()});
  }
  return batch;
}

// The span of the orders' created_at instants, for the time-zone horizon.
io::OffsetHorizon horizon_of(const std::vector<OrderLine>& orders) {
  routing::UnixSeconds earliest = 0;
  routing::UnixSeconds latest = 0;
  bool any = false;
  for (const OrderLine& order : orders) {
    const auto* created = order.document.root().created_at();
    const auto instant = routing::parse_utc_instant(created->string_view());
    if (!instant) continue;
    earliest = any ? std::min(earliest, *instant) : *instant;
    latest = any ? std::max(latest, *instant) : *instant;
    any = true;
  }
  if (!any) earliest = latest = 0;
  // Promises look four weeks ahead of each order (promise.h).
  return io::OffsetHorizon::around(earliest, latest, 2 * routing::kPromiseSearchDays);
}

struct Tally {
  std::map<std::string, int> by_outcome;
  std::map<std::string, int> by_reason;
};

void count(Tally& tally, const routing::fbs::Decision& decision) {
  ++tally.by_outcome[routing::fbs::EnumNameOutcome(decision.outcome())];
  if (decision.reason() != routing::fbs::ReasonCode::none) {
    ++tally.by_reason[routing::fbs::EnumNameReasonCode(decision.reason())];
  }
}

int run_route(const RouteFiles& files) {
  hal::LinuxStorage storage;
  const auto read = [&](const std::string& file) { return storage.read_file(absolute_path(file)); };
  const auto report = [](const Failure& problem) {
    for (const std::string& message : problem.messages) std::cerr << message << '\n';
    return kExitFailure;
  };

  Result<routing::Geography> geography = routing::Geography::load_embedded();
  if (!geography) return report(failure("geography", geography.status()));
  auto shared_geography = std::make_shared<const routing::Geography>(std::move(geography).value());

  const Result<std::string> network_text = read(files.network);
  if (!network_text) return report(failure(files.network, network_text.status()));
  Validated<io::NetworkDocument> network = io::load_network_json(*network_text, *shared_geography);
  if (!network) return report(failure(files.network, network.errors()));

  const Result<std::string> inventory_text = read(files.inventory);
  if (!inventory_text) return report(failure(files.inventory, inventory_text.status()));
  Validated<io::InventoryDocument> inventory =
      io::load_inventory_json(*inventory_text, network->root());
  if (!inventory) return report(failure(files.inventory, inventory.errors()));

  const Result<std::string> policy_text = read(files.policy);
  if (!policy_text) return report(failure(files.policy, policy_text.status()));
  Validated<io::PolicyDocument> policy = io::load_policy_json(*policy_text, network->root());
  if (!policy) return report(failure(files.policy, policy.errors()));

  const Result<std::string> orders_text = read(files.orders);
  if (!orders_text) return report(failure(files.orders, orders_text.status()));
  OrderBatch batch = parse_orders(files.orders, *orders_text);

  auto network_model =
      io::compile_network(network->root(), shared_geography, horizon_of(batch.orders));
  if (!network_model) return report(failure(files.network, network_model.status()));
  auto policy_model = io::compile_policy(policy->root(), **network_model);
  if (!policy_model) return report(failure(files.policy, policy_model.status()));
  Result<routing::RoutingModel> model =
      routing::RoutingModel::create(*network_model, *policy_model);
  if (!model) return report(failure(files.policy, model.status()));
  Result<routing::InventoryTable> stock = io::compile_inventory(inventory->root(), **network_model);
  if (!stock) return report(failure(files.inventory, stock.status()));
  routing::CapacityCounters capacity((*network_model)->node_count());

  routing::Router router;
  std::string output;
  Tally tally;
  for (const OrderLine& order : batch.orders) {
    const routing::OrderResolution resolution =
        routing::resolve_order(order.document.root(), model->network());
    const auto decided_at =
        routing::parse_utc_instant(order.document.root().created_at()->string_view());
    const routing::UnixSeconds at = decided_at.value_or(0);
    const JsonLayout layout = files.indented ? JsonLayout::indented : JsonLayout::one_line;
    Result<std::string> json = [&]() -> Result<std::string> {
      if (!resolution.ok()) {
        const io::DecisionDocument rejection =
            io::build_rejection(order.document.root(), resolution, *model, at);
        count(tally, *routing::fbs::GetDecision(rejection.bytes().data()));
        return io::decision_to_json(rejection, layout);
      }
      if (files.quote) {
        const auto options = router.quote(resolution.request, *model, *stock, capacity);
        ++tally.by_outcome["quoted"];
        return io::quote_to_json(io::build_quote(options, resolution.request, *model, at), layout);
      }
      routing::PlanReservation reservation(*stock, capacity);
      const routing::RoutingDecision& routed =
          router.route(resolution.request, *model, *stock, capacity, reservation);
      // Batch routing has no journal: a routed order's reservation stands for the orders
      // after it, as an acknowledged decision's would in the gateway.
      if (reservation.holds_reservation()) reservation.keep();
      const io::DecisionDocument decision =
          io::build_decision(routed, resolution.request, *model, at);
      count(tally, *routing::fbs::GetDecision(decision.bytes().data()));
      return io::decision_to_json(decision, layout);
    }();
    if (!json) {
      return report(failure(fmt::format("{}:{}", files.orders, order.line_number), json.status()));
    }
    output += *json;
    output += '\n';
  }

  if (files.out == "-") {
    std::cout << output;
  } else if (Status written = hal::write_file_atomically(storage, absolute_path(files.out), output);
             !written.is_ok()) {
    return report(failure(files.out, written));
  }
  for (const std::string& problem : batch.unreadable) std::cerr << problem << '\n';
  std::string summary = fmt::format("{} orders:", batch.orders.size());
  for (const auto& [outcome, count] : tally.by_outcome) {
    summary += fmt::format(" {} {}", count, outcome);
  }
  for (const auto& [reason, count] : tally.by_reason) {
    summary += fmt::format(", {} {}", count, reason);
  }
  if (!batch.unreadable.empty())
    summary += fmt::format("; {} unreadable lines", batch.unreadable.size());
  std::cerr << summary << '\n';
  return batch.unreadable.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void add_route_command(CLI::App& app, int& exit_code) {
  CLI::App* route = app.add_subcommand(
      "route", "Route orders in batch: one JSON decision per order, with its explanation");
  // Owned by the callback: CLI11 fills it during parsing, before the callback runs.
  auto files = std::make_shared<RouteFiles>();
  route->add_option("--network", files->network, "Network (JSON)")->required();
  route->add_option("--inventory", files->inventory, "Inventory snapshot (JSON)")->required();
  route->add_option("--policy", files->policy, "Routing policy (JSON)")->required();
  route->add_option("--orders", files->orders, "Orders, one JSON object per line")->required();
  route->add_option("--out", files->out, "Decisions, one JSON object per line ('-': stdout)")
      ->default_val("-");
  route->add_flag("--quote", files->quote,
                  "Quote each order instead: delivery date and cost per service level, "
                  "nothing reserved");
  route->add_flag("--indented", files->indented,
                  "Indent each decision for reading (the output is then not JSON Lines)");
  route->callback([files, &exit_code] { exit_code = run_route(*files); });
}

}  // namespace edgeroute::cli
