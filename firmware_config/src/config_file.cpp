#include "edgeroute/firmware_config/config_file.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/firmware_config/device_profiles.h"
#include "edgeroute/firmware_config/validate.h"
#include "field_order.h"
#include "merge.h"
#include "schema_json.h"

namespace edgeroute::firmware_config {
namespace {

std::vector<ConfigError> file_error(std::string message) {
  return {ConfigError{"", std::move(message)}};
}

// The buffer of the profile `file` names, or nullopt if it names none or an unknown
// one (validation reports that).
std::optional<detail::ConfigBuffer> profile_of(const fbs::GatewayConfig& file) {
  if (file.device_profile() == nullptr) return std::nullopt;
  const auto json = device_profile_json(file.device_profile()->string_view());
  if (!json) return std::nullopt;
  auto parsed = detail::parse_config_json(*json);
  // Profiles are compiled in and each is parsed by the tests; failing is a build defect.
  EDGEROUTE_ASSERT(parsed.has_value(), "an embedded device profile does not parse");
  return *std::move(parsed);
}

std::string too_large_message() {
  return fmt::format("is larger than {} bytes, the limit for a configuration", kConfigFileBytesMax);
}

std::string missing_message(std::string_view path, std::string_view profile) {
  if (path == "device_profile") {
    return fmt::format("is required (known: {})", known_device_profiles_list());
  }
  return fmt::format("is required; profile '{}' has no default for it", profile);
}

bool concerns(const ConfigError& error, std::string_view missing_path) {
  const std::string_view path = error.path;
  if (!path.starts_with(missing_path)) return false;
  return path.size() == missing_path.size() || path[missing_path.size()] == '.' ||
         path[missing_path.size()] == '[';
}

// Missing fields are reported once, as missing, not again as breaking a rule with
// the zero value they were left with. Without a known profile only device_profile's
// own absence is reported: everything else would be noise.
std::vector<ConfigError> collect_errors(const detail::MergedConfig& merged, bool has_profile) {
  std::vector<ConfigError> errors;
  for (const std::string& path : merged.missing_paths) {
    if (has_profile || path == "device_profile") {
      errors.push_back({path, missing_message(path, merged.config.device_profile)});
    }
  }
  for (ConfigError& error : validate(merged.config)) {
    const bool about_missing =
        std::any_of(merged.missing_paths.begin(), merged.missing_paths.end(),
                    [&error](const std::string& missing) { return concerns(error, missing); });
    if (!about_missing) errors.push_back(std::move(error));
  }
  detail::sort_in_schema_order(errors);
  return errors;
}

}  // namespace

ConfigResult parse_gateway_config(std::string_view json) {
  if (json.size() > kConfigFileBytesMax) return file_error(too_large_message());
  auto file = detail::parse_config_json(json);
  if (!file) return file_error(file.status().message());
  const std::optional<detail::ConfigBuffer> profile = profile_of(file->root());
  detail::MergedConfig merged =
      detail::merge_with_profile(file->root(), profile ? &profile->root() : nullptr);
  std::vector<ConfigError> errors = collect_errors(merged, profile.has_value());
  if (!errors.empty()) return errors;
  return std::move(merged.config);
}

ConfigResult load_gateway_config(const std::filesystem::path& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) return file_error(status_from_errno(errno, "cannot read").message());
  std::string text;
  std::array<char, 64 * 1024> chunk{};
  while (text.size() <= kConfigFileBytesMax) {
    const std::size_t read = std::fread(chunk.data(), 1, chunk.size(), file.get());
    text.append(chunk.data(), read);
    if (read < chunk.size()) break;
  }
  if (std::ferror(file.get())) return file_error(status_from_errno(errno, "cannot read").message());
  if (text.size() > kConfigFileBytesMax) return file_error(too_large_message());
  return parse_gateway_config(text);
}

}  // namespace edgeroute::firmware_config
