#include "edgeroute/gateway/pipeline.h"

#include <utility>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"

// Memory ordering.
//
// Job hand-off. A job is written by one thread (the submitter, then a worker) and read
// by the next (a worker, then the journal writer). Boost.Lockfree's queue publishes the
// pointer with a release CAS on push and reads it with an acquire load on pop, so
// everything written to the job before push() happens-before everything read after the
// pop() that returns it. Each job is in at most one queue and owned by one thread at a
// time, so jobs need no atomics of their own.
//
// Doorbells (ingress_bell_, journal_bell_). A consumer that finds its queue empty reads
// the bell, tries the queue once more, and only then waits for the bell to change. A
// producer pushes, then increments the bell and notifies. If the increment comes before
// the consumer's read of the bell, that read (acquire, reading the release increment)
// makes the push visible, so the second try finds the job; if it comes after, the bell no
// longer holds the value the consumer waits on, so the wait returns at once. Either way
// no job sleeps in a queue while its consumer sleeps too.
//
// Stopping (submitters_, stopping_). submit() registers itself in submitters_ before it
// reads stopping_; stop() stores stopping_ before workers read submitters_; all four are
// sequentially consistent, so in their single total order either the submitter saw
// stopping_ (and backs out) or a worker that sees stopping_ also sees the submitter
// registered, and waits for it to push and leave before it may exit on an empty queue.
//
// Depths and counters are relaxed: they are figures for metrics, read alone.

