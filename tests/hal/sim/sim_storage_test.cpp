// Specifies SimStorage as a file system, before any crash or fault: what is appended
// and synced reads back; reads see appended bytes at once; paths are absolute and
// need an existing parent; every error names the path it is about; directories list
// their direct children sorted; rename replaces its target and an open file follows
// its renamed name; free space is the capacity less what named files hold; and which
// calls count as writes for fail_nth_write; error codes match LinuxStorage's (a
// directory read as a file, anything below a file). The contract both backends share is
// also run against both in tests/hal/conformance. Crash and fault behaviour is
// specified in sim_storage_fault_test.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_storage.h"

namespace edgeroute::hal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<WritableFile> open_or_die(Result<std::unique_ptr<WritableFile>> opened) {
  EXPECT_TRUE(opened) << opened.status().to_string();
  return opened ? std::move(*opened) : nullptr;
}

class SimStorageTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(storage_.create_directories("/data").is_ok()); }

  void write(const std::string& path, std::string_view contents) {
    auto file = open_or_die(storage_.open_truncated(path));
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->append(contents).is_ok());
    ASSERT_TRUE(file->sync().is_ok());
    ASSERT_TRUE(file->close().is_ok());
  }

  std::string read(const std::string& path) {
    Result<std::string> contents = storage_.read_file(path);
    EXPECT_TRUE(contents) << contents.status().to_string();
    return contents ? *contents : std::string("<unreadable>");
  }

  SimStorage storage_;
};

TEST_F(SimStorageTest, AppendedAndSyncedBytesReadBack) {
  auto journal = open_or_die(storage_.open_appendable("/data/journal"));
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(journal->append("abc").is_ok());
  EXPECT_TRUE(journal->append("def").is_ok());
  EXPECT_TRUE(journal->sync().is_ok());
  EXPECT_EQ(read("/data/journal"), "abcdef");
}

TEST_F(SimStorageTest, ReadsSeeAppendedBytesBeforeTheyAreSynced) {
  auto journal = open_or_die(storage_.open_appendable("/data/journal"));
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(journal->append("pending").is_ok());
  EXPECT_EQ(read("/data/journal"), "pending");
}

TEST_F(SimStorageTest, OpenAppendableKeepsContentsAndOpenTruncatedEmpties) {
  write("/data/a", "first;");
  auto appended = open_or_die(storage_.open_appendable("/data/a"));
  ASSERT_NE(appended, nullptr);
  EXPECT_TRUE(appended->append("second").is_ok());
  EXPECT_EQ(read("/data/a"), "first;second");

  auto truncated = open_or_die(storage_.open_truncated("/data/a"));
  ASSERT_NE(truncated, nullptr);
  EXPECT_EQ(read("/data/a"), "");
}

TEST_F(SimStorageTest, PathsMustBeAbsolute) {
  const Result<std::string> contents = storage_.read_file("data/a");
  ASSERT_FALSE(contents);
  EXPECT_EQ(contents.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(contents.status().message(), HasSubstr("data/a"));
  EXPECT_EQ(storage_.open_appendable("relative").status().code(), StatusCode::invalid_argument);
}

TEST_F(SimStorageTest, EquivalentSpellingsOfAPathNameTheSameFile) {
  write("/data/a", "x");
  EXPECT_EQ(read("/data//a"), "x");
  EXPECT_EQ(read("/data/./a"), "x");
  EXPECT_EQ(read("/data/sub/../a"), "x");
  EXPECT_THAT(*storage_.list_directory("/data/"), ElementsAre("a"));
}

TEST_F(SimStorageTest, OpeningAFileNeedsAnExistingParentDirectory) {
  const auto opened = storage_.open_truncated("/missing/x");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().code(), StatusCode::not_found);
  EXPECT_EQ(opened.status().message(), "/missing/x: parent directory /missing does not exist");

  EXPECT_TRUE(storage_.create_directories("/missing/deeper").is_ok());
  EXPECT_TRUE(storage_.open_truncated("/missing/deeper/x"));
}

