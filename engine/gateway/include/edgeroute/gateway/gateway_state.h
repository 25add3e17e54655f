// GatewayState: everything a gateway routes from, in memory: the routing model (network
// + policy, published as snapshots), the live inventory and capacity counters, and the
// order book. Built at start from the journal: the baseline documents (network, policy,
// inventory snapshot, as JSON) and then every entry after them, so that the state after
// a restart is exactly the state every acknowledged reply described.
//
// Replay. Entries are folded into per-cell totals and per-order records first, and the
// inventory table is built once from the totals: a restored reservation is not a new
// reservation (it was checked when it was made) and must come back even where a later
// cycle count left the cell oversold. The totals are sums, so replay gives the same
// counters whatever interleaving the live gateway had between its reservations and its
// journal order.
//
// Policy. The policy that routes is the stage's active one (policy_stage.h): the
// baseline document's, or a signed one from central, on trial or committed. The journal
// writer applies each change once its entry is durable and publishes a routing model
// with the new policy; routing never waits for it.
//
// Thread-safety: restore() runs alone, before any worker starts. Afterwards the members
// are shared by the workers and the journal writer under their own rules (routing core
// for the model, inventory and capacity; order_book.h for the book). The policy stage
// is read from any thread (policy_figures) and changed by the journal writer only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mutex>

#include "edgeroute/base/result.h"
#include "edgeroute/gateway/escrow_ledger.h"
#include "edgeroute/gateway/fbs/journal_records_generated.h"
#include "edgeroute/gateway/node_health.h"
#include "edgeroute/gateway/order_book.h"
#include "edgeroute/gateway/policy_stage.h"
#include "edgeroute/journal/entry_reader.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/routing/capacity_counters.h"
#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/routing/routing_model.h"
#include "edgeroute/routing/snapshot.h"

namespace edgeroute::gateway {

// The documents a gateway's state starts from, as the JSON a person wrote.
struct Baseline {
  std::string network_json;
  std::string policy_json;
  std::string inventory_json;
};

// Names of the baseline documents in the journal.
inline constexpr std::string_view kNetworkDocument = "network.json";
inline constexpr std::string_view kPolicyDocument = "policy.json";
inline constexpr std::string_view kInventoryDocument = "inventory.json";
// Their binary forms (FlatBuffers, as parsed from the JSON), kept beside them from the
// first start on, so that a restart verifies and validates a buffer instead of parsing
// JSON again (minutes for a large catalog). The JSON stays the record: a binary form that
// is missing, does not verify or does not validate is made again from it.
inline constexpr std::string_view kNetworkBinary = "network.fb";
inline constexpr std::string_view kPolicyBinary = "policy.fb";
inline constexpr std::string_view kInventoryBinary = "inventory.fb";

// (SKU, node) pairs that can gain their first stock while the gateway runs (a receipt of
// an SKU new to a node it homes, an escrow grant of one at a node it does not), beyond
// those it started with: room set aside in the inventory table (InventoryTable::build).
// A restart builds the table with every pair it holds, and this much room again. The room
// costs 80 KiB, plus a chain head of 4 bytes per SKU (40 KiB for the demo's 10 000).
inline constexpr std::size_t kRoomForNewStockRecords = 4096;

// What the policy stage holds, as versions (0: none).
struct PolicyFigures {
  std::uint64_t active = 0;
  std::uint64_t trial = 0;
  std::uint64_t committed = 0;
  std::uint64_t previous = 0;
  std::uint64_t highest_accepted = 0;
};

// One change of the policy stage, as the journal records it (PolicyChangeRecord).
struct PolicyChange {
  fbs::PolicyChangeKind change = fbs::PolicyChangeKind::refused;
  // trial: the policy that goes on trial.
  StagedPolicy trial;
};

struct RestoreSummary {
  std::uint64_t entries_replayed = 0;
  std::uint64_t orders = 0;
  std::uint64_t orders_holding_stock = 0;
};

// The network document policies are validated against (gateway_state.cpp).
struct NetworkSource;

class GatewayState {
 public:
  // The baseline from `journal`'s documents; on a journal that has none yet (first
  // start), `first_baseline` is stored there first (failed_precondition when there is
  // none to store). Then every entry is replayed. `now_utc` centres the time-zone tables
  // the promise uses; `reader_slots` is how many threads will read the model.
  // `homed_node_ids`: the nodes this gateway homes when it syncs with central (escrow_ledger.h:
  // stock elsewhere only within leases); empty, escrow is off (no central: every node is
  // homed here). An id the network does not have is invalid_argument.
  // Errors name the document or the journal entry (sequence) that could not be used.
  static Result<std::unique_ptr<GatewayState>> restore(
      journal::Journal& journal, const Baseline* first_baseline, std::int64_t now_utc,
      std::uint32_t reader_slots, std::span<const std::string> homed_node_ids = {});

