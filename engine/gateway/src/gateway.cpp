#include "edgeroute/gateway/gateway.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/routing/io/decision_document.h"
#include "edgeroute/routing/order_request.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {
namespace {

namespace io = routing::io;
using protocol::fbs::ErrorCode;

std::int64_t unix_seconds(const hal::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch())
      .count();
}

std::int64_t unix_microseconds(const hal::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock.wall_now().time_since_epoch())
      .count();
}

// The error a client hears when its change did not reach the journal.
ErrorCode error_for(const Status& why) {
  switch (why.code()) {
    case StatusCode::unavailable: return ErrorCode::busy;
    case StatusCode::no_space:
    case StatusCode::failed_precondition: return ErrorCode::journal_unavailable;
    default: return ErrorCode::internal;
  }
}

// The words of the refusals several requests share.
std::string unknown_order(std::string_view order_id) {
  return fmt::format("no order '{}' at this gateway", order_id);
}
std::string unknown_node(std::string_view node_id) {
  return fmt::format("no node '{}' in this gateway's network", node_id);
}
std::string unknown_sku(std::string_view sku_id) {
  return fmt::format("no SKU '{}' in this gateway's catalog", sku_id);
}
std::string order_in_flight(std::string_view order_id) {
  return fmt::format("order '{}' is being decided or changed; ask again shortly", order_id);
}

// What a routing worker keeps between jobs.
struct RoutingWorker final : WorkerState {
  RoutingWorker(routing::SnapshotReader<routing::RoutingModel> model_reader, GatewayState& state)
      : reader(std::move(model_reader)), plan(state.inventory(), state.capacity()) {}
  routing::SnapshotReader<routing::RoutingModel> reader;
  routing::Router router;
  routing::PlanReservation plan;
};

// What every job shares: the request, where to answer, and the gateway's parts.
class GatewayJob : public Job {
 public:
  GatewayJob(ReceivedRequest request, std::shared_ptr<ResponseSink> sink, GatewayState& state,
             const Pipeline& pipeline, hal::Clock& clock)
      : request_(std::move(request)),
        sink_(std::move(sink)),
        state_(state),
        pipeline_(pipeline),
        clock_(clock) {}

 protected:
  std::uint64_t request_id() const { return request_.request().request_id(); }
  const protocol::fbs::Request& request() const { return request_.request(); }
  void reply(protocol::Frame frame) { sink_->send(std::move(frame)); }
  void fail(ErrorCode code, std::string_view message) {
    reply(protocol::build_error(request_id(), code, message));
  }
  void fail(const Status& why) { fail(error_for(why), why.message()); }

 public:
  // Nothing is undone: the change may be durable (Pipeline::outcome_unknown). Units the
  // job holds stay reserved until the restart that the failure calls for settles them.
  void outcome_unknown(const Status& why) override {
    fail(ErrorCode::journal_unavailable,
         fmt::format("the journal failed ({}); whether this change was recorded is known "
                     "only once the gateway has restarted: ask again then",
                     why.message()));
  }

 protected:
  // False, after answering, when the journal refuses new work.
  bool admitted() {
    if (pipeline_.accepting()) return true;
    fail(ErrorCode::journal_unavailable,
         fmt::format("the journal refuses new work: {}", pipeline_.refusal().message()));
    return false;
  }
  // The order's change did not happen: others may change it again.
  void end_in_flight(std::string_view order_id) {
    state_.orders().update(order_id, [](OrderBook::Slot& slot) {
      if (OrderRecord* record = slot.record()) record->in_flight = false;
    });
  }
  DraftEntry& add_entry(journal::EntryKind kind, std::string order_id, std::string correlation_id,
                        std::vector<std::uint8_t> payload) {
    DraftEntry& entry = entries().emplace_back();
    entry.kind = kind;
    entry.recorded_at_us = unix_microseconds(clock_);
    entry.order_id = std::move(order_id);
    entry.correlation_id = std::move(correlation_id);
    entry.payload = std::move(payload);
    return entry;
  }

