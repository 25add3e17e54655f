// The gateway pipeline with a real journal: every accepted job is journaled exactly once
// and told its sequence numbers only after the commit; full queues and a full disk are
// refused with a reason; stop() finishes what it accepted.
#include "edgeroute/gateway/pipeline.h"

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::gateway {
namespace {

using ::testing::HasSubstr;

// What happened to each job, by its order id.
struct Ledger {
  std::mutex mutex;
  std::map<std::string, journal::SequenceRange> journaled;
  std::map<std::string, Status> refused;
  std::atomic<int> answers{0};
};

class RecordingJob : public Job {
 public:
  RecordingJob(Ledger& ledger, std::string order_id, int entry_count = 1,
               std::latch* hold_worker = nullptr)
      : ledger_(ledger), order_id_(std::move(order_id)), hold_worker_(hold_worker) {
    for (int i = 0; i < entry_count; ++i) {
      DraftEntry entry;
      entry.kind = journal::EntryKind::decision;
      entry.recorded_at_us = 1'700'000'000'000'000 + i;
      entry.order_id = order_id_;
      entry.payload = {std::uint8_t(i), 42};
      entries().push_back(entry);
    }
  }
  Next work(WorkerState&) override {
    if (hold_worker_ != nullptr) hold_worker_->wait();
    return Next::journal;
  }
  void journaled(journal::SequenceRange range) override {
    std::lock_guard lock(ledger_.mutex);
    ledger_.journaled[order_id_] = range;
    ++ledger_.answers;
  }
  void not_journaled(const Status& why) override {
    std::lock_guard lock(ledger_.mutex);
    ledger_.refused[order_id_] = why;
    ++ledger_.answers;
  }
  void outcome_unknown(const Status& why) override {
    ADD_FAILURE() << order_id_ << ": outcome unknown: " << why.to_string();
    ++ledger_.answers;
  }

 private:
  Ledger& ledger_;
  std::string order_id_;
  std::latch* hold_worker_;
};

struct PipelineFixture : ::testing::Test {
  testing::TemporaryDirectory directory{"pipeline"};
  std::unique_ptr<journal::Journal> journal;

  void open_journal(std::uint32_t max_page_count = 0) {
    journal::JournalOptions options;
    options.path = directory / "journal.db";
    options.gateway_id = "gw-test";
    options.max_page_count = max_page_count;
    auto opened = journal::Journal::open(options);
    ASSERT_TRUE(opened) << opened.status().to_string();
    journal = std::move(opened).value();
  }
  static Pipeline::WorkerFactory no_worker_state() {
    return [](std::uint32_t) { return std::make_unique<WorkerState>(); };
  }
  static bool submit(Pipeline& pipeline, std::unique_ptr<Job> job) { return pipeline.submit(job); }
};

TEST_F(PipelineFixture, EveryJobIsJournaledOnceWithItsOwnSequenceNumbers) {
  open_journal();
  Ledger ledger;
  {
    PipelineOptions options;
    options.routing_workers = 3;
    Pipeline pipeline(options, *journal, no_worker_state());
    pipeline.start();
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(submit(
          pipeline, std::make_unique<RecordingJob>(ledger, "o" + std::to_string(i), 1 + i % 3)));
    }
    pipeline.stop();
  }
  ASSERT_EQ(ledger.journaled.size(), 500u);
  EXPECT_TRUE(ledger.refused.empty());
  // The journal holds each job's entries at the range the job was told, in order.
  std::map<std::uint64_t, std::string> owner;
  for (const auto& [order_id, range] : ledger.journaled) {
    for (std::uint64_t s = range.first; s <= range.last; ++s) owner[s] = order_id;
  }
  std::uint64_t expected = 1;
  ASSERT_TRUE(journal
                  ->read(1,
                         [&](const journal::StoredEntry& entry) {
                           EXPECT_EQ(entry.sequence, expected++);
                           EXPECT_EQ(entry.order_id, owner[entry.sequence]);
                           const auto& range = ledger.journaled[std::string(entry.order_id)];
                           EXPECT_EQ(entry.payload[0], entry.sequence - range.first);
                           return Status::ok();
                         })
                  .is_ok());
  EXPECT_EQ(expected - 1, owner.size());
}

TEST_F(PipelineFixture, AFullIngressQueueRefusesAtOnce) {
  open_journal();
  Ledger ledger;
  std::latch release_worker(1);
  PipelineOptions options;
  options.routing_workers = 1;
  options.ingress_capacity = 4;
  Pipeline pipeline(options, *journal, no_worker_state());
  pipeline.start();
  // The first job holds the only worker; the queue behind it fills up.
  ASSERT_TRUE(submit(pipeline, std::make_unique<RecordingJob>(ledger, "held", 1, &release_worker)));
  while (pipeline.ingress_depth() != 0) std::this_thread::yield();
  int accepted = 0;
  std::unique_ptr<Job> refused;
  for (int i = 0; i < 100; ++i) {
    std::unique_ptr<Job> job = std::make_unique<RecordingJob>(ledger, "q" + std::to_string(i));
    if (!pipeline.submit(job)) {
      refused = std::move(job);
      break;
    }
    ++accepted;
  }
  EXPECT_GE(accepted, 3);
  EXPECT_LE(accepted, 5);
  ASSERT_NE(refused, nullptr) << "a bounded queue refused nothing";
  EXPECT_EQ(pipeline.counters().jobs_refused_busy, 1u);
  release_worker.count_down();
  pipeline.stop();
  EXPECT_EQ(ledger.journaled.size(), static_cast<std::size_t>(accepted + 1));
}

TEST_F(PipelineFixture, AFullDiskRefusesWithTheJournalsReasonAndKeepsWhatWasCommitted) {
  open_journal(/*max_page_count=*/24);
  Ledger ledger;
  PipelineOptions options;
  options.routing_workers = 1;
  Pipeline pipeline(options, *journal, no_worker_state());
  pipeline.start();
  int submitted = 0;
  while (pipeline.accepting() && submitted < 20000) {
    // Large entries fill the small database within a few hundred jobs.
    auto job = std::make_unique<RecordingJob>(ledger, "big" + std::to_string(submitted));
    job->entries()[0].payload.assign(2000, std::uint8_t{7});
    std::unique_ptr<Job> owned = std::move(job);
    if (pipeline.submit(owned)) ++submitted;
    while (ledger.answers.load() < submitted) std::this_thread::yield();
  }
  pipeline.stop();
  ASSERT_FALSE(pipeline.accepting()) << "the database never filled up";
  ASSERT_FALSE(ledger.refused.empty());
  for (const auto& [order_id, why] : ledger.refused) {
    EXPECT_EQ(why.code(), StatusCode::no_space) << order_id << ": " << why.to_string();
    EXPECT_THAT(why.message(), HasSubstr(directory / "journal.db"));
  }
  EXPECT_EQ(pipeline.refusal().code(), StatusCode::no_space);
  // Everything acknowledged is still there, gap-free.
  std::uint64_t count = 0;
  ASSERT_TRUE(journal
                  ->read(1,
                         [&](const journal::StoredEntry&) {
                           ++count;
                           return Status::ok();
                         })
                  .is_ok());
  EXPECT_EQ(count, ledger.journaled.size());
}

TEST_F(PipelineFixture, ManySubmittersAreEachAnsweredExactlyOnce) {
  open_journal();
  Ledger ledger;
  PipelineOptions options;
  options.routing_workers = 3;
  options.ingress_capacity = 64;
  options.journal_capacity = 32;
  options.batch_max_entries = 16;
  Pipeline pipeline(options, *journal, no_worker_state());
  pipeline.start();
  constexpr int kThreads = 4;
  constexpr int kJobsPerThread = 400;
  std::atomic<int> refused_at_ingress{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kJobsPerThread; ++i) {
        std::unique_ptr<Job> job = std::make_unique<RecordingJob>(
            ledger, "t" + std::to_string(t) + "-" + std::to_string(i));
        if (!pipeline.submit(job)) ++refused_at_ingress;
      }
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  pipeline.stop();
  const int accepted = kThreads * kJobsPerThread - refused_at_ingress.load();
  EXPECT_EQ(ledger.answers.load(), accepted);
  EXPECT_EQ(ledger.journaled.size() + ledger.refused.size(), static_cast<std::size_t>(accepted));
  for (const auto& [order_id, why] : ledger.refused) {
    EXPECT_EQ(why.code(), StatusCode::unavailable) << order_id;
  }
  EXPECT_EQ(journal->last_sequence(), ledger.journaled.size());
}

}  // namespace
}  // namespace edgeroute::gateway