  routing::SnapshotPublisher<routing::RoutingModel>& models() { return *models_; }
  routing::InventoryTable& inventory() { return inventory_; }
  // The stock record of the SKU at the node, started at 0 on hand if it has none yet
  // (kRoomForNewStockRecords; a record is never removed). unavailable, naming the room,
  // when the room since the last start is used up (a restart makes room again). Indexes
  // must be the network's. Any thread.
  Result<const routing::InventoryCell*> stock_record(std::uint32_t sku_index,
                                                     std::uint32_t node_index);
  routing::CapacityCounters& capacity() { return capacity_; }
  OrderBook& orders() { return orders_; }
  // Reads back journal entries the order book points to (journaled_documents.h), on
  // connections of its own beside the journal writer's. Any thread.
  const journal::EntryReader& journal_reader() const { return *journal_reader_; }
  // The network the inventory table and the order book's node and SKU indexes refer to.
  const routing::NetworkModel& network() const { return *network_; }
  const RestoreSummary& restored() const { return restored_; }
  // The version of the policy that routes now. Any thread.
  std::uint64_t policy_version() const;
  PolicyFigures policy_figures() const;
  // The version a rollback would bring back (PolicyStage::rollback_target). Any thread.
  Result<std::uint64_t> policy_rollback_target() const;
  // Compiles a policy document against this gateway's network: invalid_argument naming
  // the fields that do not validate. Any thread.
  Result<std::shared_ptr<const routing::PolicyModel>> compile_policy(std::string_view json) const;
  // Makes a change that is durable in the journal: changes the stage (the change's
  // precondition, policy_stage.h, was checked before it was journaled; a failure here is
  // returned and changes nothing) and publishes a routing model with the stage's active
  // policy. Journal writer only.
  Status apply_policy_change(const PolicyChange& change);

  // What the nodes' reports say about their health (node_health.h). Fed by the journal
  // writer once a report is durable.
  NodeHealthLedger& node_health() { return node_health_; }
  // The nodes homed here and the escrow leases held elsewhere (escrow_ledger.h).
  EscrowLedger& escrow() { return escrow_; }
  const EscrowLedger& escrow() const { return escrow_; }
  // Central closed the node (Gateway::close_node): durable in the journal. Publishes a
  // routing model without it; nothing more is routed there. Journal writer only.
  void close_node(std::uint32_t node_index);
  // Central reopened it: durable in the journal. Publishes a routing model with it again.
  // Journal writer only.
  void reopen_node(std::uint32_t node_index);
  // The nodes central closed, by index. Any thread.
  std::vector<std::uint32_t> closed_nodes() const;

  // Publishes a routing model whose node health is the ledger's blend when it moved
  // far enough since the last one published (health_moved, node_health.h). Routing never
  // waits: readers keep the snapshot they hold. Journal writer only.
  void republish_node_health();
  // The node health in the routing model most recently published. Journal writer only
  // (routing reads it through the model snapshots).
  const std::vector<routing::NodeHealth>& published_node_health() const {
    return published_health_;
  }

 private:
  GatewayState(std::shared_ptr<const routing::NetworkModel> network,
               std::shared_ptr<const NetworkSource> network_source, PolicyStage policy_stage,
               routing::InventoryTable inventory, routing::CapacityCounters capacity,
               NodeHealthLedger node_health, EscrowLedger escrow)
      : network_(std::move(network)),
        network_source_(std::move(network_source)),
        policy_stage_(std::move(policy_stage)),
        inventory_(std::move(inventory)),
        capacity_(std::move(capacity)),
        node_health_(std::move(node_health)),
        escrow_(std::move(escrow)) {}

  // The network routing sees: the network of record with `health` and without the
  // closed nodes.
  std::shared_ptr<const routing::NetworkModel> routed_network(
      std::span<const routing::NodeHealth> health) const;
  // Publishes a model of the routed network with the published node health and `policy`.
  void publish_model(std::shared_ptr<const routing::PolicyModel> policy);

  std::shared_ptr<const routing::NetworkModel> network_;
  std::shared_ptr<const NetworkSource> network_source_;
  // Guards policy_stage_, and closed_nodes_ against readers other than the journal
  // writer (the one thread that changes it).
  mutable std::mutex policy_mutex_;
  PolicyStage policy_stage_;
  std::unique_ptr<routing::SnapshotPublisher<routing::RoutingModel>> models_;
  routing::InventoryTable inventory_;
  routing::CapacityCounters capacity_;
  OrderBook orders_;
  std::unique_ptr<journal::EntryReader> journal_reader_;
  RestoreSummary restored_;
  NodeHealthLedger node_health_;
  std::vector<routing::NodeHealth> published_health_;
  std::vector<std::uint32_t> closed_nodes_;
  EscrowLedger escrow_;
};

}  // namespace edgeroute::gateway
