#include "edgeroute/hal/storage.h"

#include <filesystem>

namespace edgeroute::hal {

Status write_file_atomically(Storage& storage, const std::string& path, std::string_view contents) {
  const std::string temporary = path + ".tmp";
  auto file = storage.open_truncated(temporary);
  if (!file) return file.status();
  if (Status appended = (*file)->append(contents); !appended.is_ok()) return appended;
  if (Status synced = (*file)->sync(); !synced.is_ok()) return synced;
  if (Status closed = (*file)->close(); !closed.is_ok()) return closed;
  if (Status renamed = storage.rename(temporary, path); !renamed.is_ok()) return renamed;
  const std::string directory = std::filesystem::path(path).parent_path().string();
  return storage.sync_directory(directory.empty() ? "/" : directory);
}

}  // namespace edgeroute::hal
