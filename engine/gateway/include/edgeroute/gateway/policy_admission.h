// Whether a gateway takes up a signed policy bundle from central. In this order, each
// failure naming what is wrong:
//   1. the bundle is well formed and its signature verifies against the configured
//      trust anchor (policy_bundle.h): invalid_argument, permission_denied;
//   2. its version is above the highest this gateway has accepted (rollback
//      protection): failed_precondition;
//   3. it has not expired by the gateway's clock: out_of_range;
//   4. its policy document validates against the gateway's network and carries the
//      bundle's version: invalid_argument naming the fields.
// Nothing about the bundle is believed before step 1 has passed.
//
// Thread-safety: admit_policy() is reentrant; `compile` is called on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "edgeroute/base/result.h"
#include "edgeroute/gateway/policy_stage.h"
#include "edgeroute/sync/policy_bundle.h"

namespace edgeroute::gateway {

struct AdmissionRules {
  sync::Ed25519PublicKey trust_anchor{};
  std::uint64_t highest_accepted = 0;
  std::int64_t now_us = 0;  // the gateway's wall clock, UTC microseconds
};

struct AdmittedPolicy {
  StagedPolicy policy;
  std::string policy_json;  // what the journal keeps, to compile again after a restart
};

// Compiles a policy document against the gateway's network (GatewayState::compile_policy).
using PolicyCompiler =
    std::function<Result<std::shared_ptr<const routing::PolicyModel>>(std::string_view json)>;

Result<AdmittedPolicy> admit_policy(std::span<const std::uint8_t> signed_bundle,
                                    const AdmissionRules& rules, const PolicyCompiler& compile);

}  // namespace edgeroute::gateway
