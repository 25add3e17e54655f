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
  const double share_during = rejected_share(during);
  const bool baseline = before.decided >= options.min_decisions;
  const double share_before = rejected_share(before);
  // What the trial's share is held to, and how to say it.
  const double limit = baseline ? share_before + options.max_rejection_rise
                                : options.max_rejection_share_without_baseline;
  const std::string against =
      baseline ? fmt::format("against {:.0f}% before", share_before * 100)
               : fmt::format("with {} orders before it to compare with, held to {:.0f}%",
                             before.decided, limit * 100);
  if (during.decided >= options.min_decisions && share_during > limit) {
    return {TrialVerdict::revert,
            baseline ? fmt::format("rejected {} of {} orders on trial ({:.0f}%) {}; more than "
                                   "{:.0f} points worse",
                                   during.rejected, during.decided, share_during * 100, against,
                                   options.max_rejection_rise * 100)
                     : fmt::format("rejected {} of {} orders on trial ({:.0f}%) {}",
                                   during.rejected, during.decided, share_during * 100, against)};
  }
  if (elapsed < options.duration) return {};
  if (during.decided < options.min_decisions) {
    return {TrialVerdict::commit,
            fmt::format("trial of {} s ended with {} orders routed, too few to judge by; none "
                        "condemned it",
                        options.duration.count(), during.decided)};
  }
  return {TrialVerdict::commit,
          fmt::format("rejected {} of {} orders on trial ({:.0f}%) {}", during.rejected,
                      during.decided, share_during * 100, against)};
}

}  // namespace edgeroute::gateway
