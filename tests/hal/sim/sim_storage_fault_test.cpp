// Proves that SimStorage enforces storage.h's durability model under crashes and
// faults, so that tests built on it can trust a pass:
//   - a crash keeps synced bytes and loses unsynced ones, and forgets creations,
//     renames and removals whose directory was not synced;
//   - write_file_atomically leaves the old or the new contents across a crash at
//     every point of its execution (a property test: count its write operations,
//     then for each one in turn make it fail, crash, and look), and whenever it
//     reported success the new contents survive;
//   - the same property test catches writers that skip a step (rewriting in place,
//     renaming before syncing), which shows the model is strict enough to matter;
//   - a full disk fails the append with no_space naming the file, and what was
//     already synced stays readable, before and after a crash;
//   - fail_nth_write fails exactly the chosen write, with no effect, and only once;
//   - a failed sync loses the unsynced bytes and poisons the file, as on Linux, so a
//     retry cannot report them durable; a torn append leaves its fragment and poisons
//     the file; a crash can keep any prefix of the unsynced bytes (a torn tail);
//   - write_file_atomically removes its temporary when an attempt fails.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_storage.h"
#include "edgeroute/hal/storage.h"

namespace edgeroute::hal {
namespace {

using ::testing::HasSubstr;

// A directory whose own entry is durable, as a daemon's data directory would be
// after installation.
void make_durable_directory(SimStorage& storage, const std::string& path) {
  ASSERT_TRUE(storage.create_directories(path).is_ok());
  ASSERT_TRUE(storage.sync_directory("/").is_ok());
}

std::unique_ptr<WritableFile> open_or_die(Result<std::unique_ptr<WritableFile>> opened) {
  EXPECT_TRUE(opened) << opened.status().to_string();
  return opened ? std::move(*opened) : nullptr;
}

// The file's contents, or nullopt if it does not exist.
std::optional<std::string> contents_of(SimStorage& storage, const std::string& path) {
  Result<std::string> contents = storage.read_file(path);
  if (!contents) {
    EXPECT_EQ(contents.status().code(), StatusCode::not_found) << contents.status().to_string();
    return std::nullopt;
  }
  return *contents;
}

TEST(SimStorageCrash, KeepsSyncedAppendsAndLosesUnsyncedOnes) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto journal = open_or_die(storage.open_appendable("/data/journal"));
  ASSERT_NE(journal, nullptr);
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());
  ASSERT_TRUE(journal->append("entry-1;").is_ok());
  ASSERT_TRUE(journal->sync().is_ok());
  ASSERT_TRUE(journal->append("entry-2;").is_ok());  // acknowledged to nobody: not synced

  storage.simulate_crash();

  EXPECT_EQ(contents_of(storage, "/data/journal"), "entry-1;");
}

TEST(SimStorageCrash, ForgetsAFileWhoseCreationWasNotSynced) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto file = open_or_die(storage.open_truncated("/data/new"));
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->append("bytes").is_ok());
  ASSERT_TRUE(file->sync().is_ok());  // the bytes are durable, the name is not

  storage.simulate_crash();

  EXPECT_FALSE(*storage.exists("/data/new"));
}

TEST(SimStorageCrash, ForgetsDirectoriesWhoseParentWasNotSynced) {
  SimStorage storage;
  ASSERT_TRUE(storage.create_directories("/a/b").is_ok());
  ASSERT_TRUE(storage.sync_directory("/a").is_ok());  // /a itself was never made durable

  storage.simulate_crash();

  EXPECT_FALSE(*storage.exists("/a"));
  EXPECT_FALSE(*storage.exists("/a/b"));
  EXPECT_TRUE(*storage.exists("/"));
}

TEST(SimStorageCrash, RevertsARenameWhoseDirectoryWasNotSynced) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  ASSERT_TRUE(write_file_atomically(storage, "/data/current", "old").is_ok());
  ASSERT_TRUE(write_file_atomically(storage, "/data/next", "new").is_ok());

  ASSERT_TRUE(storage.rename("/data/next", "/data/current").is_ok());
  EXPECT_EQ(contents_of(storage, "/data/current"), "new");
  storage.simulate_crash();

  EXPECT_EQ(contents_of(storage, "/data/current"), "old");
  EXPECT_EQ(contents_of(storage, "/data/next"), "new");

  ASSERT_TRUE(storage.rename("/data/next", "/data/current").is_ok());
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());
  storage.simulate_crash();

  EXPECT_EQ(contents_of(storage, "/data/current"), "new");
  EXPECT_EQ(contents_of(storage, "/data/next"), std::nullopt);
}

