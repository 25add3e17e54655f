// Escrow at the gateway (escrow_ledger.h, docs/sync.md "Escrow"): a grant central sent
// becomes units this gateway may sell at a node it does not home, once its journal entry
// is durable; a lease past its expiry gives its unreserved units back, journaled, so
// that central can lease them again. Units an order holds stay the order's.
#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/gateway/gateway.h"

namespace edgeroute::gateway {
namespace {

// A lease's unreserved units could be taken by a worker between the look and the
// compare-and-swap that takes them back; that many tries, then the next sweep.
constexpr int kReturnAttempts = 8;

class EscrowGrantJob final : public Job {
 public:
  EscrowGrantJob(const sync::EscrowGrant& grant, const routing::InventoryCell& cell,
                 std::int64_t recorded_at_us, GatewayState& state,
                 std::function<void(Status)> finish)
      : grant_(grant), cell_(cell), state_(state), finish_(std::move(finish)) {
    DraftEntry& entry = entries().emplace_back();
    entry.kind = journal::EntryKind::escrow_change;
    entry.recorded_at_us = recorded_at_us;
    entry.correlation_id = grant.correlation_id;
    entry.payload = build_escrow_change_record({fbs::EscrowChangeKind::granted, grant.node_id,
                                                grant.sku_id, grant.epoch, grant.units,
                                                grant.expires_at_us, grant.correlation_id});
  }

  Next work(WorkerState&) override { return Next::journal; }
  void journaled(journal::SequenceRange) override {
    // The lease's terms first: a return job that finds the units must find the new epoch
    // with them, and leave them alone.
    state_.escrow().record_grant(cell_.sku_index(), cell_.node_index(), grant_.epoch,
                                 grant_.expires_at_us, grant_.correlation_id);
    // grant_escrow() checked the sum fits, and at a node under escrow only grants add
    // units (adjustments are refused there): the same sum replay makes.
    const std::int32_t on_hand = cell_.levels().on_hand;
    const Result<routing::StockAdjustment> added = state_.inventory().adjust_on_hand(
        cell_,
        escrow_on_hand_after(on_hand, fbs::EscrowChangeKind::granted, grant_.units) - on_hand);
    EDGEROUTE_ASSERT(added.has_value(), "a journaled escrow grant did not fit on_hand");
    finish_(Status::ok());
  }
  // Whatever the journal said (a full queue, a full disk, a failure that leaves it
  // refusing work until a restart), the grant may be offered again later: never a refusal
  // for good, which would give the units back to central.
  void not_journaled(const Status& why) override {
    finish_(Status{StatusCode::unavailable,
                   fmt::format("the grant was not journaled: {}", why.message())});
  }
  void outcome_unknown(const Status& why) override {
    finish_(Status{StatusCode::unavailable,
                   fmt::format("the journal failed ({}); whether the grant was recorded is "
                               "known once the gateway has restarted",
                               why.message())});
  }

 private:
  sync::EscrowGrant grant_;
  const routing::InventoryCell& cell_;
  GatewayState& state_;
  std::function<void(Status)> finish_;
};

// Gives back the unreserved units of leases past their expiry. The units are taken out
// of ATP on the worker (reserved, as an order's would be, so that no order can take
// them meanwhile), then leave on_hand once the entry is durable, or come back if it is
// not journaled.
class EscrowReturnJob final : public Job {
 public:
  EscrowReturnJob(std::vector<EscrowLeaseTerms> expired, std::int64_t recorded_at_us,
                  GatewayState& state, std::atomic<bool>& under_way)
      : expired_(std::move(expired)),
        recorded_at_us_(recorded_at_us),
        state_(state),
        under_way_(under_way) {}

  Next work(WorkerState&) override {
    routing::InventoryTable& inventory = state_.inventory();
    const routing::NetworkModel& network = state_.network();
    for (const EscrowLeaseTerms& lease : expired_) {
      const routing::InventoryCell* cell = inventory.find(lease.sku_index, lease.node_index);
      if (cell == nullptr) continue;
      // A grant journaled since the sweep renewed the lease: its units are the new
      // epoch's to sell, not this one's to give back.
      const std::optional<EscrowLeaseTerms> now =
          state_.escrow().lease(lease.sku_index, lease.node_index);
      if (!now || now->epoch != lease.epoch || !now->expired_at(recorded_at_us_)) continue;
      for (int attempt = 0; attempt < kReturnAttempts; ++attempt) {
        const routing::StockLevels levels = cell->levels();
        const std::int32_t unreserved = levels.on_hand - levels.reserved;
        if (unreserved <= 0) break;
        Result<routing::StockReservation> taken = inventory.try_reserve(*cell, unreserved, 0);
        if (!taken || !taken->reserved) continue;
        taken_.push_back({cell, unreserved});
        DraftEntry& entry = entries().emplace_back();
        entry.kind = journal::EntryKind::escrow_change;
        entry.recorded_at_us = recorded_at_us_;
        entry.payload = build_escrow_change_record(
            {fbs::EscrowChangeKind::returned, network.node(lease.node_index).id,
             network.sku_id(lease.sku_index), lease.epoch, unreserved, 0, ""});
        break;
      }
    }
    if (entries().empty()) {
      finish();
      return Next::done;
    }
    return Next::journal;
  }
  void journaled(journal::SequenceRange) override {
    // The units stayed reserved since work(), and at a node under escrow nothing else
    // takes on_hand below what is reserved (adjustments are refused there, a shipment
    // takes its own reserved units): they are on hand.
    for (const Taken& taken : taken_) {
      const Status shipped = state_.inventory().commit_shipment(*taken.cell, taken.units);
      EDGEROUTE_ASSERT(shipped.is_ok(), "returned escrow units were not on hand");
    }
    finish();
  }
  void not_journaled(const Status&) override {
    for (const Taken& taken : taken_) {
      const Status released = state_.inventory().release(*taken.cell, taken.units);
      EDGEROUTE_ASSERT(released.is_ok(), "escrow units taken for a return were not reserved");
    }
    finish();
  }
  // The entries may be durable: the units stay out of ATP until the restart's replay
  // says where they are.
  void outcome_unknown(const Status&) override { finish(); }

