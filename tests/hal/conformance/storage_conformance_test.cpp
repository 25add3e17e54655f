// One specification of storage.h, run against both backends: SimStorage (what every
// other test trusts) and LinuxStorage in a fresh directory under /tmp (what the gateway
// runs on). It proves they agree on the contract a caller codes against, including the
// StatusCode of each mistake, so a branch on a code that passes in simulation also
// holds on a gateway: bytes appended and synced read back; open_appendable keeps and
// open_truncated empties; a closed file refuses calls; rename replaces; remove takes
// files and empty directories; listings are sorted names; create_directories makes
// every level; write_file_atomically leaves no temporary; missing paths are not_found;
// a directory where a file is needed, a file where a directory is needed and a
// non-empty directory removed are failed_precondition; relative paths are
// invalid_argument; read_file returns up to kReadFileMaxBytes and refuses more with
// out_of_range. Every error names the path it is about.
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/hal/sim/sim_storage.h"
#include "edgeroute/hal/storage.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::hal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class SimBackend {
 public:
  static constexpr std::string_view kName = "SimStorage";

  SimBackend() {
    const Status created = storage_.create_directories(root());
    EXPECT_TRUE(created.is_ok()) << created.to_string();
  }
  Storage& storage() { return storage_; }
  std::string root() const { return "/conformance"; }
  // Makes `path` a file of `size_bytes` bytes.
  void make_file_of_size(const std::string& path, std::uint64_t size_bytes) {
    auto file = storage_.open_truncated(path);
    ASSERT_TRUE(file) << file.status().to_string();
    const std::string chunk(std::size_t{1} << 20, 'x');
    for (std::uint64_t left = size_bytes; left > 0;) {
      const auto now = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
      ASSERT_TRUE((*file)->append(std::string_view(chunk).substr(0, now)).is_ok());
      left -= now;
    }
  }

 private:
  SimStorage storage_;
};

class LinuxBackend {
 public:
  static constexpr std::string_view kName = "LinuxStorage";

  Storage& storage() { return storage_; }
  std::string root() const { return directory_.path(); }
  // A sparse file: instant, and takes no space.
  void make_file_of_size(const std::string& path, std::uint64_t size_bytes) {
    auto file = storage_.open_truncated(path);
    ASSERT_TRUE(file) << file.status().to_string();
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size_bytes)), 0);
  }

 private:
  testing::TemporaryDirectory directory_{"conformance"};
  LinuxStorage storage_;
};

template <typename Backend>
class StorageConformance : public ::testing::Test {
 protected:
  Storage& storage() { return backend_.storage(); }
  std::string path(const std::string& name) const { return backend_.root() + "/" + name; }

  void write(const std::string& name, const std::string& contents) {
    auto file = storage().open_truncated(path(name));
    ASSERT_TRUE(file) << file.status().to_string();
    ASSERT_TRUE((*file)->append(contents).is_ok());
    ASSERT_TRUE((*file)->sync().is_ok());
    ASSERT_TRUE((*file)->close().is_ok());
  }

  std::string read(const std::string& name) {
    Result<std::string> contents = storage().read_file(path(name));
    EXPECT_TRUE(contents) << contents.status().to_string();
    return contents ? *contents : std::string();
  }

  void make_directory(const std::string& name) {
    const Status created = storage().create_directories(path(name));
    ASSERT_TRUE(created.is_ok()) << created.to_string();
  }

  Backend backend_;
};

struct BackendNames {
  template <typename Backend>
  static std::string GetName(int) {
    return std::string(Backend::kName);
  }
};

using Backends = ::testing::Types<SimBackend, LinuxBackend>;
TYPED_TEST_SUITE(StorageConformance, Backends, BackendNames);

// The code of a failed Status and whether its message names `path`.
MATCHER_P2(FailsWith, code, path, "") {
  const Status status = arg;
  *result_listener << status.to_string();
  return status.code() == code && status.message().find(path) != std::string::npos;
}

// ---- The basic contract -------------------------------------------------------------

TYPED_TEST(StorageConformance, AppendedAndSyncedBytesReadBackExactly) {
  auto file = this->storage().open_appendable(this->path("journal"));
  ASSERT_TRUE(file) << file.status().to_string();
  const std::string binary("\0\x01\xff record", 11);
  ASSERT_TRUE((*file)->append("first;").is_ok());
  ASSERT_TRUE((*file)->append(binary).is_ok());
  ASSERT_TRUE((*file)->sync().is_ok());
  ASSERT_TRUE((*file)->close().is_ok());
  EXPECT_EQ(this->read("journal"), "first;" + binary);
}

