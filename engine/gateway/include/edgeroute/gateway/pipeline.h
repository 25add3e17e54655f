// Pipeline: the gateway's threads and the bounded lock-free queues between them.
//
//   I/O threads --submit()--> [ingress queue] --> routing workers --> [journal queue]
//        ^                                                                  |
//        +---- Job::journaled() / not_journaled() replies <---- journal writer (group commit)
//
// A Job is one request on its way through. A routing worker runs Job::work(); a job
// that changed something (a decision, a cancel, an adjustment) asks to be journaled, and
// the single journal writer appends the entries of many jobs in one transaction, then
// tells each job the sequence numbers it got (or why it got none). Only then does the job
// reply and make its change visible: no client hears of anything that is not durable.
//
// Backpressure. Both queues are bounded (sizes from the configuration) and never grow:
// submit() returns false when the ingress queue is full, and a job the journal queue has
// no room for is told so through not_journaled(busy) after its work; either way its
// client hears `busy` at once.
//
// Queues are Boost.Lockfree MPMC queues of Job pointers, pre-allocated (bounded_push
// never allocates). Idle threads sleep on a C++20 atomic wait; see pipeline.cpp for the
// wake-up argument.
//
// Thread-safety: submit() and the depth getters may be called from any thread; start()
// and stop() from one controlling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <boost/lockfree/queue.hpp>

#include "edgeroute/base/status.h"
#include "edgeroute/gateway/applied_position.h"
#include "edgeroute/journal/journal.h"

namespace edgeroute::gateway {

// What a routing worker keeps from one job to the next (its Router, its snapshot
// reader): defined by whoever makes the jobs.
struct WorkerState {
  virtual ~WorkerState() = default;
};

struct DraftEntry {
  journal::EntryKind kind = journal::EntryKind::decision;
  std::int64_t recorded_at_us = 0;
  std::string order_id;
  std::string correlation_id;
  std::vector<std::uint8_t> payload;
};

class Job {
 public:
  enum class Next : std::uint8_t { done, journal };

  virtual ~Job() = default;
  // On a routing worker. Returns journal after filling entries(); done when the job has
  // replied already (a query, a rejection that needs no record).
  virtual Next work(WorkerState& worker) = 0;
  // On the journal writer, once the entries are durable: `range` numbers them in order.
  virtual void journaled(journal::SequenceRange range) = 0;
  // The entries were not journaled: `why` is busy (journal queue full: unavailable) or
  // no_space (disk full), or the journal refuses work after an earlier failure. The job
  // undoes its change and replies with the error.
  virtual void not_journaled(const Status& why) = 0;
  // The journal failed in a way that leaves the entries' fate unknown: they may be
  // durable. The job must not undo anything (a restart's replay decides) and replies
  // that the outcome is unknown.
  virtual void outcome_unknown(const Status& why) = 0;

  std::vector<DraftEntry>& entries() { return entries_; }

 private:
  std::vector<DraftEntry> entries_;
};

struct PipelineOptions {
  std::uint32_t routing_workers = 2;
  std::uint32_t ingress_capacity = 4096;
  std::uint32_t journal_capacity = 4096;
  std::uint32_t batch_max_entries = 512;
  std::chrono::microseconds batch_max_delay{0};
};

struct PipelineCounters {
  std::uint64_t jobs_submitted = 0;
  std::uint64_t jobs_refused_busy = 0;
  std::uint64_t batches_committed = 0;
  std::uint64_t entries_committed = 0;
  std::uint64_t batches_failed = 0;
};

class Pipeline {
 public:
  using WorkerFactory = std::function<std::unique_ptr<WorkerState>(std::uint32_t worker_index)>;
  // Observes each commit: batch size and how long append() took.
  using CommitObserver = std::function<void(std::size_t entries, std::chrono::nanoseconds took)>;

  Pipeline(PipelineOptions options, journal::Journal& journal, WorkerFactory make_worker,
           CommitObserver observe_commit = {});
  ~Pipeline();  // stops, if still running
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void start();
  // Stops taking work, finishes every job already accepted (routed, journaled, replied),
  // then joins the threads.
  void stop();

