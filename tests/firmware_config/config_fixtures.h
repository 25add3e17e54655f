// Shared inputs for the firmware_config tests: a valid configuration as a value and
// as a JSON file, and a way to derive a file with some fields changed or removed, so
// each test states only what it breaks.
#pragma once

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/firmware_config/config_error.h"
#include "edgeroute/firmware_config/gateway_config.h"

namespace edgeroute::firmware_config {

// Failure messages show errors as the operator would see them.
inline void PrintTo(const ConfigError& error, std::ostream* out) {
  *out << '"' << error.to_string() << '"';
}

}  // namespace edgeroute::firmware_config

namespace edgeroute::firmware_config::testing {

// A real Ed25519 public key (generated with openssl genpkey -algorithm ed25519).
inline constexpr std::string_view kTrustAnchor = "58VMtSJaH3diZ7aOlqRhIKv6AWQJtvoTo3hEX0VZwnE=";

inline std::string source_path(std::string_view relative) {
  return std::string(EDGEROUTE_SOURCE_DIR) + "/" + std::string(relative);
}

inline std::string read_source_file(std::string_view relative) {
  std::ifstream file(source_path(relative), std::ios::binary);
  EXPECT_TRUE(file.good()) << "cannot open " << source_path(relative);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The fields a gateway file must set itself (no profile provides them), valid.
inline std::vector<std::pair<std::string, std::string>> identity_fields() {
  return {
      {"device_profile", R"("x86-dev")"},
      {"gateway_id", R"("gw-1")"},
      {"served_node_ids", R"(["fc-1", "store-2"])"},
      {"central", R"({"host": "central.example.com", "port": 7443})"},
      {"policy_trust_anchor", "\"" + std::string(kTrustAnchor) + "\""},
  };
}

// A gateway file: identity_fields() with each change applied. A change names a
// top-level field and its raw JSON value; an empty value removes the field, a new
// name adds it.
inline std::string gateway_json(
    std::initializer_list<std::pair<std::string_view, std::string_view>> changes = {}) {
  auto fields = identity_fields();
  for (const auto& [name, value] : changes) {
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&name](const auto& field) { return field.first == name; });
    if (it == fields.end()) it = fields.insert(fields.end(), {std::string(name), ""});
    it->second = value;
  }
  std::string json = "{\n";
  for (const auto& [name, value] : fields) {
    if (value.empty()) continue;
    if (json.size() > 2) json += ",\n";
    json += "  \"" + name + "\": " + value;
  }
  return json + "\n}\n";
}

// What gateway_json() with no changes loads as: identity_fields() over the x86-dev
// profile (firmware_config/profiles/x86-dev.json).
inline GatewayConfig valid_config() {
  GatewayConfig config;
  config.schema_version = 1;
  config.device_profile = "x86-dev";
  config.gateway_id = "gw-1";
  config.served_node_ids = {"fc-1", "store-2"};
  config.orders = {"127.0.0.1", 7400};
  config.ops = {"127.0.0.1", 7401};
  config.sync = {"127.0.0.1", 7402};
  config.data_dir = "/tmp/edgeroute";
  config.routing_workers = 2;
  config.queues = {1024, 1024, 1024};
  config.journal = {64, 1000, 1000};
  config.central = {"central.example.com", 7443, "central.example.com", "", "", ""};
  config.policy_trust_anchor = std::string(kTrustAnchor);
  config.wan_interface = "lo";
  return config;
}

}  // namespace edgeroute::firmware_config::testing