TEST(SimStorageCrash, RestoresAFileWhoseRemovalWasNotSynced) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  ASSERT_TRUE(write_file_atomically(storage, "/data/a", "kept").is_ok());
  ASSERT_TRUE(storage.remove("/data/a").is_ok());

  storage.simulate_crash();

  EXPECT_EQ(contents_of(storage, "/data/a"), "kept");
}

TEST(SimStorageCrash, ASyncedRemovalOfADirectoryTakesItsDurableContentsWithIt) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  ASSERT_TRUE(storage.create_directories("/data/old").is_ok());
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());
  ASSERT_TRUE(write_file_atomically(storage, "/data/old/f", "x").is_ok());
  ASSERT_TRUE(storage.remove("/data/old/f").is_ok());  // removal of f never synced...
  ASSERT_TRUE(storage.remove("/data/old").is_ok());
  ASSERT_TRUE(storage.create_directories("/data/old").is_ok());
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());  // ...but its directory was replaced

  storage.simulate_crash();

  EXPECT_TRUE(*storage.exists("/data/old"));
  EXPECT_FALSE(*storage.exists("/data/old/f"));
}

TEST(SimStorageCrash, TruncationReachesTheDeviceBeforeTheNewBytes) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  ASSERT_TRUE(write_file_atomically(storage, "/data/a", "old").is_ok());
  auto rewrite = open_or_die(storage.open_truncated("/data/a"));
  ASSERT_NE(rewrite, nullptr);
  ASSERT_TRUE(rewrite->append("new").is_ok());

  storage.simulate_crash();

  EXPECT_EQ(contents_of(storage, "/data/a"), "");
}

TEST(SimStorageCrash, FilesOpenedBeforeACrashFailNamingTheirPath) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto file = open_or_die(storage.open_appendable("/data/a"));
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());

  storage.simulate_crash();

  const Status appended = file->append("x");
  EXPECT_EQ(appended.code(), StatusCode::io_error);
  EXPECT_THAT(appended.message(), HasSubstr("/data/a"));
  EXPECT_EQ(file->sync().code(), StatusCode::io_error);
  EXPECT_EQ(file->close().code(), StatusCode::io_error);
  EXPECT_EQ(contents_of(storage, "/data/a"), "");

  auto reopened = open_or_die(storage.open_appendable("/data/a"));
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(reopened->append("x").is_ok());
}

// ---- The atomic-replace property --------------------------------------------------

using Writer = std::function<Status(SimStorage&, const std::string&, std::string_view)>;

struct CrashOutcome {
  std::uint64_t failed_write;  // 1-based; past the last write means none failed
  bool reported_success;
  std::optional<std::string> contents_after_crash;
};

// Runs `writer` on a fresh storage (holding `old` at the path, or nothing) once per
// possible failure point: write k fails, then the machine crashes. k runs from 1 to
// one past the writer's last write, which is the crash after it completed.
std::vector<CrashOutcome> crash_at_every_point(const Writer& writer,
                                               const std::optional<std::string>& old) {
  const std::string path = "/data/policy.bin";
  const auto fresh_storage = [&] {
    auto storage = std::make_unique<SimStorage>();
    make_durable_directory(*storage, "/data");
    if (old) {
      EXPECT_TRUE(write_file_atomically(*storage, path, *old).is_ok());
    }
    return storage;
  };

  std::uint64_t writes = 0;
  {
    const auto counting = fresh_storage();
    const std::uint64_t before = counting->writes_performed();
    EXPECT_TRUE(writer(*counting, path, "new contents").is_ok());
    writes = counting->writes_performed() - before;
  }
  EXPECT_GE(writes, 1u);

  std::vector<CrashOutcome> outcomes;
  for (std::uint64_t failed_write = 1; failed_write <= writes + 1; ++failed_write) {
    const auto storage = fresh_storage();
    storage->fail_nth_write(failed_write);
    const bool reported_success = writer(*storage, path, "new contents").is_ok();
    storage->simulate_crash();
    outcomes.push_back({failed_write, reported_success, contents_of(*storage, path)});
  }
  return outcomes;
}

bool old_or_new(const CrashOutcome& outcome, const std::optional<std::string>& old) {
  if (outcome.reported_success) return outcome.contents_after_crash == "new contents";
  return outcome.contents_after_crash == old || outcome.contents_after_crash == "new contents";
}

