// sync_reconcile_bench: how long a gateway takes to reconcile with central after an
// outage. The requirement: a 24-hour outage leaves about 1 M journal entries, and the
// gateway must have them all acknowledged by central within 30 s of the link coming back.
//
// What runs is what runs in production, on loopback: the gateway's journal
// (engine/journal), a SyncAgent reading it beside the writer, mutual TLS with
// certificates from scripts/make-sync-pki.sh, a CentralServer applying every batch to
// the SQLite central store (synchronous=FULL, one transaction per batch). Phases, each
// timed:
//
//   (a) the outage: the gateway journals N entries (Journal::append, batches of 512)
//       while nothing is sent;
//   (b) central starts: its store, the gateway registered with its certificate;
//   (c) the link is up: the agent replays the journal until central's mark is N
//       (progress every 10%; what central's and the agent's I/O threads did meanwhile:
//       on a CPU, user and system, runnable but waiting for one, asleep, from
//       /proc/self/task/*/schedstat and stat);
//   (d) everything stops and central's copy is read back and compared, entry by entry,
//       with what was appended (regenerated from the sequence numbers);
//   (e) with --apply-alone: the same batches built from the journal and applied to a
//       second store directly, no sockets or TLS, each side timed on its own: what the
//       protocol's ends cost without the network between them.
//
// Payloads are not compressible and vary deterministically in size around a mean
// (default 700..1700 bytes, mean 1.2 KB: decision records as the gateway writes them).
//
// Figures mean something only in an optimised build without sanitizers, with the
// directory on a real disk (not a tmpfs: an fsync there costs nothing):
//   cmake --preset release && cmake --build --preset release --target sync_reconcile_bench
//   build/release/bench/sync_reconcile_bench                  # 1 M entries, ~3 GB of files
//   build/release/bench/sync_reconcile_bench --entries 20000 --in-flight 8
// docs/performance.md ("Sync: reconcile after an outage") has the figures.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"
#include "edgeroute/hal/link.h"
#include "edgeroute/hal/linux/linux_clock.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/sync/central_server.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/messages.h"
#include "edgeroute/sync/sync_agent.h"
#include "edgeroute/sync/tls.h"

namespace edgeroute::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kGatewayId = "gw-reconcile-bench";
constexpr std::size_t kAppendBatch = 512;
constexpr std::uint64_t kRequiredEntries = 1'000'000;
constexpr double kTargetSeconds = 30.0;
// The outage: entries spread evenly over the 24 hours from 2026-01-01T00:00:00Z.
constexpr std::int64_t kOutageStartUs = 1'767'225'600'000'000;
constexpr std::int64_t kOutageUs = 24LL * 3600 * 1'000'000;

