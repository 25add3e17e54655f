#include "edgeroute/hal/linux/linux_storage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>

#include "edgeroute/hal/linux/unique_fd.h"

namespace edgeroute::hal {
namespace {

// Files hold orders and journal entries: readable by the service's group, no one else.
constexpr mode_t kFileMode = 0640;
constexpr mode_t kDirectoryMode = 0750;
constexpr std::size_t kReadChunkBytes = 64 * 1024;

// Retries a system call that a signal interrupted before it did anything.
template <typename SystemCall>
auto retry_on_interrupt(SystemCall call) {
  decltype(call()) result;
  do {
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

Status errno_status(const std::string& path, std::string_view operation) {
  std::string what = path;
  what += ": ";
  what += operation;
  return status_from_errno(errno, what);
}

Status too_large_to_read(const std::string& path, std::uint64_t size_bytes) {
  return Status(StatusCode::out_of_range, path + ": holds " + std::to_string(size_bytes) +
                                              " bytes or more; read_file returns at most " +
                                              std::to_string(kReadFileMaxBytes));
}

Status require_absolute(const std::string& path) {
  if (!path.empty() && path.front() == '/') return Status::ok();
  return Status(StatusCode::invalid_argument, "path '" + path + "' is not absolute");
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  Status append(std::string_view data) override {
    if (Status usable = check_usable(); !usable.is_ok()) return usable;
    std::size_t written_bytes = 0;
    Status written = write_all(data, written_bytes);
    if (!written.is_ok() && written_bytes > 0) undo_torn_append(written_bytes, written);
    return written;
  }

  Status sync() override {
    if (Status usable = check_usable(); !usable.is_ok()) return usable;
    if (retry_on_interrupt([&] { return ::fdatasync(fd_.get()); }) != 0) {
      Status failed = errno_status(path_, "fdatasync");
      unusable_because_ = failed.with_context("unusable after a failed sync");
      return failed;
    }
    return Status::ok();
  }

  Status close() override {
    if (!fd_.is_open()) return closed_status();
    if (const int close_error = fd_.reset(); close_error != 0) {
      return status_from_errno(close_error, path_ + ": close");
    }
    return Status::ok();
  }

 private:
  // Writes until every byte is written or a write fails; `written_bytes` says how far
  // it got either way.
  Status write_all(std::string_view data, std::size_t& written_bytes) {
    while (written_bytes < data.size()) {
      const std::string_view rest = data.substr(written_bytes);
      const ssize_t written =
          retry_on_interrupt([&] { return ::write(fd_.get(), rest.data(), rest.size()); });
      if (written < 0) return errno_status(path_, "write");
      // write(2) on a file or device either makes progress or fails; guard the loop anyway.
      if (written == 0) return Status(StatusCode::io_error, path_ + ": write made no progress");
      written_bytes += static_cast<std::size_t>(written);
    }
    return Status::ok();
  }

  // A short write followed by an error left the first `written_bytes` of a failed
  // append at the end of the file: a torn record that a reader would take for data.
  // Cut it off again. The file is O_APPEND and has one writer (storage.h), so its size
  // before the append is its size now less what this append wrote. If even that fails,
  // the fragment stays and the file refuses further use, as after a failed sync.
  void undo_torn_append(std::size_t written_bytes, const Status& failure) {
    Status undone = cut_off_last_bytes(written_bytes);
    if (undone.is_ok()) return;
    unusable_because_ = failure.with_context(
        "unusable after a failed append whose " + std::to_string(written_bytes) +
        " written bytes could not be cut off again (" + undone.message() + ")");
  }

  Status cut_off_last_bytes(std::size_t bytes) {
    struct stat status {};
    if (::fstat(fd_.get(), &status) != 0) return errno_status(path_, "fstat");
    const auto size_bytes = static_cast<std::uint64_t>(status.st_size);
    if (size_bytes < bytes) {
      return Status(StatusCode::io_error, path_ + ": shorter than the bytes just written");
    }
    const auto kept_bytes = static_cast<off_t>(size_bytes - bytes);
    if (retry_on_interrupt([&] { return ::ftruncate(fd_.get(), kept_bytes); }) != 0) {
      return errno_status(path_, "ftruncate");
    }
    return Status::ok();
  }

  Status closed_status() const {
    return Status(StatusCode::failed_precondition, path_ + ": file is already closed");
  }

  Status check_usable() const {
    if (!fd_.is_open()) return closed_status();
    return unusable_because_;
  }

  UniqueFd fd_;
  std::string path_;
  // Why the file refuses further appends and syncs; ok while it does not.
  Status unusable_because_;
};

Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, int extra_flags) {
  if (Status absolute = require_absolute(path); !absolute.is_ok()) return absolute;
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | extra_flags;
  UniqueFd fd(retry_on_interrupt([&] { return ::open(path.c_str(), flags, kFileMode); }));
  if (!fd.is_open()) return errno_status(path, "open for writing");
  return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(std::move(fd), path));
}

Result<UniqueFd> open_directory(const std::string& path) {
  if (Status absolute = require_absolute(path); !absolute.is_ok()) return absolute;
  UniqueFd fd(
      retry_on_interrupt([&] { return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (!fd.is_open()) return errno_status(path, "open directory");
  return fd;
}

Status make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), kDirectoryMode) == 0) return Status::ok();
  if (errno != EEXIST) return errno_status(path, "mkdir");
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return errno_status(path, "stat");
  if (!S_ISDIR(status.st_mode)) return status_from_errno(ENOTDIR, path + ": mkdir");
  return Status::ok();
}

struct DirectoryCloser {
  void operator()(DIR* directory) const { ::closedir(directory); }
};

}  // namespace

