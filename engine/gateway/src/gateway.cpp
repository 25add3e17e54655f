#include "edgeroute/gateway/gateway.h"

#include "edgeroute/gateway/central_adjustment.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/gateway/journaled_documents.h"
#include "edgeroute/gateway/reroute.h"
#include "edgeroute/routing/fbs/order_generated.h"
#include "edgeroute/routing/io/decision_document.h"
#include "edgeroute/routing/order_request.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {
namespace {

namespace io = routing::io;
using protocol::fbs::ErrorCode;

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
// What the order book points to in the journal could not be read back (journal_unavailable).
std::string unreadable(std::string_view order_id, std::string_view what, const Status& why) {
  return fmt::format("order '{}': its {} could not be read back from the journal: {}", order_id,
                     what, why.message());
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
  bool from_central() const { return request_.from_central; }
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
    entry.recorded_at_us = clock_.wall_unix_microseconds();
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
  RouteOrderJob(ReceivedRequest request, std::shared_ptr<ResponseSink> sink, GatewayState& state,
                const Pipeline& pipeline, hal::Clock& clock, GatewayMetrics& metrics)
      : GatewayJob(std::move(request), std::move(sink), state, pipeline, clock),
        metrics_(metrics) {}

  Next work(WorkerState& worker_state) override {
    auto& worker = static_cast<RoutingWorker&>(worker_state);
    const routing::fbs::Order& order = *request().body_as_RouteOrder()->order_nested_root();
    order_id_ = order.id()->str();
    if (!admitted()) return Next::done;
    if (!admit_order()) return Next::done;

    const routing::SnapshotGuard<routing::RoutingModel> model = worker.reader.read();
    const routing::UnixSeconds now = clock_.wall_unix_seconds();
    const routing::OrderResolution resolution = routing::resolve_order(order, model->network());
    if (!resolution.ok()) {
      decision_ = io::build_rejection(order, resolution, *model, now).bytes();
    } else {
      const routing::RoutingDecision& decision = worker.router.route(
          resolution.request, *model, state_.inventory(), state_.capacity(), worker.plan);
      if (worker.plan.holds_reservation()) held_ = HeldReservation::take_over(worker.plan);
      worker.plan.clear();
      decision_ = io::build_decision(decision, resolution.request, *model, now).bytes();
    }
    const flatbuffers::String* correlation = order.correlation_id();
    correlation_id_ = correlation != nullptr ? correlation->str() : order_id_;
    const auto* order_bytes = request().body_as_RouteOrder()->order();
    add_entry(journal::EntryKind::decision, order_id_, correlation_id_,
              build_decision_record(decision_, held_, model->network(),
                                    {order_bytes->data(), order_bytes->size()}));
    return Next::journal;
  }

  void journaled(journal::SequenceRange range) override {
    const routing::fbs::Decision& decision = *routing::fbs::GetDecision(decision_.data());
    const OrderStatus status = status_of(decision.outcome());
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      EDGEROUTE_ASSERT(record != nullptr && record->in_flight, "a decided order left the book");
      record->status = status;
      record->decided = true;
      record->in_flight = false;
      record->decision_sequence = record->last_sequence = record->document_sequence = range.first;
      record->order_journaled = true;
      record->correlation_id = correlation_id_;
      record->promises = promises_of(decision);
      record->open_exception = false;
      record->held = std::move(held_);
    });
    metrics_.decision_journaled(decision_);
    reply(protocol::build_route_order_result(request_id(), decision_));
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
    // The entry of the decision its client was sent: the same bytes again, whatever
    // happened to the order since (docs/protocol.md, "Idempotency").
    std::uint64_t stored_decision = 0;
    bool in_flight = false;
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      if (record == nullptr) {
        slot.create().in_flight = true;
        created_ = true;
      } else if (record->in_flight) {
        in_flight = true;
      } else if (record->status != OrderStatus::rejected) {
        stored_decision = record->decision_sequence;
      } else {
        record->in_flight = true;
      }
    });
    if (in_flight) {
      fail(ErrorCode::order_in_flight, order_in_flight(order_id_));
      return false;
    }
    if (stored_decision != 0) {
      // Read outside the shard lock: the entry is durable and never changes.
      Result<std::vector<std::uint8_t>> stored =
          journaled_decision_document(state_.journal_reader(), stored_decision, order_id_);
      if (!stored) {
        fail(ErrorCode::journal_unavailable,
             unreadable(order_id_, "decision document", stored.status()));
      } else {
        reply(protocol::build_route_order_result(request_id(), *stored));
      }
      return false;
    }
    return true;
  }

  GatewayMetrics& metrics_;
  std::string order_id_;
  std::string correlation_id_;
  bool created_ = false;
  std::vector<std::uint8_t> decision_;
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
          io::build_rejection(order, resolution, *model, clock_.wall_unix_seconds());
      const auto* detail = routing::fbs::GetDecision(rejection.bytes().data())->detail();
      fail(resolution.problem == routing::OrderProblem::unknown_sku ? ErrorCode::unknown_sku
                                                                    : ErrorCode::invalid_request,
           detail != nullptr ? detail->string_view() : "the order cannot be quoted");
      return Next::done;
    }
    const auto options =
        worker.router.quote(resolution.request, *model, state_.inventory(), state_.capacity());
    const io::QuoteDocument quote =
        io::build_quote(options, resolution.request, *model, clock_.wall_unix_seconds());
    reply(protocol::build_quote_result(request_id(), quote.bytes()));
    return Next::done;
  }
  void journaled(journal::SequenceRange) override {}
  void not_journaled(const Status&) override {}
};

