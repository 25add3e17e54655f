#include "edgeroute/gateway/policy_stage.h"

#include <utility>

#include <fmt/format.h>

namespace edgeroute::gateway {

Status PolicyStage::begin_trial(StagedPolicy policy) {
  if (trial_) {
    return {StatusCode::failed_precondition,
            fmt::format("policy {} is on trial; offer version {} again once it is settled",
                        trial_->version, policy.version)};
  }
  if (policy.version <= highest_accepted_) {
    return {StatusCode::failed_precondition,
            fmt::format("policy version {} is not above {}, the highest accepted (rollback "
                        "protection)",
                        policy.version, highest_accepted_)};
  }
  highest_accepted_ = policy.version;
  trial_ = std::move(policy);
  return Status::ok();
}

Status PolicyStage::commit() {
  if (!trial_) return {StatusCode::failed_precondition, "no policy is on trial"};
  previous_ = std::exchange(committed_, std::move(*trial_));
  trial_.reset();
  return Status::ok();
}

Status PolicyStage::revert() {
  if (!trial_) return {StatusCode::failed_precondition, "no policy is on trial"};
  trial_.reset();
  return Status::ok();
}

Result<std::uint64_t> PolicyStage::rollback_target() const {
  if (trial_) return committed_.version;
  if (previous_) return previous_->version;
  return Status{
      StatusCode::failed_precondition,
      fmt::format("nothing to roll back to: no policy was committed here before policy {}",
                  committed_.version)};
}

Status PolicyStage::roll_back() {
  if (trial_) return revert();
  Result<std::uint64_t> target = rollback_target();
  if (!target) return target.status();
  committed_ = std::move(*previous_);
  previous_.reset();
  return Status::ok();
}

Status PolicyStage::attach_models(
    const std::function<Result<std::shared_ptr<const routing::PolicyModel>>(std::uint64_t)>&
        compile) {
  for (StagedPolicy* held :
       {&committed_, trial_ ? &*trial_ : nullptr, previous_ ? &*previous_ : nullptr}) {
    if (held == nullptr || held->model != nullptr) continue;
    Result<std::shared_ptr<const routing::PolicyModel>> model = compile(held->version);
    if (!model) return model.status();
    held->model = std::move(model).value();
  }
  return Status::ok();
}

}  // namespace edgeroute::gateway