  ReceivedRequest request_;
  std::shared_ptr<ResponseSink> sink_;
  GatewayState& state_;
  const Pipeline& pipeline_;
  hal::Clock& clock_;
};

class RouteOrderJob final : public GatewayJob {
 public:
  using GatewayJob::GatewayJob;

  Next work(WorkerState& worker_state) override {
    auto& worker = static_cast<RoutingWorker&>(worker_state);
    const routing::fbs::Order& order = *request().body_as_RouteOrder()->order_nested_root();
    order_id_ = order.id()->str();
    if (!admitted()) return Next::done;
    if (!admit_order()) return Next::done;

    const routing::SnapshotGuard<routing::RoutingModel> model = worker.reader.read();
    const routing::UnixSeconds now = unix_seconds(clock_);
    const routing::OrderResolution resolution = routing::resolve_order(order, model->network());
    if (!resolution.ok()) {
      decision_ = std::make_shared<const std::vector<std::uint8_t>>(
          io::build_rejection(order, resolution, *model, now).bytes());
    } else {
      const routing::RoutingDecision& decision = worker.router.route(
          resolution.request, *model, state_.inventory(), state_.capacity(), worker.plan);
      if (worker.plan.holds_reservation()) held_ = HeldReservation::take_over(worker.plan);
      worker.plan.clear();
      decision_ = std::make_shared<const std::vector<std::uint8_t>>(
          io::build_decision(decision, resolution.request, *model, now).bytes());
    }
    const flatbuffers::String* correlation = order.correlation_id();
    add_entry(journal::EntryKind::decision, order_id_,
              correlation != nullptr ? correlation->str() : order_id_,
              build_decision_record(*decision_, held_, model->network()));
    return Next::journal;
  }

  void journaled(journal::SequenceRange range) override {
    const OrderStatus status = status_of(routing::fbs::GetDecision(decision_->data())->outcome());
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      EDGEROUTE_ASSERT(record != nullptr && record->in_flight, "a decided order left the book");
      record->status = status;
      record->decided = true;
      record->in_flight = false;
      record->decision_sequence = record->last_sequence = range.first;
      record->decision = decision_;
      record->held = std::move(held_);
    });
    reply(protocol::build_route_order_result(request_id(), *decision_));
  }

  void not_journaled(const Status& why) override {
    held_.release(state_.inventory(), state_.capacity());
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      if (created_) {
        slot.erase();
      } else if (OrderRecord* record = slot.record()) {
        record->in_flight = false;
      }
    });
    fail(why);
  }

 private:
  // Idempotency by order id: a routed or backordered order gets its decision again; a
  // rejected one may be routed anew (the stock may be there now); an order whose decision
  // is still on its way is refused for now.
  bool admit_order() {
    std::shared_ptr<const std::vector<std::uint8_t>> stored;
    bool in_flight = false;
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      if (record == nullptr) {
        slot.create().in_flight = true;
        created_ = true;
      } else if (record->in_flight) {
        in_flight = true;
      } else if (record->status != OrderStatus::rejected) {
        stored = record->decision;
      } else {
        record->in_flight = true;
      }
    });
    if (in_flight) {
      fail(ErrorCode::order_in_flight, order_in_flight(order_id_));
      return false;
    }
    if (stored != nullptr) {
      reply(protocol::build_route_order_result(request_id(), *stored));
      return false;
    }
    return true;
  }

  std::string order_id_;
  bool created_ = false;
  std::shared_ptr<const std::vector<std::uint8_t>> decision_;
  HeldReservation held_;
};

class QuoteJob final : public GatewayJob {
 public:
  using GatewayJob::GatewayJob;

