// Proves SnapshotPublisher keeps its promises under real concurrency (this file is what
// ThreadSanitizer and AddressSanitizer are pointed at for snapshot publication).
//
// Six reader threads each make at least 10,000 reads while a writer publishes new
// versions back to back, for as long as they read (each reader goes on until it has read
// version 2,000 or later, and all have read version 1 before the first publish, so each
// of them sees the versions change under it). Every snapshot carries its version,
// a vector of values derived from it, their checksum and a canary that its destructor
// overwrites. Each read checks, while its guard is alive, that the canary is intact,
// the contents match the version the guard reports, and the checksum matches the
// values, so a snapshot freed or reused under a reader shows up as a failed check (and
// as a heap-use-after-free under AddressSanitizer, a data race under ThreadSanitizer).
// Every reader also checks that the versions it sees never go backwards. Some reads
// hold their guard across a few yields, so that readers pin old snapshots while the
// writer keeps publishing. Destructors count per version; after the threads join and
// the publisher is gone, every version was destroyed exactly once, and as many
// snapshots were destroyed as were made.
//
// A second test has more threads than reader slots register, read and unregister in a
// loop, so slots are handed from thread to thread while the writer publishes; the same
// checks apply, and every registration either succeeds or is refused for lack of slots.
//
// The writer's only waiting is its own choice: a refused publish() (readers pinning every
// retired place) is retried after reclaim(). Bounded iterations, no sleeps; a few seconds
// under ThreadSanitizer and qemu-aarch64.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <memory>
#include <numeric>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/snapshot.h"

namespace edgeroute::routing {
namespace {

constexpr int kReaders = 6;
constexpr std::int64_t kReadsPerReader = 10'000;
// The writer publishes for as long as the readers read, and each reader reads until it
// has seen version kVersionsMin or later; kVersionsMax bounds the run.
constexpr std::uint64_t kVersionsMin = 2'000;
constexpr std::uint64_t kVersionsMax = 100'000;
constexpr std::size_t kValues = 24;
constexpr std::uint64_t kAlive = 0xA11CE5A1F0CA11EDull;
constexpr std::uint64_t kDead = 0xDEADDEADDEADDEADull;

// Destruction counts, per version (indexed by version) and in total.
struct Tally {
  std::vector<std::atomic<int>> destroyed_by_version =
      std::vector<std::atomic<int>>(kVersionsMax + 1);
  std::atomic<std::int64_t> constructed{0};
  std::atomic<std::int64_t> destroyed{0};
};

std::uint64_t value_at(std::uint64_t version, std::size_t index) {
  return version * 1'000'003u + index * 7919u;
}

// A snapshot whose contents are a function of its version.
class Payload {
 public:
  Payload(std::uint64_t version, Tally& tally) : version_(version), tally_(&tally) {
    values_.reserve(kValues);
    for (std::size_t i = 0; i < kValues; ++i) values_.push_back(value_at(version, i));
    checksum_ = std::accumulate(values_.begin(), values_.end(), std::uint64_t{0});
    tally_->constructed.fetch_add(1, std::memory_order_relaxed);
  }
  Payload(const Payload&) = delete;
  Payload& operator=(const Payload&) = delete;
  ~Payload() {
    EDGEROUTE_ASSERT(canary_ == kAlive, "a snapshot destroyed twice");
    canary_ = kDead;
    checksum_ = 0;
    tally_->destroyed_by_version[static_cast<std::size_t>(version_)].fetch_add(
        1, std::memory_order_relaxed);
    tally_->destroyed.fetch_add(1, std::memory_order_relaxed);
  }

  // Whether the snapshot is intact and is the one `version` names.
  bool intact_as(std::uint64_t version) const {
    if (canary_ != kAlive || version_ != version || values_.size() != kValues) return false;
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kValues; ++i) {
      if (values_[i] != value_at(version, i)) return false;
      sum += values_[i];
    }
    return sum == checksum_;
  }

