// AppliedPosition: a read that returns saw the counters exactly as the writer left them
// after one whole batch, and learns that batch's sequence; run under ThreadSanitizer in
// CI. The writer sets every counter to the batch's number one at a time, so a read that
// overlapped a batch would see two numbers, or a number other than the sequence.
#include "edgeroute/gateway/applied_position.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace edgeroute::gateway {
namespace {

constexpr std::size_t kCounters = 64;
// Each reader reads until it has seen this many batches: the writer goes on meanwhile.
constexpr std::uint64_t kBatchesSeen = 300;

TEST(AppliedPosition, AReadThatReturnsSawOneWholeBatchAndItsSequence) {
  AppliedPosition position(0);
  std::array<std::atomic<std::uint64_t>, kCounters> counters{};
  std::atomic<int> readers_done{0};

  std::thread writer([&] {
    for (std::uint64_t batch = 1; readers_done.load(std::memory_order_acquire) < 2; ++batch) {
      position.begin();
      // Releases, as the inventory's changes of on-hand are (the position relies on it).
      for (std::atomic<std::uint64_t>& counter : counters)
        counter.store(batch, std::memory_order_release);
      position.end(batch);
      // The journal writer spends most of a batch committing, outside the bracket; a writer
      // that did nothing else would leave a reader no gap to read in.
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  });

  std::vector<std::thread> readers;
  std::array<std::uint64_t, 2> distinct_sequences{};
  for (std::size_t r = 0; r < distinct_sequences.size(); ++r) {
    readers.emplace_back([&, r] {
      std::array<std::uint64_t, kCounters> seen{};
      std::uint64_t last_sequence = 0;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (distinct_sequences[r] < kBatchesSeen && std::chrono::steady_clock::now() < give_up) {
        const std::uint64_t sequence = position.read([&] {
          for (std::size_t i = 0; i < kCounters; ++i)
            seen[i] = counters[i].load(std::memory_order_acquire);
        });
        bool whole = true;
        for (std::size_t i = 0; i < kCounters; ++i) whole = whole && seen[i] == sequence;
        EXPECT_TRUE(whole) << "a read at sequence " << sequence << " saw counter 0 at " << seen[0]
                           << " and counter 63 at " << seen[kCounters - 1];
        EXPECT_GE(sequence, last_sequence) << "a read went back in the journal";
        if (!whole || sequence < last_sequence) break;
        if (sequence != last_sequence) ++distinct_sequences[r];
        last_sequence = sequence;
      }
      readers_done.fetch_add(1, std::memory_order_release);
    });
  }
  for (std::thread& reader : readers) reader.join();
  writer.join();
  // The readers ran while batches were applied, not only before or after them.
  for (const std::uint64_t distinct : distinct_sequences) EXPECT_EQ(distinct, kBatchesSeen);
}

TEST(AppliedPosition, AReadWithNoBatchUnderWayRunsOnceAtTheStartingSequence) {
  AppliedPosition position(41);
  int runs = 0;
  EXPECT_EQ(position.read([&] { ++runs; }), 41U);
  EXPECT_EQ(runs, 1);
  position.begin();
  position.end(44);
  EXPECT_EQ(position.read([&] { ++runs; }), 44U);
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace edgeroute::gateway
