// run_demo: a day of orders through a real gateway. Starts the gateway (journal,
// pipeline, TCP server) in this process on the default world, connects to it over TCP
// as a storefront back end would, sends the generated orders with up to `window` of
// them in flight, and tallies the decisions it gets back into a DemoSummary.
//
// Determinism. The world and the orders are functions of the seed. The gateway reads a
// simulated clock that the run moves to each order's creation time as it sends it, and
// with one routing worker the orders are decided in the order they were sent (one
// connection, one FIFO ingress queue, one worker), so every decision, and with it the
// whole summary except its latencies, is the same from run to run and machine to
// machine. More workers decide concurrently: faster, but which of two orders racing for
// the last unit wins may then differ between runs.
//
// Thread-safety: one run per data directory at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/demo/demo_summary.h"

namespace edgeroute::demo {

struct DemoOptions {
  std::uint64_t seed = 1;
  std::uint64_t orders = 5000;
  std::uint32_t sku_count = 10'000;
  // Requests in flight on the connection: deep enough for the journal writer to commit
  // many decisions per transaction.
  std::uint32_t window = 64;
  std::uint32_t routing_workers = 1;
  // Where the journal goes: an absolute path to a directory that has no journal yet.
  std::string data_dir;
};

struct DemoResult {
  DemoSummary summary;
  std::uint16_t port = 0;              // where the gateway listened
  std::uint64_t journal_sequence = 0;  // the journal's last sequence when it stopped
};

// Called after each answer with how many orders have been answered so far.
using DemoProgress = std::function<void(std::uint64_t answered, std::uint64_t total)>;

Result<DemoResult> run_demo(const DemoOptions& options, const DemoProgress& progress = {});

}  // namespace edgeroute::demo