TYPED_TEST(StorageConformance, OpenAppendableKeepsAndOpenTruncatedEmpties) {
  this->write("journal", "old;");
  auto appendable = this->storage().open_appendable(this->path("journal"));
  ASSERT_TRUE(appendable);
  ASSERT_TRUE((*appendable)->append("new").is_ok());
  ASSERT_TRUE((*appendable)->close().is_ok());
  EXPECT_EQ(this->read("journal"), "old;new");

  auto truncated = this->storage().open_truncated(this->path("journal"));
  ASSERT_TRUE(truncated);
  ASSERT_TRUE((*truncated)->close().is_ok());
  EXPECT_EQ(this->read("journal"), "");
}

TYPED_TEST(StorageConformance, AClosedFileRefusesFurtherCalls) {
  auto file = this->storage().open_truncated(this->path("closed"));
  ASSERT_TRUE(file);
  ASSERT_TRUE((*file)->close().is_ok());
  EXPECT_THAT((*file)->append("late"),
              FailsWith(StatusCode::failed_precondition, this->path("closed")));
  EXPECT_EQ((*file)->sync().code(), StatusCode::failed_precondition);
  EXPECT_EQ((*file)->close().code(), StatusCode::failed_precondition);
}

TYPED_TEST(StorageConformance, RenameReplacesTheTarget) {
  this->write("new", "new contents");
  this->write("current", "old contents");
  ASSERT_TRUE(this->storage().rename(this->path("new"), this->path("current")).is_ok());
  EXPECT_EQ(this->read("current"), "new contents");
  EXPECT_FALSE(*this->storage().exists(this->path("new")));
}

TYPED_TEST(StorageConformance, RemoveTakesFilesAndEmptyDirectories) {
  this->write("file", "x");
  this->make_directory("empty");
  ASSERT_TRUE(this->storage().remove(this->path("file")).is_ok());
  ASSERT_TRUE(this->storage().remove(this->path("empty")).is_ok());
  EXPECT_FALSE(*this->storage().exists(this->path("file")));
  EXPECT_FALSE(*this->storage().exists(this->path("empty")));
}

TYPED_TEST(StorageConformance, ListDirectoryGivesSortedNames) {
  this->write("b.log", "");
  this->write("a.log", "");
  this->make_directory("c/nested");
  EXPECT_THAT(*this->storage().list_directory(this->path("")), ElementsAre("a.log", "b.log", "c"));
  EXPECT_THAT(*this->storage().list_directory(this->path("c/nested")), IsEmpty());
}

TYPED_TEST(StorageConformance, ExistsTellsFilesAndDirectoriesFromNothing) {
  this->write("file", "x");
  EXPECT_TRUE(*this->storage().exists(this->path("file")));
  EXPECT_TRUE(*this->storage().exists(this->path("")));
  EXPECT_FALSE(*this->storage().exists(this->path("missing")));
  EXPECT_FALSE(*this->storage().exists(this->path("file/below")));
}

TYPED_TEST(StorageConformance, CreateDirectoriesMakesEveryLevelAndToleratesExisting) {
  this->make_directory("a/b/c");
  this->make_directory("a/b/c");
  EXPECT_TRUE(*this->storage().exists(this->path("a/b")));
  EXPECT_TRUE(this->storage().sync_directory(this->path("a/b/c")).is_ok());
}

TYPED_TEST(StorageConformance, WriteFileAtomicallyReplacesContentsAndLeavesNoTemporary) {
  ASSERT_TRUE(write_file_atomically(this->storage(), this->path("policy.bin"), "v1").is_ok());
  ASSERT_TRUE(write_file_atomically(this->storage(), this->path("policy.bin"), "v2").is_ok());
  EXPECT_EQ(this->read("policy.bin"), "v2");
  EXPECT_THAT(*this->storage().list_directory(this->path("")), ElementsAre("policy.bin"));
}

TYPED_TEST(StorageConformance, FreeSpaceIsPositive) {
  auto free_bytes = this->storage().free_space_bytes(this->path(""));
  ASSERT_TRUE(free_bytes) << free_bytes.status().to_string();
  EXPECT_GT(*free_bytes, 0U);
}

// ---- The code of every mistake --------------------------------------------------------

TYPED_TEST(StorageConformance, MissingPathsAreNotFound) {
  Storage& storage = this->storage();
  const std::string missing = this->path("missing");
  EXPECT_THAT(storage.read_file(missing).status(), FailsWith(StatusCode::not_found, missing));
  EXPECT_THAT(storage.remove(missing), FailsWith(StatusCode::not_found, missing));
  EXPECT_THAT(storage.rename(missing, this->path("target")),
              FailsWith(StatusCode::not_found, missing));
  EXPECT_THAT(storage.list_directory(missing).status(), FailsWith(StatusCode::not_found, missing));
  EXPECT_THAT(storage.sync_directory(missing), FailsWith(StatusCode::not_found, missing));
  EXPECT_THAT(storage.free_space_bytes(missing).status(),
              FailsWith(StatusCode::not_found, missing));
  EXPECT_THAT(storage.open_appendable(missing + "/file").status(),
              FailsWith(StatusCode::not_found, missing + "/file"));
}

