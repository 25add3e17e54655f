// Proves the sims are safe to share between threads the way the daemon shares the real
// HAL (this file is what ThreadSanitizer is pointed at): several threads append to
// and sync their own files while others list, read and measure the same storage, and
// everything synced is intact afterwards, also across a crash; several sleeping
// loops with different periods run in lockstep on one SimClock while another thread
// schedules alarms and reads the time, and every loop turn and every alarm happens
// exactly as often as the simulated time demands.
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
