// Gateway: what a gateway does with each request of the wire protocol
// (docs/protocol.md). Requests that decide or change something (RouteOrder,
// CancelOrder, AdjustInventory, ReportFulfillment) go through the pipeline: a routing
// worker decides and reserves, the journal writer makes the change durable, and only
// then is it applied where others can see it and answered. Quotes go to a worker too
// (they need a Router) but are answered at once. Queries, Ping and status are answered
// on the caller's thread from lock-free counters and the order book.
//
// Order of changes. Everything that changes on_hand (adjustments, shipments) is applied
// by the journal writer in journal order, so the state after a restart, replayed in that
// order, is the state the replies described. Reservations are taken by the workers
// before the journal (a plan must be reserved atomically when it is made); one that does
// not reach the journal is given back.
//
// Thread-safety: handle() may be called from any number of I/O threads at once; the
// sink it is given is called from the pipeline's threads, or from the caller's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edgeroute/gateway/gateway_metrics.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/gateway/pipeline.h"
#include "edgeroute/hal/clock.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"
#include "edgeroute/protocol/frame.h"

namespace edgeroute::gateway {

// Where the responses of one connection go.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Called from any thread; must not block.
  virtual void send(protocol::Frame frame) = 0;
};

// A request as received: its verified payload, owned (8-byte aligned).
struct ReceivedRequest {
  std::vector<std::uint8_t> payload;
  // Set by apply_central_adjustment() (central_adjustment.h) only: an adjustment central
  // decided, the one kind of request that may carry a reference reserved for central.
  bool from_central = false;
  const protocol::fbs::Request& request() const {
    return *flatbuffers::GetRoot<protocol::fbs::Request>(payload.data());
  }
};

struct GatewayOptions {
  std::string gateway_id;
  PipelineOptions pipeline;
};

// What the sync agent says of itself, for `edgeroute status`.
struct SyncReport {
  bool connected = false;
  std::string last_error;  // why the last session or attempt ended
};

// Figures for the ops endpoint and `edgeroute status`.
struct GatewayFigures {
  bool accepting = false;
  std::uint64_t journal_last_sequence = 0;
  // Central's high-water mark as persisted here: entries above it are not yet at central.
  std::uint64_t central_acknowledged = 0;
  std::uint64_t policy_version = 0;
  std::uint64_t network_version = 0;
  std::size_t ingress_depth = 0;
  std::size_t journal_depth = 0;
  PipelineCounters pipeline;
  std::uint64_t uptime_seconds = 0;
  std::string detail;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, journal::Journal& journal, GatewayState& state,
          hal::Clock& clock);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void start();
  // Finishes every request already accepted (decided, journaled, answered), then stops
  // the threads. Requests handled afterwards get shutting_down.
  void stop();

  // REQUIRES: request.payload was verified with protocol::verify_request.
  void handle(ReceivedRequest request, const std::shared_ptr<ResponseSink>& sink);

  GatewayFigures figures() const;
  // Central holds the journal up to `sequence` (the sync agent heard it): the journal
  // writer persists the mark. Any thread; never blocks.
  void record_central_acknowledged(std::uint64_t sequence);
  // Where `edgeroute status` learns the sync agent's state; without one it says sync is
  // off. Any thread.
  void report_sync_with(std::function<SyncReport()> reporter);
  // The journal failed in a way only a restart can settle (Pipeline::failed).
  bool failed() const;
  const GatewayOptions& options() const { return options_; }
  GatewayState& state() { return state_; }
  hal::Clock& clock() { return clock_; }
  // What the ops endpoint shows of this gateway (/metrics).
  GatewayMetrics& metrics() { return metrics_; }

 private:
  void answer_query_order(std::uint64_t request_id, const protocol::fbs::QueryOrder& query,
                          ResponseSink& sink);
  void answer_query_inventory(std::uint64_t request_id, const protocol::fbs::QueryInventory& query,
                              ResponseSink& sink);
  void answer_status(std::uint64_t request_id, ResponseSink& sink);

  GatewayOptions options_;
  GatewayState& state_;
  hal::Clock& clock_;
  hal::MonotonicTime started_at_;
  // Before pipeline_: the pipeline reports its commits here until it has stopped.
  GatewayMetrics metrics_;
  std::unique_ptr<Pipeline> pipeline_;
  std::atomic<bool> stopped_{false};
  mutable std::mutex sync_reporter_mutex_;
  std::function<SyncReport()> sync_reporter_;  // guarded by sync_reporter_mutex_
};

}  // namespace edgeroute::gateway
