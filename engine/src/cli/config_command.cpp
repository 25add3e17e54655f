#include "cli/config_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "cli/exit_code.h"
#include "edgeroute/firmware_config/config_file.h"

namespace edgeroute::cli {
namespace {

int check_config(const std::string& file_name) {
  const firmware_config::ConfigResult loaded = firmware_config::load_gateway_config(file_name);
  if (!loaded) {
    for (const firmware_config::ConfigError& error : loaded.errors()) {
      std::cerr << file_name << ": " << error.to_string() << '\n';
    }
    return kExitFailure;
  }
  const Result<std::string> text = firmware_config::to_json(*loaded);
  if (!text) {
    std::cerr << file_name << ": " << text.status().message() << '\n';
    return kExitFailure;
  }
  std::cout << *text;
  return kExitOk;
}

void add_check_command(CLI::App& config, int& exit_code) {
  CLI::App* check = config.add_subcommand(
      "check", "Validate a gateway configuration file and print the effective configuration");
  // Owned by the callback: CLI11 fills it during parsing, before the callback runs.
  auto file_name = std::make_shared<std::string>();
  check->add_option("FILE", *file_name, "Gateway configuration (JSON)")->required();
  check->callback([file_name, &exit_code] { exit_code = check_config(*file_name); });
}

}  // namespace

void add_config_command(CLI::App& app, int& exit_code) {
  CLI::App* config = app.add_subcommand("config", "Work with gateway configuration files");
  config->require_subcommand(1);
  add_check_command(*config, exit_code);
}

}  // namespace edgeroute::cli
