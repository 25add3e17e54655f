// SyncAgent: the gateway's end of the sync protocol. It dials central over mutual TLS
// whenever the WAN link is up, says Hello, and replays its journal from the mark
// central acknowledges: batches of consecutive entries read from the journal file (a
// read-only connection beside the daemon's writer, so routing never waits on it),
// several in flight, each acknowledged by central once durable there. Every
// acknowledgement goes to `on_acknowledged` (the gateway persists the mark through its
// journal writer). At least once from here, exactly once at central (central_store.h).
//
// Connections fail; the agent does not. A refusal, a timeout, a lost link or a dead
// central ends the session; the next attempt waits a backoff with full jitter (uniform
// in [minimum, ceiling], the ceiling doubling up to reconnect_max, reset by a session
// that got an acknowledgement). A link that comes back up cuts the wait short; a link
// that goes down ends the session at once.
//
// Threading: one thread of its own runs the connection. start()/stop() from one
// controlling thread; figures() from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/hal/link.h"
#include "edgeroute/sync/tls.h"

namespace edgeroute::sync {

struct SyncAgentOptions {
  std::string gateway_id;
  std::string central_host;
  std::uint16_t central_port = 0;
  // The name central's certificate must carry (SNI and verification); empty: central_host.
  std::string server_name;
  TlsFiles tls;
  // The gateway's journal (absolute path), read beside the daemon's writer.
  std::string journal_path;
  // Cut a batch at this many entries or bytes, whichever comes first.
  std::uint32_t batch_max_entries = 1024;
  std::size_t batch_max_bytes = 1024 * 1024;
  // Batches sent and not yet acknowledged, at most.
  std::uint32_t batches_in_flight = 4;
  // How often an idle session looks at the journal for new entries.
  std::chrono::milliseconds poll_interval{20};
  std::chrono::milliseconds reconnect_min{200};
  std::chrono::milliseconds reconnect_max{30'000};
  // Connecting, the handshake, the Welcome, and each acknowledgement while batches are
  // in flight: longer than this and the session is given up.
  std::chrono::milliseconds response_timeout{10'000};
  // Seeds the backoff jitter (tests make it repeatable).
  std::uint64_t jitter_seed = 0;
};

struct SyncFigures {
  bool connected = false;            // a session is open (Welcome received)
  std::uint64_t acknowledged = 0;    // central's mark as last heard
  std::uint64_t sent = 0;            // newest entry sent in this session
  std::uint64_t journal_newest = 0;  // newest entry the agent has seen in the journal
  std::uint64_t sessions = 0;        // sessions opened (Welcomes)
  std::uint64_t failures = 0;        // sessions or attempts that ended in an error
  std::uint64_t entries_sent = 0;    // over all sessions, resends included
  std::string last_error;            // why the last session or attempt ended
};

class SyncAgent {
 public:
  using AcknowledgedSink = std::function<void(std::uint64_t sequence)>;

  // `acknowledged` is the mark the gateway's journal holds (what it tells central in
  // Hello). Errors: the TLS files (named), a journal that cannot be opened.
  static Result<std::unique_ptr<SyncAgent>> start(SyncAgentOptions options, hal::Link& link,
                                                  std::uint64_t acknowledged,
                                                  AcknowledgedSink on_acknowledged);
  ~SyncAgent();  // stops, if still running
  SyncAgent(const SyncAgent&) = delete;
  SyncAgent& operator=(const SyncAgent&) = delete;

  SyncFigures figures() const;
  // Ends the session (batches in flight are resent by the next one: at least once) and
  // joins the thread.
  void stop();

 private:
  struct Impl;
  explicit SyncAgent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeroute::sync
