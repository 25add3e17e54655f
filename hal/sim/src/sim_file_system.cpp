#include "sim_file_system.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/hal/storage.h"
#include "sim_paths.h"

namespace edgeroute::hal::detail {

SimFileSystem::SimFileSystem(std::uint64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {
  auto root = std::make_shared<SimNode>();
  root->is_directory = true;
  live_.emplace("/", root);
  durable_.emplace("/", std::move(root));
}

Result<SimFileHandle> SimFileSystem::open(const std::string& path, bool truncate) {
  std::lock_guard lock(mutex_);
  if (Status counted = count_write_locked(path); !counted.is_ok()) return counted;
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  if (*name == "/") return Status(StatusCode::failed_precondition, "/: is a directory");
  if (Status parent = require_parent_directory_locked(*name); !parent.is_ok()) return parent;
  auto [entry, created] = live_.try_emplace(*name, nullptr);
  if (created) {
    entry->second = std::make_shared<SimNode>();
  } else if (entry->second->is_directory) {
    return Status(StatusCode::failed_precondition, fmt::format("{}: is a directory", *name));
  } else if (truncate) {
    // The worst a real file system may do: the truncation reaches the disk at once
    // (metadata journaled) while the new bytes do not, so a crash before sync()
    // leaves the file empty.
    entry->second->contents.clear();
    entry->second->durable_contents.clear();
  }
  return SimFileHandle{
      .node = entry->second, .path = *name, .generation = generation_, .unusable_because = {}};
}

Status SimFileSystem::append(SimFileHandle& file, std::string_view data) {
  std::lock_guard lock(mutex_);
  const std::optional<std::size_t> torn_bytes_kept = count_append_locked(data.size());
  if (Status counted = count_write_locked(file.path); !counted.is_ok()) return counted;
  if (Status valid = check_handle_locked(file); !valid.is_ok()) return valid;
  const std::uint64_t used = used_bytes_locked();
  const std::uint64_t available = capacity_bytes_ > used ? capacity_bytes_ - used : 0;
  if (data.size() > available) {
    return Status(StatusCode::no_space,
                  fmt::format("{}: no space left on device ({} bytes to write, {} of {} free)",
                              file.path, data.size(), available, capacity_bytes_));
  }
  if (torn_bytes_kept) {
    // A short write, then an error, then a failed attempt to cut the fragment off
    // again: the fragment stays and the handle is poisoned (what LinuxStorage does).
    file.node->contents.append(data.substr(0, *torn_bytes_kept));
    Status torn(StatusCode::io_error,
                fmt::format("{}: injected torn append (append #{}): {} of {} bytes written",
                            file.path, appends_performed_, *torn_bytes_kept, data.size()));
    file.unusable_because = torn.with_context("unusable after a torn append");
    return torn;
  }
  file.node->contents.append(data);
  return Status::ok();
}

Status SimFileSystem::sync(SimFileHandle& file) {
  std::lock_guard lock(mutex_);
  Status counted = count_write_locked(file.path);
  if (Status valid = check_handle_locked(file); !valid.is_ok()) return valid;
  if (!counted.is_ok()) {
    // As after a failed fdatasync(): the kernel may have dropped the dirty pages, so
    // the bytes since the last sync are lost (the live view drops them too, so no
    // other handle can sync them later) and this handle refuses further use.
    file.node->contents = file.node->durable_contents;
    file.unusable_because = counted.with_context("unusable after a failed sync");
    return counted;
  }
  file.node->durable_contents = file.node->contents;
  return Status::ok();
}

Status SimFileSystem::check_survived_crash(const SimFileHandle& file) const {
  std::lock_guard lock(mutex_);
  return check_survived_crash_locked(file);
}

Status SimFileSystem::check_survived_crash_locked(const SimFileHandle& file) const {
  if (file.generation == generation_) return Status::ok();
  return Status(StatusCode::io_error,
                fmt::format("{}: file handle was lost in a simulated crash", file.path));
}

Status SimFileSystem::check_handle_locked(const SimFileHandle& file) const {
  if (Status survived = check_survived_crash_locked(file); !survived.is_ok()) return survived;
  return file.unusable_because;
}

Result<std::string> SimFileSystem::read_file(const std::string& path) {
  std::lock_guard lock(mutex_);
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  const auto entry = live_.find(*name);
  if (entry == live_.end()) return missing_locked(*name, fmt::format("{}: no such file", *name));
  if (entry->second->is_directory) {
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: is a directory, not a file", *name));
  }
  const std::string& contents = entry->second->contents;
  if (contents.size() > kReadFileMaxBytes) {
    return Status(StatusCode::out_of_range,
                  fmt::format("{}: holds {} bytes or more; read_file returns at most {}", *name,
                              contents.size(), kReadFileMaxBytes));
  }
  return contents;
}

Result<bool> SimFileSystem::exists(const std::string& path) {
  std::lock_guard lock(mutex_);
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  return live_.contains(*name);
}

Result<std::vector<std::string>> SimFileSystem::list_directory(const std::string& path) {
  std::lock_guard lock(mutex_);
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  if (Status directory = require_directory_locked(*name); !directory.is_ok()) return directory;
  // Keys sharing the prefix sort exactly as their remainders do, so the names come
  // out sorted.
  const std::string prefix = child_prefix(*name);
  std::vector<std::string> names;
  for (auto entry = live_.lower_bound(prefix);
       entry != live_.end() && entry->first.starts_with(prefix); ++entry) {
    if (is_direct_child(entry->first, prefix)) names.push_back(entry->first.substr(prefix.size()));
  }
  return names;
}

Status SimFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  if (Status counted = count_write_locked(from); !counted.is_ok()) return counted;
  Result<std::string> source = canonical_path(from);
  if (!source) return source.status();
  Result<std::string> target = canonical_path(to);
  if (!target) return target.status();
  const auto entry = live_.find(*source);
  if (entry == live_.end()) {
    return missing_locked(*source, fmt::format("{}: no such file", *source));
  }
  if (entry->second->is_directory) {
    return Status(StatusCode::invalid_argument,
                  fmt::format("{}: SimStorage renames files, not directories", *source));
  }
  if (Status parent = require_parent_directory_locked(*target); !parent.is_ok()) return parent;
  const auto replaced = live_.find(*target);
  if (replaced != live_.end() && replaced->second->is_directory) {
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: rename to {}: is a directory", *source, *target));
  }
  if (*source == *target) return Status::ok();
  live_.insert_or_assign(*target, entry->second);
  live_.erase(*source);
  return Status::ok();
}

Status SimFileSystem::remove(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (Status counted = count_write_locked(path); !counted.is_ok()) return counted;
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  if (*name == "/") {
    return Status(StatusCode::invalid_argument, "/: the root directory cannot be removed");
  }
  const auto entry = live_.find(*name);
  if (entry == live_.end()) {
    return missing_locked(*name, fmt::format("{}: no such file or directory", *name));
  }
  const std::string prefix = child_prefix(*name);
  const auto first_child = live_.lower_bound(prefix);
  if (first_child != live_.end() && first_child->first.starts_with(prefix)) {
    return Status(StatusCode::failed_precondition, fmt::format("{}: directory not empty", *name));
  }
  live_.erase(entry);
  return Status::ok();
}

Status SimFileSystem::create_directories(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (Status counted = count_write_locked(path); !counted.is_ok()) return counted;
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  std::vector<std::string> chain;  // every directory from the root's child down to `name`
  for (std::size_t slash = name->find('/', 1); slash != std::string::npos;
       slash = name->find('/', slash + 1)) {
    chain.push_back(name->substr(0, slash));
  }
  if (*name != "/") chain.push_back(*name);
  for (const std::string& directory : chain) {  // check everything before changing anything
    const auto entry = live_.find(directory);
    if (entry != live_.end() && !entry->second->is_directory) {
      return Status(StatusCode::failed_precondition,
                    fmt::format("{}: {} exists and is not a directory", *name, directory));
    }
  }
  for (const std::string& directory : chain) {
    if (live_.contains(directory)) continue;
    auto node = std::make_shared<SimNode>();
    node->is_directory = true;
    live_.emplace(directory, std::move(node));
  }
  return Status::ok();
}

Status SimFileSystem::sync_directory(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (Status counted = count_write_locked(path); !counted.is_ok()) return counted;
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  if (Status directory = require_directory_locked(*name); !directory.is_ok()) return directory;
  persist_directory_entries_locked(*name);
  return Status::ok();
}

Result<std::uint64_t> SimFileSystem::free_space_bytes(const std::string& path) {
  std::lock_guard lock(mutex_);
  Result<std::string> name = canonical_path(path);
  if (!name) return name.status();
  if (!live_.contains(*name)) {
    return missing_locked(*name, fmt::format("{}: no such file or directory", *name));
  }
  const std::uint64_t used = used_bytes_locked();
  return capacity_bytes_ > used ? capacity_bytes_ - used : std::uint64_t{0};
}

void SimFileSystem::fail_nth_write(std::uint64_t n) {
  EDGEROUTE_ASSERT(n >= 1, "fail_nth_write counts from 1 (the next write)");
  std::lock_guard lock(mutex_);
  write_to_fail_ = writes_performed_ + n;
}

void SimFileSystem::tear_nth_append(std::uint64_t n, std::uint64_t bytes_kept) {
  EDGEROUTE_ASSERT(n >= 1, "tear_nth_append counts from 1 (the next append)");
  std::lock_guard lock(mutex_);
  append_to_tear_ = appends_performed_ + n;
  torn_append_bytes_kept_ = bytes_kept;
}

std::uint64_t SimFileSystem::writes_performed() const {
  std::lock_guard lock(mutex_);
  return writes_performed_;
}

void SimFileSystem::set_capacity_bytes(std::uint64_t capacity_bytes) {
  std::lock_guard lock(mutex_);
  capacity_bytes_ = capacity_bytes;
}

std::uint64_t SimFileSystem::used_bytes() const {
  std::lock_guard lock(mutex_);
  return used_bytes_locked();
}

void SimFileSystem::simulate_crash(const UnsyncedBytesKept& unsynced_bytes_kept) {
  std::lock_guard lock(mutex_);
  // Durable entries whose directory did not survive are unreachable after a reboot.
  // A map visits a directory before everything inside it, so one pass suffices.
  Namespace survivors;
  for (const auto& [path, node] : durable_) {
    if (path != "/") {
      const auto parent = survivors.find(parent_of(path));
      if (parent == survivors.end() || !parent->second->is_directory) continue;
    }
    survivors.emplace_hint(survivors.end(), path, node);
  }
  for (const auto& [path, node] : survivors) {
    if (node->is_directory) continue;
    // Appends only ever extend a file past its synced bytes (a truncation or a failed
    // sync resets both), so what was not synced is a tail; a crash may have written
    // part of it. A node reachable under two names is visited twice; the second visit
    // finds no tail left.
    EDGEROUTE_ASSERT(node->contents.starts_with(node->durable_contents),
                     "a simulated file's synced bytes are not a prefix of its contents");
    const std::size_t unsynced_bytes = node->contents.size() - node->durable_contents.size();
    const std::size_t kept_bytes = std::min(unsynced_bytes, unsynced_bytes_kept(unsynced_bytes));
    node->contents.resize(node->durable_contents.size() + kept_bytes);
    node->durable_contents = node->contents;
  }
  durable_ = survivors;
  live_ = std::move(survivors);
  ++generation_;
}

Status SimFileSystem::count_write_locked(std::string_view path) {
  ++writes_performed_;
  if (writes_performed_ != write_to_fail_) return Status::ok();
  write_to_fail_ = 0;
  return Status(StatusCode::io_error,
                fmt::format("{}: injected I/O error (write #{})", path, writes_performed_));
}

std::optional<std::size_t> SimFileSystem::count_append_locked(std::size_t size_bytes) {
  ++appends_performed_;
  if (appends_performed_ != append_to_tear_) return std::nullopt;
  append_to_tear_ = 0;
  return static_cast<std::size_t>(std::min<std::uint64_t>(torn_append_bytes_kept_, size_bytes));
}

Status SimFileSystem::missing_locked(const std::string& path, std::string not_found_message) const {
  for (std::string ancestor = path; ancestor != "/";) {
    ancestor = parent_of(ancestor);
    const auto entry = live_.find(ancestor);
    if (entry == live_.end()) continue;
    if (entry->second->is_directory) break;
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: {} is not a directory", path, ancestor));
  }
  return Status(StatusCode::not_found, std::move(not_found_message));
}

Status SimFileSystem::require_directory_locked(const std::string& path) const {
  const auto entry = live_.find(path);
  if (entry == live_.end()) {
    return missing_locked(path, fmt::format("{}: no such directory", path));
  }
  if (!entry->second->is_directory) {
    return Status(StatusCode::failed_precondition, fmt::format("{}: not a directory", path));
  }
  return Status::ok();
}

Status SimFileSystem::require_parent_directory_locked(const std::string& path) const {
  const std::string parent = parent_of(path);
  const auto entry = live_.find(parent);
  if (entry == live_.end()) {
    return missing_locked(path,
                          fmt::format("{}: parent directory {} does not exist", path, parent));
  }
  if (!entry->second->is_directory) {
    return Status(StatusCode::failed_precondition,
                  fmt::format("{}: {} is not a directory", path, parent));
  }
  return Status::ok();
}

std::uint64_t SimFileSystem::used_bytes_locked() const {
  // A node reachable under two names (possible after a crash separates the two halves
  // of a cross-directory rename) occupies its space once.
  std::set<const SimNode*> counted;
  std::uint64_t used = 0;
  for (const auto& [path, node] : live_) {
    if (!node->is_directory && counted.insert(node.get()).second) used += node->contents.size();
  }
  return used;
}

void SimFileSystem::persist_directory_entries_locked(const std::string& directory) {
  const std::string prefix = child_prefix(directory);
  // Forget durable entries that were removed or replaced, with everything below them.
  for (auto entry = durable_.lower_bound(prefix);
       entry != durable_.end() && entry->first.starts_with(prefix);) {
    const auto live = live_.find(entry->first);
    if (!is_direct_child(entry->first, prefix) ||
        (live != live_.end() && live->second == entry->second)) {
      ++entry;
      continue;
    }
    erase_durable_subtree_locked(entry->first);  // only keys after `entry`: it stays valid
    entry = durable_.erase(entry);
  }
  for (auto entry = live_.lower_bound(prefix);
       entry != live_.end() && entry->first.starts_with(prefix); ++entry) {
    if (is_direct_child(entry->first, prefix))
      durable_.insert_or_assign(entry->first, entry->second);
  }
}

void SimFileSystem::erase_durable_subtree_locked(const std::string& directory) {
  const std::string prefix = child_prefix(directory);
  auto entry = durable_.lower_bound(prefix);
  while (entry != durable_.end() && entry->first.starts_with(prefix)) entry = durable_.erase(entry);
}

}  // namespace edgeroute::hal::detail
