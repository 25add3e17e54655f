// Validation of a gateway configuration: the rules every field must satisfy before
// the daemon may start with it, checked all at once so that an operator sees every
// problem in one run. Each error names the field path and the rule it breaks, in
// the field order of the schema.
//
// The limits below are part of the contract (the schema's comments repeat them):
// everything the configuration sizes has an upper bound, so that a typo cannot make
// the daemon allocate gigabytes or spawn thousands of threads.
//
// Thread-safety: validate() is a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "edgeroute/base/identifier.h"
#include "edgeroute/firmware_config/config_error.h"
#include "edgeroute/firmware_config/gateway_config.h"

namespace edgeroute::firmware_config {

inline constexpr std::int32_t kSchemaVersionCurrent = 1;

inline constexpr std::size_t kIdLengthMax = kIdentifierLengthMax;  // gateway and node ids
inline constexpr std::size_t kServedNodeIdsMax = 1024;
inline constexpr std::size_t kInterfaceNameLengthMax = 15;  // IFNAMSIZ - 1
inline constexpr std::size_t kHostNameLengthMax = 253;      // RFC 1035
inline constexpr std::size_t kPathLengthMax = 4095;         // PATH_MAX - 1

inline constexpr std::int32_t kRoutingWorkersMin = 1;
inline constexpr std::int32_t kRoutingWorkersMax = 64;
// Queues are ring buffers indexed by masking, hence powers of two.
inline constexpr std::int32_t kQueueCapacityMin = 16;
inline constexpr std::int32_t kQueueCapacityMax = 1 << 20;
inline constexpr std::int32_t kBatchMaxDecisionsMin = 1;
inline constexpr std::int32_t kBatchMaxDecisionsMax = 65536;
inline constexpr std::int32_t kBatchMaxDelayUsMin = 0;
inline constexpr std::int32_t kBatchMaxDelayUsMax = 1'000'000;
inline constexpr std::int32_t kWalCheckpointPagesMin = 1;
inline constexpr std::int32_t kWalCheckpointPagesMax = 65536;

// Every rule `config` breaks; empty when it is valid. The rules:
//   schema_version      kSchemaVersionCurrent
//   device_profile      a known profile (device_profiles.h)
//   gateway_id          1..64 of [a-z0-9_-]
//   served_node_ids     1..1024 ids like gateway_id, no duplicates
//   orders/ops/sync     address an IPv4/IPv6 literal; port 1..65535, or 0 for "the
//                       OS chooses" (tests); no two listeners on the same port where
//                       their addresses overlap (equal, or either a wildcard)
//   data_dir            an absolute path
//   routing_workers     1..64
//   queues.*_capacity   a power of two in 16..1048576
//   journal.*           the ranges above
//   central             host a host name or IP literal; port 1..65535; server_name
//                       a host name; ca_certificate, certificate and private_key all
//                       or none, each an absolute path
//   policy_trust_anchor base64 of exactly 32 bytes (an Ed25519 public key)
//   wan_interface       1..15 characters, no '/', ':' or white space
//   policy_trial        seconds 1..86400, min_decisions 1..1000000, the percents
//                       0..100 (rise) and 1..100 (without a baseline)
std::vector<ConfigError> validate(const GatewayConfig& config);

}  // namespace edgeroute::firmware_config
