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

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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
// opened under (for messages) and the crash generation it belongs to.
struct SimFileHandle {
  std::shared_ptr<SimNode> node;
  std::string path;
  std::uint64_t generation = 0;
};

class SimFileSystem {
 public:
  explicit SimFileSystem(std::uint64_t capacity_bytes);

  Result<SimFileHandle> open(const std::string& path, bool truncate);
  Status append(const SimFileHandle& file, std::string_view data);
  Status sync(const SimFileHandle& file);
  Status check_handle(const SimFileHandle& file) const;

  Result<std::string> read_file(const std::string& path);
  Result<bool> exists(const std::string& path);
  Result<std::vector<std::string>> list_directory(const std::string& path);
  Status rename(const std::string& from, const std::string& to);
  Status remove(const std::string& path);
  Status create_directories(const std::string& path);
  Status sync_directory(const std::string& path);
  Result<std::uint64_t> free_space_bytes(const std::string& path);

  void fail_nth_write(std::uint64_t n);
  std::uint64_t writes_performed() const;
  void set_capacity_bytes(std::uint64_t capacity_bytes);
  std::uint64_t used_bytes() const;
  void simulate_crash();

 private:
  using Namespace = std::map<std::string, std::shared_ptr<SimNode>>;

  // Counts one write operation and fails it if fail_nth_write() chose it.
  Status count_write_locked(std::string_view path);
  Status check_handle_locked(const SimFileHandle& file) const;
  // ok if `path` is a live directory, else not_found or failed_precondition.
  Status require_directory_locked(const std::string& path) const;
  Status require_parent_directory_locked(const std::string& path) const;
  std::uint64_t used_bytes_locked() const;
  // Copies the live entries directly inside `directory` to the durable namespace.
  void persist_directory_entries_locked(const std::string& directory);
  void erase_durable_subtree_locked(const std::string& directory);

  mutable std::mutex mutex_;
  Namespace live_;                      // guarded by mutex_
  Namespace durable_;                   // guarded by mutex_
  std::uint64_t generation_ = 0;        // guarded by mutex_: bumped by each crash
  std::uint64_t writes_performed_ = 0;  // guarded by mutex_
  std::uint64_t write_to_fail_ = 0;     // guarded by mutex_: 0 when none is armed
  std::uint64_t capacity_bytes_;        // guarded by mutex_
};

}  // namespace edgeroute::hal::detail
