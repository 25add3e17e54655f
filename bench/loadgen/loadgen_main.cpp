// edgeroute_loadgen: end-to-end load on a gateway daemon (`edgeroute serve`) or on the
// echo server that stands in for one (edgeroute_echo_server), over the real wire
// protocol. load_generator.h says what the two loop disciplines measure; this file
// reads the command line and prints the figures, as a few lines for people and, with
// --json, as one JSON object on the last line for scripts (scripts/bench-e2e.sh).
//
//   edgeroute_loadgen --target 127.0.0.1:7400 --mode closed --connections 4 --in-flight 32
//   edgeroute_loadgen --target 127.0.0.1:7400 --mode open --rate 500 --duration 10 --json
//
// The gateway must run the default world the orders are drawn from: the same --seed
// and --skus as `edgeroute demo --write-world`.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "load_generator.h"

namespace edgeroute::bench {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

double microseconds(std::uint64_t nanoseconds) {
  return static_cast<double>(nanoseconds) / 1000.0;
}

std::string json_counts(const std::map<std::string, std::uint64_t>& counts) {
  std::string json = "{";
  for (const auto& [name, count] : counts) {
    json += fmt::format("{}\"{}\":{}", json.size() > 1 ? "," : "", name, count);
  }
  return json + "}";
}

std::string text_counts(const std::map<std::string, std::uint64_t>& counts) {
  if (counts.empty()) return "none";
  std::string text;
  for (const auto& [name, count] : counts) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", name, count);
  }
  return text;
}

std::string json_percentiles(const LatencyHistogram& histogram) {
  return fmt::format(
      R"({{"p50":{:.1f},"p90":{:.1f},"p99":{:.1f},"p999":{:.1f},"max":{:.1f},"mean":{:.1f}}})",
      microseconds(histogram.value_at_quantile(0.50)),
      microseconds(histogram.value_at_quantile(0.90)),
      microseconds(histogram.value_at_quantile(0.99)),
      microseconds(histogram.value_at_quantile(0.999)), microseconds(histogram.max_ns()),
      histogram.mean_ns() / 1000.0);
}

void print(const LoadOptions& options, const LoadResult& result, bool json) {
  const bool open = options.mode == LoopMode::open;
  const std::string shape = open ? fmt::format("open loop, {:.0f} requests/s over {} connection(s)",
                                               options.rate, options.connections)
                                 : fmt::format("closed loop, {} connection(s) x {} in flight",
                                               options.connections, options.in_flight);
  const LatencyHistogram& latency = result.latency;
  std::cout << fmt::format(
      "edgeroute_loadgen: {}:{}, {}, {} requests, {:.1f} s measured after {:.1f} s warm-up\n"
      "  sent {}  answered {}  unanswered {}  ok {}  connections lost {}\n"
      "  throughput {:.0f} answers/s\n"
      "  outcomes: {}\n"
      "  errors: {}\n"
      "  latency (us, {}): p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}\n",
      options.host, options.port, shape, options.request == RequestKind::route ? "route" : "ping",
      options.duration.count(), options.warmup.count(), result.sent, result.answered,
      result.unanswered(), result.ok, result.connections_lost, result.throughput(),
      text_counts(result.outcomes), text_counts(result.errors),
      open ? "from intended send time" : "from send time",
      microseconds(latency.value_at_quantile(0.50)), microseconds(latency.value_at_quantile(0.90)),
      microseconds(latency.value_at_quantile(0.99)), microseconds(latency.value_at_quantile(0.999)),
      microseconds(latency.max_ns()));
  if (open) {
    std::cout << fmt::format("  client send lag (us): p99 {:.1f}  max {:.1f}\n",
                             microseconds(result.send_lag.value_at_quantile(0.99)),
                             microseconds(result.send_lag.max_ns()));
  }
  if (!options.capture_decisions_path.empty()) {
    std::cout << fmt::format("  captured {} decisions in {}\n", result.decisions_captured,
                             options.capture_decisions_path);
  }
  if (!json) return;
  std::cout << fmt::format(
                   R"({{"target":"{}:{}","mode":"{}","request":"{}","connections":{},)"
                   R"("rate":{:.1f},"in_flight":{},"duration_s":{:.3f},"warmup_s":{:.3f},)"
                   R"("sent":{},"answered":{},"unanswered":{},"ok":{},"connections_lost":{},)"
                   R"("throughput_rps":{:.1f},"errors":{},"outcomes":{},)"
                   R"("latency_us":{},"send_lag_us":{}}})",
                   options.host, options.port, open ? "open" : "closed",
                   options.request == RequestKind::route ? "route" : "ping", options.connections,
                   open ? options.rate : 0.0, open ? 0 : options.in_flight,
                   options.duration.count(), options.warmup.count(), result.sent, result.answered,
                   result.unanswered(), result.ok, result.connections_lost, result.throughput(),
                   json_counts(result.errors), json_counts(result.outcomes),
                   json_percentiles(result.latency), json_percentiles(result.send_lag))
            << '\n';
}

