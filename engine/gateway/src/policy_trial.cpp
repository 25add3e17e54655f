#include "edgeroute/gateway/policy_trial.h"

#include <fmt/format.h>

namespace edgeroute::gateway {
namespace {

double rejected_share(const DecisionTally& tally) {
  return tally.decided == 0
             ? 0.0
             : static_cast<double>(tally.rejected) / static_cast<double>(tally.decided);
}

}  // namespace

TrialJudgement judge_trial(const DecisionTally& before, const DecisionTally& during,
                           std::chrono::steady_clock::duration elapsed,
                           const PolicyTrialOptions& options) {
  const double share_before = rejected_share(before);
  const double share_during = rejected_share(during);
  if (during.decided >= options.min_decisions &&
      share_during > share_before + options.max_rejection_rise) {
    return {TrialVerdict::revert,
            fmt::format("rejected {} of {} orders on trial ({:.0f}%) against {:.0f}% before; "
                        "more than {:.0f} points worse",
                        during.rejected, during.decided, share_during * 100, share_before * 100,
                        options.max_rejection_rise * 100)};
  }
  if (elapsed < options.duration) return {};
  if (during.decided < options.min_decisions) {
    return {TrialVerdict::commit,
            fmt::format("trial of {} s ended with {} orders routed, too few to judge by; none "
                        "condemned it",
                        options.duration.count(), during.decided)};
  }
  return {TrialVerdict::commit,
          fmt::format("rejected {} of {} orders on trial ({:.0f}%) against {:.0f}% before",
                      during.rejected, during.decided, share_during * 100, share_before * 100)};
}

}  // namespace edgeroute::gateway