struct BenchOptions {
  std::uint64_t entries = kRequiredEntries;
  std::size_t payload_bytes = 1200;
  std::size_t payload_spread = 500;
  std::uint32_t batch_entries = sync::SyncAgentOptions{}.batch_max_entries;
  std::size_t batch_bytes = sync::SyncAgentOptions{}.batch_max_bytes;
  std::uint32_t in_flight = sync::SyncAgentOptions{}.batches_in_flight;
  std::string dir;
  std::string pki;
  bool keep = false;
  bool apply_alone = false;
  double stall_seconds = 60;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double megabytes(std::uint64_t bytes) {
  return static_cast<double>(bytes) / 1e6;
}

std::string thousands(double per_second) {
  return fmt::format("{:.1f} k", per_second / 1000.0);
}

std::uint64_t splitmix64(std::uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

// Everything of entry `sequence` follows from the sequence alone, so that phase (d)
// regenerates what phase (a) appended instead of holding a gigabyte of it.
class EntryMaker {
 public:
  EntryMaker(std::uint64_t entries, std::size_t payload_bytes, std::size_t payload_spread)
      : entries_(entries),
        smallest_(payload_bytes - payload_spread),
        sizes_(2 * payload_spread + 1) {}

  std::size_t payload_size(std::uint64_t sequence) const {
    return smallest_ + static_cast<std::size_t>(splitmix64(sequence) % sizes_);
  }

  // The payload's bytes in `storage` (8-byte aligned, as a FlatBuffer wants): xorshift,
  // so neither SQLite nor TLS sees anything compressible.
  std::span<const std::uint8_t> payload(std::uint64_t sequence,
                                        std::vector<std::uint64_t>& storage) const {
    const std::size_t size = payload_size(sequence);
    storage.resize((size + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t));
    std::uint64_t state = splitmix64(sequence ^ 0x5EED5EED5EED5EEDULL) | 1U;
    for (std::uint64_t& word : storage) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      word = state;
    }
    return {reinterpret_cast<const std::uint8_t*>(storage.data()), size};
  }

  static std::string order_id(std::uint64_t sequence) {
    return fmt::format("SO-2026-{:08}", sequence);
  }
  static std::string correlation_id(std::uint64_t sequence) {
    return fmt::format("4f0c9a1e-7b2d-4c3e-9a8f-{:012x}", splitmix64(sequence) & 0xFFFFFFFFFFFFULL);
  }
  std::int64_t recorded_at_us(std::uint64_t sequence) const {
    const auto offset = static_cast<double>(sequence - 1) * static_cast<double>(kOutageUs) /
                        static_cast<double>(entries_);
    return kOutageStartUs + static_cast<std::int64_t>(offset);
  }
  static journal::EntryKind kind(std::uint64_t sequence) {
    // Mostly decisions, as a day of orders is; a release and a fulfillment event now and then.
    switch (sequence % 10) {
      case 3: return journal::EntryKind::release;
      case 7: return journal::EntryKind::fulfillment_event;
      default: return journal::EntryKind::decision;
    }
  }

 private:
  std::uint64_t entries_;
  std::size_t smallest_;
  std::uint64_t sizes_;
};

// A WAN link that is up and stays up: the outage is over when the agent starts.
class LinkThatIsUp final : public hal::Link {
 public:
  hal::LinkState state() const override { return hal::LinkState::up; }
  hal::LinkSubscription subscribe(Listener) override { return {}; }
};

// The directory the run's files go to: a fresh one under /tmp, removed at the end unless
// --keep, or the one named with --dir, which is kept.
class RunDirectory {
 public:
  static Result<RunDirectory> make(const std::string& requested, bool keep) {
    RunDirectory directory;
    if (!requested.empty()) {
      directory.path_ = std::filesystem::absolute(requested).lexically_normal().string();
      std::error_code made;
      std::filesystem::create_directories(directory.path_, made);
      if (made)
        return Status(StatusCode::io_error, fmt::format("{}: {}", directory.path_, made.message()));
      return directory;
    }
    std::string pattern =
        (std::filesystem::temp_directory_path() / "edgeroute-reconcile-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      return Status(StatusCode::io_error, fmt::format("{}: {}", pattern, std::strerror(errno)));
    directory.path_ = pattern;
    directory.remove_ = !keep;
    return directory;
  }
  RunDirectory(RunDirectory&& other) noexcept
      : path_(std::move(other.path_)), remove_(std::exchange(other.remove_, false)) {}
  RunDirectory& operator=(RunDirectory&&) = delete;
  ~RunDirectory() {
    std::error_code ignored;
    if (remove_) std::filesystem::remove_all(path_, ignored);
  }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }
  const std::string& path() const { return path_; }

 private:
  RunDirectory() = default;
  std::string path_;
  bool remove_ = false;
};

// A SQLite database with its WAL, as it stands on disk.
std::uint64_t database_bytes(const std::string& path) {
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code missing;
    const std::uintmax_t size = std::filesystem::file_size(path + suffix, missing);
    if (!missing) total += size;
  }
  return total;
}

// "some avg10" of /proc/pressure/cpu: the share of the last 10 s in which some runnable
// thread of the machine waited for a CPU (neighbours on a shared machine show here).
std::string cpu_pressure() {
  std::ifstream pressure("/proc/pressure/cpu");
  std::string word;
  while (pressure >> word) {
    if (word.starts_with("avg10=")) return word.substr(6) + "%";
  }
  return "n/a";
}