TEST_F(SimStorageTest, ReadingAMissingFileIsNotFoundAndADirectoryAFailedPrecondition) {
  const auto missing = storage_.read_file("/data/x");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), StatusCode::not_found);
  EXPECT_EQ(missing.status().message(), "/data/x: no such file");

  // As on Linux (EISDIR): the directory is there, it is just not a file.
  const auto directory = storage_.read_file("/data");
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(directory.status().message(), HasSubstr("/data"));
}

TEST_F(SimStorageTest, NothingCanBeFoundBelowAFile) {
  // Linux says ENOTDIR, not ENOENT, when a component of the path is a file.
  write("/data/a", "x");
  const auto read = storage_.read_file("/data/a/b/c");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(read.status().message(), HasSubstr("/data/a/b/c"));
  EXPECT_EQ(storage_.open_appendable("/data/a/b/c").status().code(),
            StatusCode::failed_precondition);
  EXPECT_EQ(storage_.remove("/data/a/b").code(), StatusCode::failed_precondition);
  EXPECT_FALSE(*storage_.exists("/data/a/b"));
}

TEST_F(SimStorageTest, OpeningADirectoryAsAFileFails) {
  const auto opened = storage_.open_appendable("/data");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().code(), StatusCode::failed_precondition);
  EXPECT_EQ(opened.status().message(), "/data: is a directory");
}

TEST_F(SimStorageTest, ExistsSeesFilesAndDirectories) {
  write("/data/a", "x");
  EXPECT_TRUE(*storage_.exists("/data/a"));
  EXPECT_TRUE(*storage_.exists("/data"));
  EXPECT_TRUE(*storage_.exists("/"));
  EXPECT_FALSE(*storage_.exists("/data/b"));
  EXPECT_EQ(storage_.exists("data").status().code(), StatusCode::invalid_argument);
}

TEST_F(SimStorageTest, ListDirectoryReturnsDirectChildrenSorted) {
  ASSERT_TRUE(storage_.create_directories("/data/c/nested").is_ok());
  ASSERT_TRUE(storage_.create_directories("/data-sibling").is_ok());
  write("/data/b", "");
  write("/data/a", "");
  write("/data/c/nested/deep", "");

  EXPECT_THAT(*storage_.list_directory("/data"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(*storage_.list_directory("/"), ElementsAre("data", "data-sibling"));
  EXPECT_THAT(*storage_.list_directory("/data-sibling"), IsEmpty());

  const auto missing = storage_.list_directory("/nowhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), StatusCode::not_found);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nowhere"));
  const auto file = storage_.list_directory("/data/a");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(file.status().message(), HasSubstr("/data/a"));
}

TEST_F(SimStorageTest, RenameOfAMissingFileIsNotFoundNamingIt) {
  const Status renamed = storage_.rename("/data/ghost", "/data/x");
  EXPECT_EQ(renamed.code(), StatusCode::not_found);
  EXPECT_EQ(renamed.message(), "/data/ghost: no such file");
}

TEST_F(SimStorageTest, AnOpenFileFollowsItsRenamedName) {
  auto file = open_or_die(storage_.open_truncated("/data/tmp"));
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->append("before;").is_ok());
  ASSERT_TRUE(storage_.rename("/data/tmp", "/data/final").is_ok());
  ASSERT_TRUE(file->append("after").is_ok());
  EXPECT_EQ(read("/data/final"), "before;after");
}

