// SimFileSystem: the in-memory file system behind SimStorage, and the place where the
// durability model of storage.h is enforced. It keeps two namespaces:
//   - live: what a running process sees (the kernel's page cache and dentries);
//   - durable: what would be found on the device after a power cut.
// Operations change the live namespace. sync_directory() copies one directory's
// entries from live to durable; WritableFile::sync() copies one file's bytes. A crash
// replaces live with durable. Files and directories are shared nodes, so a renamed
// file keeps its identity (open handles follow it, as inodes do).
//
// Owned jointly by a SimStorage and the SimWritableFiles it opened, so a handle stays
// safe to call (and fails cleanly) even if it outlives the SimStorage.
// Thread-safety: every method may be called from any thread; one mutex guards all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::hal::detail {

struct SimNode {
  bool is_directory = false;
  std::string contents;          // what readers see now
  std::string durable_contents;  // what survives a crash
};

// What a SimWritableFile needs to address its file: the node, the path it was
// opened under (for messages), the crash generation it belongs to, and why it refuses
// further use after a failed sync or a torn append (ok while it does not).
struct SimFileHandle {
  std::shared_ptr<SimNode> node;
  std::string path;
  std::uint64_t generation = 0;
  Status unusable_because;
};

// How many of a file's `unsynced_bytes` (appended since its last sync) a crash keeps.
using UnsyncedBytesKept = std::function<std::size_t(std::size_t unsynced_bytes)>;

class SimFileSystem {
 public:
  explicit SimFileSystem(std::uint64_t capacity_bytes);

  Result<SimFileHandle> open(const std::string& path, bool truncate);
  // Both poison `file` (set unusable_because) when they fail in a way that leaves its
  // contents uncertain: a failed sync, a torn append.
  Status append(SimFileHandle& file, std::string_view data);
  Status sync(SimFileHandle& file);
  // io_error if `file` was opened before a simulated crash.
  Status check_survived_crash(const SimFileHandle& file) const;

  Result<std::string> read_file(const std::string& path);
  Result<bool> exists(const std::string& path);
  Result<std::vector<std::string>> list_directory(const std::string& path);
  Status rename(const std::string& from, const std::string& to);
  Status remove(const std::string& path);
  Status create_directories(const std::string& path);
  Status sync_directory(const std::string& path);
  Result<std::uint64_t> free_space_bytes(const std::string& path);

  void fail_nth_write(std::uint64_t n);
  void tear_nth_append(std::uint64_t n, std::uint64_t bytes_kept);
  std::uint64_t writes_performed() const;
  void set_capacity_bytes(std::uint64_t capacity_bytes);
  std::uint64_t used_bytes() const;
  void simulate_crash(const UnsyncedBytesKept& unsynced_bytes_kept);

 private:
  using Namespace = std::map<std::string, std::shared_ptr<SimNode>>;

  // Counts one write operation and fails it if fail_nth_write() chose it.
  Status count_write_locked(std::string_view path);
  // Counts one append; the bytes of it to keep if tear_nth_append() chose it.
  std::optional<std::size_t> count_append_locked(std::size_t size_bytes);
  Status check_survived_crash_locked(const SimFileHandle& file) const;
  // check_survived_crash_locked, and not poisoned.
  Status check_handle_locked(const SimFileHandle& file) const;
  // ok if `path` is a live directory, else not_found or failed_precondition.
  Status require_directory_locked(const std::string& path) const;
  Status require_parent_directory_locked(const std::string& path) const;
  // Why `path` does not exist: failed_precondition naming the file when one of its
  // ancestors is a file (nothing can be below a file; Linux says ENOTDIR), else
  // not_found with `not_found_message`.
  Status missing_locked(const std::string& path, std::string not_found_message) const;
  std::uint64_t used_bytes_locked() const;
  // Copies the live entries directly inside `directory` to the durable namespace.
  void persist_directory_entries_locked(const std::string& directory);
  void erase_durable_subtree_locked(const std::string& directory);

  mutable std::mutex mutex_;
  Namespace live_;                            // guarded by mutex_
  Namespace durable_;                         // guarded by mutex_
  std::uint64_t generation_ = 0;              // guarded by mutex_: bumped by each crash
  std::uint64_t writes_performed_ = 0;        // guarded by mutex_
  std::uint64_t write_to_fail_ = 0;           // guarded by mutex_: 0 when none is armed
  std::uint64_t appends_performed_ = 0;       // guarded by mutex_
  std::uint64_t append_to_tear_ = 0;          // guarded by mutex_: 0 when none is armed
  std::uint64_t torn_append_bytes_kept_ = 0;  // guarded by mutex_
  std::uint64_t capacity_bytes_;              // guarded by mutex_
};

}  // namespace edgeroute::hal::detail
