// SimStorage: an in-memory Storage that enforces storage.h's durability model to the
// letter and can be made to fail, so tests prove that what we promise survives a
// crash actually does. It keeps what a running process sees apart from what is on
// the "device":
//   - bytes appended to a file reach the device only at WritableFile::sync();
//   - creating, renaming or removing a file or directory (create_directories
//     included) reaches the device only at sync_directory() of the directory that
//     holds the entry; each directory's entries are persisted independently, and an
//     entry whose own directory never reached the device is lost with it;
//   - open_truncated() of an existing file empties it on the device at once (the
//     worst a journaling file system may do), so in-place rewrites are caught;
//   - simulate_crash() replaces everything with what is on the device, like a power
//     cut and reboot. WritableFiles opened before it fail with io_error afterwards.
//     By default (CrashMode::lose_unsynced) every byte appended since a file's last
//     sync is lost; CrashMode::keep_torn_tail and simulate_crash_keeping_unsynced_bytes
//     keep a prefix of those bytes instead, as when the power fails while the page
//     cache is being written back, so a journal can be shown a torn last record.
// Reads see the running process's view. Directories cannot be renamed. Error codes are
// those LinuxStorage gives for the same mistake (storage.h lists them), and read_file()
// enforces kReadFileMaxBytes.
//
// Fault injection:
//   - fail_nth_write(n): the n-th *write operation* from now (n = 1: the very next)
//     fails with io_error and has no effect; later ones succeed again. A write
//     operation is every call of open_appendable, open_truncated, WritableFile::append,
//     WritableFile::sync, rename, remove, create_directories and sync_directory,
//     whether or not it would otherwise succeed. Reads, exists, list_directory,
//     free_space_bytes and WritableFile::close are not counted. writes_performed()
//     tells how many have been counted, so a test can first count the steps of an
//     operation and then fail each one in turn.
//   - a failed WritableFile::sync() (an injected failure of that write) behaves as a
//     failed fdatasync() on Linux: the bytes appended since the last successful sync
//     are lost (from the device and, pessimistically, from the live view as well, so no
//     other handle can sync them later), and that WritableFile refuses every further
//     append() and sync() with io_error naming the path, exactly as LinuxStorage's does.
//     close() still succeeds.
//   - tear_nth_append(n, bytes_kept): the n-th WritableFile::append from now (n = 1: the
//     very next) writes only its first min(bytes_kept, size) bytes and fails with
//     io_error: a short write followed by an error whose fragment could not be cut off
//     again. The fragment stays in the file (live, unsynced) and that WritableFile
//     refuses further use, as LinuxStorage's does in that case. Appends are counted
//     separately from write operations; the torn append also counts as one write
//     operation, and if fail_nth_write picked the same one, that failure wins.
//   - set_capacity_bytes(n): an append that would bring the bytes held by named files
//     past n fails whole with no_space; free_space_bytes() reports capacity - used.
//
// Ownership: tests (or SimHal) own it. WritableFiles share its internal state, so a
// file that outlives the SimStorage is still safe to call.
// Thread-safety: every method may be called from any thread; one WritableFile from
// one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgeroute/hal/storage.h"

namespace edgeroute::hal {

namespace detail {
class SimFileSystem;
}  // namespace detail

class SimStorage final : public Storage {
 public:
  enum class CrashMode : std::uint8_t {
    lose_unsynced,   // every byte appended since a file's last sync() is lost
    keep_torn_tail,  // each file keeps the first half (rounded down) of those bytes
  };

  // Large enough for any test, small enough that free-space arithmetic is realistic.
  static constexpr std::uint64_t kDefaultCapacityBytes = std::uint64_t{1} << 30;

  explicit SimStorage(std::uint64_t capacity_bytes = kDefaultCapacityBytes);
  SimStorage(const SimStorage&) = delete;
  SimStorage& operator=(const SimStorage&) = delete;
  ~SimStorage() override;

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

  // REQUIRES: n >= 1.
  void fail_nth_write(std::uint64_t n);
  // REQUIRES: n >= 1.
  void tear_nth_append(std::uint64_t n, std::uint64_t bytes_kept);
  std::uint64_t writes_performed() const;
  void set_capacity_bytes(std::uint64_t capacity_bytes);
  // Bytes held by files that have a name (the running process's view).
  std::uint64_t used_bytes() const;
  void simulate_crash(CrashMode mode = CrashMode::lose_unsynced);
  // A crash in which each file keeps the first min(bytes, its unsynced bytes) of what
  // was appended to it since its last sync().
  void simulate_crash_keeping_unsynced_bytes(std::uint64_t bytes);

 private:
  Result<std::unique_ptr<WritableFile>> open(const std::string& path, bool truncate);

  std::shared_ptr<detail::SimFileSystem> file_system_;
};

}  // namespace edgeroute::hal