// On a routing worker rather than the I/O thread: the decision document is read back
// from the journal (journaled_documents.h), and a read that waits for the disk must not
// hold up every connection the I/O thread serves.
class QueryOrderJob final : public GatewayJob {
 public:
  using GatewayJob::GatewayJob;

  Next work(WorkerState&) override {
    const std::string_view order_id = request().body_as_QueryOrder()->order_id()->string_view();
    const std::optional<OrderRecord> record = state_.orders().find(order_id);
    if (!record) {
      fail(ErrorCode::unknown_order, unknown_order(order_id));
      return Next::done;
    }
    if (!record->decided) {
      reply(protocol::build_order_state(request_id(), order_id, OrderStatus::accepted, {}, 0));
      return Next::done;
    }
    Result<std::vector<std::uint8_t>> decision =
        journaled_decision_document(state_.journal_reader(), record->document_sequence, order_id);
    if (!decision) {
      fail(ErrorCode::journal_unavailable,
           unreadable(order_id, "decision document", decision.status()));
      return Next::done;
    }
    reply(protocol::build_order_state(request_id(), order_id, record->status, *decision,
                                      record->last_sequence));
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
        correlation_id_ = record->correlation_id;
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
    add_entry(journal::EntryKind::release, order_id_, correlation_id_,
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
  std::string correlation_id_;
};

class AdjustInventoryJob final : public GatewayJob {
 public:
  using OversoldSink =
      std::function<void(const routing::InventoryCell&, std::int32_t oversold, std::string_view)>;

  AdjustInventoryJob(ReceivedRequest request, std::shared_ptr<ResponseSink> sink,
                     GatewayState& state, const Pipeline& pipeline, hal::Clock& clock,
                     OversoldSink on_oversold)
      : GatewayJob(std::move(request), std::move(sink), state, pipeline, clock),
        on_oversold_(std::move(on_oversold)) {}

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
    if (state_.escrow().governs(*node)) {
      fail(ErrorCode::failed_precondition,
           fmt::format("node '{}' is not homed by this gateway: its stock is shared with other "
                       "gateways and counted at central (edgeroute-central inventory set or "
                       "adjust); this gateway sells it only within escrow leases",
                       adjust.node_id()->string_view()));
      return Next::done;
    }
    // Central recognises the entry that applied one of its deltas by this reference: a
    // client's adjustment must not look like one.
    if (const flatbuffers::String* reference = adjust.reference();
        !from_central() && reference != nullptr &&
        reference->string_view().starts_with(kCentralAdjustmentReferencePrefix)) {
      fail(ErrorCode::invalid_request,
           fmt::format("reference '{}': references beginning '{}' are reserved for changes of "
                       "stock decided at central",
                       reference->string_view(), kCentralAdjustmentReferencePrefix));
      return Next::done;
    }
    cell_ = state_.inventory().find(*sku, *node);
    if (cell_ == nullptr) {
      // A receipt or a count of an SKU new to the node starts its stock record (at 0, so
      // routing sees nothing to sell until the entry is durable); replay does the same.
      if (adjust.kind() == protocol::fbs::AdjustmentKind::damage) {
        fail(ErrorCode::invalid_request,
             fmt::format("node '{}' has no stock of SKU '{}' to write off: it has never "
                         "stocked it",
                         adjust.node_id()->string_view(), adjust.sku_id()->string_view()));
        return Next::done;
      }
      Result<const routing::InventoryCell*> started = state_.stock_record(*sku, *node);
      if (!started) {
        fail(started.status().code() == StatusCode::unavailable ? ErrorCode::busy
                                                                : ErrorCode::internal,
             started.status().message());
        return Next::done;
      }
      cell_ = *started;
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
    // Central's truth contradicts what this gateway promised: its orders move (a count
    // at the gateway's own node is its staff's to settle, and its reply says how short).
    if (from_central() && after->oversold_units() > 0) {
      on_oversold_(*cell_, after->oversold_units(),
                   adjust.reference() != nullptr ? adjust.reference()->string_view() : "");
    }
  }

  void not_journaled(const Status& why) override { fail(why); }

 private:
  OversoldSink on_oversold_;
  const routing::InventoryCell* cell_ = nullptr;
  protocol::fbs::AdjustmentKind kind_ = protocol::fbs::AdjustmentKind::receipt;
  std::int32_t delta_ = 0;
  std::int32_t counted_ = 0;
};

// A node's report about its part of an order. A `failed` report, or a `delayed` one whose
// new date is past the shipment's promise, re-routes the node's part where the policy
// allows: the lines the node holds are planned again (from now, away from every node the
// order was routed away from), the new plan is reserved, and the report and the re-route
// are journaled together; only once both are durable does the node's stock go back and
// the order take its new decision (status rerouted). When no other node can take the
// part, the report is recorded alone and the order keeps its stock where it was: an
// operator decides (cancel, or wait for the node).
class ReportFulfillmentJob final : public GatewayJob {
 public:
  using GatewayJob::GatewayJob;

  Next work(WorkerState& worker_state) override {
    auto& worker = static_cast<RoutingWorker&>(worker_state);
    const protocol::fbs::ReportFulfillment& report = *request().body_as_ReportFulfillment();
    order_id_ = report.order_id()->str();
    if (!admitted()) return Next::done;
    const std::string_view node_id = report.node_id()->string_view();
    const auto node = state_.network().find_node(node_id);
    if (!node) {
      fail(ErrorCode::unknown_node, unknown_node(node_id));
      return Next::done;
    }
    node_index_ = *node;
    event_ = report.event();
    if (const flatbuffers::String* expected = report.expected_delivery_date();
        expected != nullptr && !routing::parse_epoch_day(expected->string_view())) {
      fail(ErrorCode::invalid_request,
           fmt::format("ReportFulfillment.expected_delivery_date: '{}' is not a YYYY-MM-DD date",
                       expected->string_view()));
      return Next::done;
    }
    const routing::SnapshotGuard<routing::RoutingModel> model = worker.reader.read();
    std::string problem;
    ErrorCode code = ErrorCode::invalid_request;
    bool reroute_wanted = false;
    std::uint64_t order_sequence = 0;  // the decision entry holding the order as received
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
      if (promise_at(record->promises, node_id) == nullptr) {
        problem = fmt::format("order '{}' has no shipment from node '{}'", order_id_, node_id);
        return;
      }
      if (record->status == OrderStatus::released || record->status == OrderStatus::rejected ||
          record->status == OrderStatus::handed_off) {
        problem = fmt::format("order '{}' is {}: no further events are taken", order_id_,
                              protocol::fbs::EnumNameOrderStatus(record->status));
        return;
      }
      for (const HeldStock& line : record->held.stock()) {
        if (line.cell->node_index() != node_index_) continue;
        if (event_ == protocol::fbs::FulfillmentEventKind::handed_off) shipped_.push_back(line);
        at_node_.add_stock(line);
      }
      for (const HeldCapacity& claim : record->held.capacity()) {
        if (claim.node_index == node_index_) at_node_.add_capacity(claim);
      }
      correlation_id_ = record->correlation_id;
      recovers_ = record->open_exception && moves_on(event_);
      // A report counts for the node's health while the node still holds a part of the
      // order: once per shipment's end, not again for a repeated or stray report.
      counts_for_health_ = !at_node_.stock().empty();
      health_report_.node_index = node_index_;
      health_report_.event = event_;
      health_report_.first_report_at_node =
          std::find(record->reported_nodes.begin(), record->reported_nodes.end(), node_id) ==
          record->reported_nodes.end();
      health_report_.occurred_at = routing::parse_utc_instant(report.occurred_at()->string_view());
      health_report_.promised_cutoff_at = promise_at(record->promises, node_id)->cutoff_at;
      reroute_wanted = wants_reroute(*record, report, model->policy());
      if (reroute_wanted) {
        order_sequence = record->decision_sequence;
        routed_away_from_ = record->routed_away_from;
      }
      record->in_flight = true;
    });
    if (!problem.empty()) {
      fail(code, problem);
      return Next::done;
    }
    if (reroute_wanted) {
      // Read outside the shard lock; the order is ours (in flight) until this job ends.
      Result<std::vector<std::uint8_t>> order =
          journaled_order(state_.journal_reader(), order_sequence, order_id_);
      if (order) {
        order_ = std::move(order).value();
      } else if (order.status().code() == StatusCode::not_found ||
                 order.status().code() == StatusCode::corruption) {
        // The journal will not give the order back, now or later: the report is recorded
        // alone, as when no plan holds, and the order keeps its stock at the node with an
        // open exception, for an operator. Refusing it would lose the report too.
        reroute_wanted = false;
      } else {
        // The journal could not be read now (opened, locked): the report may be sent again.
        end_in_flight(order_id_);
        fail(ErrorCode::journal_unavailable, unreadable(order_id_, "order", order.status()));
        return Next::done;
      }
    }
    const auto text = [](const flatbuffers::String* value) {
      return value != nullptr ? value->string_view() : std::string_view{};
    };
    const FulfillmentFacts facts{node_id,
                                 event_,
                                 text(report.occurred_at()),
                                 text(report.exception_code()),
                                 text(report.detail()),
                                 text(report.expected_delivery_date()),
                                 recovers_};
    add_entry(journal::EntryKind::fulfillment_event, order_id_, correlation_id_,
              build_fulfillment_record(facts, shipped_, state_.network()));
    if (reroute_wanted) reroute(worker, *model, node_id);
    return Next::journal;
  }