// "host:port" into the options.
bool parse_target(const std::string& target, LoadOptions& options) {
  const std::size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    const unsigned long port = std::stoul(target.substr(colon + 1));
    if (port == 0 || port > 65535) return false;
    options.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return false;
  }
  options.host = target.substr(0, colon);
  return true;
}

}  // namespace
}  // namespace edgeroute::bench

int main(int argc, char** argv) {
  namespace bench = edgeroute::bench;
  CLI::App app("edgeroute_loadgen: end-to-end load on a gateway over its wire protocol",
               "edgeroute_loadgen");
  bench::LoadOptions options;
  std::string target;
  std::string mode = "closed";
  std::string request = "route";
  double duration = 10;
  double warmup = 2;
  double drain = 5;
  bool json = false;
  app.add_option("--target", target, "The gateway (or echo server): host:port")->required();
  app.add_option("--connections", options.connections, "Connections")
      ->default_val(1)
      ->check(CLI::Range(1, 4096));
  app.add_option("--mode", mode, "closed: keep --in-flight outstanding; open: send at --rate")
      ->default_val("closed")
      ->check(CLI::IsMember({"closed", "open"}));
  app.add_option("--rate", options.rate, "Open loop: requests per second over all connections")
      ->default_val(1000)
      ->check(CLI::PositiveNumber);
  app.add_option("--in-flight", options.in_flight,
                 "Closed loop: requests outstanding per connection")
      ->default_val(1)
      ->check(CLI::Range(1, 65536));
  app.add_option("--duration", duration, "Seconds measured")
      ->default_val(10)
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "Seconds sent before the measured ones, not recorded")
      ->default_val(2)
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drain", drain, "Seconds to wait for answers after the last request")
      ->default_val(5)
      ->check(CLI::NonNegativeNumber);
  app.add_option("--request", request, "What to send: route (RouteOrder) or ping")
      ->default_val("route")
      ->check(CLI::IsMember({"route", "ping"}));
  app.add_option("--seed", options.seed, "Seed of the default world the gateway runs")
      ->default_val(1);
  app.add_option("--skus", options.sku_count, "SKUs of the default world the gateway runs")
      ->default_val(10'000)
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--distinct-orders", options.distinct_orders,
                 "Distinct orders per connection, sent in turn, each with an id of its own")
      ->default_val(4096)
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--run-id", options.run_id,
                 "Part of every order id (default: the time and process id), unique per run "
                 "against one journal");
  app.add_option("--io-threads", options.io_threads, "I/O threads")
      ->default_val(1)
      ->check(CLI::Range(1, 2));
  app.add_option("--capture-decisions", options.capture_decisions_path,
                 "Write the first decisions received here, for edgeroute_echo_server --decisions");
  app.add_flag("--json", json, "Print the results as one JSON object too");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? bench::kExitOk : bench::kExitUsage;
  }
  if (!bench::parse_target(target, options)) {
    std::cerr << "edgeroute_loadgen: --target " << target << ": expected host:port\n";
    return bench::kExitUsage;
  }
  options.mode = mode == "open" ? bench::LoopMode::open : bench::LoopMode::closed;
  options.request = request == "ping" ? bench::RequestKind::ping : bench::RequestKind::route;
  options.duration = std::chrono::duration<double>(duration);
  options.warmup = std::chrono::duration<double>(warmup);
  options.drain = std::chrono::duration<double>(drain);
  if (options.run_id.empty()) {
    options.run_id = fmt::format("{}p{}",
                                 std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count(),
                                 ::getpid());
  }
  edgeroute::Result<bench::LoadResult> result = bench::run_load(options);
  if (!result) {
    std::cerr << "edgeroute_loadgen: " << result.status().message() << '\n';
    return bench::kExitFailure;
  }
  bench::print(options, *result, json);
  // Unanswered requests are a finding (a stalled server), not a failure of the run; a
  // connection the server dropped is.
  return result->connections_lost > 0 ? bench::kExitFailure : bench::kExitOk;
}