// The process's threads, by id (/proc/self/task).
std::vector<pid_t> threads() {
  std::vector<pid_t> ids;
  std::error_code ignored;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored))
    ids.push_back(static_cast<pid_t>(std::stol(task.path().filename().string())));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<pid_t> started_since(const std::vector<pid_t>& before) {
  std::vector<pid_t> started;
  for (const pid_t id : threads())
    if (!std::binary_search(before.begin(), before.end(), id)) started.push_back(id);
  return started;
}

// What a set of threads did with their time: nanoseconds on a CPU (schedstat) and the
// user/system split of it (stat, in clock ticks), and nanoseconds runnable but waiting for
// a CPU (on a shared machine: the neighbours' share). The rest of the wall time they slept:
// waiting for the socket, for the other end, or for the disk in an fsync.
struct ThreadTimes {
  std::uint64_t running_ns = 0;
  std::uint64_t waiting_ns = 0;
  std::uint64_t user_ticks = 0;
  std::uint64_t system_ticks = 0;

  ThreadTimes operator-(const ThreadTimes& earlier) const {
    return {running_ns - earlier.running_ns, waiting_ns - earlier.waiting_ns,
            user_ticks - earlier.user_ticks, system_ticks - earlier.system_ticks};
  }
};

ThreadTimes times_of(const std::vector<pid_t>& ids) {
  ThreadTimes total;
  for (const pid_t id : ids) {
    std::ifstream schedstat(fmt::format("/proc/self/task/{}/schedstat", id));
    std::uint64_t running = 0;
    std::uint64_t waiting = 0;
    if (schedstat >> running >> waiting) {
      total.running_ns += running;
      total.waiting_ns += waiting;
    }
    // After the command name (in parentheses, which may hold spaces): state, then ten
    // fields, then utime and stime.
    std::ifstream stat_file(fmt::format("/proc/self/task/{}/stat", id));
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    const std::size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos) continue;
    std::istringstream fields(stat.substr(name_end + 1));
    std::string skipped;
    for (int field = 0; field < 11; ++field) fields >> skipped;
    std::uint64_t user = 0;
    std::uint64_t system = 0;
    if (fields >> user >> system) {
      total.user_ticks += user;
      total.system_ticks += system;
    }
  }
  return total;
}

std::string share_line(std::string_view name, const ThreadTimes& times, double wall_seconds) {
  const double running = static_cast<double>(times.running_ns) / 1e9;
  const double waiting = static_cast<double>(times.waiting_ns) / 1e9;
  const auto ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return fmt::format(
      "{}: on a CPU {:.2f} s ({:.0f}% of the wall time; user {:.2f} s, system "
      "{:.2f} s), runnable but waiting for a CPU {:.2f} s, asleep {:.2f} s (the disk, "
      "the peer)",
      name, running, std::min(100.0, 100.0 * running / wall_seconds),
      static_cast<double>(times.user_ticks) / ticks_per_second,
      static_cast<double>(times.system_ticks) / ticks_per_second, waiting,
      std::max(0.0, wall_seconds - running - waiting));
}

sync::TlsFiles gateway_files(const std::string& pki) {
  return {pki + "/ca.pem", pki + "/" + kGatewayId + ".pem", pki + "/" + kGatewayId + ".key"};
}

sync::TlsFiles central_files(const std::string& pki) {
  return {pki + "/ca.pem", pki + "/central.pem", pki + "/central.key"};
}

Status make_pki(const std::string& directory) {
  const std::string command = fmt::format("bash '{}/scripts/make-sync-pki.sh' '{}' {} >&2",
                                          EDGEROUTE_SOURCE_DIR, directory, kGatewayId);
  // A fixed script, with paths this tool chose or was given.
  const int status = std::system(command.c_str());
  if (status != 0)
    return Status(StatusCode::internal, fmt::format("{} exited with status {}", command, status));
  return Status::ok();
}

