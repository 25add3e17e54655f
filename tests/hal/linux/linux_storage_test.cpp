// Specifies what LinuxStorage does on the real file system beyond the contract that
// tests/hal/conformance/ checks against both backends (round trips, listings, renames,
// every error code): the behaviour only a real kernel can show, in a fresh directory
// under /tmp per test. Large appends are written completely; a trailing slash names the
// same directory; access forbidden by modes is permission_denied naming the path (as
// root, the test thread drops to the file-system identity of "nobody", because root
// bypasses modes); /dev/full answers every write with ENOSPC exactly as a full disk
// does. A torn append is real too: under a file-size limit (RLIMIT_FSIZE) the kernel
// writes what fits and fails the next write with EFBIG, a short write followed by an
// error; the fragment must be cut off again, and where the kernel refuses that as well
// (a memfd sealed against shrinking) the file must refuse further use.
#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/unprivileged_file_access.h"

namespace edgeroute::hal {
namespace {

using ::testing::HasSubstr;
using testing::TemporaryDirectory;

using testing::UnprivilegedFileAccess;

// While alive, no file this process writes may grow past `size_bytes`: a write that
// would cross the limit writes what fits, and the next one fails with EFBIG. SIGXFSZ,
// which the kernel also sends and which would kill the process, is ignored meanwhile.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t size_bytes) {
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &previous_), 0);
    const rlimit limited{std::min(size_bytes, previous_.rlim_max), previous_.rlim_max};
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0) << std::strerror(errno);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &previous_), 0);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit previous_{};
  void (*previous_handler_)(int) = SIG_DFL;
};

class LinuxStorageTest : public ::testing::Test {
 protected:
  void write(const std::string& path, const std::string& contents) {
    auto file = storage_.open_truncated(path);
    ASSERT_TRUE(file) << file.status().to_string();
    ASSERT_TRUE((*file)->append(contents).is_ok());
    ASSERT_TRUE((*file)->sync().is_ok());
    ASSERT_TRUE((*file)->close().is_ok());
  }

  std::string read(const std::string& path) {
    Result<std::string> contents = storage_.read_file(path);
    EXPECT_TRUE(contents) << contents.status().to_string();
    return contents ? *contents : std::string();
  }

  TemporaryDirectory directory_{"storage"};
  LinuxStorage storage_;
};

TEST_F(LinuxStorageTest, LargeAppendIsWrittenCompletely) {
  const std::string path = directory_ / "large";
  const std::string contents(3 * 1024 * 1024 + 17, 'x');
  write(path, contents);
  EXPECT_EQ(read(path), contents);
}

TEST_F(LinuxStorageTest, CreateDirectoriesMakesEveryLevelAndToleratesExisting) {
  const std::string nested = directory_ / "a/b/c";
  ASSERT_TRUE(storage_.create_directories(nested).is_ok());
  ASSERT_TRUE(storage_.create_directories(nested + "/").is_ok());
  EXPECT_TRUE(*storage_.exists(nested));
  ASSERT_TRUE(storage_.sync_directory(nested).is_ok());
}

TEST_F(LinuxStorageTest, PermissionErrorsArePermissionDeniedAndNamed) {
  // The directory itself must be traversable for the mode of the entries to matter.
  ASSERT_EQ(::chmod(directory_.path().c_str(), 0755), 0);
  const std::string unreadable = directory_ / "unreadable";
  write(unreadable, "secret");
  ASSERT_EQ(::chmod(unreadable.c_str(), 0), 0);
  const std::string read_only_directory = directory_ / "read-only";
  ASSERT_TRUE(storage_.create_directories(read_only_directory).is_ok());
  ASSERT_EQ(::chmod(read_only_directory.c_str(), 0555), 0);

  Status read_status;
  Status create_status;
  {
    UnprivilegedFileAccess unprivileged;
    read_status = storage_.read_file(unreadable).status();
    create_status = storage_.open_appendable(read_only_directory + "/file").status();
  }
  ASSERT_EQ(::chmod(read_only_directory.c_str(), 0755), 0);  // so cleanup can empty it

  EXPECT_EQ(read_status.code(), StatusCode::permission_denied);
  EXPECT_THAT(read_status.message(), HasSubstr(unreadable));
  EXPECT_EQ(create_status.code(), StatusCode::permission_denied);
  EXPECT_THAT(create_status.message(), HasSubstr(read_only_directory + "/file"));
}

TEST_F(LinuxStorageTest, AFullDeviceIsNoSpaceNamingThePath) {
  // /dev/full is the kernel's always-full device: every write fails with ENOSPC.
  auto file = storage_.open_appendable("/dev/full");
  ASSERT_TRUE(file) << file.status().to_string();
  const Status appended = (*file)->append("an order that does not fit");
  EXPECT_EQ(appended.code(), StatusCode::no_space);
  EXPECT_THAT(appended.message(), HasSubstr("/dev/full"));
}

TEST_F(LinuxStorageTest, ATornAppendIsCutOffAndTheFileStaysUsable) {
  const std::string path = directory_ / "journal";
  write(path, "record-1;");
  auto file = storage_.open_appendable(path);
  ASSERT_TRUE(file) << file.status().to_string();

  Status torn;
  {
    FileSizeLimit limit(12);  // "record-2;" fits 3 bytes, then EFBIG
    torn = (*file)->append("record-2;");
  }
  EXPECT_FALSE(torn.is_ok());
  EXPECT_THAT(torn.message(), HasSubstr(path));
  EXPECT_EQ(read(path), "record-1;");  // no fragment

  ASSERT_TRUE((*file)->append("record-3;").is_ok());
  ASSERT_TRUE((*file)->sync().is_ok());
  EXPECT_EQ(read(path), "record-1;record-3;");
}

TEST_F(LinuxStorageTest, ATornAppendThatCannotBeCutOffPoisonsTheFile) {
  // A memfd sealed against shrinking takes writes but refuses ftruncate() to a smaller
  // size; opened through /proc/self/fd it is a path like any other.
  const int memfd = ::memfd_create("edgeroute-torn", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  ASSERT_GE(memfd, 0) << std::strerror(errno);
  ASSERT_EQ(::fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK), 0) << std::strerror(errno);
  const std::string path = "/proc/self/fd/" + std::to_string(memfd);
  auto file = storage_.open_appendable(path);
  ASSERT_TRUE(file) << file.status().to_string();
  ASSERT_TRUE((*file)->append("record-1;").is_ok());

  Status torn;
  {
    FileSizeLimit limit(12);
    torn = (*file)->append("record-2;");
  }
  EXPECT_FALSE(torn.is_ok());
  EXPECT_EQ(read(path), "record-1;rec");  // the fragment stayed...

  for (const Status& refused : {(*file)->append("record-3;"), (*file)->sync()}) {  // ...so:
    EXPECT_EQ(refused.code(), torn.code());
    EXPECT_THAT(refused.message(), HasSubstr(path));
    EXPECT_THAT(refused.message(), HasSubstr("unusable after a failed append"));
  }
  EXPECT_EQ(read(path), "record-1;rec");
  EXPECT_TRUE((*file)->close().is_ok());
  ::close(memfd);
}

}  // namespace
}  // namespace edgeroute::hal