  void journaled(journal::SequenceRange range) override {
    const std::string_view node_id =
        request().body_as_ReportFulfillment()->node_id()->string_view();
    state_.orders().update(order_id_, [&](OrderBook::Slot& slot) {
      OrderRecord* record = slot.record();
      EDGEROUTE_ASSERT(record != nullptr && record->in_flight, "a reported order left the book");
      for (const HeldStock& line : shipped_) {
        const Status shipped = record->held.ship(state_.inventory(), *line.cell);
        EDGEROUTE_ASSERT(shipped.is_ok(), "a held line could not ship");
      }
      if (!new_decision_.empty()) {
        // Only now, with the re-route durable, may others have the node's units.
        record->held.take_node(node_index_).release(state_.inventory(), state_.capacity());
        record->held.absorb(std::move(new_held_));
        record->document_sequence = range.last;  // the re-route entry follows the report's
        reroute_promises(record->promises, node_id,
                         *routing::fbs::GetDecision(new_decision_.data()));
        record->routed_away_from.push_back(node_index_);
        record->status = OrderStatus::rerouted;
        record->open_exception = true;
      } else {
        record->status = status_after(record->status, event_, record->held.stock().empty());
        if (!moves_on(event_)) record->open_exception = true;
        if (recovers_) record->open_exception = false;
      }
      if (health_report_.first_report_at_node) record->reported_nodes.emplace_back(node_id);
      record->in_flight = false;
      record->last_sequence = range.last;
    });
    // On the journal writer, in journal order, as replay counts them.
    if (counts_for_health_) {
      state_.node_health().record(health_report_);
      state_.republish_node_health();
    }
    reply(protocol::build_report_fulfillment_result(request_id(), order_id_, range.first,
                                                    !new_decision_.empty()));
  }

