#include "edgeroute/gateway/policy_admission.h"

#include <fmt/format.h>

#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {

Result<AdmittedPolicy> admit_policy(std::span<const std::uint8_t> signed_bundle,
                                    const AdmissionRules& rules, const PolicyCompiler& compile) {
  Result<sync::PolicyBundleContents> bundle =
      sync::open_policy_bundle(signed_bundle, rules.trust_anchor);
  if (!bundle) return bundle.status();
  if (bundle->version <= rules.highest_accepted) {
    return Status{StatusCode::failed_precondition,
                  fmt::format("policy version {} is not above {}, the highest accepted "
                              "(rollback protection)",
                              bundle->version, rules.highest_accepted)};
  }
  if (rules.now_us >= bundle->expires_at_us) {
    return Status{
        StatusCode::out_of_range,
        fmt::format("policy bundle {} expired at {}; the gateway's clock says {}", bundle->version,
                    routing::format_utc_instant(bundle->expires_at_us / 1'000'000),
                    routing::format_utc_instant(rules.now_us / 1'000'000))};
  }
  Result<std::shared_ptr<const routing::PolicyModel>> model = compile(bundle->policy_json);
  if (!model) {
    return Status{StatusCode::invalid_argument,
                  fmt::format("policy bundle {} does not validate: {}", bundle->version,
                              model.status().message())};
  }
  if ((*model)->version() != bundle->version) {
    return Status{StatusCode::invalid_argument,
                  fmt::format("policy bundle {} carries a policy document of version {}",
                              bundle->version, (*model)->version())};
  }
  return AdmittedPolicy{StagedPolicy{bundle->version, std::move(model).value()},
                        std::move(bundle->policy_json)};
}

}  // namespace edgeroute::gateway