TYPED_TEST(StorageConformance, ReadingADirectoryIsAFailedPrecondition) {
  this->make_directory("directory");
  EXPECT_THAT(this->storage().read_file(this->path("directory")).status(),
              FailsWith(StatusCode::failed_precondition, this->path("directory")));
}

TYPED_TEST(StorageConformance, OpeningADirectoryForWritingIsAFailedPrecondition) {
  this->make_directory("directory");
  EXPECT_THAT(this->storage().open_appendable(this->path("directory")).status(),
              FailsWith(StatusCode::failed_precondition, this->path("directory")));
  EXPECT_THAT(this->storage().open_truncated(this->path("directory")).status(),
              FailsWith(StatusCode::failed_precondition, this->path("directory")));
}

TYPED_TEST(StorageConformance, RenamingAFileOntoADirectoryIsAFailedPrecondition) {
  this->write("file", "x");
  this->make_directory("directory");
  EXPECT_THAT(this->storage().rename(this->path("file"), this->path("directory")),
              FailsWith(StatusCode::failed_precondition, this->path("file")));
  EXPECT_EQ(this->read("file"), "x");
}

TYPED_TEST(StorageConformance, RemovingANonEmptyDirectoryIsAFailedPrecondition) {
  this->make_directory("directory");
  this->write("directory/file", "x");
  EXPECT_THAT(this->storage().remove(this->path("directory")),
              FailsWith(StatusCode::failed_precondition, this->path("directory")));
  EXPECT_EQ(this->read("directory/file"), "x");
}

TYPED_TEST(StorageConformance, CreatingADirectoryThroughAFileIsAFailedPrecondition) {
  this->write("file", "x");
  EXPECT_THAT(this->storage().create_directories(this->path("file/sub")),
              FailsWith(StatusCode::failed_precondition, this->path("file")));
  EXPECT_THAT(this->storage().create_directories(this->path("file")),
              FailsWith(StatusCode::failed_precondition, this->path("file")));
}

TYPED_TEST(StorageConformance, UsingAFileAsADirectoryIsAFailedPrecondition) {
  this->write("file", "x");
  const std::string below = this->path("file/below");
  EXPECT_THAT(this->storage().list_directory(this->path("file")).status(),
              FailsWith(StatusCode::failed_precondition, this->path("file")));
  EXPECT_THAT(this->storage().sync_directory(this->path("file")),
              FailsWith(StatusCode::failed_precondition, this->path("file")));
  EXPECT_THAT(this->storage().open_appendable(below).status(),
              FailsWith(StatusCode::failed_precondition, below));
  EXPECT_THAT(this->storage().read_file(below).status(),
              FailsWith(StatusCode::failed_precondition, below));
  EXPECT_THAT(this->storage().remove(below), FailsWith(StatusCode::failed_precondition, below));
}

TYPED_TEST(StorageConformance, RelativePathsAreInvalidArguments) {
  EXPECT_EQ(this->storage().read_file("relative/file").status().code(),
            StatusCode::invalid_argument);
  EXPECT_EQ(this->storage().open_appendable("journal").status().code(),
            StatusCode::invalid_argument);
  EXPECT_EQ(this->storage().rename(this->path("a"), "b").code(), StatusCode::invalid_argument);
}

// ---- Limits -------------------------------------------------------------------------

TYPED_TEST(StorageConformance, ReadFileReturnsUpToTheLimitAndRefusesMore) {
  this->backend_.make_file_of_size(this->path("at-limit"), kReadFileMaxBytes);
  const Result<std::string> at_limit = this->storage().read_file(this->path("at-limit"));
  ASSERT_TRUE(at_limit) << at_limit.status().to_string();
  EXPECT_EQ(at_limit->size(), kReadFileMaxBytes);

  this->backend_.make_file_of_size(this->path("too-large"), kReadFileMaxBytes + 1);
  const Status too_large = this->storage().read_file(this->path("too-large")).status();
  EXPECT_THAT(too_large, FailsWith(StatusCode::out_of_range, this->path("too-large")));
  EXPECT_THAT(too_large.message(), HasSubstr(std::to_string(kReadFileMaxBytes + 1)));
}

}  // namespace
}  // namespace edgeroute::hal