std::string describe(const CrashOutcome& outcome) {
  return "write #" + std::to_string(outcome.failed_write) + " failed, writer reported " +
         (outcome.reported_success ? "success" : "failure") + ", after the crash the file " +
         (outcome.contents_after_crash ? "holds \"" + *outcome.contents_after_crash + "\""
                                       : std::string("does not exist"));
}

const Writer kWriteFileAtomically = [](SimStorage& storage, const std::string& path,
                                       std::string_view contents) {
  return write_file_atomically(storage, path, contents);
};

TEST(WriteFileAtomically, LeavesOldOrNewAcrossACrashAtEveryPoint) {
  for (const std::optional<std::string>& old :
       {std::optional<std::string>("old contents"), std::optional<std::string>()}) {
    SCOPED_TRACE(old ? "replacing an existing file" : "creating the file");
    const std::vector<CrashOutcome> outcomes = crash_at_every_point(kWriteFileAtomically, old);
    bool saw_old = false;
    bool saw_new = false;
    for (const CrashOutcome& outcome : outcomes) {
      EXPECT_TRUE(old_or_new(outcome, old)) << describe(outcome);
      saw_old = saw_old || outcome.contents_after_crash == old;
      saw_new = saw_new || outcome.contents_after_crash == "new contents";
    }
    // Both outcomes occur, so the failure points really span the whole operation.
    EXPECT_TRUE(saw_old);
    EXPECT_TRUE(saw_new);
    EXPECT_TRUE(outcomes.back().reported_success);
  }
}

TEST(WriteFileAtomically, AFailedAttemptLeavesNoTemporaryBehind) {
  const std::string path = "/data/policy.bin";
  std::uint64_t writes = 0;
  {
    SimStorage counting;
    make_durable_directory(counting, "/data");
    const std::uint64_t before = counting.writes_performed();
    ASSERT_TRUE(write_file_atomically(counting, path, "contents").is_ok());
    writes = counting.writes_performed() - before;
  }
  for (std::uint64_t failed_write = 1; failed_write <= writes; ++failed_write) {
    SimStorage storage;
    make_durable_directory(storage, "/data");
    storage.fail_nth_write(failed_write);
    EXPECT_FALSE(write_file_atomically(storage, path, "contents").is_ok()) << failed_write;
    const auto names = storage.list_directory("/data");
    ASSERT_TRUE(names);
    // Only the last step (syncing the directory) fails after the rename.
    for (const std::string& name : *names) {
      EXPECT_EQ(name, "policy.bin") << "write #" << failed_write << " failed";
    }
  }
}

TEST(WriteFileAtomically, TheSamePropertyCatchesARewriteInPlace) {
  const Writer rewrite_in_place = [](SimStorage& storage, const std::string& path,
                                     std::string_view contents) -> Status {
    auto file = storage.open_truncated(path);
    if (!file) return file.status();
    if (Status appended = (*file)->append(contents); !appended.is_ok()) return appended;
    return (*file)->sync();
  };
  bool violated = false;
  for (const CrashOutcome& outcome : crash_at_every_point(rewrite_in_place, "old contents")) {
    violated = violated || !old_or_new(outcome, "old contents");
  }
  EXPECT_TRUE(violated);
}

TEST(WriteFileAtomically, TheSamePropertyCatchesARenameBeforeSync) {
  const Writer rename_unsynced = [](SimStorage& storage, const std::string& path,
                                    std::string_view contents) -> Status {
    auto file = storage.open_truncated(path + ".tmp");
    if (!file) return file.status();
    if (Status appended = (*file)->append(contents); !appended.is_ok()) return appended;
    if (Status renamed = storage.rename(path + ".tmp", path); !renamed.is_ok()) return renamed;
    return storage.sync_directory("/data");
  };
  bool violated = false;
  for (const CrashOutcome& outcome : crash_at_every_point(rename_unsynced, "old contents")) {
    violated = violated || !old_or_new(outcome, "old contents");
  }
  EXPECT_TRUE(violated);
}

// ---- Full disk and injected failures ----------------------------------------------