  void not_journaled(const Status& why) override {
    new_held_.release(state_.inventory(), state_.capacity());
    end_in_flight(order_id_);
    fail(why);
  }

 private:
  static bool moves_on(protocol::fbs::FulfillmentEventKind event) {
    using Event = protocol::fbs::FulfillmentEventKind;
    return event == Event::picked || event == Event::packed || event == Event::handed_off;
  }

  // Whether this report re-routes the node's part: the node still holds lines of the
  // order, the order itself was journaled (orders decided before it was are not planned
  // again), and the policy calls for it (reroute.h).
  bool wants_reroute(const OrderRecord& record, const protocol::fbs::ReportFulfillment& report,
                     const routing::PolicyModel& policy) const {
    if (at_node_.stock().empty() || !record.order_journaled) return false;
    const flatbuffers::String* expected = report.expected_delivery_date();
    const NodePromise* promise = promise_at(record.promises, report.node_id()->string_view());
    return report_calls_for_reroute(
        policy, report.event(),
        expected != nullptr ? routing::parse_epoch_day(expected->string_view()) : std::nullopt,
        promise != nullptr ? promise->delivery_day : std::nullopt);
  }

  // Plans the node's lines again, from now, away from the node (and from every node the
  // order was routed away from before). Adds the reroute entry when a plan holds.
  void reroute(RoutingWorker& worker, const routing::RoutingModel& model,
               std::string_view node_id) {
    routed_away_from_.push_back(node_index_);
    const std::optional<routing::OrderRequest> request =
        reroute_request(*routing::fbs::GetOrder(order_.data()), model.network(), at_node_,
                        clock_.wall_unix_seconds(), routed_away_from_);
    if (!request) return;  // the catalog lost the order's SKUs: nothing to plan
    const routing::RoutingDecision& decision =
        worker.router.route(*request, model, state_.inventory(), state_.capacity(), worker.plan);
    if (decision.outcome != routing::fbs::Outcome::routed || !worker.plan.holds_reservation()) {
      if (worker.plan.holds_reservation()) {
        HeldReservation::take_over(worker.plan).release(state_.inventory(), state_.capacity());
      }
      worker.plan.clear();
      return;
    }
    new_held_ = HeldReservation::take_over(worker.plan);
    worker.plan.clear();
    new_decision_ =
        io::build_decision(decision, *request, model, clock_.wall_unix_seconds()).bytes();
    add_entry(journal::EntryKind::reroute, order_id_, correlation_id_,
              build_reroute_record(node_id, at_node_, new_decision_, new_held_, model.network()));
  }