Result<std::unique_ptr<WritableFile>> LinuxStorage::open_appendable(const std::string& path) {
  return open_writable(path, 0);
}

Result<std::unique_ptr<WritableFile>> LinuxStorage::open_truncated(const std::string& path) {
  return open_writable(path, O_TRUNC);
}

Result<std::string> LinuxStorage::read_file(const std::string& path) {
  if (Status absolute = require_absolute(path); !absolute.is_ok()) return absolute;
  UniqueFd fd(retry_on_interrupt([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
  if (!fd.is_open()) return errno_status(path, "open for reading");
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) return errno_status(path, "fstat");
  // Refuse a file known to be too large before reading any of it; the loop below still
  // counts, for files whose size stat does not know (/proc) or that grow meanwhile.
  if (static_cast<std::uint64_t>(status.st_size) > kReadFileMaxBytes) {
    return too_large_to_read(path, static_cast<std::uint64_t>(status.st_size));
  }
  std::string contents;
  for (;;) {
    const std::size_t used = contents.size();
    contents.resize(used + kReadChunkBytes);
    const ssize_t got = retry_on_interrupt(
        [&] { return ::read(fd.get(), contents.data() + used, kReadChunkBytes); });
    if (got < 0) return errno_status(path, "read");
    contents.resize(used + static_cast<std::size_t>(got));
    if (contents.size() > kReadFileMaxBytes) return too_large_to_read(path, contents.size());
    if (got == 0) return contents;
  }
}

Result<bool> LinuxStorage::exists(const std::string& path) {
  if (Status absolute = require_absolute(path); !absolute.is_ok()) return absolute;
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0) return true;
  // ENOTDIR: a component of the path is a file, so nothing can exist below it.
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return errno_status(path, "stat");
}

Result<std::vector<std::string>> LinuxStorage::list_directory(const std::string& path) {
  Result<UniqueFd> fd = open_directory(path);
  if (!fd) return fd.status();
  std::unique_ptr<DIR, DirectoryCloser> directory(::fdopendir(fd->get()));
  if (!directory) return errno_status(path, "fdopendir");
  fd->release();  // closedir() closes it now
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(directory.get());
    if (entry == nullptr) {
      if (errno != 0) return errno_status(path, "readdir");
      break;
    }
    const std::string_view name(entry->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status LinuxStorage::rename(const std::string& from, const std::string& to) {
  if (Status absolute = require_absolute(from); !absolute.is_ok()) return absolute;
  if (Status absolute = require_absolute(to); !absolute.is_ok()) return absolute;
  if (::rename(from.c_str(), to.c_str()) != 0) return errno_status(from, "rename to " + to);
  return Status::ok();
}

Status LinuxStorage::remove(const std::string& path) {
  if (Status absolute = require_absolute(path); !absolute.is_ok()) return absolute;
  if (::unlink(path.c_str()) == 0) return Status::ok();
  if (errno != EISDIR) return errno_status(path, "unlink");
  if (::rmdir(path.c_str()) != 0) return errno_status(path, "rmdir");
  return Status::ok();
}

Status LinuxStorage::create_directories(const std::string& path) {
  if (Status absolute = require_absolute(path); !absolute.is_ok()) return absolute;
  // Creates each ancestor in turn, like `mkdir -p`; "/" itself always exists.
  for (std::size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string prefix = path.substr(0, end);
    if (!prefix.empty() && prefix.back() != '/') {
      if (Status made = make_directory(prefix); !made.is_ok()) return made;
    }
    if (end == std::string::npos) return Status::ok();
  }
}

Status LinuxStorage::sync_directory(const std::string& path) {
  Result<UniqueFd> fd = open_directory(path);
  if (!fd) return fd.status();
  if (retry_on_interrupt([&] { return ::fsync(fd->get()); }) != 0) {
    return errno_status(path, "fsync directory");
  }
  return Status::ok();
}

Result<std::uint64_t> LinuxStorage::free_space_bytes(const std::string& path) {
  if (Status absolute = require_absolute(path); !absolute.is_ok()) return absolute;
  struct statvfs file_system {};
  if (retry_on_interrupt([&] { return ::statvfs(path.c_str(), &file_system); }) != 0) {
    return errno_status(path, "statvfs");
  }
  return static_cast<std::uint64_t>(file_system.f_bavail) *
         static_cast<std::uint64_t>(file_system.f_frsize);
}

}  // namespace edgeroute::hal
