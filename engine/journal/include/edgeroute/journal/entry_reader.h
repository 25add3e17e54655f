// EntryReader: single journal entries read back by sequence, from any thread, while the
// daemon's Journal appends. The gateway keeps in memory only what it routes from; the
// documents it journaled (an order's decision, the order as received) it reads back
// here when asked for them (docs/journal.md, "Reading entries back").
//
// Each read borrows a read-only Journal, a SQLite connection of its own, from a pool,
// and opens one when every pooled connection is in use: a WAL reader blocks neither the
// writer nor other readers, so concurrent reads need as many connections. The pool
// holds at most as many as reads ever ran at once (in the daemon: its I/O threads and
// routing workers). A read holds its snapshot only while its visitor runs, so an idle
// pool keeps no checkpoint from finishing. A connection whose read failed in SQLite
// (anything but not_found, or the visitor's own verdict) is closed rather than pooled:
// the next read opens a fresh one.
//
// Thread-safety: read() may be called from any number of threads at once. A pooled
// connection passes between threads through the pool's mutex, which orders one
// thread's use of it before the next one's (SQLite's multi-thread mode asks no more).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"
#include "edgeroute/journal/journal.h"

namespace edgeroute::journal {

class EntryReader {
 public:
  // Opens nothing yet: the first read does. `gateway_id`: whose journal it must be (as
  // Journal::open checks it); empty accepts any.
  EntryReader(std::string path, std::string gateway_id);
  ~EntryReader();
  EntryReader(const EntryReader&) = delete;
  EntryReader& operator=(const EntryReader&) = delete;

  // Journal::read_entry on a pooled connection: the visitor's Status, not_found when
  // there is no such entry (yet), or why the journal could not be opened or read.
  Status read(std::uint64_t sequence, const std::function<Status(const StoredEntry&)>& visit) const;

  // Connections open and idle in the pool now.
  std::size_t pooled_connections() const;

 private:
  Result<std::unique_ptr<Journal>> borrow() const;
  void give_back(std::unique_ptr<Journal> connection) const;

  std::string path_;
  std::string gateway_id_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Journal>> idle_;  // guarded by mutex_
};

}  // namespace edgeroute::journal