  std::string order_id_;
  std::string correlation_id_;
  std::uint32_t node_index_ = 0;
  protocol::fbs::FulfillmentEventKind event_ = protocol::fbs::FulfillmentEventKind::picked;
  bool recovers_ = false;
  bool counts_for_health_ = false;
  ShipmentReport health_report_;
  std::vector<HeldStock> shipped_;
  // A copy of what the order holds at the node (the order book keeps ownership).
  HeldReservation at_node_;
  std::vector<std::uint8_t> order_;  // as received, read back for a re-route
  std::vector<std::uint32_t> routed_away_from_;
  // A re-route's new decision (empty when there is none) and what it holds, until the
  // journal takes them.
  std::vector<std::uint8_t> new_decision_;
  HeldReservation new_held_;
};

}  // namespace

Gateway::Gateway(GatewayOptions options, journal::Journal& journal, GatewayState& state,
                 hal::Clock& clock)
    : options_(std::move(options)),
      state_(state),
      clock_(clock),
      started_at_(clock.monotonic_now()),
      metrics_(*this, state, clock) {
  // A trial open at the last stop is judged afresh from now, by its own decisions.
  trial_began_at_ = started_at_;
  metrics_.track_policy(state_.policy_figures().trial);
  pipeline_ = std::make_unique<Pipeline>(
      options_.pipeline, journal,
      [this](std::uint32_t worker_index) -> std::unique_ptr<WorkerState> {
        Result<routing::SnapshotReader<routing::RoutingModel>> reader =
            state_.models().register_reader();
        EDGEROUTE_ASSERT(reader.has_value(), "the model publisher has a reader slot per worker");
        (void)worker_index;
        return std::make_unique<RoutingWorker>(std::move(reader).value(), state_);
      },
      [this](std::size_t entries, std::chrono::nanoseconds took) {
        metrics_.journal_committed(entries, took);
      });
}

Gateway::~Gateway() {
  stop();
}

void Gateway::start() {
  pipeline_->start();
  reroute_from_closed_nodes();
}

void Gateway::stop() {
  stopped_.store(true, std::memory_order_relaxed);
  pipeline_->stop();
}