// (a) The outage: N entries journaled, nothing sent.
Result<std::unique_ptr<journal::Journal>> journal_the_outage(const BenchOptions& options,
                                                             const EntryMaker& maker,
                                                             const std::string& path) {
  journal::JournalOptions journal_options;
  journal_options.path = path;
  journal_options.gateway_id = kGatewayId;
  Result<std::unique_ptr<journal::Journal>> opened = journal::Journal::open(journal_options);
  if (!opened) return opened.status();
  journal::Journal& journal = **opened;
  std::vector<std::vector<std::uint64_t>> payloads(kAppendBatch);
  std::vector<std::string> order_ids(kAppendBatch);
  std::vector<std::string> correlation_ids(kAppendBatch);
  std::vector<journal::EntryToAppend> batch;
  std::uint64_t payload_total = 0;
  const Clock::time_point start = Clock::now();
  for (std::uint64_t next = 1; next <= options.entries;) {
    batch.clear();
    for (std::size_t slot = 0; slot < kAppendBatch && next <= options.entries; ++slot, ++next) {
      order_ids[slot] = EntryMaker::order_id(next);
      correlation_ids[slot] = EntryMaker::correlation_id(next);
      const std::span<const std::uint8_t> payload = maker.payload(next, payloads[slot]);
      payload_total += payload.size();
      batch.push_back({EntryMaker::kind(next), maker.recorded_at_us(next), order_ids[slot],
                       correlation_ids[slot], payload});
    }
    Result<journal::SequenceRange> appended = journal.append(batch);
    if (!appended) return appended.status();
  }
  const double took = seconds_since(start);
  std::cout << fmt::format(
                   "(a) outage: {} entries journaled in {:.2f} s ({} entries/s, batches of {}); "
                   "payload {:.1f} MB, journal file {:.1f} MB",
                   options.entries, took, thousands(static_cast<double>(options.entries) / took),
                   kAppendBatch, megabytes(payload_total), megabytes(database_bytes(path)))
            << std::endl;
  return opened;
}

// (d) Central's copy against what was appended: every sequence once, in order, each
// field and payload byte equal. The first difference is the error.
Status verify(sync::CentralStore& store, const EntryMaker& maker, std::uint64_t entries) {
  std::uint64_t expected = 1;
  std::vector<std::uint64_t> storage;
  const Status read = store.read_journal(kGatewayId, 1, [&](const journal::StoredEntry& entry) {
    if (entry.sequence != expected)
      return Status(StatusCode::corruption, fmt::format("central holds entry {} where {} was due",
                                                        entry.sequence, expected));
    const std::span<const std::uint8_t> payload = maker.payload(expected, storage);
    if (entry.payload.size() != payload.size() ||
        !std::equal(payload.begin(), payload.end(), entry.payload.begin()))
      return Status(StatusCode::corruption,
                    fmt::format("entry {}: payload of {} bytes differs from the {} appended",
                                expected, entry.payload.size(), payload.size()));
    if (entry.kind != EntryMaker::kind(expected) ||
        entry.recorded_at_us != maker.recorded_at_us(expected) ||
        entry.order_id != EntryMaker::order_id(expected) ||
        entry.correlation_id != EntryMaker::correlation_id(expected))
      return Status(StatusCode::corruption,
                    fmt::format("entry {}: kind, time, order id or correlation id differs "
                                "('{}', '{}')",
                                expected, entry.order_id, entry.correlation_id));
    ++expected;
    return Status::ok();
  });
  if (!read.is_ok()) return read;
  if (expected - 1 != entries)
    return Status(StatusCode::corruption, fmt::format("central holds {} entries, {} were journaled",
                                                      expected - 1, entries));
  Result<std::optional<sync::GatewayRecord>> record = store.gateway(kGatewayId);
  if (!record) return record.status();
  if (!*record || (*record)->acknowledged != entries)
    return Status(StatusCode::corruption,
                  fmt::format("central's mark is {}, not {}", *record ? (*record)->acknowledged : 0,
                              entries));
  return Status::ok();
}

