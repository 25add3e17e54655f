// Changes central decided that move orders: a node closure (Gateway::close_node: the
// closure is journaled and the node leaves the routing model) and a count at central that
// leaves a node short of what its orders hold (Gateway::reroute_oversold). Either way the
// orders concerned are reported failed at the node, on central's behalf, which re-routes
// each exactly as a node's own failed report would (reroute.h, the policy's
// reroute_failed), or leaves it there with an open exception for an operator.
#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/protocol/verify.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {
namespace {

using protocol::fbs::ErrorCode;

// The exception codes of the failed reports these make: what order events, node health
// and central's list of stranded orders know them by.
constexpr std::string_view kNodeClosedException = "node_closed";
constexpr std::string_view kCountShortException = "central_count_short";
// A report refused because its order was busy (being decided, changed) or the queue full
// is sent again, this many times at most.
constexpr int kReportAttempts = 100;
// The reports are requests of the gateway to itself: one at a time per order, so any id.
constexpr std::uint64_t kReportRequestId = 1;

// A closure or a reopening of a node, journaled, then applied to the routed network.
class NodeChangeJob final : public Job {
 public:
  NodeChangeJob(fbs::NetworkChangeKind change, std::optional<std::uint32_t> node_index,
                const std::string& node_id, const std::string& reason, const std::string& reference,
                std::int64_t recorded_at_us, GatewayState& state,
                std::function<void(Status)> finish)
      : change_(change), node_index_(node_index), state_(state), finish_(std::move(finish)) {
    DraftEntry& entry = entries().emplace_back();
    entry.kind = journal::EntryKind::network_change;
    entry.recorded_at_us = recorded_at_us;
    entry.correlation_id = reference;
    entry.payload = build_network_change_record(change, node_id, reason, reference);
  }

  Next work(WorkerState&) override { return Next::journal; }
  void journaled(journal::SequenceRange) override {
    if (node_index_) {
      if (change_ == fbs::NetworkChangeKind::node_reopened) {
        state_.reopen_node(*node_index_);
      } else {
        state_.close_node(*node_index_);
      }
    }
    finish_(Status::ok());
  }
  // Never a refusal for good: central offers the change again in a later session.
  void not_journaled(const Status& why) override {
    finish_(Status{StatusCode::unavailable,
                   fmt::format("the change of node was not journaled: {}", why.message())});
  }
  void outcome_unknown(const Status& why) override {
    finish_(Status{StatusCode::unavailable,
                   fmt::format("the journal failed ({}); whether the change of node was recorded "
                               "is known once the gateway has restarted",
                               why.message())});
  }

 private:
  fbs::NetworkChangeKind change_;
  std::optional<std::uint32_t> node_index_;  // none: a node this gateway does not know
  GatewayState& state_;
  std::function<void(Status)> finish_;
};

// Where the answer to one of these failed reports goes: asked again while the
// order is busy; otherwise the answer is the end of it (re-routed, or left at the node
// with an open exception for an operator).
class CentralReportAnswer final : public ResponseSink,
                                  public std::enable_shared_from_this<CentralReportAnswer> {
 public:
  CentralReportAnswer(Gateway& gateway, std::vector<std::uint8_t> request)
      : gateway_(gateway), request_(std::move(request)) {}

  void send_report() {
    ReceivedRequest received;
    received.payload = request_;
    received.from_central = true;
    gateway_.handle(std::move(received), shared_from_this());
  }

  void send(protocol::Frame frame) override {
    protocol::Checked<const protocol::fbs::Response*> response =
        protocol::verify_response(frame.payload());
    if (!response) return;
    const protocol::fbs::Error* error = (*response)->body_as_Error();
    if (error == nullptr) return;
    const bool busy =
        error->code() == ErrorCode::order_in_flight || error->code() == ErrorCode::busy;
    if (busy && ++attempts_ < kReportAttempts) send_report();
  }

 private:
  Gateway& gateway_;
  std::vector<std::uint8_t> request_;
  int attempts_ = 0;
};

// The units `record` holds in the stock lines `held_at` accepts: what a failed report
// would move. 0 for an order not decided yet, or already reported failed (it stays for
// an operator: reporting it again would change nothing but the journal's length).
template <typename HeldAt>
std::int32_t movable_units(const OrderRecord& record, HeldAt&& held_at) {
  if (!record.decided || record.status == OrderStatus::failed) return 0;
  std::int32_t units = 0;
  for (const HeldStock& line : record.held.stock()) {
    if (held_at(*line.cell)) units += line.quantity;
  }
  return units;
}

}  // namespace

