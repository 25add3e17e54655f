// The gateway's side of policy push: offers from central, trial verdicts and operators'
// rollbacks, each a policy_change entry in the journal before the stage changes.
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/policy_admission.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {
namespace {

using protocol::fbs::ErrorCode;
using Change = fbs::PolicyChangeKind;

DecisionTally since(const DecisionTally& now, const DecisionTally& then) {
  return {now.decided - then.decided, now.rejected - then.rejected};
}

// A change of the routing policy on its way to the journal. It routes nothing: the
// routing worker passes it on, and the journal writer applies it once durable, in
// journal order with everything else.
class PolicyChangeJob final : public Job {
 public:
  using Finish = std::function<void(Result<std::uint64_t>)>;

  PolicyChangeJob(const PolicyChangeFacts& facts, PolicyChange change, std::int64_t recorded_at_us,
                  GatewayState& state, Finish finish)
      : change_(std::move(change)), state_(state), finish_(std::move(finish)) {
    DraftEntry& entry = entries().emplace_back();
    entry.kind = journal::EntryKind::policy_change;
    entry.recorded_at_us = recorded_at_us;
    entry.payload = build_policy_change_record(facts);
  }

  Next work(WorkerState&) override { return Next::journal; }

  void journaled(journal::SequenceRange range) override {
    const Status applied = state_.apply_policy_change(change_);
    // The change's precondition was checked on a stage no one else could change
    // (Gateway::policy_change_under_way_); a restart replays the entry the same way.
    EDGEROUTE_ASSERT(applied.is_ok(), applied.message());
    finish_(range.first);
  }
  void not_journaled(const Status& why) override { finish_(why); }
  void outcome_unknown(const Status& why) override {
    finish_(Status{StatusCode::io_error,
                   fmt::format("the journal failed ({}); whether the policy change was recorded "
                               "is known once the gateway has restarted",
                               why.message())});
  }

 private:
  PolicyChange change_;
  GatewayState& state_;
  Finish finish_;
};

// The error a rollback that did not reach the journal answers with.
ErrorCode error_for(const Status& why, bool stopping) {
  if (why.code() == StatusCode::io_error) return ErrorCode::journal_unavailable;  // unknown
  if (why.code() == StatusCode::unavailable) {
    return stopping ? ErrorCode::shutting_down : ErrorCode::busy;
  }
  return ErrorCode::journal_unavailable;  // disk full, the journal refusing work
}

std::string describe(const PolicyChangeFacts& facts, std::uint64_t sequence) {
  switch (facts.change) {
    case Change::trial:
      return fmt::format("policy {} on trial (journal entry {})", facts.version, sequence);
    case Change::committed:
      return fmt::format("policy {} committed: {}", facts.version, facts.reason);
    case Change::reverted:
      return fmt::format("policy {} reverted to {}: {}", facts.version, facts.active_version,
                         facts.reason);
    case Change::rolled_back:
      return fmt::format("policy {} rolled back to {}: {}", facts.version, facts.active_version,
                         facts.reason);
    case Change::refused:
      return fmt::format("policy bundle {} refused: {}", facts.version, facts.reason);
  }
  return {};
}

}  // namespace

void Gateway::change_policy(const PolicyChangeFacts& facts, PolicyChange change,
                            std::function<void(Result<std::uint64_t>)> done) {
  // What the detail line will say: the facts outlive the caller's views.
  auto finish = [this, change_kind = facts.change, version = facts.version,
                 active_version = facts.active_version, reason = std::string(facts.reason),
                 done = std::move(done)](Result<std::uint64_t> sequence) {
    if (sequence) {
      const PolicyChangeFacts said{change_kind, version, active_version, {}, reason};
      {
        const std::lock_guard lock(policy_trial_mutex_);
        policy_detail_ = describe(said, *sequence);
      }
      if (change_kind != Change::refused) {
        policy_began_routing(change_kind == Change::trial ? version : 0);
      }
    }
    // Release: the next change's check (an acquire on the flag) sees this one's stage.
    policy_change_under_way_.store(false, std::memory_order_release);
    done(std::move(sequence));
  };
  submit_change(std::make_unique<PolicyChangeJob>(
      facts, std::move(change), clock_.wall_unix_microseconds(), state_, std::move(finish)));
}

void Gateway::policy_began_routing(std::uint64_t trial_version) {
  const DecisionTally now = metrics_.decision_tally();
  const std::lock_guard lock(policy_trial_mutex_);
  if (trial_version != 0) {
    tally_before_trial_ = since(now, tally_when_policy_began_);
    trial_began_at_ = clock_.monotonic_now();
    metrics_.track_policy(trial_version);
  }
  tally_when_policy_began_ = now;
}

void Gateway::offer_policy(std::vector<std::uint8_t> signed_bundle,
                           std::function<void(Status)> done) {
  bool idle = false;
  if (!policy_change_under_way_.compare_exchange_strong(idle, true, std::memory_order_acquire)) {
    done(Status{StatusCode::unavailable, "another policy change is under way; offer again later"});
    return;
  }
  const PolicyFigures stage = state_.policy_figures();
  if (stage.trial != 0) {
    policy_change_under_way_.store(false, std::memory_order_release);
    done(Status{StatusCode::unavailable,
                fmt::format("policy {} is on trial; offer again once it is settled", stage.trial)});
    return;
  }
  const AdmissionRules rules{options_.policy_trust_anchor, stage.highest_accepted,
                             clock_.wall_unix_microseconds()};
  Result<AdmittedPolicy> admitted = admit_policy(
      signed_bundle, rules, [this](std::string_view json) { return state_.compile_policy(json); });
  if (!admitted) {
    // Journaled, so that central learns of the refusal with the rest of the journal.
    const Status why = admitted.status();
    const PolicyChangeFacts facts{Change::refused,
                                  sync::claimed_policy_version(signed_bundle),
                                  stage.active,
                                  {},
                                  why.message()};
    change_policy(facts, PolicyChange{Change::refused, {}},
                  [why, done = std::move(done)](Result<std::uint64_t> journaled) {
                    done(journaled ? why : journaled.status());
                  });
    return;
  }
  const PolicyChangeFacts facts{
      Change::trial, admitted->policy.version, admitted->policy.version, admitted->policy_json, {}};
  change_policy(facts, PolicyChange{Change::trial, admitted->policy},
                [done = std::move(done)](Result<std::uint64_t> journaled) {
                  done(journaled ? Status::ok() : journaled.status());
                });
}

void Gateway::check_policy_trial() {
  // Most checks find no trial: they leave the flag alone, so that an offer or a rollback
  // arriving then is not turned away.
  if (state_.policy_figures().trial == 0) return;
  bool idle = false;
  if (!policy_change_under_way_.compare_exchange_strong(idle, true, std::memory_order_acquire)) {
    return;  // the next check judges
  }
  const PolicyFigures stage = state_.policy_figures();
  TrialJudgement judgement;
  if (stage.trial != 0) {
    const DecisionTally during = metrics_.tracked_tally();
    const std::lock_guard lock(policy_trial_mutex_);
    judgement = judge_trial(tally_before_trial_, during, clock_.monotonic_now() - trial_began_at_,
                            options_.policy_trial);
  }
  if (judgement.verdict == TrialVerdict::keep_going) {
    policy_change_under_way_.store(false, std::memory_order_release);
    return;
  }
  const bool commit = judgement.verdict == TrialVerdict::commit;
  const PolicyChangeFacts facts{commit ? Change::committed : Change::reverted,
                                stage.trial,
                                commit ? stage.trial : stage.committed,
                                {},
                                judgement.reason};
  // A verdict that cannot be journaled now (busy, disk full) is reached again at the
  // next check.
  change_policy(facts, PolicyChange{facts.change, {}}, [](Result<std::uint64_t>) {});
}

void Gateway::roll_back_policy(std::uint64_t request_id, std::string_view reason,
                               const std::shared_ptr<ResponseSink>& sink) {
  bool idle = false;
  if (!policy_change_under_way_.compare_exchange_strong(idle, true, std::memory_order_acquire)) {
    sink->send(protocol::build_error(request_id, ErrorCode::failed_precondition,
                                     "another policy change is under way; ask again shortly"));
    return;
  }
  const PolicyFigures stage = state_.policy_figures();
  const Result<std::uint64_t> rollback = state_.policy_rollback_target();
  if (!rollback) {
    policy_change_under_way_.store(false, std::memory_order_release);
    sink->send(protocol::build_error(request_id, ErrorCode::failed_precondition,
                                     rollback.status().message()));
    return;
  }
  const std::uint64_t target = *rollback;
  const std::string why =
      reason.empty() ? std::string("an operator's rollback") : std::string(reason);
  const PolicyChangeFacts facts{Change::rolled_back, stage.active, target, {}, why};
  change_policy(
      facts, PolicyChange{Change::rolled_back, {}},
      [this, request_id, sink, from = stage.active, target](Result<std::uint64_t> journaled) {
        if (!journaled) {
          sink->send(protocol::build_error(
              request_id, error_for(journaled.status(), stopped_.load(std::memory_order_relaxed)),
              journaled.status().message()));
          return;
        }
        sink->send(protocol::build_policy_rolled_back(request_id, from, target, *journaled));
      });
}

std::string Gateway::policy_detail() const {
  const std::lock_guard lock(policy_trial_mutex_);
  return policy_detail_;
}

}  // namespace edgeroute::gateway