// (e) The batches the agent would send, built from the journal and applied to a fresh
// store in this thread: the two ends' own work without sockets, TLS or waiting for
// each other.
Status apply_alone(const BenchOptions& options, journal::Journal& journal,
                   const RunDirectory& directory, const std::string& fingerprint,
                   const hal::Clock& clock) {
  Result<std::unique_ptr<sync::CentralStore>> opened =
      sync::open_sqlite_central_store(directory / "central-alone.db");
  if (!opened) return opened.status();
  sync::CentralStore& store = **opened;
  if (Status registered = store.register_gateway(kGatewayId, fingerprint, 1); !registered.is_ok())
    return registered;
  const auto now_us = [&clock] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               clock.wall_now().time_since_epoch())
        .count();
  };
  Clock::duration building{};
  Clock::duration applying{};
  ThreadTimes applying_times;
  const std::vector<pid_t> this_thread{::gettid()};
  std::uint64_t batches = 0;
  sync::JournalBatchBuilder batch;
  const auto apply = [&]() -> Status {
    const Clock::time_point start = Clock::now();
    const protocol::Frame frame = batch.finish();
    const Clock::time_point built = Clock::now();
    const ThreadTimes times_before = times_of(this_thread);
    Result<const sync::fbs::SyncMessage*> message = sync::verify_sync_message(frame.payload());
    if (!message) return message.status();
    const std::vector<journal::StoredEntry> entries =
        sync::batch_entries(*(*message)->body_as_JournalBatch());
    Result<sync::AppliedBatch> applied = store.apply_journal_batch(kGatewayId, entries, now_us());
    if (!applied) return applied.status();
    building += built - start;
    applying += Clock::now() - built;
    const ThreadTimes spent = times_of(this_thread) - times_before;
    applying_times.running_ns += spent.running_ns;
    applying_times.waiting_ns += spent.waiting_ns;
    applying_times.user_ticks += spent.user_ticks;
    applying_times.system_ticks += spent.system_ticks;
    ++batches;
    return Status::ok();
  };
  const Clock::time_point start = Clock::now();
  Clock::time_point read_start = start;
  const Status read = journal.read(1, [&](const journal::StoredEntry& entry) {
    batch.add(entry);
    if (batch.entries() < options.batch_entries && batch.bytes() < options.batch_bytes)
      return Status::ok();
    building += Clock::now() - read_start;
    Status applied = apply();
    read_start = Clock::now();
    return applied;
  });
  if (!read.is_ok()) return read;
  building += Clock::now() - read_start;
  if (batch.entries() > 0) {
    if (Status applied = apply(); !applied.is_ok()) return applied;
  }
  const double total = seconds_since(start);
  const double build_seconds = std::chrono::duration<double>(building).count();
  const double apply_seconds = std::chrono::duration<double>(applying).count();
  const auto entries = static_cast<double>(options.entries);
  std::cout << fmt::format(
                   "(e) without network or TLS, one thread: {} batches in {:.2f} s\n"
                   "    agent's side (read the journal, build batches): {:.2f} s, {} entries/s\n"
                   "    central's side (verify, apply, commit): {:.2f} s, {} entries/s\n"
                   "    {}; store {:.1f} MB",
                   batches, total, build_seconds, thousands(entries / build_seconds), apply_seconds,
                   thousands(entries / apply_seconds),
                   share_line("applying", applying_times, apply_seconds),
                   megabytes(database_bytes(directory / "central-alone.db")))
            << std::endl;
  return Status::ok();
}

int fail(std::string_view what) {
  std::cerr << "sync_reconcile_bench: " << what << '\n';
  return kExitFailure;
}

