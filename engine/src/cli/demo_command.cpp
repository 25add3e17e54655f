#include "cli/demo_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "cli/absolute_path.h"
#include "cli/exit_code.h"
#include "cli/progress_bar.h"
#include "edgeroute/demo/default_world.h"
#include "edgeroute/demo/demo_run.h"
#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/hal/storage.h"

namespace edgeroute::cli {
namespace {

struct DemoCommandOptions {
  demo::DemoOptions run;
  std::string write_world;
  bool progress = true;
};

int fail(const std::string& message) {
  std::cerr << "edgeroute demo: " << message << '\n';
  return kExitFailure;
}

int write_world(const DemoCommandOptions& options) {
  const demo::DefaultWorld world =
      demo::make_default_world({options.run.seed, options.run.sku_count});
  const std::string directory = absolute_path(options.write_world);
  std::error_code made;
  std::filesystem::create_directories(directory, made);
  if (made) return fail(fmt::format("{}: {}", directory, made.message()));
  hal::LinuxStorage storage;
  for (const auto& [name, text] : {std::pair{"network.json", &world.network_json},
                                   std::pair{"policy.json", &world.policy_json},
                                   std::pair{"inventory.json", &world.inventory_json}}) {
    const std::string path = directory + "/" + name;
    const Status written = hal::write_file_atomically(storage, path, *text);
    if (!written.is_ok()) return fail(written.message());
    std::cout << path << '\n';
  }
  return kExitOk;
}

// A fresh data directory for the demo's journal, removed afterwards unless the user
// named one.
class DemoDataDirectory {
 public:
  static Result<DemoDataDirectory> make(const std::string& requested) {
    DemoDataDirectory directory;
    if (!requested.empty()) {
      directory.path_ = absolute_path(requested);
      std::error_code made;
      std::filesystem::create_directories(directory.path_, made);
      if (made)
        return Status{StatusCode::io_error, fmt::format("{}: {}", directory.path_, made.message())};
      return directory;
    }
    std::string pattern =
        (std::filesystem::temp_directory_path() / "edgeroute-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Status{StatusCode::io_error, fmt::format("{}: {}", pattern, std::strerror(errno))};
    }
    directory.path_ = pattern;
    directory.remove_ = true;
    return directory;
  }
  DemoDataDirectory(DemoDataDirectory&& other) noexcept
      : path_(std::move(other.path_)), remove_(std::exchange(other.remove_, false)) {}
  DemoDataDirectory& operator=(DemoDataDirectory&&) = delete;
  ~DemoDataDirectory() {
    std::error_code ignored;
    if (remove_) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  DemoDataDirectory() = default;
  std::string path_;
  bool remove_ = false;
};

int run_demo_command(const DemoCommandOptions& options) {
  if (!options.write_world.empty()) return write_world(options);

  Result<DemoDataDirectory> directory = DemoDataDirectory::make(options.run.data_dir);
  if (!directory) return fail(directory.status().message());
  demo::DemoOptions run = options.run;
  run.data_dir = directory->path();

  std::cout << fmt::format(
                   "edgeroute demo: seed {}; default world: 1 owned fulfillment center, 5 "
                   "stores, 4 partner 3PLs, 3 drop-shippers, UPS/FedEx/USPS, {} SKUs\n"
                   "  sending {} orders over TCP to a gateway on 127.0.0.1 ({} in flight, "
                   "{} routing worker{}, journal in {})",
                   run.seed, run.sku_count, run.orders, run.window, run.routing_workers,
                   run.routing_workers == 1 ? "" : "s", run.data_dir)
            << std::endl;
  ProgressBar bar(options.progress, "orders");
  Result<demo::DemoResult> result = demo::run_demo(
      run, [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); });
  if (!result) return fail(result.status().message());
  std::cout << fmt::format("\nedgeroute demo: {} orders answered; journal at sequence {}\n\n{}",
                           result->summary.answered(), result->journal_sequence,
                           result->summary.to_text())
            << std::flush;
  return kExitOk;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  CLI::App* command =
      app.add_subcommand("demo", "Drive a day of orders through a gateway on the default world");
  auto options = std::make_shared<DemoCommandOptions>();
  command->add_option("--seed", options->run.seed, "Seed of the world and the orders")
      ->default_val(1);
  command->add_option("--orders", options->run.orders, "Orders to send")
      ->default_val(5000)
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}));
  command->add_option("--skus", options->run.sku_count, "SKUs in the catalog")
      ->default_val(10'000)
      ->check(CLI::Range(1, 1'000'000));
  command->add_option("--window", options->run.window, "Orders in flight on the connection")
      ->default_val(64)
      ->check(CLI::Range(1, 4096));
  command
      ->add_option("--workers", options->run.routing_workers,
                   "Routing workers (1 decides in send order: the same summary every run)")
      ->default_val(1)
      ->check(CLI::Range(1, 64));
  command->add_option("--data-dir", options->run.data_dir,
                      "Keep the journal here (default: a temporary directory, removed after)");
  command->add_option("--write-world", options->write_world,
                      "Write the default world's network, policy and inventory JSON here and exit");
  command->add_flag("!--no-progress", options->progress, "No progress bar");
  command->callback([options, &exit_code] { exit_code = run_demo_command(*options); });
}

}  // namespace edgeroute::cli