void Gateway::handle(ReceivedRequest received, const std::shared_ptr<ResponseSink>& connection) {
  const protocol::fbs::Request& request = received.request();
  // Every answer passes through the metrics on its way (refusals, latency).
  const std::shared_ptr<ResponseSink> sink = metrics_.observe(request.body_type(), connection);
  const std::uint64_t request_id = request.request_id();
  using Body = protocol::fbs::RequestBody;
  std::unique_ptr<Job> job;
  switch (request.body_type()) {
    case Body::Ping:
      sink->send(protocol::build_pong(request_id, options_.gateway_id,
                                      routing::format_utc_instant(clock_.wall_unix_seconds())));
      return;
    case Body::GatewayStatusRequest: answer_status(request_id, *sink); return;
    case Body::RollbackPolicy: {
      const flatbuffers::String* reason = request.body_as_RollbackPolicy()->reason();
      roll_back_policy(request_id, reason != nullptr ? reason->string_view() : "", sink);
      return;
    }
    case Body::QueryInventory:
      answer_query_inventory(request_id, *request.body_as_QueryInventory(), *sink);
      return;
    case Body::RouteOrder:
      job = std::make_unique<RouteOrderJob>(std::move(received), sink, state_, *pipeline_, clock_,
                                            metrics_);
      break;
    case Body::QuoteRequest:
      job = std::make_unique<QuoteJob>(std::move(received), sink, state_, *pipeline_, clock_);
      break;
    case Body::QueryOrder:
      job = std::make_unique<QueryOrderJob>(std::move(received), sink, state_, *pipeline_, clock_);
      break;
    case Body::CancelOrder:
      job = std::make_unique<CancelOrderJob>(std::move(received), sink, state_, *pipeline_, clock_);
      break;
    case Body::AdjustInventory:
      job = std::make_unique<AdjustInventoryJob>(
          std::move(received), sink, state_, *pipeline_, clock_,
          [this](const routing::InventoryCell& cell, std::int32_t oversold,
                 std::string_view reference) { reroute_oversold(cell, oversold, reference); });
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
    sink->send(protocol::build_error(
        request_id,
        stopped_.load(std::memory_order_relaxed) ? ErrorCode::shutting_down : ErrorCode::busy,
        not_taken().message()));
  }
}

Status Gateway::not_taken() const {
  return {StatusCode::unavailable, stopped_.load(std::memory_order_relaxed)
                                       ? "the gateway is shutting down"
                                       : "busy: the gateway's queue is full; retry later"};
}

void Gateway::submit_change(std::unique_ptr<Job> job) {
  if (pipeline_->submit(job)) return;
  // Still ours, never run: it finishes as refused.
  job->not_journaled(not_taken());
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

void Gateway::report_sync_with(std::function<SyncReport()> reporter) {
  std::lock_guard lock(sync_reporter_mutex_);
  sync_reporter_ = std::move(reporter);
}

void Gateway::record_central_acknowledged(std::uint64_t sequence) {
  pipeline_->record_acknowledged(sequence);
}

GatewayFigures Gateway::figures() const {
  GatewayFigures figures;
  figures.accepting = pipeline_->accepting() && !stopped_.load(std::memory_order_relaxed);
  figures.journal_last_sequence = pipeline_->last_sequence();
  figures.central_acknowledged = pipeline_->acknowledged();
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
  // Serving what it recovered: false once the journal failed for good (only a restart
  // settles it) or the gateway is stopping.
  report.ready = !pipeline_->failed() && !stopped_.load(std::memory_order_relaxed);
  report.accepting = now.accepting;
  report.journal_last_sequence = now.journal_last_sequence;
  report.journal_acknowledged_sequence = now.central_acknowledged;
  report.policy_version = now.policy_version;
  report.network_version = now.network_version;
  report.ingress_queue_depth = static_cast<std::uint32_t>(now.ingress_depth);
  report.journal_queue_depth = static_cast<std::uint32_t>(now.journal_depth);
  report.routing_workers = options_.pipeline.routing_workers;
  report.uptime_seconds = now.uptime_seconds;
  report.detail = now.detail;
  const PolicyFigures policy = state_.policy_figures();
  report.policy_trial_version = policy.trial;
  report.policy_committed_version = policy.committed;
  report.policy_previous_version = policy.previous;
  report.policy_highest_accepted = policy.highest_accepted;
  const std::string policy_detail = this->policy_detail();
  report.policy_detail = policy_detail;
  const EscrowFigures escrow = escrow_figures();
  report.escrow_leases = escrow.leases;
  report.escrow_unreserved_units = escrow.unreserved_units;
  report.escrow_expired_leases = escrow.expired_leases;
  std::function<SyncReport()> reporter;
  {
    std::lock_guard lock(sync_reporter_mutex_);
    reporter = sync_reporter_;
  }
  SyncReport sync;
  if (reporter) {
    sync = reporter();
    report.sync = sync.connected ? protocol::fbs::SyncState::connected
                                 : protocol::fbs::SyncState::disconnected;
    if (!sync.connected) report.sync_detail = sync.last_error;
  }
  sink.send(protocol::build_gateway_status(request_id, report));
}

}  // namespace edgeroute::gateway
