// Storage: files the gateway must not lose. Every write that matters is followed by
// sync() before anyone is told it happened, and files are replaced by writing a
// temporary, syncing it and renaming it over the old one (write_file_atomically).
//
// Durability model (what the simulated backend enforces and Linux provides):
//   - appended bytes survive a crash only after WritableFile::sync();
//   - creating, renaming or removing a file survives a crash only after
//     sync_directory() on the directory that holds it;
//   - rename() replaces the target atomically: after a crash a reader sees the old or
//     the new file, never a mix.
// Paths are absolute. Errors name the path and the reason; a full disk is
// StatusCode::no_space.
//
// Thread-safety: a Storage may be used from several threads; one WritableFile
// from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::hal {

class WritableFile {
 public:
  virtual ~WritableFile() = default;

  virtual Status append(std::string_view data) = 0;
  // Makes every byte appended so far durable (fdatasync).
  virtual Status sync() = 0;
  // Closes without syncing. Further calls fail.
  virtual Status close() = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Opens `path` for appending, creating it empty if it does not exist.
  virtual Result<std::unique_ptr<WritableFile>> open_appendable(const std::string& path) = 0;
  // Creates `path` empty, replacing any existing file, and opens it for appending.
  virtual Result<std::unique_ptr<WritableFile>> open_truncated(const std::string& path) = 0;

  virtual Result<std::string> read_file(const std::string& path) = 0;
  virtual Result<bool> exists(const std::string& path) = 0;
  virtual Result<std::vector<std::string>> list_directory(const std::string& path) = 0;

  // Atomically replaces `to` with `from`.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;
  virtual Status create_directories(const std::string& path) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status sync_directory(const std::string& path) = 0;

  // Bytes an unprivileged writer can still use on the file system holding `path`.
  virtual Result<std::uint64_t> free_space_bytes(const std::string& path) = 0;
};

// Replaces `path` with `contents` so that after a crash the file holds either its old
// contents or `contents` entirely: write "<path>.tmp", sync it, rename it over
// `path`, sync the directory.
Status write_file_atomically(Storage& storage, const std::string& path, std::string_view contents);

}  // namespace edgeroute::hal