  Next work(WorkerState& worker_state) override {
    auto& worker = static_cast<RoutingWorker&>(worker_state);
    const routing::fbs::Order& order = *request().body_as_QuoteRequest()->order_nested_root();
    const routing::SnapshotGuard<routing::RoutingModel> model = worker.reader.read();
    const routing::OrderResolution resolution = routing::resolve_order(order, model->network());
    if (!resolution.ok()) {
      const io::DecisionDocument rejection =
          io::build_rejection(order, resolution, *model, unix_seconds(clock_));
      const auto* detail = routing::fbs::GetDecision(rejection.bytes().data())->detail();
      fail(resolution.problem == routing::OrderProblem::unknown_sku ? ErrorCode::unknown_sku
                                                                    : ErrorCode::invalid_request,
           detail != nullptr ? detail->string_view() : "the order cannot be quoted");
      return Next::done;
    }
    const auto options =
        worker.router.quote(resolution.request, *model, state_.inventory(), state_.capacity());
    const io::QuoteDocument quote =
        io::build_quote(options, resolution.request, *model, unix_seconds(clock_));
    reply(protocol::build_quote_result(request_id(), quote.bytes()));
    return Next::done;
  }
  void journaled(journal::SequenceRange) override {}
  void not_journaled(const Status&) override {}
};

class CancelOrderJob final : public GatewayJob {
 public:
  using GatewayJob::GatewayJob;

  Next work(WorkerState&) override {
    const protocol::fbs::CancelOrder& cancel = *request().body_as_CancelOrder();
    order_id_ = cancel.order_id()->str();
    if (!admitted()) return Next::done;
    enum class Found { unknown, in_flight, nothing_to_release, release } found = Found::unknown;
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      if (record == nullptr) return;
      if (record->in_flight) {
        found = Found::in_flight;
      } else if (record->status == OrderStatus::rejected ||
                 record->status == OrderStatus::released ||
                 (record->status == OrderStatus::handed_off && record->held.empty())) {
        found = Found::nothing_to_release;
      } else {
        record->in_flight = true;
        found = Found::release;
      }
    });
    switch (found) {
      case Found::unknown:
        fail(ErrorCode::unknown_order, unknown_order(order_id_));
        return Next::done;
      case Found::in_flight:
        fail(ErrorCode::order_in_flight, order_in_flight(order_id_));
        return Next::done;
      case Found::nothing_to_release:
        reply(protocol::build_cancel_order_result(request_id(), order_id_, false, 0));
        return Next::done;
      case Found::release: break;
    }
    const flatbuffers::String* reason = cancel.reason();
    add_entry(journal::EntryKind::release, order_id_, order_id_,
              build_release_record(reason != nullptr ? reason->string_view() : ""));
    return Next::journal;
  }

  void journaled(journal::SequenceRange range) override {
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      EDGEROUTE_ASSERT(record != nullptr && record->in_flight, "a cancelled order left the book");
      // Only now, with the release durable, may other orders have the units: released
      // earlier, a crash would restore them to this order after they were sold again.
      record->held.release(state_.inventory(), state_.capacity());
      record->status = OrderStatus::released;
      record->in_flight = false;
      record->last_sequence = range.first;
    });
    reply(protocol::build_cancel_order_result(request_id(), order_id_, true, range.first));
  }

  void not_journaled(const Status& why) override {
    end_in_flight(order_id_);
    fail(why);
  }

 private:
  std::string order_id_;
};

class AdjustInventoryJob final : public GatewayJob {
 public:
  using GatewayJob::GatewayJob;

  Next work(WorkerState&) override {
    const protocol::fbs::AdjustInventory& adjust = *request().body_as_AdjustInventory();
    if (!admitted()) return Next::done;
    const routing::NetworkModel& network = state_.network();
    const auto node = network.find_node(adjust.node_id()->string_view());
    if (!node) {
      fail(ErrorCode::unknown_node, unknown_node(adjust.node_id()->string_view()));
      return Next::done;
    }
    const auto sku = network.find_sku(adjust.sku_id()->string_view());
    if (!sku) {
      fail(ErrorCode::unknown_sku, unknown_sku(adjust.sku_id()->string_view()));
      return Next::done;
    }
    cell_ = state_.inventory().find(*sku, *node);
    if (cell_ == nullptr) {
      fail(ErrorCode::invalid_request,
           fmt::format("node '{}' has no stock record of SKU '{}': a new (SKU, node) pair comes "
                       "with a new inventory snapshot",
                       adjust.node_id()->string_view(), adjust.sku_id()->string_view()));
      return Next::done;
    }
    kind_ = adjust.kind();
    delta_ = adjust.delta().value_or(0);
    counted_ = adjust.counted().value_or(0);
    const flatbuffers::String* reference = adjust.reference();
    add_entry(journal::EntryKind::inventory_adjustment, "",
              reference != nullptr ? reference->str() : "",
              build_adjustment_record(adjust.sku_id()->string_view(),
                                      adjust.node_id()->string_view(), kind_, delta_, counted_,
                                      reference != nullptr ? reference->string_view() : ""));
    return Next::journal;
  }