namespace edgeroute::gateway {
namespace {

// Runs until `bell` moves from what it was when every pop failed.
template <typename TryWork, typename ShouldExit>
void serve_queue(std::atomic<std::uint32_t>& bell, TryWork try_work, ShouldExit should_exit) {
  for (;;) {
    if (try_work()) continue;
    const std::uint32_t seen = bell.load(std::memory_order_acquire);
    if (try_work()) continue;
    if (should_exit()) {
      if (try_work()) continue;
      return;
    }
    bell.wait(seen, std::memory_order_acquire);
  }
}

void ring(std::atomic<std::uint32_t>& bell, bool everyone) {
  bell.fetch_add(1, std::memory_order_release);
  if (everyone) {
    bell.notify_all();
  } else {
    bell.notify_one();
  }
}

}  // namespace

Pipeline::Pipeline(PipelineOptions options, journal::Journal& journal, WorkerFactory make_worker,
                   CommitObserver observe_commit)
    : options_(options),
      journal_(journal),
      make_worker_(std::move(make_worker)),
      observe_commit_(std::move(observe_commit)),
      ingress_(options.ingress_capacity),
      journal_queue_(options.journal_capacity),
      last_sequence_(journal.last_sequence()),
      applied_(journal.last_sequence()),
      acknowledged_wanted_(journal.acknowledged()),
      acknowledged_persisted_(journal.acknowledged()) {
  EDGEROUTE_ASSERT(options_.routing_workers >= 1, "a pipeline needs a routing worker");
  EDGEROUTE_ASSERT(options_.batch_max_entries >= 1, "a journal batch holds at least one entry");
}

Pipeline::~Pipeline() {
  stop();
}

void Pipeline::start() {
  EDGEROUTE_ASSERT(!started_, "a pipeline starts once");
  started_ = true;
  journal_writer_ = std::thread([this] { run_journal_writer(); });
  for (std::uint32_t i = 0; i < options_.routing_workers; ++i) {
    workers_.emplace_back([this, i] { run_worker(i); });
  }
}

void Pipeline::stop() {
  if (!started_) return;
  started_ = false;
  stopping_.store(true, std::memory_order_seq_cst);
  ring(ingress_bell_, true);
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  // Every job is now finished or in the journal queue.
  journal_stopping_.store(true, std::memory_order_seq_cst);
  ring(journal_bell_, true);
  journal_writer_.join();
}

bool Pipeline::submit(std::unique_ptr<Job>& job) {
  submitters_.fetch_add(1, std::memory_order_seq_cst);
  bool accepted = false;
  if (!stopping_.load(std::memory_order_seq_cst)) {
    // Counted before the push, so that a worker's decrement never comes first.
    ingress_depth_.fetch_add(1, std::memory_order_relaxed);
    accepted = ingress_.bounded_push(job.get());
    if (accepted) {
      job.release();
      jobs_submitted_.fetch_add(1, std::memory_order_relaxed);
    } else {
      ingress_depth_.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  submitters_.fetch_sub(1, std::memory_order_seq_cst);
  // A stopping worker may be waiting for this submitter to leave (should_exit below):
  // ring then too, and wake every worker.
  const bool stopping = stopping_.load(std::memory_order_seq_cst);
  if (accepted || stopping) ring(ingress_bell_, stopping);
  if (!accepted) jobs_refused_busy_.fetch_add(1, std::memory_order_relaxed);
  return accepted;
}

void Pipeline::run_worker(std::uint32_t index) {
  const std::unique_ptr<WorkerState> state = make_worker_(index);
  const auto try_work = [&] {
    Job* job = nullptr;
    if (!ingress_.pop(job)) return false;
    ingress_depth_.fetch_sub(1, std::memory_order_relaxed);
    std::unique_ptr<Job> owned(job);
    if (owned->work(*state) == Job::Next::journal) {
      EDGEROUTE_ASSERT(!owned->entries().empty(), "a job asked to be journaled without entries");
      hand_to_journal(owned.release());
    }
    return true;
  };
  const auto should_exit = [&] {
    return stopping_.load(std::memory_order_seq_cst) &&
           submitters_.load(std::memory_order_seq_cst) == 0;
  };
  serve_queue(ingress_bell_, try_work, should_exit);
}

void Pipeline::hand_to_journal(Job* job) {
  journal_depth_.fetch_add(1, std::memory_order_relaxed);
  if (!journal_queue_.bounded_push(job)) {
    journal_depth_.fetch_sub(1, std::memory_order_relaxed);
    std::unique_ptr<Job> refused(job);
    jobs_refused_busy_.fetch_add(1, std::memory_order_relaxed);
    refused->not_journaled(
        Status{StatusCode::unavailable, "busy: the journal queue is full; retry later"});
    return;
  }
  ring(journal_bell_, false);
}

namespace {
// How long the journal writer naps while it waits for more work to join a batch.
constexpr std::chrono::microseconds kBatchDelayStep{50};
}  // namespace

void Pipeline::run_journal_writer() {
  std::vector<Job*> batch;
  batch.reserve(options_.batch_max_entries);
  std::size_t entries = 0;
  const auto take = [&] {
    Job* job = nullptr;
    if (!journal_queue_.pop(job)) return false;
    journal_depth_.fetch_sub(1, std::memory_order_relaxed);
    batch.push_back(job);
    entries += job->entries().size();
    return true;
  };
  const auto try_work = [&] {
    const bool persisted_mark = persist_acknowledged();
    if (!take()) return persisted_mark;
    // Group commit: everything already waiting goes in the same transaction, up to the
    // batch limit; then, if configured, a short wait for more.
    while (entries < options_.batch_max_entries && take()) {
    }
    if (options_.batch_max_delay.count() > 0 && entries < options_.batch_max_entries) {
      const auto deadline = std::chrono::steady_clock::now() + options_.batch_max_delay;
      for (auto now = std::chrono::steady_clock::now();
           entries < options_.batch_max_entries && now < deadline;
           now = std::chrono::steady_clock::now()) {
        if (take()) continue;
        // Nothing waiting: nap in short steps rather than spin a core for the whole
        // delay (a spinning writer cost a millisecond of CPU per decision at light load).
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(deadline - now, kBatchDelayStep));
      }
    }
    commit(batch);
    batch.clear();
    entries = 0;
    return true;
  };
  const auto should_exit = [&] { return journal_stopping_.load(std::memory_order_seq_cst); };
  serve_queue(journal_bell_, try_work, should_exit);
}

void Pipeline::record_acknowledged(std::uint64_t sequence) {
  std::uint64_t wanted = acknowledged_wanted_.load(std::memory_order_relaxed);
  while (sequence > wanted &&
         !acknowledged_wanted_.compare_exchange_weak(wanted, sequence, std::memory_order_release,
                                                     std::memory_order_relaxed)) {
  }
  if (sequence > wanted) ring(journal_bell_, false);
}

// On the journal writer. A failure (a full disk) is not the gateway's problem: central
// holds the mark too and says it again at the next hello; the writer tries again when
// woken next.
bool Pipeline::persist_acknowledged() {
  const std::uint64_t wanted = acknowledged_wanted_.load(std::memory_order_acquire);
  if (wanted <= acknowledged_persisted_.load(std::memory_order_relaxed)) return false;
  if (!journal_.set_acknowledged(wanted).is_ok()) return false;
  acknowledged_persisted_.store(wanted, std::memory_order_relaxed);
  return true;
}

bool Pipeline::accepting() const {
  if (accepting_.load(std::memory_order_relaxed)) return true;
  if (failed_.load(std::memory_order_relaxed)) return false;
  // After a full disk, one batch is let through every kRetryAfterNoSpace to find out
  // whether there is room again.
  const auto refused_at = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(refused_at_ns_.load(std::memory_order_relaxed)));
  return std::chrono::steady_clock::now() - refused_at >= kRetryAfterNoSpace;
}

void Pipeline::refuse(const Status& why, bool for_good) {
  std::lock_guard lock(refusal_mutex_);
  refusal_ = why;
  refused_at_ns_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                       std::memory_order_relaxed);
  if (for_good) failed_.store(true, std::memory_order_relaxed);
  accepting_.store(false, std::memory_order_relaxed);
}

