#include "cli/simulate_command.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli/absolute_path.h"
#include "cli/exit_code.h"
#include "cli/progress_bar.h"
#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/hal/storage.h"
#include "edgeroute/simulate/report_export.h"
#include "edgeroute/simulate/report_html.h"
#include "edgeroute/simulate/report_table.h"
#include "edgeroute/simulate/scenario.h"
#include "edgeroute/simulate/simulation.h"

namespace edgeroute::cli {
namespace {

struct SimulateCommandOptions {
  std::vector<std::string> scenario_files;
  std::vector<std::string> bands;
  std::vector<std::string> sensitivities;
  std::uint64_t seed = 1;
  std::int32_t orders_per_day = 0;  // 0: as each scenario says
  std::int32_t days = 0;            // 0: as each scenario says
  std::uint32_t sku_count = 10'000;
  std::uint32_t jobs = 0;  // 0: one per core
  std::string report_html;
  std::string report_json;
  std::string report_csv;
  bool progress = true;
};

int fail(const std::string& message, int code = kExitFailure) {
  std::cerr << "edgeroute simulate: " << message << '\n';
  return code;
}

// The runs asked for, in the order the report shows them: per scenario, each band, then
// each sensitivity (on the baseline band: a sensitivity asks how ordinary operation
// moves, and the bands already ask how peaks and failures do).
Result<std::vector<simulate::RunSpec>> plan_runs(const SimulateCommandOptions& options,
                                                 std::vector<std::string>& errors) {
  std::vector<simulate::Band> bands;
  for (const std::string& name : options.bands) {
    const std::optional<simulate::Band> band = simulate::parse_band(name);
    if (!band) {
      return Status{StatusCode::invalid_argument,
                    fmt::format("--band {}: not a band (baseline, peak, failure)", name)};
    }
    bands.push_back(*band);
  }
  if (bands.empty())
    bands = {simulate::Band::baseline, simulate::Band::peak, simulate::Band::failure};
  std::vector<simulate::Sensitivity> sensitivities;
  for (const std::string& name : options.sensitivities) {
    if (name == "all") {
      sensitivities = {simulate::Sensitivity::demand_plus_20,
                       simulate::Sensitivity::partner_fee_plus_10,
                       simulate::Sensitivity::labour_plus_15};
      break;
    }
    const std::optional<simulate::Sensitivity> sensitivity = simulate::parse_sensitivity(name);
    if (!sensitivity) {
      return Status{StatusCode::invalid_argument,
                    fmt::format("--sensitivity {}: not a sensitivity (demand+20, "
                                "partner_fee+10, labour+15, all)",
                                name)};
    }
    sensitivities.push_back(*sensitivity);
  }

  std::vector<simulate::RunSpec> runs;
  hal::LinuxStorage storage;
  for (const std::string& file : options.scenario_files) {
    Validated<simulate::Scenario> scenario =
        simulate::load_scenario_file(storage, absolute_path(file));
    if (!scenario) {
      for (const FieldError& error : scenario.errors()) errors.push_back(error.to_string());
      continue;
    }
    simulate::Scenario loaded = std::move(scenario).value();
    if (options.days > 0) loaded.demand.days = options.days;
    const auto add = [&](simulate::Band band, simulate::Sensitivity sensitivity) {
      simulate::RunSpec spec{loaded, band, sensitivity, options.seed, std::nullopt};
      if (options.orders_per_day > 0) spec.orders_per_day = options.orders_per_day;
      runs.push_back(std::move(spec));
    };
    for (const simulate::Band band : bands) add(band, simulate::Sensitivity::none);
    for (const simulate::Sensitivity sensitivity : sensitivities) {
      add(simulate::Band::baseline, sensitivity);
    }
  }
  if (!errors.empty()) return Status{StatusCode::invalid_argument, "scenario files"};
  return runs;
}

// Runs every spec on `jobs` threads; each run is deterministic on its own, so the
// report does not depend on which thread ran what.
std::vector<Validated<simulate::RunReport>> run_all(const simulate::BaseWorld& base,
                                                    const std::vector<simulate::RunSpec>& runs,
                                                    std::uint32_t jobs, ProgressBar& bar) {
  std::uint64_t total = 0;
  for (const simulate::RunSpec& spec : runs) total += simulate::planned_orders(spec);
  std::vector<std::optional<Validated<simulate::RunReport>>> results(runs.size());
  std::atomic<std::size_t> next_run{0};
  std::atomic<std::uint64_t> orders_done{0};
  std::atomic<std::size_t> runs_done{0};
  const simulate::RunProgress progress = [&orders_done](std::uint64_t orders) {
    orders_done.fetch_add(orders, std::memory_order_relaxed);
  };
  std::vector<std::thread> workers;
  for (std::uint32_t i = 0; i < jobs; ++i) {
    workers.emplace_back([&] {
      for (std::size_t run = next_run.fetch_add(1); run < runs.size();
           run = next_run.fetch_add(1)) {
        results[run] = simulate::run_simulation(base, runs[run], progress);
        runs_done.fetch_add(1, std::memory_order_release);
      }
    });
  }
  while (runs_done.load(std::memory_order_acquire) < runs.size()) {
    bar.update(std::min(orders_done.load(std::memory_order_relaxed), total - 1), total);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::thread& worker : workers) worker.join();
  bar.update(total, total);
  std::vector<Validated<simulate::RunReport>> reports;
  for (auto& result : results) reports.push_back(std::move(*result));
  return reports;
}

int write_output(const std::string& path, const std::string& text) {
  hal::LinuxStorage storage;
  const Status written = hal::write_file_atomically(storage, absolute_path(path), text);
  if (!written.is_ok()) return fail(written.message());
  std::cout << "wrote " << absolute_path(path) << '\n';
  return kExitOk;
}

int run_simulate_command(const SimulateCommandOptions& options) {
  std::vector<std::string> errors;
  Result<std::vector<simulate::RunSpec>> runs = plan_runs(options, errors);
  if (!runs) {
    if (errors.empty()) return fail(runs.status().message(), kExitUsage);
    for (const std::string& error : errors) fail(error);
    return kExitFailure;
  }
  const auto began = std::chrono::steady_clock::now();
  Result<std::shared_ptr<const simulate::BaseWorld>> base =
      simulate::make_base_world(options.seed, options.sku_count);
  if (!base) return fail(base.status().message());

  const std::uint32_t jobs = std::max<std::uint32_t>(
      1,
      std::min<std::uint32_t>(options.jobs > 0 ? options.jobs : std::thread::hardware_concurrency(),
                              static_cast<std::uint32_t>(runs->size())));
  std::cout << fmt::format("edgeroute simulate: seed {}, {} scenario{}, {} run{} on {} thread{}",
                           options.seed, options.scenario_files.size(),
                           options.scenario_files.size() == 1 ? "" : "s", runs->size(),
                           runs->size() == 1 ? "" : "s", jobs, jobs == 1 ? "" : "s")
            << std::endl;
  ProgressBar bar(options.progress, "orders");
  std::vector<Validated<simulate::RunReport>> results = run_all(**base, *runs, jobs, bar);

  simulate::SimulationReport report;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      for (const FieldError& error : results[i].errors()) {
        fail(fmt::format("{}: {}", (*runs)[i].scenario.name, error.to_string()));
      }
      return kExitFailure;
    }
    report.runs.push_back(std::move(results[i]).value());
  }
  report.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::uint64_t orders = 0;
  for (const simulate::RunReport& run : report.runs) orders += run.orders;
  std::cout << '\n' << simulate::format_report_table(report) << '\n';
  std::cout << fmt::format(
      "{} orders simulated in {:.1f} s ({:.0f} orders/s)\n", orders, report.wall_seconds,
      report.wall_seconds > 0 ? static_cast<double>(orders) / report.wall_seconds : 0.0);
  if (!options.report_html.empty()) {
    if (const int code = write_output(options.report_html, simulate::report_to_html(report));
        code != kExitOk) {
      return code;
    }
  }
  if (!options.report_json.empty()) {
    if (const int code = write_output(options.report_json, simulate::report_to_json(report));
        code != kExitOk) {
      return code;
    }
  }
  if (!options.report_csv.empty()) {
    if (const int code = write_output(options.report_csv, simulate::report_to_csv(report));
        code != kExitOk) {
      return code;
    }
  }
  return kExitOk;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  CLI::App* command = app.add_subcommand(
      "simulate", "Run scenarios through the routing core and compare operate vs orchestrate");
  auto options = std::make_shared<SimulateCommandOptions>();
  command->add_option("--scenario", options->scenario_files, "A scenario file (repeat to compare)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--band", options->bands,
                      "baseline, peak or failure (repeat; default: all three)");
  command->add_option("--sensitivity", options->sensitivities,
                      "demand+20, partner_fee+10, labour+15 or all, run on the baseline band "
                      "(repeat)");
  command->add_option("--seed", options->seed, "Seed of the world, the demand and the fates")
      ->default_val(1);
  command
      ->add_option("--orders-per-day", options->orders_per_day,
                   "Orders on an ordinary day, for every scenario (default: each scenario's)")
      ->check(CLI::Range(1, 10'000'000));
  command->add_option("--days", options->days, "Days of orders (default: each scenario's)")
      ->check(CLI::Range(1, 366));
  command->add_option("--skus", options->sku_count, "SKUs in the default world's catalog")
      ->default_val(10'000)
      ->check(CLI::Range(1, 1'000'000));
  command->add_option("--jobs", options->jobs, "Runs at once (default: one per core)")
      ->check(CLI::Range(1, 256));
  command->add_option("--report", options->report_html, "Write the HTML report with charts here");
  command->add_option("--json", options->report_json, "Write the figures as JSON here");
  command->add_option("--csv", options->report_csv, "Write one CSV row per run here");
  command->add_flag("!--no-progress", options->progress, "No progress bar");
  command->callback([options, &exit_code] { exit_code = run_simulate_command(*options); });
}

}  // namespace edgeroute::cli
