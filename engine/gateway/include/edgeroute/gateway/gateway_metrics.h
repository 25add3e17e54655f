// GatewayMetrics: what a gateway tells its ops endpoint about itself (docs/operations.md
// lists every family). The Gateway owns one and feeds it as requests are answered,
// decisions journaled and batches committed; figures it already keeps (queue depths,
// the journal's position, versions, the pipeline's counters) and the current network's
// node health are read when /metrics is scraped, so they are always the live ones.
//
// What it costs the order path: every request's answer passes through a small sink
// that counts refusals by error code and, for orders and quotes, records the latency
// since handle() took the request; each of those is a relaxed atomic increment on an
// instrument looked up once, here, at construction. Nothing on the order path takes a
// lock or waits for a scrape.
//
// Adding a family is one line in the constructor (gateway_metrics.cpp), e.g.
//   registry_.add_gauge("edgeroute_sync_lag_seconds", "...", [this] { return ...; });
//
// Thread-safety: observe(), decision_journaled() and journal_committed() from any
// thread; rendering the registry from any thread, while all of those run.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "edgeroute/base/status.h"
#include "edgeroute/gateway/policy_trial.h"
#include "edgeroute/hal/clock.h"
#include "edgeroute/ops/metrics.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/routing_model.h"
#include "edgeroute/routing/snapshot.h"

namespace edgeroute::gateway {

class Gateway;
class GatewayState;
class ResponseSink;

class GatewayMetrics {
 public:
  // `gateway` is read only when the registry is rendered: it may still be under
  // construction here.
  GatewayMetrics(const Gateway& gateway, GatewayState& state, const hal::Clock& clock);
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  // The registry /metrics renders; more families may be added to it.
  ops::Registry& registry() { return registry_; }
  const ops::Registry& registry() const { return registry_; }

  // The sink a request's answers go through on their way to `connection`: counts the
  // errors among them by code, and measures RouteOrder and Quote latency from now.
  std::shared_ptr<ResponseSink> observe(protocol::fbs::RequestBody request,
                                        std::shared_ptr<ResponseSink> connection);

  // A RouteOrder's decision is durable (before its answer is sent).
  void decision_journaled(std::span<const std::uint8_t> decision);

  // RouteOrder decisions journaled so far, and how many of them were rejections: what a
  // policy trial is judged by (policy_trial.h). Any thread.
  DecisionTally decision_tally() const {
    const std::uint64_t decided = decided_.load(std::memory_order_relaxed);
    // The two counts are not read together: a rejection counted before its decision is
    // left for the next reading.
    return {decided, std::min(decided, rejected_.load(std::memory_order_relaxed))};
  }

  // From now on, counts apart the RouteOrder decisions made under policy `version` (its
  // trial's own, whatever else the journal holds among them: decisions a worker made
  // under the policy before, journaled after the trial began, are not the trial's). A
  // decision counted while the version changes may land on either side: a count, not a
  // ledger. Any thread.
  void track_policy(std::uint64_t version) {
    tracked_decided_.store(0, std::memory_order_relaxed);
    tracked_rejected_.store(0, std::memory_order_relaxed);
    tracked_version_.store(version, std::memory_order_relaxed);
  }
  DecisionTally tracked_tally() const {
    const std::uint64_t decided = tracked_decided_.load(std::memory_order_relaxed);
    return {decided, std::min(decided, tracked_rejected_.load(std::memory_order_relaxed))};
  }

  // The pipeline's commit observer: one batch of `entries` committed in `took`.
  void journal_committed(std::size_t entries, std::chrono::nanoseconds took);

 private:
  static constexpr std::size_t kOutcomes = static_cast<std::size_t>(routing::fbs::Outcome::MAX) + 1;
  static constexpr std::size_t kReasons =
      static_cast<std::size_t>(routing::fbs::ReasonCode::MAX) + 1;
  static constexpr std::size_t kErrorCodes =
      static_cast<std::size_t>(protocol::fbs::ErrorCode::MAX) + 1;

  // Calls `read` with the current routing model (a snapshot reader of its own, made on
  // first use; nothing when the publisher has no reader slot left).
  template <typename Read>
  void with_current_model(Read read) const;
  void add_node_health(std::string name, std::string help,
                       std::int32_t routing::NodeModel::*basis_points);

  const Gateway& gateway_;
  GatewayState& state_;
  const hal::Clock& clock_;
  ops::Registry registry_;

  ops::Histogram* route_order_latency_ = nullptr;
  ops::Histogram* quote_latency_ = nullptr;
  ops::CounterFamily* orders_ = nullptr;
  // The (outcome, reason) pairs a decision can have, made up front; null elsewhere.
  std::array<std::array<ops::Counter*, kReasons>, kOutcomes> orders_by_reason_{};
  std::array<ops::Counter*, kErrorCodes> refused_{};
  // Counts only: each read alone, nothing is ordered by them.
  std::atomic<std::uint64_t> decided_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> tracked_version_{0};
  std::atomic<std::uint64_t> tracked_decided_{0};
  std::atomic<std::uint64_t> tracked_rejected_{0};
  ops::Histogram* commit_seconds_ = nullptr;
  ops::Histogram* batch_entries_ = nullptr;

  mutable std::mutex model_mutex_;
  mutable std::optional<routing::SnapshotReader<routing::RoutingModel>> model_reader_;
  mutable bool model_reader_tried_ = false;
};

// /healthz: ok while the gateway can go on; the journal's failure when only a restart
// settles it (Gateway::failed).
Status gateway_health(const Gateway& gateway);
// /readyz: ok while the gateway takes new work (GatewayFigures::accepting); otherwise
// why not (the journal's refusal, shutting down).
Status gateway_readiness(const Gateway& gateway);

}  // namespace edgeroute::gateway
