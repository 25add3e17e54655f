// The policy stage's rules (which policy routes, what a rollback brings back, that the
// highest accepted version never falls) and the trial's verdict, without a gateway.
#include "edgeroute/gateway/policy_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/policy_trial.h"

namespace edgeroute::gateway {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// The stage looks at versions only; the models are never read here.
StagedPolicy policy(std::uint64_t version) {
  return {version, nullptr};
}

TEST(PolicyStage, ATrialRoutesUntilCommittedThenItIsTheLastKnownGood) {
  PolicyStage stage(policy(7));
  ASSERT_TRUE(stage.begin_trial(policy(8)).is_ok());
  EXPECT_EQ(stage.active().version, 8u);
  EXPECT_EQ(stage.committed().version, 7u);
  ASSERT_TRUE(stage.commit().is_ok());
  EXPECT_EQ(stage.active().version, 8u);
  EXPECT_EQ(stage.committed().version, 8u);
  ASSERT_TRUE(stage.previous().has_value());
  EXPECT_EQ(stage.previous()->version, 7u);
  EXPECT_FALSE(stage.trial().has_value());
}

TEST(PolicyStage, ARevertedTrialLeavesTheLastKnownGoodRoutingAndItsVersionSpent) {
  PolicyStage stage(policy(7));
  ASSERT_TRUE(stage.begin_trial(policy(8)).is_ok());
  ASSERT_TRUE(stage.revert().is_ok());
  EXPECT_EQ(stage.active().version, 7u);
  EXPECT_EQ(stage.highest_accepted(), 8u);
  const Status again = stage.begin_trial(policy(8));
  EXPECT_EQ(again.code(), StatusCode::failed_precondition);
  EXPECT_THAT(again.message(), HasSubstr("version 8 is not above 8"));
}

TEST(PolicyStage, AnOlderOrEqualVersionIsRefusedAndChangesNothing) {
  PolicyStage stage(policy(7));
  EXPECT_EQ(stage.begin_trial(policy(7)).code(), StatusCode::failed_precondition);
  EXPECT_EQ(stage.begin_trial(policy(3)).code(), StatusCode::failed_precondition);
  EXPECT_EQ(stage.active().version, 7u);
  EXPECT_EQ(stage.highest_accepted(), 7u);
}

TEST(PolicyStage, OnlyOneTrialAtATime) {
  PolicyStage stage(policy(7));
  ASSERT_TRUE(stage.begin_trial(policy(8)).is_ok());
  const Status second = stage.begin_trial(policy(9));
  EXPECT_EQ(second.code(), StatusCode::failed_precondition);
  EXPECT_THAT(second.message(), HasSubstr("policy 8 is on trial"));
  EXPECT_EQ(stage.highest_accepted(), 8u);
}

TEST(PolicyStage, RollingBackACommittedPolicyBringsBackTheOneBeforeItOnce) {
  PolicyStage stage(policy(7));
  ASSERT_TRUE(stage.begin_trial(policy(8)).is_ok());
  ASSERT_TRUE(stage.commit().is_ok());
  ASSERT_TRUE(stage.roll_back().is_ok());
  EXPECT_EQ(stage.active().version, 7u);
  EXPECT_EQ(stage.committed().version, 7u);
  EXPECT_EQ(stage.highest_accepted(), 8u);
  const Status again = stage.roll_back();
  EXPECT_EQ(again.code(), StatusCode::failed_precondition);
  EXPECT_THAT(again.message(), HasSubstr("nothing to roll back to"));
}

TEST(PolicyStage, RollingBackDuringATrialRevertsIt) {
  PolicyStage stage(policy(7));
  ASSERT_TRUE(stage.begin_trial(policy(8)).is_ok());
  ASSERT_EQ(stage.rollback_target().value(), 7u);
  ASSERT_TRUE(stage.roll_back().is_ok());
  EXPECT_EQ(stage.active().version, 7u);
  EXPECT_FALSE(stage.trial().has_value());
}

TEST(PolicyStage, NothingToCommitOrRevertWithoutATrial) {
  PolicyStage stage(policy(7));
  EXPECT_EQ(stage.commit().code(), StatusCode::failed_precondition);
  EXPECT_EQ(stage.revert().code(), StatusCode::failed_precondition);
  EXPECT_EQ(stage.roll_back().code(), StatusCode::failed_precondition);
}

const PolicyTrialOptions kOptions{60s, 20, 0.10, 0.50};

TEST(PolicyTrial, ARejectionShareWellAboveTheOneBeforeRevertsAsSoonAsThereAreEnoughDecisions) {
  const TrialJudgement judgement = judge_trial({100, 5}, {20, 18}, 5s, kOptions);
  EXPECT_EQ(judgement.verdict, TrialVerdict::revert);
  EXPECT_THAT(judgement.reason, HasSubstr("rejected 18 of 20 orders on trial (90%) against 5%"));
}

TEST(PolicyTrial, TooFewDecisionsAreNotJudgedBeforeTheTrialEnds) {
  EXPECT_EQ(judge_trial({100, 0}, {19, 19}, 5s, kOptions).verdict, TrialVerdict::keep_going);
}

TEST(PolicyTrial, ASimilarShareIsCommittedWhenTheTrialEnds) {
  EXPECT_EQ(judge_trial({100, 10}, {50, 9}, 30s, kOptions).verdict, TrialVerdict::keep_going);
  const TrialJudgement judgement = judge_trial({100, 10}, {50, 9}, 60s, kOptions);
  EXPECT_EQ(judgement.verdict, TrialVerdict::commit);
  EXPECT_THAT(judgement.reason, HasSubstr("rejected 9 of 50 orders on trial (18%)"));
}

TEST(PolicyTrial, WithoutEnoughDecisionsBeforeItAFixedCeilingStandsIn) {
  // Just started: a few orders rejected under any policy do not condemn the trial...
  EXPECT_EQ(judge_trial({0, 0}, {20, 3}, 10s, kOptions).verdict, TrialVerdict::keep_going);
  EXPECT_EQ(judge_trial({0, 0}, {20, 3}, 61s, kOptions).verdict, TrialVerdict::commit);
  // ...and one rejected order before it is no baseline that excuses rejecting them all.
  const TrialJudgement judgement = judge_trial({1, 1}, {30, 30}, 10s, kOptions);
  EXPECT_EQ(judgement.verdict, TrialVerdict::revert);
  EXPECT_THAT(judgement.reason, HasSubstr("rejected 30 of 30 orders on trial (100%) with 1 "
                                          "orders before it to compare with, held to 50%"));
}

TEST(PolicyTrial, AQuietTrialIsCommittedWhenItsTimeIsUp) {
  const TrialJudgement judgement = judge_trial({0, 0}, {3, 3}, 61s, kOptions);
  EXPECT_EQ(judgement.verdict, TrialVerdict::commit);
  EXPECT_THAT(judgement.reason, HasSubstr("too few to judge by"));
}

TEST(PolicyTrial, ARiseWithinTheLimitIsNoReasonToRevert) {
  EXPECT_EQ(judge_trial({100, 10}, {100, 19}, 10s, kOptions).verdict, TrialVerdict::keep_going);
  EXPECT_EQ(judge_trial({100, 10}, {100, 21}, 10s, kOptions).verdict, TrialVerdict::revert);
}

}  // namespace
}  // namespace edgeroute::gateway
