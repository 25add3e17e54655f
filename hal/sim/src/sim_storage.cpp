#include "edgeroute/hal/sim/sim_storage.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "sim_file_system.h"

namespace edgeroute::hal {
namespace {

class SimWritableFile final : public WritableFile {
 public:
  SimWritableFile(std::shared_ptr<detail::SimFileSystem> file_system, detail::SimFileHandle file)
      : file_system_(std::move(file_system)), file_(std::move(file)) {}

  Status append(std::string_view data) override {
    if (closed_) return closed_status();
    return file_system_->append(file_, data);
  }

  Status sync() override {
    if (closed_) return closed_status();
    return file_system_->sync(file_);
  }

  Status close() override {
    if (closed_) return closed_status();
    closed_ = true;
    return file_system_->check_survived_crash(file_);
  }

 private:
  Status closed_status() const {
    return Status(StatusCode::failed_precondition, fmt::format("{}: file is closed", file_.path));
  }

  std::shared_ptr<detail::SimFileSystem> file_system_;
  detail::SimFileHandle file_;
  bool closed_ = false;
};

}  // namespace

SimStorage::SimStorage(std::uint64_t capacity_bytes)
    : file_system_(std::make_shared<detail::SimFileSystem>(capacity_bytes)) {}

SimStorage::~SimStorage() = default;

Result<std::unique_ptr<WritableFile>> SimStorage::open_appendable(const std::string& path) {
  return open(path, /*truncate=*/false);
}

Result<std::unique_ptr<WritableFile>> SimStorage::open_truncated(const std::string& path) {
  return open(path, /*truncate=*/true);
}

Result<std::unique_ptr<WritableFile>> SimStorage::open(const std::string& path, bool truncate) {
  Result<detail::SimFileHandle> file = file_system_->open(path, truncate);
  if (!file) return file.status();
  return std::unique_ptr<WritableFile>(
      std::make_unique<SimWritableFile>(file_system_, std::move(*file)));
}

Result<std::string> SimStorage::read_file(const std::string& path) {
  return file_system_->read_file(path);
}

Result<bool> SimStorage::exists(const std::string& path) {
  return file_system_->exists(path);
}

Result<std::vector<std::string>> SimStorage::list_directory(const std::string& path) {
  return file_system_->list_directory(path);
}

Status SimStorage::rename(const std::string& from, const std::string& to) {
  return file_system_->rename(from, to);
}

Status SimStorage::remove(const std::string& path) {
  return file_system_->remove(path);
}

Status SimStorage::create_directories(const std::string& path) {
  return file_system_->create_directories(path);
}

Status SimStorage::sync_directory(const std::string& path) {
  return file_system_->sync_directory(path);
}

Result<std::uint64_t> SimStorage::free_space_bytes(const std::string& path) {
  return file_system_->free_space_bytes(path);
}

void SimStorage::fail_nth_write(std::uint64_t n) {
  file_system_->fail_nth_write(n);
}

std::uint64_t SimStorage::writes_performed() const {
  return file_system_->writes_performed();
}

void SimStorage::set_capacity_bytes(std::uint64_t capacity_bytes) {
  file_system_->set_capacity_bytes(capacity_bytes);
}

std::uint64_t SimStorage::used_bytes() const {
  return file_system_->used_bytes();
}

void SimStorage::tear_nth_append(std::uint64_t n, std::uint64_t bytes_kept) {
  file_system_->tear_nth_append(n, bytes_kept);
}

void SimStorage::simulate_crash(CrashMode mode) {
  switch (mode) {
    case CrashMode::lose_unsynced:
      file_system_->simulate_crash([](std::size_t) { return std::size_t{0}; });
      return;
    case CrashMode::keep_torn_tail:
      file_system_->simulate_crash([](std::size_t unsynced_bytes) { return unsynced_bytes / 2; });
      return;
  }
  EDGEROUTE_ASSERT(false, "unknown SimStorage::CrashMode");
}

void SimStorage::simulate_crash_keeping_unsynced_bytes(std::uint64_t bytes) {
  file_system_->simulate_crash([bytes](std::size_t unsynced_bytes) {
    return static_cast<std::size_t>(std::min<std::uint64_t>(bytes, unsynced_bytes));
  });
}

}  // namespace edgeroute::hal
