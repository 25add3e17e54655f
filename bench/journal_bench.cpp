// What durability costs the gateway: decisions per second made durable through
// Journal::append (engine/journal), one group commit per batch of 1, 64, 256 or 1024
// entries of a realistic size (a ~700-byte payload, a 16-character order id, a
// 36-character correlation id), on a real file with synchronous=FULL, so every batch
// ends in an fsync of the WAL. Beside it, BM_RawSqliteInsert writes the same rows with
// nothing but SQLite: the same pragmas and table, one prepared INSERT, one transaction
// per batch, SQLite's own automatic checkpoint at the same 1000 pages; the difference is
// what the Journal class costs. Times are wall-clock (UseRealTime): an fsync waits, it
// does not burn CPU.
//
// The restart side: a journal of 1 M such entries is built once, then BM_JournalOpen1M
// opens it (the default OpenCheck::structure), BM_JournalQuickCheck1M opens it with
// OpenCheck::quick_check, BM_JournalRead1M reads every entry through read(); each with
// the file in the page cache (cold:0, a restart after a crash) and evicted from it first
// (cold:1, posix_fadvise DONTNEED: as after a reboot). The daemon's budget for a
// restart is 5 s. BM_EntryReaderRead1M reads single entries of it at random, as the
// gateway reads an order's documents back (journal::EntryReader).
//
// The files go to a fresh directory under $EDGEROUTE_BENCH_DIR (default /var/tmp; not a
// tmpfs, where fsync costs nothing), removed at the end. The 1 M-entry journal needs
// about 1 GB there.
//
// Build and run (figures mean something only optimised and without sanitizers):
//   cmake --preset release && cmake --build --preset release --target bench_journal
//   build/release/bench/bench_journal
//
// Figures (RelWithDebInfo, GCC 12, 2-vCPU VM, ext4 on virtio; medians of 3; the table
// and its reading are in docs/journal.md, section 10):
//   decisions/s by batch        1        64       256      1024
//   Journal::append           9.7 k    246 k    357 k    415 k
//   raw SQLite insert         9.4 k    240 k    352 k    407 k
//   1 M entries (821 MB), warm / cold page cache: open 0.3 / 0.8 ms; open with
//   quick_check 354 ms / 8.4-9.8 s; read() of every entry 284 / 570-750 ms.
//   EntryReader, one entry at random, warm: 6.2 µs (1 thread), 323 k reads/s (2 threads).
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "edgeroute/journal/entry_reader.h"
#include "edgeroute/journal/journal.h"

namespace edgeroute::journal {
namespace {

constexpr std::size_t kPayloadBytes = 700;
constexpr std::uint64_t kRestartEntries = 1'000'000;
constexpr std::size_t kRestartBatch = 1024;
constexpr std::int64_t kSomeTimeUs = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "journal_bench: %s\n", what.c_str());
  std::abort();
}

// A fresh directory for one benchmark's files, removed with them.
class BenchDirectory {
 public:
  BenchDirectory() {
    const char* base = std::getenv("EDGEROUTE_BENCH_DIR");
    std::string pattern =
        std::string(base != nullptr ? base : "/var/tmp") + "/edgeroute-journal-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) fail("mkdtemp " + pattern);
    path_ = pattern;
  }
  BenchDirectory(const BenchDirectory&) = delete;
  BenchDirectory& operator=(const BenchDirectory&) = delete;
  ~BenchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// `count` decisions as the journal writer hands them over: distinct order and
// correlation ids, a payload of FlatBuffers-like bytes (varied, not compressible).
class DecisionBatch {
 public:
  explicit DecisionBatch(std::size_t count) {
    payload_.resize(kPayloadBytes);
    std::uint32_t state = 2463534242U;
    for (std::uint8_t& byte : payload_) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      byte = static_cast<std::uint8_t>(state & 0xffU);
    }
    for (std::size_t index = 0; index < count; ++index) {
      char order_id[32];
      std::snprintf(order_id, sizeof order_id, "SO-2026-%08zu", index);
      char correlation_id[48];
      std::snprintf(correlation_id, sizeof correlation_id, "4f0c9a1e-7b2d-4c3e-9a8f-%012zx",
                    index * 7919);
      order_ids_.emplace_back(order_id);
      correlation_ids_.emplace_back(correlation_id);
    }
    for (std::size_t index = 0; index < count; ++index) {
      entries_.push_back(EntryToAppend{EntryKind::decision,
                                       kSomeTimeUs + static_cast<std::int64_t>(index),
                                       order_ids_[index], correlation_ids_[index], payload_});
    }
  }
  std::span<const EntryToAppend> entries() const { return entries_; }

