#include "edgeroute/gateway/gateway_metrics.h"

#include <utility>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/routing/fbs/common_generated.h"

namespace edgeroute::gateway {
namespace {

using protocol::fbs::ErrorCode;
using protocol::fbs::RequestBody;
using routing::fbs::Outcome;
using routing::fbs::ReasonCode;

// Seconds from 100 µs (a quote on a warm worker) to 5 s (far past any client's patience).
const std::vector<double> kLatencyBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
// A commit is an fsync or two: tens of microseconds on a good SSD, up to a second on a
// tired SD card.
const std::vector<double> kCommitBounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                           0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1};
// Entries per batch: 1 up to journal.batch_max_decisions' largest allowed value.
constexpr double kLargestBatch = 65536;

double seconds(hal::Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// Between a request and its connection: counts and times its answers.
class ObservedSink final : public ResponseSink {
 public:
  ObservedSink(std::shared_ptr<ResponseSink> connection, std::span<ops::Counter* const> refused,
               ops::Histogram* latency, const hal::Clock& clock)
      : connection_(std::move(connection)),
        refused_(refused),
        latency_(latency),
        clock_(clock),
        received_at_(latency != nullptr ? clock.monotonic_now() : hal::MonotonicTime{}) {}

  void send(protocol::Frame frame) override {
    // Recorded before the frame is handed on, so a client that has its answer finds
    // it counted.
    if (latency_ != nullptr) latency_->record(seconds(clock_.monotonic_now() - received_at_));
    // Our own message, built by protocol::builders: no need to verify it.
    const auto* response = flatbuffers::GetRoot<protocol::fbs::Response>(frame.payload().data());
    if (const protocol::fbs::Error* error = response->body_as_Error()) {
      const auto code = static_cast<std::size_t>(error->code());
      if (code < refused_.size()) refused_[code]->add();
    }
    connection_->send(std::move(frame));
  }

 private:
  std::shared_ptr<ResponseSink> connection_;
  std::span<ops::Counter* const> refused_;
  ops::Histogram* latency_;
  const hal::Clock& clock_;
  hal::MonotonicTime received_at_;
};

}  // namespace

GatewayMetrics::GatewayMetrics(const Gateway& gateway, GatewayState& state, const hal::Clock& clock)
    : gateway_(gateway), state_(state), clock_(clock) {
  ops::Registry& r = registry_;

  r.gauge_family("edgeroute_build_info", "The running edgeroute's version (always 1).", {"version"})
      .with({EDGEROUTE_VERSION})
      .set(1);
  r.add_gauge("edgeroute_ready",
              "1 while the gateway takes new work (/readyz answers 200), else 0.",
              [this] { return gateway_.figures().accepting ? 1.0 : 0.0; });
  r.add_gauge("edgeroute_uptime_seconds", "Seconds since the gateway started.",
              [this] { return static_cast<double>(gateway_.figures().uptime_seconds); });
  r.add_gauge("edgeroute_policy_version", "Version of the routing policy in force.",
              [this] { return static_cast<double>(gateway_.figures().policy_version); });
  r.add_gauge("edgeroute_policy_on_trial",
              "1 while a policy from central routes on trial, before its health check.",
              [this] { return gateway_.policy_figures().trial != 0 ? 1.0 : 0.0; });
  r.add_gauge("edgeroute_policy_highest_accepted",
              "Highest policy version accepted; bundles at or below it are refused.",
              [this] { return static_cast<double>(gateway_.policy_figures().highest_accepted); });
  r.add_gauge("edgeroute_network_version", "Version of the network in force.",
              [this] { return static_cast<double>(gateway_.figures().network_version); });

  ops::HistogramFamily& latency = r.histogram_family(
      "edgeroute_decision_latency_seconds",
      "From the gateway taking a request to its answer being handed to the connection; "
      "for route_order this includes the journal commit.",
      {"request"}, kLatencyBounds);
  route_order_latency_ = &latency.with({"route_order"});
  quote_latency_ = &latency.with({"quote"});

  orders_ = &r.counter_family(
      "edgeroute_orders_total",
      "Orders decided and journaled, by outcome and, for backorders and rejections, why.",
      {"outcome", "reason"});
  const auto make_orders = [this](Outcome outcome, ReasonCode reason) {
    orders_by_reason_[static_cast<std::size_t>(outcome)][static_cast<std::size_t>(reason)] =
        &orders_->with(
            {routing::fbs::EnumNameOutcome(outcome), routing::fbs::EnumNameReasonCode(reason)});
  };
  make_orders(Outcome::routed, ReasonCode::none);
  for (const Outcome outcome : {Outcome::backordered, Outcome::rejected}) {
    for (const ReasonCode reason : routing::fbs::EnumValuesReasonCode()) {
      if (reason != ReasonCode::none) make_orders(outcome, reason);
    }
  }
  // The book grows with every order decided (docs/performance.md gives its bytes per
  // order): what an operator watches to see a gateway's memory coming.
  r.add_gauge("edgeroute_order_book_orders",
              "Orders the gateway keeps a record of: every order decided, in any status.",
              [this] { return static_cast<double>(state_.orders().size()); });

  ops::CounterFamily& refused = r.counter_family(
      "edgeroute_requests_refused_total",
      "Requests answered with an error, by its code: busy, journal_unavailable and "
      "shutting_down are the gateway's own refusals, the others the client's mistakes.",
      {"code"});
  for (const ErrorCode code : protocol::fbs::EnumValuesErrorCode()) {
    refused_[static_cast<std::size_t>(code)] =
        &refused.with({protocol::fbs::EnumNameErrorCode(code)});
  }
  r.add_counter("edgeroute_requests_queued_total",
                "Requests taken into the routing workers' queue.",
                [this] { return static_cast<double>(gateway_.figures().pipeline.jobs_submitted); });

  r.add_collected("edgeroute_queue_depth", "Jobs waiting in each of the pipeline's queues.",
                  ops::MetricType::gauge, {"queue"}, [this](ops::SampleWriter& out) {
                    const GatewayFigures figures = gateway_.figures();
                    out.add({"ingress"}, static_cast<double>(figures.ingress_depth));
                    out.add({"journal"}, static_cast<double>(figures.journal_depth));
                  });
  r.add_collected("edgeroute_queue_capacity",
                  "Most jobs each queue holds; beyond it requests are answered busy.",
                  ops::MetricType::gauge, {"queue"}, [this](ops::SampleWriter& out) {
                    const PipelineOptions& pipeline = gateway_.options().pipeline;
                    out.add({"ingress"}, pipeline.ingress_capacity);
                    out.add({"journal"}, pipeline.journal_capacity);
                  });

  commit_seconds_ =
      &r.histogram("edgeroute_journal_commit_seconds",
                   "How long each journal batch took to append and commit.", kCommitBounds);
  batch_entries_ = &r.histogram("edgeroute_journal_batch_entries",
                                "Entries per committed journal batch (group commit).",
                                ops::powers_of_two(kLargestBatch));
  r.add_gauge("edgeroute_journal_last_sequence", "The journal's newest sequence number.",
              [this] { return static_cast<double>(gateway_.figures().journal_last_sequence); });
  r.add_counter("edgeroute_journal_committed_entries_total", "Journal entries committed.", [this] {
    return static_cast<double>(gateway_.figures().pipeline.entries_committed);
  });
  r.add_counter("edgeroute_journal_committed_batches_total", "Journal batches committed.", [this] {
    return static_cast<double>(gateway_.figures().pipeline.batches_committed);
  });
  r.add_counter("edgeroute_journal_failed_batches_total",
                "Journal batches that failed to commit (a full disk, an I/O error).",
                [this] { return static_cast<double>(gateway_.figures().pipeline.batches_failed); });

  add_node_health("edgeroute_node_on_time_ratio",
                  "Share of the node's shipments handed to the carrier by their ship-by time.",
                  &routing::NodeModel::on_time_bp);
  add_node_health("edgeroute_node_fill_ratio",
                  "Share of the node's lines shipped complete, without a short pick.",
                  &routing::NodeModel::fill_bp);
  add_node_health("edgeroute_node_acceptance_ratio",
                  "Share of the orders routed to the node that it accepted.",
                  &routing::NodeModel::acceptance_bp);
}

void GatewayMetrics::add_node_health(std::string name, std::string help,
                                     std::int32_t routing::NodeModel::*basis_points) {
  registry_.add_collected(std::move(name), std::move(help), ops::MetricType::gauge,
                          {"node", "kind"}, [this, basis_points](ops::SampleWriter& out) {
                            with_current_model([&](const routing::RoutingModel& model) {
                              for (const routing::NodeModel& node : model.network().nodes()) {
                                out.add({node.id, routing::fbs::EnumNameNodeKind(node.kind)},
                                        static_cast<double>(node.*basis_points) / 10000.0);
                              }
                            });
                          });
}

template <typename Read>
void GatewayMetrics::with_current_model(Read read) const {
  std::lock_guard lock(model_mutex_);
  if (!model_reader_) {
    // Made on the first scrape, after the routing workers have taken theirs; tried
    // again on the next one if every slot was taken.
    Result<routing::SnapshotReader<routing::RoutingModel>> reader =
        state_.models().register_reader();
    if (!reader) return;
    model_reader_.emplace(std::move(reader).value());
  }
  const routing::SnapshotGuard<routing::RoutingModel> model = model_reader_->read();
  read(*model);
}

std::shared_ptr<ResponseSink> GatewayMetrics::observe(RequestBody request,
                                                      std::shared_ptr<ResponseSink> connection) {
  ops::Histogram* latency = nullptr;
  if (request == RequestBody::RouteOrder) latency = route_order_latency_;
  if (request == RequestBody::QuoteRequest) latency = quote_latency_;
  return std::make_shared<ObservedSink>(std::move(connection), refused_, latency, clock_);
}

void GatewayMetrics::decision_journaled(std::span<const std::uint8_t> decision) {
  const routing::fbs::Decision& read = *routing::fbs::GetDecision(decision.data());
  const auto outcome = static_cast<std::size_t>(read.outcome());
  const auto reason = static_cast<std::size_t>(read.reason());
  ops::Counter* counter =
      outcome < kOutcomes && reason < kReasons ? orders_by_reason_[outcome][reason] : nullptr;
  if (counter == nullptr) {
    // A pair no decision should have (a routed order with a reason): counted all the
    // same, under its own names, at the price of a lookup.
    counter = &orders_->with({routing::fbs::EnumNameOutcome(read.outcome()),
                              routing::fbs::EnumNameReasonCode(read.reason())});
  }
  counter->add();
  if (read.outcome() == routing::fbs::Outcome::rejected)
    rejected_.fetch_add(1, std::memory_order_relaxed);
  decided_.fetch_add(1, std::memory_order_relaxed);
  if (read.policy_version() != 0 &&
      read.policy_version() == tracked_version_.load(std::memory_order_relaxed)) {
    if (read.outcome() == routing::fbs::Outcome::rejected) {
      tracked_rejected_.fetch_add(1, std::memory_order_relaxed);
    }
    tracked_decided_.fetch_add(1, std::memory_order_relaxed);
  }
}

void GatewayMetrics::journal_committed(std::size_t entries, std::chrono::nanoseconds took) {
  commit_seconds_->record(seconds(took));
  batch_entries_->record(static_cast<double>(entries));
}

Status gateway_health(const Gateway& gateway) {
  if (!gateway.failed()) return Status::ok();
  return Status{StatusCode::unavailable,
                fmt::format("the journal failed ({}); only a restart settles what was recorded",
                            gateway.figures().detail)};
}

Status gateway_readiness(const Gateway& gateway) {
  const GatewayFigures figures = gateway.figures();
  if (figures.accepting) return Status::ok();
  return Status{StatusCode::unavailable, figures.detail.empty()
                                             ? std::string("the gateway takes no new work")
                                             : figures.detail};
}

}  // namespace edgeroute::gateway