  void journaled(journal::SequenceRange range) override {
    // On the journal writer, in journal order: the same rule replay applies.
    const routing::StockLevels before = cell_->levels();
    const std::int32_t target = adjusted_on_hand(before.on_hand, kind_, delta_, counted_);
    Result<routing::StockAdjustment> after =
        state_.inventory().adjust_on_hand(*cell_, target - before.on_hand);
    EDGEROUTE_ASSERT(after.has_value(), "an adjustment within range was refused");
    const protocol::fbs::AdjustInventory& adjust = *request().body_as_AdjustInventory();
    reply(protocol::build_adjust_inventory_result(
        request_id(),
        {adjust.node_id()->string_view(), adjust.sku_id()->string_view(), after->levels.on_hand,
         after->levels.reserved, after->oversold_units(), range.first}));
  }

  void not_journaled(const Status& why) override { fail(why); }

 private:
  const routing::InventoryCell* cell_ = nullptr;
  protocol::fbs::AdjustmentKind kind_ = protocol::fbs::AdjustmentKind::receipt;
  std::int32_t delta_ = 0;
  std::int32_t counted_ = 0;
};

class ReportFulfillmentJob final : public GatewayJob {
 public:
  using GatewayJob::GatewayJob;

  Next work(WorkerState&) override {
    const protocol::fbs::ReportFulfillment& report = *request().body_as_ReportFulfillment();
    order_id_ = report.order_id()->str();
    if (!admitted()) return Next::done;
    const auto node = state_.network().find_node(report.node_id()->string_view());
    if (!node) {
      fail(ErrorCode::unknown_node, unknown_node(report.node_id()->string_view()));
      return Next::done;
    }
    std::string problem;
    ErrorCode code = ErrorCode::invalid_request;
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      if (record == nullptr) {
        code = ErrorCode::unknown_order;
        problem = unknown_order(order_id_);
        return;
      }
      if (record->in_flight) {
        code = ErrorCode::order_in_flight;
        problem = order_in_flight(order_id_);
        return;
      }
      if (!ships_from(*record, report.node_id()->string_view())) {
        problem = fmt::format("order '{}' has no shipment from node '{}'", order_id_,
                              report.node_id()->string_view());
        return;
      }
      if (record->status == OrderStatus::released || record->status == OrderStatus::rejected ||
          record->status == OrderStatus::handed_off) {
        problem = fmt::format("order '{}' is {}: no further events are taken", order_id_,
                              protocol::fbs::EnumNameOrderStatus(record->status));
        return;
      }
      if (report.event() == protocol::fbs::FulfillmentEventKind::handed_off) {
        for (const HeldStock& line : record->held.stock()) {
          if (line.cell->node_index() == *node) shipped_.push_back(line);
        }
      }
      record->in_flight = true;
    });
    if (!problem.empty()) {
      fail(code, problem);
      return Next::done;
    }
    const auto text = [](const flatbuffers::String* value) {
      return value != nullptr ? value->string_view() : std::string_view{};
    };
    const FulfillmentFacts facts{report.node_id()->string_view(), report.event(),
                                 text(report.occurred_at()), text(report.exception_code()),
                                 text(report.detail())};
    add_entry(journal::EntryKind::fulfillment_event, order_id_, order_id_,
              build_fulfillment_record(facts, shipped_, state_.network()));
    return Next::journal;
  }

  void journaled(journal::SequenceRange range) override {
    const auto event = request().body_as_ReportFulfillment()->event();
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      EDGEROUTE_ASSERT(record != nullptr && record->in_flight, "a reported order left the book");
      for (const HeldStock& line : shipped_) {
        const Status shipped = record->held.ship(state_.inventory(), *line.cell);
        EDGEROUTE_ASSERT(shipped.is_ok(), "a held line could not ship");
      }
      record->status = status_after(record->status, event, record->held.stock().empty());
      record->in_flight = false;
      record->last_sequence = range.first;
    });
    reply(protocol::build_report_fulfillment_result(request_id(), order_id_, range.first, false));
  }

  void not_journaled(const Status& why) override {
    end_in_flight(order_id_);
    fail(why);
  }

 private:
  static bool ships_from(const OrderRecord& record, std::string_view node_id) {
    if (record.decision == nullptr) return false;
    const auto* shipments = routing::fbs::GetDecision(record.decision->data())->shipments();
    if (shipments == nullptr) return false;
    return std::any_of(shipments->begin(), shipments->end(), [&](const auto* shipment) {
      return shipment->node_id()->string_view() == node_id;
    });
  }

  std::string order_id_;
  std::vector<HeldStock> shipped_;
};

}  // namespace