TEST_F(SimStorageTest, RemoveTakesFilesAndEmptyDirectoriesOnly) {
  ASSERT_TRUE(storage_.create_directories("/data/dir").is_ok());
  write("/data/dir/a", "x");

  const Status not_empty = storage_.remove("/data/dir");
  EXPECT_EQ(not_empty.code(), StatusCode::failed_precondition);
  EXPECT_EQ(not_empty.message(), "/data/dir: directory not empty");

  EXPECT_TRUE(storage_.remove("/data/dir/a").is_ok());
  EXPECT_TRUE(storage_.remove("/data/dir").is_ok());
  EXPECT_FALSE(*storage_.exists("/data/dir"));
  EXPECT_EQ(storage_.remove("/data/dir").code(), StatusCode::not_found);
}

TEST_F(SimStorageTest, CreateDirectoriesCannotGoThroughAFile) {
  write("/data/a", "x");
  const Status created = storage_.create_directories("/data/a/b");
  EXPECT_EQ(created.code(), StatusCode::failed_precondition);
  EXPECT_THAT(created.message(), HasSubstr("/data/a"));
  EXPECT_TRUE(storage_.create_directories("/data").is_ok());  // existing: nothing to do
}

TEST_F(SimStorageTest, FreeSpaceIsCapacityLessWhatNamedFilesHold) {
  SimStorage small(1000);
  ASSERT_TRUE(small.create_directories("/data").is_ok());
  auto file = open_or_die(small.open_truncated("/data/a"));
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->append(std::string(300, 'x')).is_ok());
  EXPECT_EQ(*small.free_space_bytes("/data"), 700u);
  EXPECT_EQ(small.used_bytes(), 300u);

  ASSERT_TRUE(small.remove("/data/a").is_ok());
  EXPECT_EQ(*small.free_space_bytes("/data"), 1000u);

  const auto missing = small.free_space_bytes("/nowhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), StatusCode::not_found);
}

TEST_F(SimStorageTest, AClosedFileRejectsFurtherCalls) {
  auto file = open_or_die(storage_.open_truncated("/data/a"));
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->close().is_ok());
  const Status appended = file->append("x");
  EXPECT_EQ(appended.code(), StatusCode::failed_precondition);
  EXPECT_EQ(appended.message(), "/data/a: file is closed");
  EXPECT_EQ(file->sync().code(), StatusCode::failed_precondition);
  EXPECT_EQ(file->close().code(), StatusCode::failed_precondition);
}

TEST_F(SimStorageTest, AFileOutlivingItsStorageFailsNothingWorse) {
  auto detached = std::make_unique<SimStorage>();
  ASSERT_TRUE(detached->create_directories("/data").is_ok());
  auto file = open_or_die(detached->open_truncated("/data/a"));
  ASSERT_NE(file, nullptr);
  detached.reset();
  EXPECT_TRUE(file->append("still safe to call").is_ok());
}

TEST_F(SimStorageTest, EveryWriteOperationIsCountedAndNothingElse) {
  const std::uint64_t start = storage_.writes_performed();
  auto file = open_or_die(storage_.open_truncated("/data/a"));  // 1
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->append("x").is_ok());                       // 2
  ASSERT_TRUE(file->sync().is_ok());                            // 3
  ASSERT_TRUE(file->close().is_ok());                           // not counted
  ASSERT_TRUE(storage_.open_appendable("/data/b"));             // 4
  ASSERT_TRUE(storage_.rename("/data/a", "/data/c").is_ok());   // 5
  ASSERT_TRUE(storage_.remove("/data/b").is_ok());              // 6
  ASSERT_TRUE(storage_.create_directories("/data/d").is_ok());  // 7
  ASSERT_TRUE(storage_.sync_directory("/data").is_ok());        // 8
  EXPECT_EQ(storage_.writes_performed() - start, 8u);

  ASSERT_TRUE(storage_.read_file("/data/c"));
  ASSERT_TRUE(storage_.exists("/data/c"));
  ASSERT_TRUE(storage_.list_directory("/data"));
  ASSERT_TRUE(storage_.free_space_bytes("/data"));
  EXPECT_EQ(storage_.writes_performed() - start, 8u);
}

}  // namespace
}  // namespace edgeroute::hal
