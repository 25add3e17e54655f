// GatewayConfig: the effective configuration of one gateway, after the device
// profile's defaults have filled in what the file left out. It is a plain value
// with one member per field of firmware_config/schema/gateway_config.fbs (which
// documents each field); it carries no FlatBuffers types.
//
// A GatewayConfig that came out of load_gateway_config() or parse_gateway_config()
// has passed validate(): ports fit in 16 bits, counts and capacities are within the
// limits in validate.h, so converting them to unsigned or narrower types is safe.
// Numbers are held as written (int32) so that validate() can report an out-of-range
// value as the operator wrote it.
//
// Thread-safety: a value type; copies may be used from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgeroute::firmware_config {

struct Listener {
  std::string address;    // IP literal to bind
  std::int32_t port = 0;  // 0: the operating system chooses (tests only)

  friend bool operator==(const Listener&, const Listener&) = default;
};

struct Queues {
  std::int32_t ingress_capacity = 0;
  std::int32_t journal_capacity = 0;
  std::int32_t completion_capacity = 0;

  friend bool operator==(const Queues&, const Queues&) = default;
};

struct Journal {
  std::int32_t batch_max_decisions = 0;
  std::int32_t batch_max_delay_us = 0;
  std::int32_t wal_checkpoint_pages = 0;

  friend bool operator==(const Journal&, const Journal&) = default;
};

struct Central {
  std::string host;
  std::int32_t port = 0;
  std::string server_name;  // the TLS name; equals host unless the file says otherwise
  // Mutual TLS of the sync connection (absolute paths); all empty: sync is off.
  std::string ca_certificate;
  std::string certificate;
  std::string private_key;

  bool sync_enabled() const { return !certificate.empty(); }

  friend bool operator==(const Central&, const Central&) = default;
};

// Defaults stand for the fields a file leaves out (gateway_config.fbs).
struct PolicyTrial {
  std::int32_t seconds = 60;
  std::int32_t min_decisions = 20;
  std::int32_t max_rejection_rise_percent = 10;
  std::int32_t max_rejection_percent_without_baseline = 50;

  friend bool operator==(const PolicyTrial&, const PolicyTrial&) = default;
};

struct GatewayConfig {
  std::int32_t schema_version = 0;
  std::string device_profile;
  std::string gateway_id;
  std::vector<std::string> served_node_ids;
  Listener orders;
  Listener ops;
  Listener sync;
  std::string data_dir;
  std::int32_t routing_workers = 0;
  Queues queues;
  Journal journal;
  Central central;
  std::string policy_trust_anchor;  // base64; decode_trust_anchor() gives the key
  std::string wan_interface;
  PolicyTrial policy_trial;

  friend bool operator==(const GatewayConfig&, const GatewayConfig&) = default;
};

}  // namespace edgeroute::firmware_config