Gateway::Gateway(GatewayOptions options, journal::Journal& journal, GatewayState& state,
                 hal::Clock& clock)
    : options_(std::move(options)),
      state_(state),
      clock_(clock),
      started_at_(clock.monotonic_now()) {
  pipeline_ = std::make_unique<Pipeline>(
      options_.pipeline, journal,
      [this](std::uint32_t worker_index) -> std::unique_ptr<WorkerState> {
        Result<routing::SnapshotReader<routing::RoutingModel>> reader =
            state_.models().register_reader();
        EDGEROUTE_ASSERT(reader.has_value(), "the model publisher has a reader slot per worker");
        (void)worker_index;
        return std::make_unique<RoutingWorker>(std::move(reader).value(), state_);
      });
}

Gateway::~Gateway() {
  stop();
}

void Gateway::start() {
  pipeline_->start();
}

void Gateway::stop() {
  stopped_.store(true, std::memory_order_relaxed);
  pipeline_->stop();
}

void Gateway::handle(ReceivedRequest received, const std::shared_ptr<ResponseSink>& sink) {
  const protocol::fbs::Request& request = received.request();
  const std::uint64_t request_id = request.request_id();
  using Body = protocol::fbs::RequestBody;
  std::unique_ptr<Job> job;
  switch (request.body_type()) {
    case Body::Ping:
      sink->send(protocol::build_pong(request_id, options_.gateway_id,
                                      routing::format_utc_instant(unix_seconds(clock_))));
      return;
    case Body::GatewayStatusRequest: answer_status(request_id, *sink); return;
    case Body::QueryOrder:
      answer_query_order(request_id, *request.body_as_QueryOrder(), *sink);
      return;
    case Body::QueryInventory:
      answer_query_inventory(request_id, *request.body_as_QueryInventory(), *sink);
      return;
    case Body::RouteOrder:
      job = std::make_unique<RouteOrderJob>(std::move(received), sink, state_, *pipeline_, clock_);
      break;
    case Body::QuoteRequest:
      job = std::make_unique<QuoteJob>(std::move(received), sink, state_, *pipeline_, clock_);
      break;
    case Body::CancelOrder:
      job = std::make_unique<CancelOrderJob>(std::move(received), sink, state_, *pipeline_, clock_);
      break;
    case Body::AdjustInventory:
      job = std::make_unique<AdjustInventoryJob>(std::move(received), sink, state_, *pipeline_,
                                                 clock_);
      break;
    case Body::ReportFulfillment:
      job = std::make_unique<ReportFulfillmentJob>(std::move(received), sink, state_, *pipeline_,
                                                   clock_);
      break;
    case Body::NONE: break;
  }
  if (job == nullptr) {
    sink->send(protocol::build_error(request_id, ErrorCode::unknown_request,
                                     "this gateway does not know the request's type"));
    return;
  }
  if (!pipeline_->submit(job)) {
    const bool stopping = stopped_.load(std::memory_order_relaxed);
    sink->send(protocol::build_error(request_id,
                                     stopping ? ErrorCode::shutting_down : ErrorCode::busy,
                                     stopping ? "the gateway is shutting down"
                                              : "busy: the gateway's queue is full; retry later"));
  }
}

