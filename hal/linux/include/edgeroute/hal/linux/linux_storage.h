// LinuxStorage: Storage on a POSIX file system, with the durability model of storage.h
// mapped to system calls: WritableFile::sync() is fdatasync(), sync_directory() is
// fsync() on the directory, rename() is rename(2) (atomic within one file system),
// free space is statvfs's f_bavail * f_frsize (what an unprivileged writer may use).
//
// System calls are retried on EINTR and writes until every byte is written; every
// descriptor is opened O_CLOEXEC so none leaks into a child process. Errors come from
// status_from_errno, naming the path and the operation ("/data/journal: write: No space
// left on device" is StatusCode::no_space). Paths must be absolute (invalid_argument
// otherwise). list_directory() returns entry names (not paths) without "." and "..",
// sorted, so callers see the same order on every file system. remove() removes a file
// or an empty directory.
//
// A failed sync() poisons its WritableFile: after fdatasync() fails the kernel may have
// dropped the dirty pages and a second fdatasync() could report success for data that
// never reached the disk, so every later append() and sync() fails too.
// A failed append() leaves no part of its data behind: when some bytes were written
// before the error (a short write, then ENOSPC or EIO), the file is truncated back to
// its size before the append, so a reader never mistakes a torn fragment for a record.
// If that truncation fails too, the fragment stays and the WritableFile is poisoned
// like after a failed sync.
// read_file() refuses files larger than kReadFileMaxBytes (out_of_range), checking the
// size before reading.
//
// Owned by LinuxHal. Thread-safety: LinuxStorage keeps no state and may be used from
// any thread; each WritableFile from one thread at a time.
#pragma once

#include "edgeroute/hal/storage.h"

namespace edgeroute::hal {

class LinuxStorage final : public Storage {
 public:
  Result<std::unique_ptr<WritableFile>> open_appendable(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> open_truncated(const std::string& path) override;

  Result<std::string> read_file(const std::string& path) override;
  Result<bool> exists(const std::string& path) override;
  Result<std::vector<std::string>> list_directory(const std::string& path) override;

  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status create_directories(const std::string& path) override;
  Status sync_directory(const std::string& path) override;

  Result<std::uint64_t> free_space_bytes(const std::string& path) override;
};

}  // namespace edgeroute::hal
