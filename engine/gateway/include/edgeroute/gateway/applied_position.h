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
// Memory order: a sequence lock without stand-alone fences (ThreadSanitizer does not
// model them, and GCC refuses them under it). One word holds both the position and the
// lock: 2 × sequence once a batch through `sequence` is applied, 2 × (previous sequence)
// + 1 while the next is being applied. Sequences only grow, so a value never comes back.
// It relies on what the counters do: every change of on-hand is a release
// read-modify-write of its cell's word, and the reader loads each word with acquire
// (InventoryCell::levels_acquire; routing's reservations, read-modify-writes too, continue
// the release sequence).
// - begin(): a relaxed store of the odd value, sequenced before the batch's changes.
// - end(): a release store of the new even value, after the changes.
// - read(): an acquire load of the word (odd: retry); the counters (acquire); then a
//   relaxed load of the word. If the first load read end()'s value, every change of that
//   batch and the ones before happens before the counter loads, which therefore read
//   those values or later ones. A later value comes from a batch whose begin() is
//   sequenced before the change, which is a release read by an acquire load sequenced
//   before the second load: that begin() happens before the second load, which then reads
//   the odd value or a later one (write-read coherence), never the first value, and the
//   read is retried. So a read that returns saw exactly the batches through its sequence.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace edgeroute::gateway {

class AppliedPosition {
 public:
  explicit AppliedPosition(std::uint64_t sequence) : word_(2 * sequence) {}
  AppliedPosition(const AppliedPosition&) = delete;
  AppliedPosition& operator=(const AppliedPosition&) = delete;

  // Journal writer only: a batch's effects are about to be applied.
  void begin() {
    word_.store(word_.load(std::memory_order_relaxed) | 1, std::memory_order_relaxed);
  }
  // Journal writer only: everything through `sequence` (above the last) is applied.
  void end(std::uint64_t sequence) { word_.store(2 * sequence, std::memory_order_release); }

  // Calls `read` until it ran while no batch was being applied (it may run more than once:
  // it must only read, each counter with an acquire load, and start afresh each time), and
  // returns the journal sequence through which the stock it read had been applied.
  template <typename Read>
  std::uint64_t read(Read&& read) const {
    for (;;) {
      const std::uint64_t before = word_.load(std::memory_order_acquire);
      if (before % 2 == 1) {
        std::this_thread::yield();
        continue;
      }
      read();
      if (word_.load(std::memory_order_relaxed) == before) return before / 2;
    }
  }

  // The newest sequence applied (any thread; for figures).
  std::uint64_t sequence() const { return word_.load(std::memory_order_relaxed) / 2; }

 private:
  std::atomic<std::uint64_t> word_;
};

}  // namespace edgeroute::gateway
