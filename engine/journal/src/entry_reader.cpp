#include "edgeroute/journal/entry_reader.h"

#include <string>
#include <utility>

namespace edgeroute::journal {

EntryReader::EntryReader(std::string path, std::string gateway_id)
    : path_(std::move(path)), gateway_id_(std::move(gateway_id)) {}

EntryReader::~EntryReader() = default;

Status EntryReader::read(std::uint64_t sequence,
                         const std::function<Status(const StoredEntry&)>& visit) const {
  Result<std::unique_ptr<Journal>> connection = borrow();
  if (!connection) {
    return connection.status().with_context("reading back journal entry " +
                                            std::to_string(sequence));
  }
  bool visited = false;
  Status read = (*connection)->read_entry(sequence, [&](const StoredEntry& entry) {
    visited = true;
    return visit(entry);
  });
  // A visitor's verdict or not_found is an answer about the entry; any other failure
  // might be the connection's own.
  if (read.is_ok() || visited || read.code() == StatusCode::not_found) {
    give_back(std::move(*connection));
  }
  return read;
}

std::size_t EntryReader::pooled_connections() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

Result<std::unique_ptr<Journal>> EntryReader::borrow() const {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Journal> pooled = std::move(idle_.back());
      idle_.pop_back();
      return pooled;
    }
  }
  // Opened outside the lock: the checks of an open take a few lookups, and other
  // readers should not wait for them.
  JournalOptions options;
  options.path = path_;
  options.gateway_id = gateway_id_;
  options.read_only = true;
  return Journal::open(options);
}

void EntryReader::give_back(std::unique_ptr<Journal> connection) const {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connection));
}

}  // namespace edgeroute::journal
