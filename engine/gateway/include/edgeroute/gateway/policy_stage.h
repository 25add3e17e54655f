// PolicyStage: which routing policies a gateway holds and which one routes. A signed
// policy from central routes on trial first; health checks commit it (it becomes the
// last-known-good policy) or revert to the last-known-good one; an operator can roll
// back a trial, or a committed policy to the one committed before it. The highest
// version ever accepted only rises: an older bundle is refused however it arrives
// (rollback protection), and a rollback does not lower it.
//
// Every change is a journal entry (PolicyChangeRecord) before it is made here: the
// journal writer applies live changes, restore() replays the same entries, so a restart
// comes back to the same stage (a trial that was open stays on trial, judged afresh).
//
// Thread-safety: none; GatewayState guards its stage.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"
#include "edgeroute/routing/policy_model.h"

namespace edgeroute::gateway {

struct StagedPolicy {
  std::uint64_t version = 0;
  std::shared_ptr<const routing::PolicyModel> model;
};

class PolicyStage {
 public:
  // The policy the gateway started from (its baseline document), committed.
  explicit PolicyStage(StagedPolicy baseline)
      : committed_(std::move(baseline)), highest_accepted_(committed_.version) {}

  // The trial's policy while one is open; the committed one otherwise.
  const StagedPolicy& active() const { return trial_ ? *trial_ : committed_; }
  const std::optional<StagedPolicy>& trial() const { return trial_; }
  // The last-known-good policy.
  const StagedPolicy& committed() const { return committed_; }
  // The policy committed before the current one: where a rollback of a committed
  // policy goes. None after a rollback (one step back, not a history).
  const std::optional<StagedPolicy>& previous() const { return previous_; }
  std::uint64_t highest_accepted() const { return highest_accepted_; }

  // failed_precondition (naming the versions) when `policy` is not above the highest
  // accepted version, or a trial is open; the stage is unchanged then.
  Status begin_trial(StagedPolicy policy);
  // failed_precondition when no trial is open.
  Status commit();
  Status revert();
  // An open trial is reverted; otherwise the previous committed policy comes back.
  // failed_precondition when there is neither.
  Status roll_back();
  // What roll_back() would bring back, without changing anything.
  Result<std::uint64_t> rollback_target() const;

  // Replay folds versions alone (no models) and then gives the policies still held their
  // models: `compile(version)` for each one without. Its first failure is returned.
  Status attach_models(
      const std::function<Result<std::shared_ptr<const routing::PolicyModel>>(std::uint64_t)>&
          compile);

 private:
  StagedPolicy committed_;
  std::optional<StagedPolicy> trial_;
  std::optional<StagedPolicy> previous_;
  std::uint64_t highest_accepted_ = 0;
};

}  // namespace edgeroute::gateway
