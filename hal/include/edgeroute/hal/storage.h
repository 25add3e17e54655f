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
// Paths are absolute. Errors name the path and the reason, with the same code from
// every backend: a full disk is no_space; a missing file or directory is not_found; a
// directory where a file is needed (reading, opening or renaming onto it), a file where
// a directory is needed (listing it, creating or opening something below it) and
// removing a directory that is not empty are failed_precondition.
// read_file() returns at most kReadFileMaxBytes: whole-file reads are for small files
// (configuration, policies, snapshots); a larger file is out_of_range, not a
// gigabyte-sized allocation on a gateway.
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

// The largest file read_file() returns.
inline constexpr std::uint64_t kReadFileMaxBytes = std::uint64_t{64} << 20;  // 64 MiB

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

  // The whole file; out_of_range naming the path and its size if it holds more than
  // kReadFileMaxBytes.
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
// contents or `contents` entirely: write a temporary "<path>.tmp.<n>", sync it, rename
// it over `path`, sync the directory. Each call gets its own <n> (a process-wide
// counter), so even writers that break the REQUIRES below never mix their bytes in one
// temporary; the last rename wins. A failed attempt removes its temporary (best effort:
// if that fails too, or the machine crashes mid-write, a "<path>.tmp.<n>" is left
// behind; it is harmless, at most one per interrupted call, and the counter restarts
// with the process, so a caller that must not keep them sweeps "<path>.tmp.*" at start).
// REQUIRES: one writer per path at a time.
Status write_file_atomically(Storage& storage, const std::string& path, std::string_view contents);

}  // namespace edgeroute::hal