int run(const BenchOptions& options) {
  Result<RunDirectory> made = RunDirectory::make(options.dir, options.keep);
  if (!made) return fail(made.status().message());
  const RunDirectory& directory = *made;
  const std::string journal_path = directory / "gateway.journal";
  const std::string store_path = directory / "central.db";
  for (const std::string& path : {journal_path, store_path}) {
    if (std::filesystem::exists(path))
      return fail(fmt::format("{} exists: use a fresh --dir", path));
  }
  std::string pki = options.pki;
  if (pki.empty()) {
    pki = directory / "pki";
    if (Status made_pki = make_pki(pki); !made_pki.is_ok()) return fail(made_pki.message());
  }
  const EntryMaker maker(options.entries, options.payload_bytes, options.payload_spread);
  std::cout << fmt::format(
                   "sync_reconcile_bench: {} entries, payloads {}..{} bytes (mean {}), "
                   "batches of at most {} entries / {} bytes, {} in flight; files in {}\n"
                   "CPU pressure (some avg10) before: {}; {} CPUs",
                   options.entries, options.payload_bytes - options.payload_spread,
                   options.payload_bytes + options.payload_spread, options.payload_bytes,
                   options.batch_entries, options.batch_bytes, options.in_flight, directory.path(),
                   cpu_pressure(), std::thread::hardware_concurrency())
            << std::endl;

  Result<std::unique_ptr<journal::Journal>> journal =
      journal_the_outage(options, maker, journal_path);
  if (!journal) return fail(journal.status().to_string());

  // (b) Central.
  Clock::time_point start = Clock::now();
  Result<std::unique_ptr<sync::CentralStore>> store = sync::open_sqlite_central_store(store_path);
  if (!store) return fail(store.status().to_string());
  Result<std::string> fingerprint = sync::certificate_file_sha256(gateway_files(pki).certificate);
  if (!fingerprint) return fail(fingerprint.status().to_string());
  hal::LinuxClock clock;
  const auto now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(clock.wall_now().time_since_epoch())
          .count();
  if (Status registered = (*store)->register_gateway(kGatewayId, *fingerprint, now_us);
      !registered.is_ok())
    return fail(registered.to_string());
  sync::CentralServerOptions central_options;
  central_options.address = "127.0.0.1";
  central_options.tls = central_files(pki);
  const std::vector<pid_t> before_central = threads();
  Result<std::unique_ptr<sync::CentralServer>> central =
      sync::CentralServer::start(central_options, **store, clock);
  if (!central) return fail(central.status().to_string());
  const std::vector<pid_t> central_threads = started_since(before_central);
  std::cout << fmt::format(
                   "(b) central: store created, gateway registered, listening on "
                   "127.0.0.1:{} ({:.1f} ms)",
                   (*central)->port(), 1000.0 * seconds_since(start))
            << std::endl;

  // (c) The replay, from the agent's start until central's mark is N.
  sync::SyncAgentOptions agent_options;
  agent_options.gateway_id = kGatewayId;
  agent_options.central_host = "127.0.0.1";
  agent_options.central_port = (*central)->port();
  agent_options.tls = gateway_files(pki);
  agent_options.journal_path = journal_path;
  agent_options.batch_max_entries = options.batch_entries;
  agent_options.batch_max_bytes = options.batch_bytes;
  agent_options.batches_in_flight = options.in_flight;
  // The agent's figures follow every acknowledgement; the gateway's sink hears of the
  // mark less often while the replay runs (the gateway persists each mark it hears) and
  // at once when the agent has caught up. The replay ends when either shows N.
  std::atomic<std::int64_t> sink_heard_all_ns{0};
  LinkThatIsUp link;
  const std::vector<pid_t> before_agent = threads();
  const ThreadTimes central_before = times_of(central_threads);
  start = Clock::now();
  const auto since_start_ns = [start] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  };
  Result<std::unique_ptr<sync::SyncAgent>> agent = sync::SyncAgent::start(
      agent_options, link, (*journal)->acknowledged(), [&](std::uint64_t sequence) {
        std::int64_t not_yet = 0;
        if (sequence >= options.entries)
          sink_heard_all_ns.compare_exchange_strong(not_yet, since_start_ns());
      });
  if (!agent) return fail(agent.status().to_string());
  const std::vector<pid_t> agent_threads = started_since(before_agent);
  const ThreadTimes agent_before = times_of(agent_threads);

  std::int64_t first_ack_ns = 0;
  std::int64_t done_ns = 0;
  std::uint64_t next_report = 1;
  std::uint64_t last_mark = 0;
  Clock::time_point last_move = Clock::now();
  double last_report_seconds = 0;
  std::uint64_t last_report_mark = 0;
  while (done_ns == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const std::uint64_t mark = (*agent)->figures().acknowledged;
    const std::int64_t now_ns = since_start_ns();
    if (mark > 0 && first_ack_ns == 0) first_ack_ns = now_ns;
    const std::int64_t sink_ns = sink_heard_all_ns.load();
    if (mark >= options.entries || sink_ns != 0)
      done_ns = sink_ns != 0 ? std::min(now_ns, sink_ns) : now_ns;
    if (mark != last_mark) {
      last_mark = mark;
      last_move = Clock::now();
    } else if (seconds_since(last_move) > options.stall_seconds) {
      return fail(
          fmt::format("central's mark stayed at {} for {:.0f} s; the agent's last "
                      "error: '{}'",
                      mark, options.stall_seconds, (*agent)->figures().last_error));
    }
    while (next_report <= 9 && mark * 10 >= options.entries * next_report) {
      const double now = seconds_since(start);
      std::cout << fmt::format(
                       "    {:3}%  {:>9} acknowledged  {:6.2f} s  {} entries/s  (last "
                       "10%: {} entries/s)",
                       next_report * 10, mark, now, thousands(static_cast<double>(mark) / now),
                       thousands(static_cast<double>(mark - last_report_mark) /
                                 (now - last_report_seconds)))
                << std::endl;
      last_report_seconds = now;
      last_report_mark = mark;
      ++next_report;
    }
  }
  const ThreadTimes central_spent = times_of(central_threads) - central_before;
  const ThreadTimes agent_spent = times_of(agent_threads) - agent_before;
  // The gateway persists the mark its sink hears: that it hears N too is part of the result.
  for (int waited_ms = 0; sink_heard_all_ns.load() == 0 && waited_ms < 5000; ++waited_ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::int64_t sink_ns = sink_heard_all_ns.load();
  const double replay_seconds = static_cast<double>(done_ns) / 1e9;
  const std::uint64_t payload_total = [&] {
    std::uint64_t total = 0;
    for (std::uint64_t sequence = 1; sequence <= options.entries; ++sequence)
      total += maker.payload_size(sequence);
    return total;
  }();
  const auto entries = static_cast<double>(options.entries);
  std::cout << fmt::format(
                   "    100%  {:>9} acknowledged  {:6.2f} s\n"
                   "(c) replay: {} entries acknowledged {:.2f} s after the agent started (first "
                   "acknowledgement after {:.1f} ms): {} entries/s, {:.1f} MB/s of payload\n"
                   "    the gateway's on_acknowledged heard {} {}\n"
                   "    {}\n"
                   "    {}",
                   options.entries, replay_seconds, options.entries, replay_seconds,
                   static_cast<double>(first_ack_ns) / 1e6, thousands(entries / replay_seconds),
                   megabytes(payload_total) / replay_seconds, options.entries,
                   sink_ns == 0 ? std::string("not within 5 s")
                                : fmt::format("after {:.2f} s", static_cast<double>(sink_ns) / 1e9),
                   share_line("central's I/O thread", central_spent, replay_seconds),
                   share_line("agent's I/O thread", agent_spent, replay_seconds))
            << std::endl;

  // (d) Stop both ends, read central's copy back.
  (*agent)->stop();
  (*central)->stop();
  const sync::SyncFigures agent_figures = (*agent)->figures();
  const sync::CentralFigures central_figures = (*central)->figures();
  start = Clock::now();
  if (Status verified = verify(**store, maker, options.entries); !verified.is_ok())
    return fail(fmt::format("verification failed: {}", verified.message()));
  std::cout << fmt::format(
                   "(d) verified: central holds entries 1..{}, each once, every field "
                   "and payload byte as journaled; its mark is {} ({:.2f} s to read "
                   "back)\n"
                   "    central: {} connection(s), {} batches applied ({:.0f} entries "
                   "each), {} entries, {} duplicates skipped, {} refusals; store {:.1f} MB\n"
                   "    agent: {} session(s), {} failures, {} entries sent, mark {}{}",
                   options.entries, options.entries, seconds_since(start),
                   central_figures.connections_accepted, central_figures.batches_applied,
                   entries / static_cast<double>(
                                 std::max<std::uint64_t>(central_figures.batches_applied, 1)),
                   central_figures.entries_applied, central_figures.duplicates_skipped,
                   central_figures.refusals, megabytes(database_bytes(store_path)),
                   agent_figures.sessions, agent_figures.failures, agent_figures.entries_sent,
                   agent_figures.acknowledged,
                   agent_figures.last_error.empty()
                       ? ""
                       : fmt::format(", last error '{}'", agent_figures.last_error))
            << std::endl;

  if (options.apply_alone) {
    if (Status alone = apply_alone(options, **journal, directory, *fingerprint, clock);
        !alone.is_ok())
      return fail(fmt::format("applying without the network: {}", alone.to_string()));
  }

  const double projected = replay_seconds * static_cast<double>(kRequiredEntries) / entries;
  const std::string verdict = projected <= kTargetSeconds ? "met" : "NOT met";
  if (options.entries == kRequiredEntries) {
    std::cout << fmt::format("target: reconcile {} entries in <= {:.0f} s: {} ({:.2f} s)",
                             kRequiredEntries, kTargetSeconds, verdict, replay_seconds);
  } else {
    std::cout << fmt::format(
        "target: reconcile {} entries in <= {:.0f} s: at this rate {:.1f} s, "
        "{} (measured on {} entries; run with the default --entries)",
        kRequiredEntries, kTargetSeconds, projected, verdict, options.entries);
  }
  std::cout << fmt::format("\nCPU pressure (some avg10) after: {}", cpu_pressure()) << std::endl;
  return kExitOk;
}

}  // namespace
}  // namespace edgeroute::bench