TEST(SimStorageFault, AFullDiskFailsTheAppendNamingTheFileAndKeepsSyncedData) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto journal = open_or_die(storage.open_appendable("/data/journal"));
  ASSERT_NE(journal, nullptr);
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());
  ASSERT_TRUE(journal->append("synced;").is_ok());
  ASSERT_TRUE(journal->sync().is_ok());

  storage.set_capacity_bytes(storage.used_bytes() + 10);
  EXPECT_EQ(*storage.free_space_bytes("/data"), 10u);

  const Status full = journal->append("twenty bytes of data");
  EXPECT_EQ(full.code(), StatusCode::no_space);
  EXPECT_THAT(full.message(), HasSubstr("/data/journal"));
  EXPECT_EQ(contents_of(storage, "/data/journal"), "synced;");  // nothing half-written

  EXPECT_TRUE(journal->append("ten bytes;").is_ok());  // exactly what is left still fits
  EXPECT_EQ(*storage.free_space_bytes("/data"), 0u);
  EXPECT_EQ(journal->append("x").code(), StatusCode::no_space);

  storage.simulate_crash();
  EXPECT_EQ(contents_of(storage, "/data/journal"), "synced;");
}

TEST(SimStorageFault, FreeSpaceIsZeroWhenCapacityShrinksBelowUse) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  ASSERT_TRUE(write_file_atomically(storage, "/data/a", std::string(100, 'x')).is_ok());
  storage.set_capacity_bytes(50);
  EXPECT_EQ(*storage.free_space_bytes("/data"), 0u);
  EXPECT_EQ(contents_of(storage, "/data/a"), std::string(100, 'x'));
}

TEST(SimStorageFault, FailNthWriteFailsExactlyThatWriteOnceWithoutEffect) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto journal = open_or_die(storage.open_appendable("/data/journal"));
  ASSERT_NE(journal, nullptr);
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());

  storage.fail_nth_write(3);
  EXPECT_TRUE(journal->append("a;").is_ok());   // write 1
  EXPECT_TRUE(journal->sync().is_ok());         // write 2
  const Status failed = journal->append("b;");  // write 3
  EXPECT_EQ(failed.code(), StatusCode::io_error);
  EXPECT_THAT(failed.message(), HasSubstr("/data/journal"));
  EXPECT_EQ(contents_of(storage, "/data/journal"), "a;");
  EXPECT_TRUE(journal->append("c;").is_ok());  // only once
  EXPECT_TRUE(journal->sync().is_ok());
  EXPECT_EQ(contents_of(storage, "/data/journal"), "a;c;");
}

TEST(SimStorageFault, AFailedSyncLosesTheUnsyncedBytesAndPoisonsTheFile) {
  // As LinuxStorage after a failed fdatasync(): the kernel may have dropped the dirty
  // pages, so retrying the sync must not pretend the bytes are safe.
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto journal = open_or_die(storage.open_appendable("/data/journal"));
  ASSERT_NE(journal, nullptr);
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());
  ASSERT_TRUE(journal->append("safe;").is_ok());
  ASSERT_TRUE(journal->sync().is_ok());
  ASSERT_TRUE(journal->append("unsure;").is_ok());

  storage.fail_nth_write(1);
  EXPECT_EQ(journal->sync().code(), StatusCode::io_error);

  for (const Status& refused : {journal->sync(), journal->append("more;")}) {
    EXPECT_EQ(refused.code(), StatusCode::io_error);
    EXPECT_THAT(refused.message(), HasSubstr("/data/journal"));
    EXPECT_THAT(refused.message(), HasSubstr("unusable after a failed sync"));
  }
  EXPECT_TRUE(journal->close().is_ok());
  // The lost bytes are gone for every handle, so none can sync them later.
  EXPECT_EQ(contents_of(storage, "/data/journal"), "safe;");
  auto reopened = open_or_die(storage.open_appendable("/data/journal"));
  ASSERT_NE(reopened, nullptr);
  ASSERT_TRUE(reopened->sync().is_ok());
  storage.simulate_crash();
  EXPECT_EQ(contents_of(storage, "/data/journal"), "safe;");
}

TEST(SimStorageFault, ATornAppendLeavesItsFragmentAndPoisonsTheFile) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto journal = open_or_die(storage.open_appendable("/data/journal"));
  ASSERT_NE(journal, nullptr);
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());

  storage.tear_nth_append(2, 3);
  EXPECT_TRUE(journal->append("record-1;").is_ok());  // append 1
  const Status torn = journal->append("record-2;");   // append 2: only "rec" lands
  EXPECT_EQ(torn.code(), StatusCode::io_error);
  EXPECT_THAT(torn.message(), HasSubstr("/data/journal"));
  EXPECT_EQ(contents_of(storage, "/data/journal"), "record-1;rec");

  const Status refused = journal->append("record-3;");
  EXPECT_EQ(refused.code(), StatusCode::io_error);
  EXPECT_THAT(refused.message(), HasSubstr("/data/journal"));
  EXPECT_EQ(journal->sync().code(), StatusCode::io_error);

  // The fragment is ordinary unsynced data: whoever syncs the file next makes it
  // durable, and recovery has to recognise it.
  auto recovery = open_or_die(storage.open_appendable("/data/journal"));
  ASSERT_NE(recovery, nullptr);
  ASSERT_TRUE(recovery->sync().is_ok());
  storage.simulate_crash();
  EXPECT_EQ(contents_of(storage, "/data/journal"), "record-1;rec");
}

