// The health check of a policy on trial: does routing still succeed under it? The
// measure is the share of RouteOrder decisions that were rejected (no plan, for any
// reason): a policy that excludes the nodes that hold the stock, or caps splits too
// tightly, shows at once as a jump in that share against what the policy before it
// had. A trial is judged once it has seen enough decisions to tell; a quiet one is
// committed when its time is up (routing did not fail; there was little to route).
// When the policy before it had too few decisions to compare with (the gateway had just
// started, or restarted with the trial open), a fixed ceiling stands in for it: some
// orders are rejected under any policy (unknown SKUs, no stock), so a share measured
// over a handful of orders says nothing, but a policy that rejects most orders is wrong.
//
// Thread-safety: judge_trial() is a pure function.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace edgeroute::gateway {

struct PolicyTrialOptions {
  // How long a trial lasts when nothing condemns it earlier.
  std::chrono::seconds duration{60};
  // Decisions a trial must have seen before its rejection share is compared.
  std::uint32_t min_decisions = 20;
  // How much higher (as a fraction of decisions: 0.10 is ten points) the trial's
  // rejection share may be than the share before it.
  double max_rejection_rise = 0.10;
  // Without enough decisions before the trial: the rejection share it may reach.
  double max_rejection_share_without_baseline = 0.50;
};

// RouteOrder decisions counted over a span of time.
struct DecisionTally {
  std::uint64_t decided = 0;
  std::uint64_t rejected = 0;
};

enum class TrialVerdict : std::uint8_t { keep_going, commit, revert };

struct TrialJudgement {
  TrialVerdict verdict = TrialVerdict::keep_going;
  std::string reason;  // commit, revert: in words, for the journal and the operator
};

// `before`: decisions under the policy the trial replaced (since it began routing, or
// since the gateway started); `during`: since the trial began, `elapsed` ago.
TrialJudgement judge_trial(const DecisionTally& before, const DecisionTally& during,
                           std::chrono::steady_clock::duration elapsed,
                           const PolicyTrialOptions& options);

}  // namespace edgeroute::gateway