 private:
  std::uint64_t version_;
  std::vector<std::uint64_t> values_;
  std::uint64_t checksum_ = 0;
  std::uint64_t canary_ = kAlive;
  Tally* tally_;
};

using Publisher = SnapshotPublisher<Payload>;

// What one reader thread saw. Written only by its thread; read after join.
struct ReaderLedger {
  std::int64_t reads = 0;
  std::int64_t corrupt_reads = 0;
  std::int64_t backward_versions = 0;
  std::int64_t distinct_versions = 0;
  std::int64_t registrations_refused = 0;
  std::uint64_t last_version = 0;
};

// One read with all its checks; every `hold_every`th read holds its guard across yields.
void checked_read(SnapshotReader<Payload>& reader, ReaderLedger& ledger, int hold_every) {
  SnapshotGuard<Payload> guard = reader.read();
  ++ledger.reads;
  if (!guard->intact_as(guard.version())) ++ledger.corrupt_reads;
  if (guard.version() < ledger.last_version) ++ledger.backward_versions;
  if (guard.version() != ledger.last_version) ++ledger.distinct_versions;
  ledger.last_version = guard.version();
  if (ledger.reads % hold_every == 0) {
    for (int i = 0; i < 3; ++i) std::this_thread::yield();
    if (!guard->intact_as(guard.version())) ++ledger.corrupt_reads;
  }
}

// Publishes versions 2, 3, ... while `keep_going()` and below kVersionsMax, retrying a
// refused publish after reclaim(). Returns the last version it published.
struct WriterLedger {
  std::uint64_t last_version = 1;
  std::int64_t refusals = 0;
  std::int64_t wrong_refusals = 0;
  std::size_t pending_max = 0;
};
template <typename KeepGoing>
WriterLedger publish_while(Publisher& publisher, Tally& tally, KeepGoing keep_going) {
  WriterLedger ledger;
  while (keep_going() && ledger.last_version < kVersionsMax) {
    const std::uint64_t version = ledger.last_version + 1;
    std::unique_ptr<const Payload> next = std::make_unique<const Payload>(version, tally);
    for (;;) {
      Result<std::uint64_t> published = publisher.publish(std::move(next));
      if (published.has_value()) {
        EDGEROUTE_ASSERT(*published == version, "versions are consecutive");
        break;
      }
      ++ledger.refusals;
      if (published.status().code() != StatusCode::failed_precondition || next == nullptr) {
        ++ledger.wrong_refusals;
        return ledger;
      }
      (void)publisher.reclaim();
      std::this_thread::yield();
    }
    ledger.last_version = version;
    ledger.pending_max = std::max(ledger.pending_max, publisher.pending_reclamation());
  }
  return ledger;
}

void expect_every_version_destroyed_once(const Tally& tally, std::uint64_t last_version) {
  EXPECT_EQ(tally.constructed.load(), static_cast<std::int64_t>(last_version));
  EXPECT_EQ(tally.destroyed.load(), tally.constructed.load());
  for (std::uint64_t version = 1; version <= last_version; ++version) {
    ASSERT_EQ(tally.destroyed_by_version[static_cast<std::size_t>(version)].load(), 1)
        << "version " << version;
  }
}

void expect_clean_reads(const std::vector<ReaderLedger>& ledgers) {
  for (std::size_t i = 0; i < ledgers.size(); ++i) {
    EXPECT_GE(ledgers[i].reads, kReadsPerReader) << "reader " << i;
    EXPECT_EQ(ledgers[i].corrupt_reads, 0) << "reader " << i;
    EXPECT_EQ(ledgers[i].backward_versions, 0) << "reader " << i;
  }
}

TEST(SnapshotPublisherStress, ReadersSeeIntactSnapshotsWhileTheWriterPublishes) {
  Tally tally;
  std::vector<ReaderLedger> ledgers(kReaders);
  WriterLedger writer;
  {
    Publisher publisher(std::make_unique<const Payload>(1, tally),
                        {.reader_slots = kReaders, .retired_max = kReaders});
    std::atomic<int> readers_running{kReaders};
    std::latch first_reads(kReaders);
    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) {
      readers.emplace_back([&, r] {
        Result<SnapshotReader<Payload>> reader = publisher.register_reader();
        EDGEROUTE_ASSERT(reader.has_value(), "every stress reader has a slot");
        ReaderLedger& ledger = ledgers[static_cast<std::size_t>(r)];
        checked_read(*reader, ledger, 64);
        first_reads.count_down();
        while (ledger.reads < kReadsPerReader || ledger.last_version < kVersionsMin) {
          checked_read(*reader, ledger, 64);
        }
        readers_running.fetch_sub(1, std::memory_order_relaxed);
      });
    }
    first_reads.wait();  // every reader has read version 1 before the first publish
    writer = publish_while(publisher, tally, [&] { return readers_running.load() > 0; });
    for (std::thread& reader : readers) reader.join();
    EXPECT_EQ(publisher.version(), writer.last_version);
    EXPECT_LE(writer.pending_max, std::size_t{kReaders});
  }
  EXPECT_EQ(writer.wrong_refusals, 0);
  EXPECT_GE(writer.last_version, kVersionsMin);
  expect_clean_reads(ledgers);
  for (const ReaderLedger& ledger : ledgers) {
    // Its first read saw version 1 and its last one kVersionsMin or later.
    EXPECT_GE(ledger.distinct_versions, 2);
  }
  expect_every_version_destroyed_once(tally, writer.last_version);
  RecordProperty("versions_published", static_cast<int>(writer.last_version));
  RecordProperty("publish_refusals", static_cast<int>(writer.refusals));
}

TEST(SnapshotPublisherStress, ReaderSlotsPassBetweenThreadsWhileTheWriterPublishes) {
  constexpr int kThreads = 6;
  constexpr std::uint32_t kSlots = 3;
  Tally tally;
  std::vector<ReaderLedger> ledgers(kThreads);
  WriterLedger writer;
  {
    Publisher publisher(std::make_unique<const Payload>(1, tally),
                        {.reader_slots = kSlots, .retired_max = kSlots});
    std::atomic<int> threads_running{kThreads};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ReaderLedger& ledger = ledgers[static_cast<std::size_t>(t)];
        while (ledger.reads < kReadsPerReader || ledger.last_version < kVersionsMin) {
          Result<SnapshotReader<Payload>> reader = publisher.register_reader();
          if (!reader.has_value()) {
            ++ledger.registrations_refused;
            std::this_thread::yield();
            continue;
          }
          for (int read = 0; read < 16; ++read) checked_read(*reader, ledger, 8);
        }
        threads_running.fetch_sub(1, std::memory_order_relaxed);
      });
    }
    writer = publish_while(publisher, tally, [&] { return threads_running.load() > 0; });
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(publisher.registered_readers(), 0u);
  }
  EXPECT_EQ(writer.wrong_refusals, 0);
  EXPECT_GE(writer.last_version, kVersionsMin);
  expect_clean_reads(ledgers);
  expect_every_version_destroyed_once(tally, writer.last_version);
}

}  // namespace
}  // namespace edgeroute::routing