  // Takes ownership when it returns true; false (the job is untouched, still the
  // caller's) when the ingress queue is full or the pipeline is stopping.
  bool submit(std::unique_ptr<Job>& job);

  // After a no_space failure the gateway refuses work that must be journaled, with the
  // failure's message, and lets one batch through every kRetryAfterNoSpace to try the
  // journal again: once the disk has room, work resumes. Queries keep working. After a
  // failure whose outcome is unknown (failed()), it refuses for good: restart.
  static constexpr std::chrono::seconds kRetryAfterNoSpace{5};
  bool accepting() const;
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  Status refusal() const;

  std::size_t ingress_depth() const { return ingress_depth_.load(std::memory_order_relaxed); }
  std::size_t journal_depth() const { return journal_depth_.load(std::memory_order_relaxed); }
  PipelineCounters counters() const;
  // The journal's newest sequence number, as of the last commit.
  std::uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_relaxed); }

  // Central's high-water mark, as the sync agent heard it: the journal writer persists it
  // (Journal::set_acknowledged) before its next batch. A mark below one already
  // recorded is ignored. Any thread; never blocks.
  void record_acknowledged(std::uint64_t sequence);
  // The mark as last persisted.
  std::uint64_t acknowledged() const {
    return acknowledged_persisted_.load(std::memory_order_relaxed);
  }
  const PipelineOptions& options() const { return options_; }
  // How far the journal's effects on stock are applied, and consistent reads of stock at
  // that position (applied_position.h): each batch's journaled() calls are bracketed.
  const AppliedPosition& applied() const { return applied_; }

 private:
  void run_worker(std::uint32_t index);
  void run_journal_writer();
  void commit(std::vector<Job*>& batch);
  void hand_to_journal(Job* job);
  void refuse(const Status& why, bool for_good);
  bool persist_acknowledged();

  PipelineOptions options_;
  journal::Journal& journal_;
  WorkerFactory make_worker_;
  CommitObserver observe_commit_;

  boost::lockfree::queue<Job*> ingress_;
  boost::lockfree::queue<Job*> journal_queue_;
  // Doorbells: bumped after every push, waited on by idle consumers (pipeline.cpp).
  std::atomic<std::uint32_t> ingress_bell_{0};
  std::atomic<std::uint32_t> journal_bell_{0};
  std::atomic<std::size_t> ingress_depth_{0};
  std::atomic<std::size_t> journal_depth_{0};
  std::atomic<std::uint32_t> submitters_{0};  // threads inside submit() (stop's handshake)
  std::atomic<bool> stopping_{false};
  std::atomic<bool> journal_stopping_{false};
  std::atomic<bool> accepting_{true};
  // Guarded by refusal_mutex_: why the journal refuses, and since when (journal writer).
  mutable std::mutex refusal_mutex_;
  Status refusal_;
  std::atomic<std::int64_t> refused_at_ns_{0};  // steady clock, written under refusal_mutex_
  std::atomic<bool> failed_{false};

  std::atomic<std::uint64_t> jobs_submitted_{0};
  std::atomic<std::uint64_t> jobs_refused_busy_{0};
  std::atomic<std::uint64_t> batches_committed_{0};
  std::atomic<std::uint64_t> entries_committed_{0};
  std::atomic<std::uint64_t> batches_failed_{0};
  std::atomic<std::uint64_t> last_sequence_{0};
  AppliedPosition applied_;
  // Raised by record_acknowledged() (a CAS maximum), read by the journal writer after the
  // doorbell; the value itself is all that passes, so acquire/release on it suffices.
  std::atomic<std::uint64_t> acknowledged_wanted_{0};
  std::atomic<std::uint64_t> acknowledged_persisted_{0};  // written by the journal writer only

  std::vector<std::thread> workers_;
  std::thread journal_writer_;
  bool started_ = false;
};

}  // namespace edgeroute::gateway