Status Pipeline::refusal() const {
  std::lock_guard lock(refusal_mutex_);
  return refusal_;
}

void Pipeline::commit(std::vector<Job*>& batch) {
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.reserve(batch.size());
  for (Job* job : batch) jobs.emplace_back(job);

  if (failed_.load(std::memory_order_relaxed) || !accepting()) {
    const Status why = refusal();
    for (const auto& job : jobs) job->not_journaled(why);
    return;
  }

  std::vector<journal::EntryToAppend> appends;
  for (const auto& job : jobs) {
    for (const DraftEntry& entry : job->entries()) {
      appends.push_back(
          {entry.kind, entry.recorded_at_us, entry.order_id, entry.correlation_id, entry.payload});
    }
  }
  const auto started = std::chrono::steady_clock::now();
  Result<journal::SequenceRange> appended = journal_.append(appends);
  const auto took = std::chrono::steady_clock::now() - started;
  if (!appended) {
    batches_failed_.fetch_add(1, std::memory_order_relaxed);
    const StatusCode code = appended.status().code();
    if (code == StatusCode::no_space || code == StatusCode::invalid_argument) {
      // Rolled back: nothing of the batch is durable, every job may undo its change.
      if (code == StatusCode::no_space) refuse(appended.status(), false);
      for (const auto& job : jobs) job->not_journaled(appended.status());
      return;
    }
    // Any other failure leaves the batch's fate unknown: it may be durable after all
    // (journal.h). Undoing the changes could then sell twice what a restart restores, so
    // nothing is undone; the pipeline refuses everything from now on and the daemon must
    // restart, when replay settles what happened.
    refuse(appended.status(), true);
    for (const auto& job : jobs) job->outcome_unknown(appended.status());
    return;
  }
  if (!accepting_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(refusal_mutex_);
    refusal_ = Status::ok();
    accepting_.store(true, std::memory_order_relaxed);
  }
  last_sequence_.store(appended->last, std::memory_order_relaxed);
  batches_committed_.fetch_add(1, std::memory_order_relaxed);
  entries_committed_.fetch_add(appends.size(), std::memory_order_relaxed);
  if (observe_commit_) {
    observe_commit_(appends.size(), std::chrono::duration_cast<std::chrono::nanoseconds>(took));
  }
  std::uint64_t next = appended->first;
  applied_.begin();
  for (const auto& job : jobs) {
    const std::uint64_t count = job->entries().size();
    job->journaled({next, next + count - 1});
    next += count;
  }
  applied_.end(appended->last);
}

PipelineCounters Pipeline::counters() const {
  return {jobs_submitted_.load(std::memory_order_relaxed),
          jobs_refused_busy_.load(std::memory_order_relaxed),
          batches_committed_.load(std::memory_order_relaxed),
          entries_committed_.load(std::memory_order_relaxed),
          batches_failed_.load(std::memory_order_relaxed)};
}

}  // namespace edgeroute::gateway