TEST(SimStorageFault, TearNthAppendCountsAppendsOnlyAndTearsOnce) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto first = open_or_die(storage.open_appendable("/data/a"));
  auto second = open_or_die(storage.open_appendable("/data/b"));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  storage.tear_nth_append(2, 100);           // keeping more than there is keeps everything
  EXPECT_TRUE(first->sync().is_ok());        // not an append
  EXPECT_TRUE(first->append("a1").is_ok());  // append 1
  EXPECT_EQ(second->append("b1").code(), StatusCode::io_error);  // append 2
  EXPECT_TRUE(first->append("a2").is_ok());                      // only once
  EXPECT_EQ(contents_of(storage, "/data/a"), "a1a2");
  EXPECT_EQ(contents_of(storage, "/data/b"), "b1");
}

TEST(SimStorageCrash, KeepingATornTailKeepsHalfOfEachFilesUnsyncedBytes) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  auto journal = open_or_die(storage.open_appendable("/data/journal"));
  auto other = open_or_die(storage.open_appendable("/data/other"));
  ASSERT_NE(journal, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(storage.sync_directory("/data").is_ok());
  ASSERT_TRUE(journal->append("synced;").is_ok());
  ASSERT_TRUE(journal->sync().is_ok());
  ASSERT_TRUE(journal->append("record-2;record-3;").is_ok());  // 18 unsynced bytes
  ASSERT_TRUE(other->append("abcde").is_ok());                 // 5 unsynced bytes

  storage.simulate_crash(SimStorage::CrashMode::keep_torn_tail);

  EXPECT_EQ(contents_of(storage, "/data/journal"), "synced;record-2;");
  EXPECT_EQ(contents_of(storage, "/data/other"), "ab");
  // What the crash wrote is on the device now: a second crash keeps it.
  storage.simulate_crash();
  EXPECT_EQ(contents_of(storage, "/data/journal"), "synced;record-2;");
}

TEST(SimStorageCrash, ACrashCanKeepAnyPrefixOfTheUnsyncedBytes) {
  const std::string unsynced = "record-2;";
  for (std::uint64_t kept = 0; kept <= unsynced.size() + 1; ++kept) {
    SimStorage storage;
    make_durable_directory(storage, "/data");
    auto journal = open_or_die(storage.open_appendable("/data/journal"));
    ASSERT_NE(journal, nullptr);
    ASSERT_TRUE(storage.sync_directory("/data").is_ok());
    ASSERT_TRUE(journal->append("record-1;").is_ok());
    ASSERT_TRUE(journal->sync().is_ok());
    ASSERT_TRUE(journal->append(unsynced).is_ok());

    storage.simulate_crash_keeping_unsynced_bytes(kept);

    EXPECT_EQ(contents_of(storage, "/data/journal"),
              "record-1;" + unsynced.substr(0, static_cast<std::size_t>(kept)))
        << kept;
  }
}

TEST(SimStorageFault, AFailedRenameOrDirectorySyncChangesNothing) {
  SimStorage storage;
  make_durable_directory(storage, "/data");
  ASSERT_TRUE(write_file_atomically(storage, "/data/a", "a").is_ok());

  storage.fail_nth_write(1);
  EXPECT_EQ(storage.rename("/data/a", "/data/b").code(), StatusCode::io_error);
  EXPECT_EQ(contents_of(storage, "/data/a"), "a");
  EXPECT_FALSE(*storage.exists("/data/b"));

  ASSERT_TRUE(storage.rename("/data/a", "/data/b").is_ok());
  storage.fail_nth_write(1);
  EXPECT_EQ(storage.sync_directory("/data").code(), StatusCode::io_error);
  storage.simulate_crash();
  EXPECT_EQ(contents_of(storage, "/data/a"), "a");
  EXPECT_FALSE(*storage.exists("/data/b"));
}

}  // namespace
}  // namespace edgeroute::hal
