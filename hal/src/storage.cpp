#include "edgeroute/hal/storage.h"

#include <atomic>
#include <cstdint>
#include <filesystem>

namespace edgeroute::hal {
namespace {

// Relaxed: the counter only has to hand out distinct numbers, it orders nothing.
std::atomic<std::uint64_t> next_temporary_number{0};

std::string unique_temporary_path(const std::string& path) {
  return path + ".tmp." +
         std::to_string(next_temporary_number.fetch_add(1, std::memory_order_relaxed));
}

// Writes, syncs and closes the temporary `file`; on failure it is left for the caller to remove.
Status write_synced(WritableFile& file, std::string_view contents) {
  if (Status appended = file.append(contents); !appended.is_ok()) return appended;
  if (Status synced = file.sync(); !synced.is_ok()) return synced;
  return file.close();
}

}  // namespace

Status write_file_atomically(Storage& storage, const std::string& path, std::string_view contents) {
  const std::string temporary = unique_temporary_path(path);
  auto file = storage.open_truncated(temporary);
  if (!file) return file.status();
  Status written = write_synced(**file, contents);
  file->reset();  // closes it if write_synced could not
  if (written.is_ok()) written = storage.rename(temporary, path);
  if (!written.is_ok()) {
    // Best effort: the failure that matters is the one already in hand.
    (void)storage.remove(temporary);
    return written;
  }
  const std::string directory = std::filesystem::path(path).parent_path().string();
  return storage.sync_directory(directory.empty() ? "/" : directory);
}

}  // namespace edgeroute::hal