 private:
  std::vector<std::uint8_t> payload_;
  std::vector<std::string> order_ids_;
  std::vector<std::string> correlation_ids_;
  std::vector<EntryToAppend> entries_;
};

std::unique_ptr<Journal> open_journal(const std::string& path,
                                      OpenCheck check = OpenCheck::structure) {
  JournalOptions options;
  options.path = path;
  options.gateway_id = "gw-bench-1";
  options.check = check;
  Result<std::unique_ptr<Journal>> journal = Journal::open(options);
  if (!journal) fail(journal.status().to_string());
  return std::move(*journal);
}

void BM_JournalAppend(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  BenchDirectory directory;
  std::unique_ptr<Journal> journal = open_journal(directory / "journal.db");
  const DecisionBatch batch(batch_size);
  for (auto _ : state) {
    Result<SequenceRange> range = journal->append(batch.entries());
    if (!range) fail(range.status().to_string());
    benchmark::DoNotOptimize(range->last);
  }
  const auto decisions = static_cast<double>(state.iterations()) * static_cast<double>(batch_size);
  state.counters["decisions_per_s"] = benchmark::Counter(decisions, benchmark::Counter::kIsRate);
  state.counters["commits_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["checkpoints"] = static_cast<double>(journal->stats().checkpoints);
}
BENCHMARK(BM_JournalAppend)->Arg(1)->Arg(64)->Arg(256)->Arg(1024)->UseRealTime();

// The same rows with nothing but SQLite.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("open " + path);
    execute(
        "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
        "PRAGMA wal_autocheckpoint = 1000;"
        "CREATE TABLE entries (sequence INTEGER PRIMARY KEY CHECK (sequence > 0),"
        " kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 255),"
        " recorded_at_us INTEGER NOT NULL, order_id TEXT NOT NULL,"
        " correlation_id TEXT NOT NULL, payload BLOB NOT NULL) STRICT;");
    insert_ = prepare(
        "INSERT INTO entries (sequence, kind, recorded_at_us, order_id, correlation_id, "
        "payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    begin_ = prepare("BEGIN IMMEDIATE");
    commit_ = prepare("COMMIT");
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;
  ~RawSqlite() {
    for (sqlite3_stmt* statement : {insert_, begin_, commit_}) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }

  void insert(std::span<const EntryToAppend> batch) {
    step(begin_);
    for (const EntryToAppend& entry : batch) {
      sqlite3_bind_int64(insert_, 1, static_cast<std::int64_t>(++last_sequence_));
      sqlite3_bind_int(insert_, 2, static_cast<int>(entry.kind));
      sqlite3_bind_int64(insert_, 3, entry.recorded_at_us);
      sqlite3_bind_text64(insert_, 4, entry.order_id.data(), entry.order_id.size(), SQLITE_STATIC,
                          SQLITE_UTF8);
      sqlite3_bind_text64(insert_, 5, entry.correlation_id.data(), entry.correlation_id.size(),
                          SQLITE_STATIC, SQLITE_UTF8);
      sqlite3_bind_blob64(insert_, 6, entry.payload.data(), entry.payload.size(), SQLITE_STATIC);
      step(insert_);
    }
    step(commit_);
  }

 private:
  void execute(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      fail(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
      fail(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    return statement;
  }
  void step(sqlite3_stmt* statement) {
    const int stepped = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (stepped != SQLITE_DONE) fail(sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::uint64_t last_sequence_ = 0;
};

void BM_RawSqliteInsert(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  BenchDirectory directory;
  RawSqlite raw(directory / "raw.db");
  const DecisionBatch batch(batch_size);
  for (auto _ : state) raw.insert(batch.entries());
  const auto decisions = static_cast<double>(state.iterations()) * static_cast<double>(batch_size);
  state.counters["decisions_per_s"] = benchmark::Counter(decisions, benchmark::Counter::kIsRate);
  state.counters["commits_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawSqliteInsert)->Arg(1)->Arg(64)->Arg(256)->Arg(1024)->UseRealTime();

// The 1 M-entry journal of the restart benchmarks, built on first use (closed: what a
// restarting daemon finds after a clean stop).
class RestartJournal {
 public:
  static const RestartJournal& get() {
    static const RestartJournal journal;
    return journal;
  }
  const std::string& path() const { return path_; }
  std::uint64_t file_bytes() const { return std::filesystem::file_size(path_); }

  // Reads the whole file once, so the page cache holds it, as after a crash.
  void load_into_page_cache() const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open " + path_);
    std::vector<char> buffer(1 << 20);
    while (::read(fd, buffer.data(), buffer.size()) > 0) {
    }
    ::close(fd);
  }

  // Drops the file's pages from the page cache, as a reboot would.
  void evict_from_page_cache() const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open " + path_);
    ::fdatasync(fd);
    if (::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) fail("posix_fadvise " + path_);
    ::close(fd);
  }

 private:
  RestartJournal() : path_(directory_ / "journal.db") {
    std::unique_ptr<Journal> journal = open_journal(path_);
    const DecisionBatch batch(kRestartBatch);
    while (journal->last_sequence() < kRestartEntries) {
      const auto missing = static_cast<std::size_t>(kRestartEntries - journal->last_sequence());
      Result<SequenceRange> range =
          journal->append(batch.entries().first(std::min(missing, kRestartBatch)));
      if (!range) fail(range.status().to_string());
    }
  }

  BenchDirectory directory_;
  std::string path_;
};

// Opens the 1 M-entry journal with `check`, from a warm or a cold page cache.
void open_repeatedly(benchmark::State& state, OpenCheck check, bool cold) {
  const RestartJournal& restart = RestartJournal::get();
  if (!cold) restart.load_into_page_cache();
  for (auto _ : state) {
    state.PauseTiming();
    if (cold) restart.evict_from_page_cache();
    state.ResumeTiming();
    std::unique_ptr<Journal> journal = open_journal(restart.path(), check);
    benchmark::DoNotOptimize(journal->last_sequence());
    state.PauseTiming();
    journal.reset();
    state.ResumeTiming();
  }
  state.counters["file_MB"] = static_cast<double>(restart.file_bytes()) / 1e6;
}

void BM_JournalOpen1M(benchmark::State& state) {
  open_repeatedly(state, OpenCheck::structure, state.range(0) != 0);
}
BENCHMARK(BM_JournalOpen1M)
    ->ArgName("cold")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_JournalQuickCheck1M(benchmark::State& state) {
  open_repeatedly(state, OpenCheck::quick_check, state.range(0) != 0);
}
BENCHMARK(BM_JournalQuickCheck1M)
    ->ArgName("cold")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// Every entry through read(), touching what a replay touches: the kind, the ids and
// the payload bytes.
void read_everything(benchmark::State& state, bool cold) {
  const RestartJournal& restart = RestartJournal::get();
  if (!cold) restart.load_into_page_cache();
  std::uint64_t entries = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (cold) restart.evict_from_page_cache();
    std::unique_ptr<Journal> journal = open_journal(restart.path());
    state.ResumeTiming();
    std::uint64_t checksum = 0;
    const Status read = journal->read(1, [&](const StoredEntry& entry) {
      checksum += static_cast<std::uint64_t>(entry.kind) + entry.order_id.size() +
                  entry.payload.size() + entry.payload[entry.payload.size() / 2];
      ++entries;
      return Status::ok();
    });
    if (!read.is_ok()) fail(read.to_string());
    benchmark::DoNotOptimize(checksum);
    state.PauseTiming();
    journal.reset();
    state.ResumeTiming();
  }
  state.counters["entries_per_s"] =
      benchmark::Counter(static_cast<double>(entries), benchmark::Counter::kIsRate);
}

void BM_JournalRead1M(benchmark::State& state) {
  read_everything(state, state.range(0) != 0);
}
BENCHMARK(BM_JournalRead1M)
    ->ArgName("cold")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// What a QueryOrder, or a RouteOrder sent again, now adds: one entry read back by its
// sequence through the EntryReader the gateway uses (a point lookup on a pooled read-only
// connection), at random over the 1 M entries, the file in the page cache. With 2 threads
// the reads run on two connections at once.
void BM_EntryReaderRead1M(benchmark::State& state) {
  const RestartJournal& restart = RestartJournal::get();
  static const EntryReader reader(restart.path(), "gw-bench-1");
  if (state.thread_index() == 0) restart.load_into_page_cache();
  std::uint64_t random = 88172645463325252U;
  random += static_cast<std::uint64_t>(state.thread_index());
  std::uint64_t checksum = 0;
  for (auto _ : state) {
    random ^= random << 13;
    random ^= random >> 7;
    random ^= random << 17;
    const Status read = reader.read(1 + random % kRestartEntries, [&](const StoredEntry& entry) {
      checksum += entry.payload.size() + entry.payload[entry.payload.size() / 2];
      return Status::ok();
    });
    if (!read.is_ok()) fail(read.to_string());
  }
  benchmark::DoNotOptimize(checksum);
  state.counters["reads_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EntryReaderRead1M)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace edgeroute::journal
