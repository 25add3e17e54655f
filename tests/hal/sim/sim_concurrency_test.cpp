// Proves the sims are safe to share between threads the way the daemon shares the real
// HAL (this file is what ThreadSanitizer is pointed at): several threads append to
// and sync their own files while others list, read and measure the same storage, and
// everything synced is intact afterwards, also across a crash; several sleeping
// loops with different periods run in lockstep on one SimClock while another thread
// schedules alarms and reads the time, and every loop turn and every alarm happens
// exactly as often as the simulated time demands, the same with participant loops that
// advance() itself waits for (each turn then reads its exact deadline); two threads replacing the
// same file with write_file_atomically never produce a mix of their contents.
#include <atomic>
#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/hal/sim/sim_storage.h"

namespace edgeroute::hal {
namespace {

using namespace std::chrono_literals;

const WallTime kStartWall{std::chrono::seconds(1'709'280'000)};
const MonotonicTime kStart{std::chrono::hours(1)};

constexpr int kWriters = 4;
constexpr int kRecordsPerWriter = 200;
constexpr int kRecordsPerSync = 10;
const std::string kRecord = "order-routed;";

std::string expected_journal(int records) {
  std::string journal;
  for (int record = 0; record < records; ++record) journal += kRecord;
  return journal;
}

void write_journal(SimStorage& storage, const std::string& path) {
  auto opened = storage.open_appendable(path);
  ASSERT_TRUE(opened) << opened.status().to_string();
  for (int record = 1; record <= kRecordsPerWriter; ++record) {
    ASSERT_TRUE((*opened)->append(kRecord).is_ok());
    if (record % kRecordsPerSync == 0) {
      ASSERT_TRUE((*opened)->sync().is_ok());
    }
  }
  ASSERT_TRUE((*opened)->close().is_ok());
}

TEST(SimConcurrency, StorageServesWritersAndReadersAtOnce) {
  SimStorage storage;
  ASSERT_TRUE(storage.create_directories("/data").is_ok());
  ASSERT_TRUE(storage.sync_directory("/").is_ok());

  std::atomic<bool> writers_done = false;
  std::thread reader([&] {
    for (int pass = 0; pass < 100'000 && !writers_done; ++pass) {
      const auto names = storage.list_directory("/data");
      ASSERT_TRUE(names);
      for (const std::string& name : *names) {
        const auto contents = storage.read_file("/data/" + name);
        ASSERT_TRUE(contents);
        EXPECT_EQ(contents->size() % kRecord.size(), 0u) << "a torn record in " << name;
      }
      ASSERT_TRUE(storage.free_space_bytes("/data"));
      ASSERT_TRUE(storage.exists("/data/journal-0").status().is_ok());
    }
  });
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back(
        [&storage, writer] { write_journal(storage, "/data/journal-" + std::to_string(writer)); });
  }
  for (std::thread& writer : writers) writer.join();
  writers_done = true;
  reader.join();
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());

  const std::string journal = expected_journal(kRecordsPerWriter);
  for (int writer = 0; writer < kWriters; ++writer) {
    EXPECT_EQ(*storage.read_file("/data/journal-" + std::to_string(writer)), journal);
  }
  EXPECT_EQ(storage.used_bytes(), kWriters * journal.size());

  storage.simulate_crash();
  for (int writer = 0; writer < kWriters; ++writer) {
    EXPECT_EQ(*storage.read_file("/data/journal-" + std::to_string(writer)), journal);
  }
}

TEST(SimConcurrency, EvenConcurrentAtomicWritersOfOnePathNeverMixTheirBytes) {
  // storage.h REQUIRES one writer per path; each call still writes its own temporary,
  // so two writers that break the rule replace the file in turn, never with a mix.
  SimStorage storage;
  ASSERT_TRUE(storage.create_directories("/data").is_ok());
  const std::string path = "/data/policy.bin";
  const std::string kContents[2] = {std::string(1000, 'a'), std::string(1000, 'b')};
  constexpr int kWritesPerWriter = 200;

  std::atomic<bool> writers_done = false;
  std::thread reader([&] {
    while (!writers_done) {
      const auto contents = storage.read_file(path);
      if (!contents) continue;  // not written yet
      EXPECT_TRUE(*contents == kContents[0] || *contents == kContents[1]) << "a mixed file";
    }
  });
  std::vector<std::thread> writers;
  for (const std::string& contents : kContents) {
    writers.emplace_back([&storage, &path, &contents] {
      for (int write = 0; write < kWritesPerWriter; ++write) {
        const Status written = write_file_atomically(storage, path, contents);
        ASSERT_TRUE(written.is_ok()) << written.to_string();
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  writers_done = true;
  reader.join();

  const auto names = storage.list_directory("/data");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"policy.bin"});  // no temporary left over
}

TEST(SimConcurrency, ParticipantLoopsRunInLockstepWhileAlarmsAreScheduled) {
  SimClock clock(kStartWall, kStart);
  constexpr int kLoops = 3;
  const Duration periods[kLoops] = {100ms, 250ms, 1s};
  // Each loop's log is written by that loop only, and read by the driver only after
  // advance() returned (advance() waits for every participant to sleep again).
  std::vector<MonotonicTime> turns[kLoops];
  std::vector<std::jthread> loops;
  for (int loop = 0; loop < kLoops; ++loop) {
    loops.emplace_back([&clock, &turns, &periods, loop](std::stop_token stop) {
      SimClock::Participant participant(clock);
      while (clock.sleep_for(periods[loop], stop)) turns[loop].push_back(clock.monotonic_now());
    });
  }
  constexpr int kAlarms = 100;
  std::atomic<int> alarms_fired = 0;
  std::thread scheduler([&] {
    for (int alarm = 0; alarm < kAlarms; ++alarm) {
      clock.schedule_at(kStart + std::chrono::milliseconds(alarm * 30), [&] { ++alarms_fired; });
    }
  });

  ASSERT_TRUE(clock.wait_for_sleepers(kLoops));
  constexpr int kSeconds = 3;
  for (int second = 0; second < kSeconds; ++second) clock.advance(1s);
  scheduler.join();
  clock.advance(0s);  // alarms scheduled for a time already passed fire now

  for (int loop = 0; loop < kLoops; ++loop) {
    const auto expected_turns = static_cast<std::size_t>(kSeconds * (1s / periods[loop]));
    ASSERT_EQ(turns[loop].size(), expected_turns) << "loop " << loop;
    for (std::size_t turn = 0; turn < turns[loop].size(); ++turn) {
      EXPECT_EQ(turns[loop][turn], kStart + periods[loop] * static_cast<int>(turn + 1));
    }
  }
  EXPECT_EQ(alarms_fired, kAlarms);
  for (std::jthread& loop : loops) loop.request_stop();
}

TEST(SimConcurrency, LoopsWithDifferentPeriodsRunInLockstepOnOneClock) {
  SimClock clock(kStartWall, kStart);
  constexpr int kLoops = 3;  // periods 1 s, 2 s, 3 s
  std::atomic<int> turns[kLoops] = {0, 0, 0};
  std::vector<std::jthread> loops;
  for (int loop = 0; loop < kLoops; ++loop) {
    loops.emplace_back([&clock, &turns, loop](std::stop_token stop) {
      const Duration period = std::chrono::seconds(loop + 1);
      while (clock.sleep_for(period, stop)) ++turns[loop];
    });
  }

  constexpr int kAlarms = 100;
  std::atomic<int> alarms_fired = 0;
  std::thread scheduler([&] {
    for (int alarm = 0; alarm < kAlarms; ++alarm) {
      // Read in this order, the wall time can only lag the monotonic time.
      const Duration wall_elapsed = clock.wall_now() - kStartWall;
      EXPECT_LE(wall_elapsed, clock.monotonic_now() - kStart);
      clock.schedule_at(kStart + std::chrono::milliseconds(alarm * 50), [&] { ++alarms_fired; });
    }
  });

  constexpr int kSteps = 12;
  for (int step = 0; step < kSteps; ++step) {
    ASSERT_TRUE(clock.wait_for_sleepers(kLoops));
    clock.advance(1s);
  }
  scheduler.join();
  ASSERT_TRUE(clock.wait_for_sleepers(kLoops));
  clock.advance(0s);  // alarms scheduled for a time already passed fire now

  EXPECT_EQ(turns[0], 12);
  EXPECT_EQ(turns[1], 6);
  EXPECT_EQ(turns[2], 4);
  EXPECT_EQ(alarms_fired, kAlarms);
  for (std::jthread& loop : loops) loop.request_stop();
}

}  // namespace
}  // namespace edgeroute::hal
