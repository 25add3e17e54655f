#include "edgeroute/firmware_config/device_profiles.h"

#include <algorithm>
#include <array>

#include "edgeroute_firmware_config_files_embedded.h"

namespace edgeroute::firmware_config {
namespace {

struct Profile {
  std::string_view name;
  std::string_view (*json)();
};

// Sorted by name; the names are those of the files in firmware_config/profiles/.
constexpr std::array kProfiles{
    Profile{"generic-arm64", &embedded::profile_generic_arm64},
    Profile{"rpi4", &embedded::profile_rpi4},
    Profile{"x86-dev", &embedded::profile_x86_dev},
};

constexpr std::array<std::string_view, kProfiles.size()> kProfileNames = [] {
  std::array<std::string_view, kProfiles.size()> names{};
  std::transform(kProfiles.begin(), kProfiles.end(), names.begin(),
                 [](const Profile& profile) { return profile.name; });
  return names;
}();

}  // namespace

std::span<const std::string_view> known_device_profiles() {
  return kProfileNames;
}

std::string known_device_profiles_list() {
  std::string list;
  for (std::string_view name : kProfileNames) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

std::optional<std::string_view> device_profile_json(std::string_view name) {
  const auto* found = std::find_if(kProfiles.begin(), kProfiles.end(),
                                   [name](const Profile& profile) { return profile.name == name; });
  if (found == kProfiles.end()) return std::nullopt;
  return found->json();
}

}  // namespace edgeroute::firmware_config
