// AppliedPosition: how far the journal's effects on stock have been applied, and a way
// to read stock as it stood at exactly that journal position while routing goes on.
//
// On-hand moves only on the journal writer, in journal order, once an entry is durable
// (each job's journaled(): adjustments, shipments, escrow grants and returns; replay
// applies the same entries before any thread starts). So between two batches the
// counters' on-hand is the journal's, through the batch's last sequence. The writer
// brackets each batch's journaled() calls with begin()/end(); a reader (the sync agent's
// stock report, off the writer) reads the counters inside read(), which retries until no
// batch was applied meanwhile, and learns the sequence its read stands at. The writer
// never waits for a reader. A reader retries only while effects are being applied, a
// sliver of each batch beside its commit (an fsync), so it gets through at once; a writer
// that applied batches back to back with nothing between them could starve it.
//
// Memory order: a sequence lock (Boehm, "Can seqlocks get along with programming language
// memory models?", 2012). `version_` is odd while a batch is being applied.
// - begin(): relaxed store of the odd version, then a release fence: any store the writer
//   makes after it (to the counters) that a reader's load reads makes the odd store
//   visible to that reader's later loads (fence-to-fence synchronisation with the
//   reader's acquire fence), so its second load of `version_` differs.
// - end(): release store of the next even version and of the applied sequence before it,
//   so a reader whose first acquire load reads it reads every counter write of the batch
//   and the sequence.
// - read(): acquire load of the version (odd: retry), the counters (their own atomics,
//   any order), an acquire fence, then a relaxed load of the version: unchanged means no
//   batch started since the first load, and the counters read are those of `sequence_`.
// The counters are atomics already (InventoryCell), so the reads are race-free; only the
// version decides whether they are consistent.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace edgeroute::gateway {

class AppliedPosition {
 public:
  explicit AppliedPosition(std::uint64_t sequence) : sequence_(sequence) {}
  AppliedPosition(const AppliedPosition&) = delete;
  AppliedPosition& operator=(const AppliedPosition&) = delete;

  // Journal writer only: a batch's effects are about to be applied.
  void begin() {
    version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
  }
  // Journal writer only: everything through `sequence` is applied.
  void end(std::uint64_t sequence) {
    sequence_.store(sequence, std::memory_order_relaxed);
    version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Calls `read` until it ran while no batch was being applied (it may run more than once:
  // it must only read, and start afresh each time), and returns the journal sequence
  // through which the stock it read had been applied.
  template <typename Read>
  std::uint64_t read(Read&& read) const {
    for (;;) {
      const std::uint64_t before = version_.load(std::memory_order_acquire);
      if (before % 2 == 1) {
        std::this_thread::yield();
        continue;
      }
      const std::uint64_t sequence = sequence_.load(std::memory_order_relaxed);
      read();
      std::atomic_thread_fence(std::memory_order_acquire);
      if (version_.load(std::memory_order_relaxed) == before) return sequence;
    }
  }

  // The newest sequence applied (any thread; for figures).
  std::uint64_t sequence() const { return sequence_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> version_{0};
  std::atomic<std::uint64_t> sequence_;
};

}  // namespace edgeroute::gateway