void Gateway::close_node(std::string node_id, std::string reason, std::string reference,
                         std::function<void(Status)> done) {
  // A node this gateway does not route to is closed all the same: the entry tells central
  // the closure reached this gateway, and a network that gains the node later has it
  // closed from the start.
  const std::optional<std::uint32_t> node = state_.network().find_node(node_id);
  auto finish = [this, node, node_id, reason, done = std::move(done)](Status closed) {
    if (closed.is_ok() && node) reroute_from_closed_node(*node, node_id, reason);
    done(std::move(closed));
  };
  submit_change(std::make_unique<NodeChangeJob>(fbs::NetworkChangeKind::node_closed, node, node_id,
                                                reason, reference, clock_.wall_unix_microseconds(),
                                                state_, std::move(finish)));
}

void Gateway::reopen_node(std::string node_id, std::string reason, std::string reference,
                          std::function<void(Status)> done) {
  const std::optional<std::uint32_t> node = state_.network().find_node(node_id);
  submit_change(std::make_unique<NodeChangeJob>(
      fbs::NetworkChangeKind::node_reopened, node, node_id, reason, reference,
      clock_.wall_unix_microseconds(), state_, std::move(done)));
}

void Gateway::reroute_from_closed_node(std::uint32_t node_index, const std::string& node_id,
                                       const std::string& reason) {
  std::vector<std::string> orders;
  state_.orders().for_each([&](const std::string& order_id, const OrderRecord& record) {
    const auto at_node = [&](const routing::InventoryCell& cell) {
      return cell.node_index() == node_index;
    };
    if (movable_units(record, at_node) > 0) orders.push_back(order_id);
  });
  const std::string detail = reason.empty() ? "closed by central" : "closed by central: " + reason;
  for (const std::string& order_id : orders) {
    report_failed_for_central(order_id, node_id, kNodeClosedException, detail);
  }
}

void Gateway::reroute_from_closed_nodes() {
  for (const std::uint32_t node : state_.closed_nodes()) {
    reroute_from_closed_node(node, state_.network().node(node).id, "");
  }
}

void Gateway::reroute_oversold(const routing::InventoryCell& cell, std::int32_t oversold,
                               std::string_view reference) {
  struct Holder {
    std::uint64_t decision_sequence = 0;
    std::string order_id;
    std::int32_t units = 0;
  };
  std::vector<Holder> holders;
  state_.orders().for_each([&](const std::string& order_id, const OrderRecord& record) {
    const auto in_cell = [&](const routing::InventoryCell& held) { return &held == &cell; };
    if (const std::int32_t units = movable_units(record, in_cell); units > 0) {
      holders.push_back({record.decision_sequence, order_id, units});
    }
  });
  // The newest orders move first: the least likely to be picked already, and the order
  // their customers were promised in is kept for the older ones.
  std::sort(holders.begin(), holders.end(), [](const Holder& a, const Holder& b) {
    return a.decision_sequence > b.decision_sequence;
  });
  const routing::NetworkModel& network = state_.network();
  const std::string& node_id = network.node(cell.node_index()).id;
  const std::string detail =
      fmt::format("central's count left {} unit(s) of {} short at {} ({})", oversold,
                  network.sku_id(cell.sku_index()), node_id, reference);
  std::int32_t covered = 0;
  for (const Holder& holder : holders) {
    if (covered >= oversold) break;
    report_failed_for_central(holder.order_id, node_id, kCountShortException, detail);
    covered += holder.units;
  }
}

void Gateway::report_failed_for_central(const std::string& order_id, const std::string& node_id,
                                        std::string_view exception_code,
                                        const std::string& detail) {
  const std::string occurred_at = routing::format_utc_instant(clock_.wall_unix_seconds());
  protocol::FulfillmentReport report;
  report.order_id = order_id;
  report.node_id = node_id;
  report.event = protocol::fbs::FulfillmentEventKind::failed;
  report.occurred_at = occurred_at;
  report.exception_code = exception_code;
  report.detail = detail;
  const protocol::Frame frame = protocol::build_report_fulfillment(kReportRequestId, report);
  auto answer = std::make_shared<CentralReportAnswer>(
      *this, std::vector<std::uint8_t>(frame.payload().begin(), frame.payload().end()));
  answer->send_report();
}

}  // namespace edgeroute::gateway