void Gateway::answer_query_order(std::uint64_t request_id, const protocol::fbs::QueryOrder& query,
                                 ResponseSink& sink) {
  const std::optional<OrderRecord> record = state_.orders().find(query.order_id()->string_view());
  if (!record) {
    sink.send(protocol::build_error(request_id, ErrorCode::unknown_order,
                                    unknown_order(query.order_id()->string_view())));
    return;
  }
  if (!record->decided) {
    sink.send(protocol::build_order_state(request_id, query.order_id()->string_view(),
                                          OrderStatus::accepted, {}, 0));
    return;
  }
  sink.send(protocol::build_order_state(request_id, query.order_id()->string_view(), record->status,
                                        *record->decision, record->last_sequence));
}

void Gateway::answer_query_inventory(std::uint64_t request_id,
                                     const protocol::fbs::QueryInventory& query,
                                     ResponseSink& sink) {
  const routing::NetworkModel& network = state_.network();
  const auto sku = network.find_sku(query.sku_id()->string_view());
  if (!sku) {
    sink.send(protocol::build_error(request_id, ErrorCode::unknown_sku,
                                    unknown_sku(query.sku_id()->string_view())));
    return;
  }
  std::vector<protocol::NodeStockLevel> levels;
  std::optional<std::uint32_t> only_node;
  if (const flatbuffers::String* node_id = query.node_id()) {
    only_node = network.find_node(node_id->string_view());
    if (!only_node) {
      sink.send(protocol::build_error(request_id, ErrorCode::unknown_node,
                                      unknown_node(node_id->string_view())));
      return;
    }
  }
  for (const routing::InventoryCell& cell : state_.inventory().stocked_nodes(*sku)) {
    if (only_node && cell.node_index() != *only_node) continue;
    const routing::StockLevels stock = cell.levels();
    levels.push_back({network.node(cell.node_index()).id, stock.on_hand, stock.reserved});
  }
  std::sort(levels.begin(), levels.end(),
            [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
  sink.send(protocol::build_inventory_state(request_id, query.sku_id()->string_view(), levels));
}

bool Gateway::failed() const {
  return pipeline_->failed();
}

GatewayFigures Gateway::figures() const {
  GatewayFigures figures;
  figures.accepting = pipeline_->accepting() && !stopped_.load(std::memory_order_relaxed);
  figures.journal_last_sequence = pipeline_->last_sequence();
  figures.policy_version = state_.policy_version();
  figures.network_version = state_.network().version();
  figures.ingress_depth = pipeline_->ingress_depth();
  figures.journal_depth = pipeline_->journal_depth();
  figures.pipeline = pipeline_->counters();
  figures.uptime_seconds = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(clock_.monotonic_now() - started_at_)
          .count());
  if (!pipeline_->accepting()) figures.detail = pipeline_->refusal().message();
  if (stopped_.load(std::memory_order_relaxed)) figures.detail = "shutting down";
  return figures;
}

void Gateway::answer_status(std::uint64_t request_id, ResponseSink& sink) {
  const GatewayFigures now = figures();
  protocol::GatewayStatusReport report;
  report.gateway_id = options_.gateway_id;
  report.ready = true;
  report.accepting = now.accepting;
  report.journal_last_sequence = now.journal_last_sequence;
  report.policy_version = now.policy_version;
  report.network_version = now.network_version;
  report.ingress_queue_depth = static_cast<std::uint32_t>(now.ingress_depth);
  report.journal_queue_depth = static_cast<std::uint32_t>(now.journal_depth);
  report.routing_workers = options_.pipeline.routing_workers;
  report.uptime_seconds = now.uptime_seconds;
  report.detail = now.detail;
  sink.send(protocol::build_gateway_status(request_id, report));
}

}  // namespace edgeroute::gateway
