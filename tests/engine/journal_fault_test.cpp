// The journal's promise under the fault it exists for: a writer process killed with
// SIGKILL at an arbitrary point of an append loses nothing it was told was appended. A
// child process appends batches of varying size and, after each append() returns,
// reports the last sequence through a pipe; the parent kills it mid-stream, reopens
// the journal (WAL recovery) and finds every reported sequence, with its exact
// contents, and no gap anywhere.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/journal/journal.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::journal {
namespace {

using testing::TemporaryDirectory;

constexpr char kGateway[] = "gw-leipzig-1";

std::vector<std::uint8_t> payload_of(std::uint64_t sequence) {
  std::vector<std::uint8_t> payload(700);
  for (std::size_t index = 0; index < payload.size(); ++index) {
    payload[index] = static_cast<std::uint8_t>((sequence * 131 + index * 7) & 0xffU);
  }
  return payload;
}

std::string order_id_of(std::uint64_t sequence) {
  return "SO-" + std::to_string(sequence);
}

// The child: appends until killed, reporting each returned range's last sequence.
// Never returns (it must not run the parent's test harness on exit).
[[noreturn]] void append_until_killed(const std::string& path, int report_fd) {
  JournalOptions options;
  options.path = path;
  options.gateway_id = kGateway;
  options.wal_checkpoint_pages = 64;  // checkpoints happen during the run as well
  Result<std::unique_ptr<Journal>> journal = Journal::open(options);
  if (!journal) ::_exit(2);
  std::uint64_t next = (*journal)->last_sequence() + 1;
  for (std::uint64_t round = 0; round < 1'000'000; ++round) {
    const auto count = static_cast<std::size_t>(1 + round % 37);
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<std::string> order_ids;
    std::vector<EntryToAppend> batch;
    for (std::size_t index = 0; index < count; ++index) {
      payloads.push_back(payload_of(next + index));
      order_ids.push_back(order_id_of(next + index));
    }
    for (std::size_t index = 0; index < count; ++index) {
      batch.push_back(EntryToAppend{EntryKind::decision, static_cast<std::int64_t>(next + index),
                                    order_ids[index], "corr", payloads[index]});
    }
    Result<SequenceRange> range = (*journal)->append(batch);
    if (!range || range->first != next) ::_exit(3);
    // 8 bytes: a pipe write this small is atomic, the parent never sees half a report.
    const std::uint64_t reported = range->last;
    if (::write(report_fd, &reported, sizeof reported) != sizeof reported) ::_exit(4);
    next = range->last + 1;
  }
  ::_exit(0);
}

// Reads one report; false at end of file (the child is gone).
bool read_report(int fd, std::uint64_t& report) {
  std::size_t have = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&report);
  while (have < sizeof report) {
    const ssize_t got = ::read(fd, bytes + have, sizeof report - have);
    if (got == 0) return false;
    if (got < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "read from the child's pipe: " << std::strerror(errno);
      return false;
    }
    have += static_cast<std::size_t>(got);
  }
  return true;
}

// One round: a child appends to `path` (fresh or not), is killed after `reports_before_kill`
// reports; returns the highest sequence it reported.
std::uint64_t kill_a_writer(const std::string& path, int reports_before_kill) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return 0;
  }
  const pid_t child = ::fork();
  const int fork_errno = errno;
  if (child == 0) {
    ::close(pipe_fds[0]);
    append_until_killed(path, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  if (child < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(fork_errno);
    ::close(pipe_fds[0]);
    return 0;
  }
  std::uint64_t highest = 0;
  std::uint64_t report = 0;
  for (int seen = 0; seen < reports_before_kill && read_report(pipe_fds[0], report); ++seen) {
    highest = report;
  }
  EXPECT_EQ(::kill(child, SIGKILL), 0);
  int wait_status = 0;
  EXPECT_EQ(::waitpid(child, &wait_status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
      << "the child ended on its own (exit status "
      << (WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1) << ") before the kill";
  // Whatever it reported before dying was returned by append() as well.
  while (read_report(pipe_fds[0], report)) highest = report;
  ::close(pipe_fds[0]);
  return highest;
}

TEST(JournalFault, EveryAppendAKilledWriterReportedIsThereWithoutAGap) {
  TemporaryDirectory directory("journal-fault");
  const std::string path = directory / "journal.db";
  // Three writers in turn on the same journal, each killed at a different point; each
  // next one continues after what recovery found.
  std::uint64_t reported = 0;
  for (const int reports_before_kill : {25, 111, 60}) {
    reported = std::max(reported, kill_a_writer(path, reports_before_kill));
    ASSERT_GT(reported, 0U);

    JournalOptions options;
    options.path = path;
    options.gateway_id = kGateway;
    Result<std::unique_ptr<Journal>> journal = Journal::open(options);
    ASSERT_TRUE(journal) << journal.status().to_string();
    EXPECT_GE((*journal)->last_sequence(), reported);
    std::uint64_t expected = 1;
    const Status read = (*journal)->read(1, [&](const StoredEntry& entry) {
      EXPECT_EQ(entry.sequence, expected);
      EXPECT_EQ(entry.kind, EntryKind::decision);
      EXPECT_EQ(entry.order_id, order_id_of(entry.sequence));
      const std::vector<std::uint8_t> payload = payload_of(entry.sequence);
      EXPECT_TRUE(
          std::equal(entry.payload.begin(), entry.payload.end(), payload.begin(), payload.end()))
          << "entry " << entry.sequence;
      ++expected;
      return Status::ok();
    });
    ASSERT_TRUE(read.is_ok()) << read.to_string();
    EXPECT_EQ(expected - 1, (*journal)->last_sequence());
  }
}

}  // namespace
}  // namespace edgeroute::journal