 private:
  struct Taken {
    const routing::InventoryCell* cell = nullptr;
    std::int32_t units = 0;
  };
  void finish() { under_way_.store(false, std::memory_order_release); }

  std::vector<EscrowLeaseTerms> expired_;
  std::int64_t recorded_at_us_ = 0;
  GatewayState& state_;
  std::atomic<bool>& under_way_;
  std::vector<Taken> taken_;
};

}  // namespace

void Gateway::grant_escrow(const sync::EscrowGrant& grant, std::function<void(Status)> done) {
  const routing::NetworkModel& network = state_.network();
  const EscrowLedger& escrow = state_.escrow();
  const auto refuse = [&](StatusCode code, std::string message) {
    done(Status{code, std::move(message)});
  };
  if (!escrow.enabled()) {
    return refuse(StatusCode::failed_precondition,
                  "escrow is off at this gateway: it syncs with no central and homes every node");
  }
  const std::optional<std::uint32_t> node = network.find_node(grant.node_id);
  if (!node) {
    return refuse(StatusCode::not_found,
                  fmt::format("node '{}' is not in this gateway's network", grant.node_id));
  }
  const std::optional<std::uint32_t> sku = network.find_sku(grant.sku_id);
  if (!sku) {
    return refuse(StatusCode::not_found,
                  fmt::format("SKU '{}' is not in this gateway's catalog", grant.sku_id));
  }
  if (!escrow.governs(*node)) {
    return refuse(StatusCode::failed_precondition,
                  fmt::format("node '{}' is homed by this gateway: its stock is counted here, "
                              "not leased",
                              grant.node_id));
  }
  if (const std::optional<EscrowLeaseTerms> lease = escrow.lease(*sku, *node)) {
    // Central may send a grant again after a lost session; the journal already holds it.
    if (lease->holds(grant.correlation_id)) return done(Status::ok());
    if (grant.epoch <= lease->epoch) {
      return refuse(StatusCode::failed_precondition,
                    fmt::format("the lease of '{}' at '{}' is at epoch {}: a grant of epoch {} "
                                "is not newer",
                                grant.sku_id, grant.node_id, lease->epoch, grant.epoch));
    }
  }
  // A grant of an SKU the node has not stocked so far starts its stock record (at 0: the
  // units come once the grant is durable); replay does the same. No room is a passing
  // state (a restart makes room), never a refusal.
  Result<const routing::InventoryCell*> record = state_.stock_record(*sku, *node);
  if (!record) return refuse(record.status().code(), record.status().message());
  const routing::InventoryCell* cell = *record;
  if (grant.units <= 0 ||
      cell->levels().on_hand > std::numeric_limits<std::int32_t>::max() - grant.units) {
    return refuse(StatusCode::invalid_argument,
                  fmt::format("a grant of {} units of '{}' at '{}' does not fit the stock "
                              "record ({} on hand)",
                              grant.units, grant.sku_id, grant.node_id, cell->levels().on_hand));
  }
  submit_change(std::make_unique<EscrowGrantJob>(grant, *cell, clock_.wall_unix_microseconds(),
                                                 state_, std::move(done)));
}

void Gateway::return_expired_escrow() {
  if (!state_.escrow().enabled()) return;
  const std::int64_t now = clock_.wall_unix_microseconds();
  std::vector<EscrowLeaseTerms> expired;
  for (EscrowLeaseTerms& lease : state_.escrow().leases()) {
    if (!lease.expired_at(now)) continue;
    const routing::InventoryCell* cell = state_.inventory().find(lease.sku_index, lease.node_index);
    if (cell == nullptr) continue;
    const routing::StockLevels levels = cell->levels();
    if (levels.on_hand > levels.reserved) expired.push_back(std::move(lease));
  }
  if (expired.empty()) return;
  if (escrow_return_under_way_.exchange(true, std::memory_order_acq_rel)) return;
  // Not taken (busy, stopping): the job's not_journaled() clears the flag; the next sweep
  // tries again.
  submit_change(
      std::make_unique<EscrowReturnJob>(std::move(expired), now, state_, escrow_return_under_way_));
}

std::vector<sync::EscrowLeaseStanding> Gateway::escrow_standing() const {
  std::vector<sync::EscrowLeaseStanding> standing;
  const routing::NetworkModel& network = state_.network();
  for (const EscrowLeaseTerms& lease : state_.escrow().leases()) {
    const routing::InventoryCell* cell = state_.inventory().find(lease.sku_index, lease.node_index);
    if (cell == nullptr) continue;
    const routing::StockLevels levels = cell->levels();
    standing.push_back({network.node(lease.node_index).id,
                        std::string(network.sku_id(lease.sku_index)), lease.epoch,
                        std::max(0, levels.on_hand - levels.reserved), levels.reserved,
                        lease.expires_at_us});
  }
  return standing;
}

EscrowFigures Gateway::escrow_figures() const {
  EscrowFigures figures;
  const std::int64_t now = clock_.wall_unix_microseconds();
  for (const sync::EscrowLeaseStanding& lease : escrow_standing()) {
    ++figures.leases;
    figures.unreserved_units += static_cast<std::uint64_t>(lease.unreserved_units);
    if (lease.expires_at_us <= now) ++figures.expired_leases;
  }
  return figures;
}

}  // namespace edgeroute::gateway
