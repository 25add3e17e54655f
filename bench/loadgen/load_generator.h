// The load generator's engine: many connections to a gateway (or to the echo server
// that stands in for one), driven from one or two Asio I/O threads, each sending
// RouteOrder (or Ping) requests in one of two disciplines:
//
//   - closed loop: each connection keeps `in_flight` requests outstanding and sends the
//     next one when an answer arrives. What it measures is the most the server takes;
//     its latency is that of a server kept saturated.
//   - open loop: requests leave on a fixed schedule (rate / connections per second on
//     each connection, the connections' schedules interleaved), answered or not. Latency
//     runs from the request's INTENDED send time, not from when it was actually written:
//     when the server stalls, or the client falls behind, the requests that should have
//     gone out meanwhile carry the wait in their latency, instead of the stall making the
//     client send less and hiding it (coordinated omission).
//
// Orders. Each connection draws a pool of distinct orders from the default world's
// order stream (engine/demo, OrderGenerator: Zipf SKU popularity, ZIP prefixes by
// population, realistic baskets), built before the clock starts, and sends them in
// turn; each request gets an order id of its own (the pool's ids carry a placeholder
// the connection overwrites with its request number), so a gateway never takes one
// for a retry of another. Building a fresh order per request would cost the client
// more than the echo server costs the server, and the echo baseline is meant to
// measure the network stack, not the order generator.
//
// Every response is verified (protocol::verify_response) and its decision read, as a
// real client does; the client's own work is therefore the same against the gateway and
// against the echo server, and the ratio of the two isolates the gateway.
//
// Thread-safety: run_load blocks its caller; one run at a time per process.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "edgeroute/base/result.h"
#include "latency_histogram.h"

namespace edgeroute::bench {

enum class LoopMode : std::uint8_t { closed, open };
enum class RequestKind : std::uint8_t { route, ping };

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::uint32_t connections = 1;
  LoopMode mode = LoopMode::closed;
  // Open loop: requests per second over all connections.
  double rate = 1000;
  // Closed loop: requests outstanding per connection.
  std::uint32_t in_flight = 1;
  std::chrono::duration<double> duration{10.0};
  // Sent and answered like the rest, not recorded: connections, caches and the
  // gateway's queues settle first.
  std::chrono::duration<double> warmup{2.0};
  // How long to wait for answers after the last request was sent.
  std::chrono::duration<double> drain{5.0};
  RequestKind request = RequestKind::route;
  // The default world (seed, SKU count) the gateway runs: the orders name its SKUs.
  std::uint64_t seed = 1;
  std::uint32_t sku_count = 10'000;
  // Distinct orders per connection, sent in turn.
  std::uint32_t distinct_orders = 4096;
  // Part of every order id ("lg<run_id>-c<connection>-..."), so that runs against the
  // same journal never reuse an id.
  std::string run_id;
  std::uint32_t io_threads = 1;
  // When not empty: the first decisions received are written here, each as a frame
  // (4-byte little-endian length, then the Decision buffer), for the echo server to
  // answer with.
  std::string capture_decisions_path;
  std::uint32_t capture_decisions = 1000;
};

struct LoadResult {
  // Requests whose (intended) send time fell in the measured window, and of those:
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;  // any response, an Error included
  std::uint64_t ok = 0;        // a RouteOrderResult or a Pong
  std::uint64_t unanswered() const { return sent - answered; }
  std::map<std::string, std::uint64_t> errors;    // by ErrorCode name, and "malformed_response"
  std::map<std::string, std::uint64_t> outcomes;  // routed, backordered, rejected
  std::uint64_t connections_lost = 0;
  std::chrono::duration<double> measured{0.0};  // the window's length
  double throughput() const {
    return measured.count() > 0 ? static_cast<double>(answered) / measured.count() : 0.0;
  }
  // Answers that are not errors, from intended send time (open loop) or actual send
  // time (closed loop) to the moment the answer was read.
  LatencyHistogram latency;
  // How late the client wrote each request after its intended time (open loop): large
  // values mean the client, not the server, was behind.
  LatencyHistogram send_lag;
  std::uint64_t decisions_captured = 0;
};

Result<LoadResult> run_load(const LoadOptions& options);

}  // namespace edgeroute::bench
