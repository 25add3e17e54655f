// Device profiles: the defaults for each kind of hardware a gateway runs on, as JSON
// of the gateway configuration schema (firmware_config/profiles/<name>.json,
// compiled into the library). A gateway file names its profile in device_profile;
// the profile fills every field the file leaves out.
//
//   generic-arm64  a typical ARM64 gateway appliance
//   rpi4           Raspberry Pi 4: 4 cores, little memory, SD card
//   x86-dev        a developer's machine: loopback only, data under /tmp
//
// Profiles set hardware- and site-independent defaults only, never a gateway's
// identity (gateway_id, served_node_ids, central, policy_trust_anchor).
// Thread-safety: immutable data; callable from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace edgeroute::firmware_config {

// The profile names, sorted.
std::span<const std::string_view> known_device_profiles();

// "generic-arm64, rpi4, x86-dev", for messages.
std::string known_device_profiles_list();

// The profile's JSON text, or nullopt if no profile has that name.
std::optional<std::string_view> device_profile_json(std::string_view name);

}  // namespace edgeroute::firmware_config