int main(int argc, char** argv) {
  namespace bench = edgeroute::bench;
  CLI::App app(
      "sync_reconcile_bench: a gateway's journal after an outage replayed to central over "
      "mutual TLS on loopback, timed and verified",
      "sync_reconcile_bench");
  bench::BenchOptions options;
  app.add_option("--entries", options.entries, "Journal entries the outage left")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--payload-bytes", options.payload_bytes, "Mean payload size (bytes)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}));
  app.add_option("--payload-spread", options.payload_spread,
                 "Payload sizes vary evenly within mean +/- this (bytes; at most the mean)")
      ->capture_default_str();
  app.add_option("--batch-entries", options.batch_entries,
                 "The agent's batch_max_entries (default: the agent's default)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{1'000'000}));
  app.add_option("--batch-bytes", options.batch_bytes,
                 "The agent's batch_max_bytes (default: the agent's default; frames above "
                 "8 MiB are refused by central)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{7 * 1024 * 1024}));
  app.add_option("--in-flight", options.in_flight,
                 "The agent's batches_in_flight (default: the agent's default)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{1024}));
  app.add_option("--dir", options.dir,
                 "Directory for the journal, central's store and the certificates (kept; "
                 "default: a fresh one under /tmp, removed at the end)");
  app.add_option("--pki", options.pki,
                 "Certificates from scripts/make-sync-pki.sh DIR gw-reconcile-bench (default: "
                 "made in the run's directory)");
  app.add_flag("--keep", options.keep, "Keep the fresh directory under /tmp");
  app.add_flag("--apply-alone", options.apply_alone,
               "Also build and apply the same batches without sockets or TLS, each side timed");
  app.add_option("--stall-seconds", options.stall_seconds,
                 "Give up when central's mark has not moved for this long")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? bench::kExitOk : bench::kExitUsage;
  }
  if (options.payload_spread > options.payload_bytes) {
    std::cerr << "sync_reconcile_bench: --payload-spread " << options.payload_spread
              << " is more than --payload-bytes " << options.payload_bytes << '\n';
    return bench::kExitUsage;
  }
  return bench::run(options);
}
