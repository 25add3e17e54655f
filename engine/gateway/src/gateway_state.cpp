#include "edgeroute/gateway/gateway_state.h"

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/gateway/fbs/journal_records_generated.h"
#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {

namespace io = routing::io;

struct NetworkSource {
  io::NetworkDocument document;
};

namespace {

std::string_view text_of(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Status document_errors(std::string_view name, const std::vector<FieldError>& errors) {
  std::string message = fmt::format("journal document {}:", name);
  for (const FieldError& error : errors) message += fmt::format(" {};", error.to_string());
  message.pop_back();
  return {StatusCode::corruption, std::move(message)};
}

std::uint64_t cell_key(std::uint32_t sku_index, std::uint32_t node_index) {
  return (std::uint64_t{sku_index} << 32) | node_index;
}

struct RestoredLine {
  std::uint32_t sku_index = 0;
  std::uint32_t node_index = 0;
  std::int32_t quantity = 0;
};

struct RestoredOrder {
  OrderStatus status = OrderStatus::rejected;
  std::uint64_t decision_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::uint64_t document_sequence = 0;
  bool order_journaled = false;
  std::string correlation_id;
  std::vector<NodePromise> promises;
  std::vector<std::uint32_t> routed_away_from;
  bool open_exception = false;
  std::vector<std::string> reported_nodes;
  std::vector<RestoredLine> stock;
  std::vector<HeldCapacity> capacity;
};

// A policy_change entry, as read.
struct RecordedPolicyChange {
  std::uint64_t sequence = 0;
  fbs::PolicyChangeKind change = fbs::PolicyChangeKind::refused;
  std::uint64_t version = 0;
  std::uint64_t active_version = 0;
  std::string policy_json;
};

// Folds journal entries into cell totals and order records (see gateway_state.h).
class Replay {
 public:
  // `entries`: how many journal entries the replay will see, the most orders it can
  // restore, so that the order map never rehashes on the way.
  Replay(const routing::NetworkModel& network, routing::CapacityCounters& capacity,
         NodeHealthLedger& node_health, EscrowLedger& escrow, std::uint64_t entries)
      : network_(network), capacity_(capacity), node_health_(node_health), escrow_(escrow) {
    orders_.reserve(static_cast<std::size_t>(entries));
  }

  // At a node under escrow the snapshot says which SKUs the node stocks, never how many
  // units this gateway may sell: those come from the leases (escrow_change entries).
  void start_from(const routing::InventoryTable& baseline) {
    for (std::uint32_t sku = 0; sku < baseline.sku_count(); ++sku) {
      for (const routing::InventoryCell& cell : baseline.stocked_nodes(sku)) {
        routing::StockLevels levels = cell.levels();
        if (escrow_.governs(cell.node_index())) levels.on_hand = 0;
        cells_[cell_key(sku, cell.node_index())] = levels;
      }
    }
  }

  Status apply(const journal::StoredEntry& entry) {
    Status applied = apply_entry(entry);
    if (!applied.is_ok()) {
      return applied.with_context(
          fmt::format("journal entry {} ({})", entry.sequence, journal::to_string(entry.kind)));
    }
    ++entries_;
    return Status::ok();
  }

  Result<routing::InventoryTable> build_inventory() const {
    std::vector<routing::StockRecord> records;
    records.reserve(cells_.size());
    for (const auto& [key, levels] : cells_) {
      routing::StockRecord record{static_cast<std::uint32_t>(key >> 32),
                                  static_cast<std::uint32_t>(key), levels.on_hand};
      record.reserved = levels.reserved;
      records.push_back(record);
    }
    return routing::InventoryTable::build(static_cast<std::uint32_t>(network_.skus().size()),
                                          records, kRoomForNewStockRecords);
  }

  const std::vector<RecordedPolicyChange>& policy_changes() const { return policy_changes_; }
  const std::vector<std::uint32_t>& closed_nodes() const { return closed_nodes_; }

  // Moves every restored order into `book`, freeing each as it goes: the book's records
  // take the memory the replay's give back, rather than the two sets living side by side
  // (which would double the peak memory of a restart).
  RestoreSummary fill(OrderBook& book, const routing::InventoryTable& inventory) {
    RestoreSummary summary;
    summary.entries_replayed = entries_;
    book.reserve(orders_.size());
    for (auto entry = orders_.begin(); entry != orders_.end(); entry = orders_.erase(entry)) {
      RestoredOrder& restored = entry->second;
      book.update(entry->first, [&](OrderBook::Slot& slot) {
        OrderRecord& record = slot.create();
        record.status = restored.status;
        record.decided = true;
        record.decision_sequence = restored.decision_sequence;
        record.last_sequence = restored.last_sequence;
        record.document_sequence = restored.document_sequence;
        record.order_journaled = restored.order_journaled;
        record.correlation_id = std::move(restored.correlation_id);
        record.promises = std::move(restored.promises);
        record.routed_away_from = std::move(restored.routed_away_from);
        record.open_exception = restored.open_exception;
        record.reported_nodes = std::move(restored.reported_nodes);
        for (const RestoredLine& line : restored.stock) {
          record.held.add_stock({inventory.find(line.sku_index, line.node_index), line.quantity});
        }
        for (const HeldCapacity& claim : restored.capacity) record.held.add_capacity(claim);
        if (!record.held.stock().empty()) ++summary.orders_holding_stock;
      });
      ++summary.orders;
    }
    return summary;
  }

 private:
  Result<std::uint32_t> node_of(const flatbuffers::String* id) const {
    const auto index = network_.find_node(id->string_view());
    if (!index) return Status{StatusCode::corruption, fmt::format("unknown node '{}'", id->str())};
    return *index;
  }
  Result<std::uint32_t> sku_of(const flatbuffers::String* id) const {
    const auto index = network_.find_sku(id->string_view());
    if (!index) return Status{StatusCode::corruption, fmt::format("unknown SKU '{}'", id->str())};
    return *index;
  }
  // A stocked (SKU, node) pair named by ids: its indexes and its running levels.
  struct ResolvedCell {
    std::uint32_t sku_index = 0;
    std::uint32_t node_index = 0;
    routing::StockLevels* levels = nullptr;
  };
  enum class MissingCell { corruption, start_at_zero };
  Result<ResolvedCell> cell_of(const flatbuffers::String* sku_id,
                               const flatbuffers::String* node_id,
                               MissingCell missing = MissingCell::corruption) {
    Result<std::uint32_t> sku = sku_of(sku_id);
    if (!sku) return sku.status();
    Result<std::uint32_t> node = node_of(node_id);
    if (!node) return node.status();
    auto found = cells_.find(cell_key(*sku, *node));
    if (found == cells_.end() && missing == MissingCell::start_at_zero) {
      found = cells_.emplace(cell_key(*sku, *node), routing::StockLevels{}).first;
    }
    if (found == cells_.end()) {
      return Status{StatusCode::corruption, fmt::format("node '{}' does not stock SKU '{}'",
                                                        node_id->str(), sku_id->str())};
    }
    return ResolvedCell{*sku, *node, &found->second};
  }

  Status apply_entry(const journal::StoredEntry& entry) {
    switch (entry.kind) {
      case journal::EntryKind::decision: return apply_decision(entry);
      case journal::EntryKind::release: return apply_release(entry);
      case journal::EntryKind::inventory_adjustment: return apply_adjustment(entry);
      case journal::EntryKind::fulfillment_event: return apply_fulfillment(entry);
      case journal::EntryKind::reroute: return apply_reroute(entry);
      case journal::EntryKind::policy_change: return apply_policy_change(entry);
      case journal::EntryKind::network_change: return apply_network_change(entry);
      case journal::EntryKind::escrow_change: return apply_escrow_change(entry);
    }
    return {StatusCode::corruption, "this gateway does not replay entries of this kind"};
  }

  // Policy changes are folded into the stage after the replay (fold_policy_changes):
  // compiling a policy needs the network document, which the replay does not hold.
  Status apply_policy_change(const journal::StoredEntry& entry) {
    Result<const fbs::PolicyChangeRecord*> record = read_policy_change_record(entry.payload);
    if (!record) return record.status();
    RecordedPolicyChange& change = policy_changes_.emplace_back();
    change.sequence = entry.sequence;
    change.change = (*record)->change();
    change.version = (*record)->version();
    change.active_version = (*record)->active_version();
    if (const auto* json = (*record)->policy_json()) change.policy_json = json->str();
    return Status::ok();
  }

  Status apply_network_change(const journal::StoredEntry& entry) {
    Result<const fbs::NetworkChangeRecord*> record = read_network_change_record(entry.payload);
    if (!record) return record.status();
    // A closure of a node this network does not have changes nothing (close_node).
    const std::optional<std::uint32_t> node =
        network_.find_node((*record)->node_id()->string_view());
    if (!node) return Status::ok();
    const auto closed = std::find(closed_nodes_.begin(), closed_nodes_.end(), *node);
    if ((*record)->change() == fbs::NetworkChangeKind::node_reopened) {
      if (closed != closed_nodes_.end()) closed_nodes_.erase(closed);
    } else if (closed == closed_nodes_.end()) {
      closed_nodes_.push_back(*node);
    }
    return Status::ok();
  }

  // As Gateway::grant_escrow and the return of an expired lease: a grant adds its units,
  // a return takes out the unreserved units it gave back.
  Status apply_escrow_change(const journal::StoredEntry& entry) {
    Result<const fbs::EscrowChangeRecord*> record = read_escrow_change_record(entry.payload);
    if (!record) return record.status();
    // A grant of an SKU the node did not stock started its stock record; a return
    // follows a grant.
    Result<ResolvedCell> cell =
        cell_of((*record)->sku_id(), (*record)->node_id(),
                (*record)->change() == fbs::EscrowChangeKind::granted ? MissingCell::start_at_zero
                                                                      : MissingCell::corruption);
    if (!cell) return cell.status();
    routing::StockLevels& levels = *cell->levels;
    levels.on_hand = escrow_on_hand_after(levels.on_hand, (*record)->change(), (*record)->units());
    if ((*record)->change() == fbs::EscrowChangeKind::granted) {
      escrow_.record_grant(cell->sku_index, cell->node_index, (*record)->epoch(),
                           (*record)->expires_at_us(),
                           (*record)->reference() ? (*record)->reference()->string_view() : "");
    }
    return Status::ok();
  }

  RestoredOrder* order_of(const journal::StoredEntry& entry) {
    const auto found = orders_.find(entry.order_id);
    return found == orders_.end() ? nullptr : &found->second;
  }

  Status apply_decision(const journal::StoredEntry& entry) {
    Result<const fbs::DecisionRecord*> record = read_decision_record(entry.payload);
    if (!record) return record.status();
    const routing::fbs::Decision& decision = decision_of(**record);
    RestoredOrder restored;
    restored.status = status_of(decision.outcome());
    restored.decision_sequence = restored.last_sequence = restored.document_sequence =
        entry.sequence;
    restored.order_journaled = (*record)->order() != nullptr;
    restored.correlation_id = std::string(entry.correlation_id);
    restored.promises = promises_of(decision);
    if (Status held = hold((*record)->stock(), (*record)->capacity(), restored); !held.is_ok()) {
      return held;
    }
    const auto [slot, created] = orders_.try_emplace(std::string(entry.order_id));
    if (!created && !slot->second.stock.empty()) {
      return {StatusCode::corruption,
              fmt::format("order '{}' decided again while it holds stock", entry.order_id)};
    }
    slot->second = std::move(restored);
    return Status::ok();
  }

  // Takes the stock lines and capacity claims of a decision (or a re-route) for `order`.
  Status hold(const flatbuffers::Vector<flatbuffers::Offset<fbs::HeldStockRecord>>* stock,
              const flatbuffers::Vector<flatbuffers::Offset<fbs::HeldCapacityRecord>>* claims,
              RestoredOrder& order) {
    if (stock != nullptr) {
      for (const fbs::HeldStockRecord* line : *stock) {
        Result<ResolvedCell> cell = cell_of(line->sku_id(), line->node_id());
        if (!cell) return cell.status();
        cell->levels->reserved += line->quantity();
        order.stock.push_back({cell->sku_index, cell->node_index, line->quantity()});
      }
    }
    if (claims != nullptr) {
      for (const fbs::HeldCapacityRecord* claim : *claims) {
        Result<std::uint32_t> node = node_of(claim->node_id());
        if (!node) return node.status();
        const HeldCapacity held{*node, claim->local_day(), claim->orders(), claim->units()};
        // The claim was checked against the limits when it was made; it comes back whole.
        const routing::CapacityLimits unlimited{routing::CapacityCounters::kOrdersMax,
                                                routing::CapacityCounters::kUnitsMax};
        const auto taken = capacity_.try_reserve(held.node_index, held.local_day, held.orders,
                                                 held.units, unlimited);
        if (!taken) return taken.status();
        order.capacity.push_back(held);
      }
    }
    return Status::ok();
  }

  Status apply_reroute(const journal::StoredEntry& entry) {
    Result<const fbs::RerouteRecord*> record = read_reroute_record(entry.payload);
    if (!record) return record.status();
    RestoredOrder* order = order_of(entry);
    if (order == nullptr) {
      return {StatusCode::corruption,
              fmt::format("re-route of unknown order '{}'", entry.order_id)};
    }
    Result<std::uint32_t> from = node_of((*record)->from_node_id());
    if (!from) return from.status();
    if (const auto* released = (*record)->released()) {
      for (const fbs::HeldStockRecord* line : *released) {
        Result<ResolvedCell> cell = cell_of(line->sku_id(), line->node_id());
        if (!cell) return cell.status();
        const auto held =
            std::find_if(order->stock.begin(), order->stock.end(), [&](const RestoredLine& mine) {
              return mine.sku_index == cell->sku_index && mine.node_index == cell->node_index &&
                     mine.quantity == line->quantity();
            });
        if (held == order->stock.end()) {
          return {StatusCode::corruption,
                  fmt::format("re-route of order '{}' releases stock it does not hold",
                              entry.order_id)};
        }
        cell->levels->reserved -= line->quantity();
        order->stock.erase(held);
      }
    }
    if (const auto* released = (*record)->released_capacity()) {
      for (const fbs::HeldCapacityRecord* claim : *released) {
        Result<std::uint32_t> node = node_of(claim->node_id());
        if (!node) return node.status();
        const auto held = std::find_if(
            order->capacity.begin(), order->capacity.end(), [&](const HeldCapacity& mine) {
              return mine.node_index == *node && mine.local_day == claim->local_day() &&
                     mine.orders == claim->orders() && mine.units == claim->units();
            });
        if (held == order->capacity.end()) {
          return {StatusCode::corruption,
                  fmt::format("re-route of order '{}' releases a capacity claim it does not hold",
                              entry.order_id)};
        }
        const auto given_back =
            capacity_.release(held->node_index, held->local_day, held->orders, held->units);
        if (!given_back) return given_back.status();
        order->capacity.erase(held);
      }
    }
    if (Status held = hold((*record)->stock(), (*record)->capacity(), *order); !held.is_ok()) {
      return held;
    }
    const routing::fbs::Decision& decision = decision_of(**record);
    order->document_sequence = entry.sequence;
    reroute_promises(order->promises, (*record)->from_node_id()->string_view(), decision);
    order->routed_away_from.push_back(*from);
    order->status = OrderStatus::rerouted;
    order->open_exception = true;
    order->last_sequence = entry.sequence;
    return Status::ok();
  }

  Status apply_release(const journal::StoredEntry& entry) {
    RestoredOrder* order = order_of(entry);
    if (order == nullptr) {
      return {StatusCode::corruption, fmt::format("release of unknown order '{}'", entry.order_id)};
    }
    for (const RestoredLine& line : order->stock) {
      cells_[cell_key(line.sku_index, line.node_index)].reserved -= line.quantity;
    }
    for (const HeldCapacity& claim : order->capacity) {
      const auto released =
          capacity_.release(claim.node_index, claim.local_day, claim.orders, claim.units);
      if (!released) return released.status();
    }
    order->stock.clear();
    order->capacity.clear();
    order->status = OrderStatus::released;
    order->last_sequence = entry.sequence;
    return Status::ok();
  }

  Status apply_adjustment(const journal::StoredEntry& entry) {
    Result<const fbs::AdjustmentRecord*> record = read_adjustment_record(entry.payload);
    if (!record) return record.status();
    // The first receipt or count of an SKU at a node started its stock record.
    Result<ResolvedCell> cell =
        cell_of((*record)->sku_id(), (*record)->node_id(), MissingCell::start_at_zero);
    if (!cell) return cell.status();
    cell->levels->on_hand = adjusted_on_hand(cell->levels->on_hand, (*record)->kind(),
                                             (*record)->delta(), (*record)->counted());
    return Status::ok();
  }

  Status apply_fulfillment(const journal::StoredEntry& entry) {
    Result<const fbs::FulfillmentRecord*> record = read_fulfillment_record(entry.payload);
    if (!record) return record.status();
    RestoredOrder* order = order_of(entry);
    if (order == nullptr) {
      return {StatusCode::corruption,
              fmt::format("fulfillment event for unknown order '{}'", entry.order_id)};
    }
    Result<std::uint32_t> node = node_of((*record)->node_id());
    if (!node) return node.status();
    const std::string node_id = (*record)->node_id()->str();
    ShipmentReport report;
    report.node_index = *node;
    report.event = (*record)->event();
    report.first_report_at_node =
        std::find(order->reported_nodes.begin(), order->reported_nodes.end(), node_id) ==
        order->reported_nodes.end();
    if ((*record)->occurred_at() != nullptr) {
      report.occurred_at = routing::parse_utc_instant((*record)->occurred_at()->string_view());
    }
    if (const NodePromise* promise = promise_at(order->promises, node_id)) {
      report.promised_cutoff_at = promise->cutoff_at;
    }
    // As the live gateway: a report counts while the node holds a part of the order.
    const bool holds_at_node =
        std::any_of(order->stock.begin(), order->stock.end(),
                    [&](const RestoredLine& line) { return line.node_index == *node; });
    if (holds_at_node) node_health_.record(report);
    if (report.first_report_at_node) order->reported_nodes.push_back(node_id);
    if (const auto* shipped = (*record)->shipped()) {
      for (const fbs::HeldStockRecord* line : *shipped) {
        Result<ResolvedCell> cell = cell_of(line->sku_id(), line->node_id());
        if (!cell) return cell.status();
        routing::StockLevels& levels = *cell->levels;
        // As HeldReservation::ship: units a node handed off were there.
        levels.on_hand = std::max(levels.on_hand, line->quantity()) - line->quantity();
        levels.reserved -= line->quantity();
        std::erase_if(order->stock, [&](const RestoredLine& held) {
          return held.sku_index == cell->sku_index && held.node_index == cell->node_index;
        });
      }
      // As HeldReservation::ship: the node's last line gone, its capacity claims were used.
      if (std::none_of(order->stock.begin(), order->stock.end(),
                       [&](const RestoredLine& line) { return line.node_index == *node; })) {
        std::erase_if(order->capacity,
                      [&](const HeldCapacity& claim) { return claim.node_index == *node; });
      }
    }
    order->status = status_after(order->status, (*record)->event(), order->stock.empty());
    using Event = protocol::fbs::FulfillmentEventKind;
    if ((*record)->event() == Event::delayed || (*record)->event() == Event::failed) {
      order->open_exception = true;
    }
    if ((*record)->recovered()) order->open_exception = false;
    order->last_sequence = entry.sequence;
    return Status::ok();
  }

  const routing::NetworkModel& network_;
  routing::CapacityCounters& capacity_;
  NodeHealthLedger& node_health_;
  EscrowLedger& escrow_;
  std::vector<RecordedPolicyChange> policy_changes_;
  std::vector<std::uint32_t> closed_nodes_;
  std::unordered_map<std::uint64_t, routing::StockLevels> cells_;
  // Looked up by the entries' string_views without building a std::string each time.
  struct OrderIdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, RestoredOrder, OrderIdHash, std::equal_to<>> orders_;
  std::uint64_t entries_ = 0;
};

Result<std::shared_ptr<const routing::PolicyModel>> compile_policy_document(
    std::string_view json, const NetworkSource& source, const routing::NetworkModel& network) {
  Validated<io::PolicyDocument> policy = io::load_policy_json(json, source.document.root());
  if (!policy) {
    std::string message;
    for (const FieldError& error : policy.errors()) {
      message += fmt::format("{}{}", message.empty() ? "" : "; ", error.to_string());
    }
    return Status{StatusCode::invalid_argument, std::move(message)};
  }
  return io::compile_policy(policy->root(), network);
}

// The stage the journal's policy changes lead to from `baseline`, each change checked as
// it was when it was made. Versions are folded first; only the policies the stage still
// holds (on trial, committed, the one before it) are compiled, so that start-up does not
// grow with every trial ever made, and a trial long reverted is never compiled again.
Result<PolicyStage> fold_policy_changes(StagedPolicy baseline,
                                        const std::vector<RecordedPolicyChange>& changes,
                                        const NetworkSource& source,
                                        const routing::NetworkModel& network) {
  PolicyStage stage(std::move(baseline));
  std::unordered_map<std::uint64_t, const RecordedPolicyChange*> trials;
  for (const RecordedPolicyChange& recorded : changes) {
    Status changed = Status::ok();
    switch (recorded.change) {
      case fbs::PolicyChangeKind::trial:
        changed = stage.begin_trial({recorded.version, nullptr});
        trials[recorded.version] = &recorded;
        break;
      case fbs::PolicyChangeKind::committed: changed = stage.commit(); break;
      case fbs::PolicyChangeKind::reverted: changed = stage.revert(); break;
      case fbs::PolicyChangeKind::rolled_back: changed = stage.roll_back(); break;
      case fbs::PolicyChangeKind::refused: continue;
    }
    if (changed.is_ok() && stage.active().version != recorded.active_version) {
      changed = Status{StatusCode::corruption,
                       fmt::format("policy {} routes after it, not {} as recorded",
                                   stage.active().version, recorded.active_version)};
    }
    if (!changed.is_ok()) {
      return Status{StatusCode::corruption,
                    fmt::format("journal entry {} (policy_change {}): {}", recorded.sequence,
                                fbs::EnumNamePolicyChangeKind(recorded.change), changed.message())};
    }
  }
  const Status compiled = stage.attach_models(
      [&](std::uint64_t version) -> Result<std::shared_ptr<const routing::PolicyModel>> {
        const RecordedPolicyChange& trial = *trials.at(version);
        Result<std::shared_ptr<const routing::PolicyModel>> model =
            compile_policy_document(trial.policy_json, source, network);
        if (!model) {
          return Status{StatusCode::corruption,
                        fmt::format("journal entry {}: policy {} no longer validates against "
                                    "this gateway's network: {}",
                                    trial.sequence, version, model.status().message())};
        }
        return model;
      });
  if (!compiled.is_ok()) return compiled;
  return stage;
}

// The journal holds its three baseline documents: a new journal is given
// `first_baseline`'s; one with entries or with some documents must already have all three.
// Their JSON is not read here: a restart reads the binary forms (load_baseline_document).
Status keep_baseline(journal::Journal& journal, const Baseline* first_baseline) {
  std::uint32_t found = 0;
  for (const std::string_view name : {kNetworkDocument, kPolicyDocument, kInventoryDocument}) {
    Result<bool> held = journal.has_document(name);
    if (!held) return held.status();
    if (*held) ++found;
  }
  if (found == 3) return Status::ok();
  if (found != 0 || journal.last_sequence() != 0) {
    return Status{
        StatusCode::corruption,
        fmt::format("{}: the journal lacks some of its baseline documents", journal.path())};
  }
  if (first_baseline == nullptr) {
    return Status{
        StatusCode::failed_precondition,
        fmt::format("{}: a new journal needs a network, a policy and an inventory snapshot "
                    "to start from",
                    journal.path())};
  }
  for (const auto& [name, text] :
       {std::pair{kNetworkDocument, &first_baseline->network_json},
        std::pair{kPolicyDocument, &first_baseline->policy_json},
        std::pair{kInventoryDocument, &first_baseline->inventory_json}}) {
    if (Status put = journal.put_document(name, bytes_of(*text), 0); !put.is_ok()) return put;
  }
  return Status::ok();
}

// A baseline document from the binary form an earlier start kept (kNetworkBinary, ...)
// when the journal has one that verifies and validates, else from its JSON, whose binary
// form is then kept for the next start. The JSON is read only then: on a large catalog it
// is hundreds of megabytes of the journal file. A JSON that does not validate is
// corruption, every error named.
template <typename Document, typename FromBinary, typename FromJson>
Result<Document> load_baseline_document(journal::Journal& journal, std::string_view json_name,
                                        std::string_view binary_name, FromBinary from_binary,
                                        FromJson from_json) {
  if (Result<std::optional<journal::Document>> kept = journal.document(binary_name);
      kept && *kept) {
    Validated<Document> adopted = from_binary((*kept)->bytes);
    if (adopted) return std::move(adopted).value();
  }
  Result<std::optional<journal::Document>> json = journal.document(json_name);
  if (!json) return json.status();
  if (!*json) {
    return Status{
        StatusCode::corruption,
        fmt::format("{}: the journal lacks its baseline document {}", journal.path(), json_name)};
  }
  Validated<Document> parsed = from_json(text_of((*json)->bytes));
  if (!parsed) return document_errors(json_name, parsed.errors());
  // Kept at the baseline's own point, before every entry. A failed write (a full disk)
  // costs the next start a JSON parse, nothing else, so it does not stop this one.
  (void)journal.put_document(binary_name, parsed->bytes(), 0);
  return std::move(parsed).value();
}

// Which nodes a gateway homes decides what the stock in its journal means
// (escrow_ledger.h): kept with the journal, so that a gateway restarted homing other nodes
// does not count shared stock as its own, or its own as leased.
constexpr std::string_view kHomingDocument = "homing";

std::string homing_text(std::span<const std::string> homed_node_ids) {
  if (homed_node_ids.empty()) return "every node";
  std::vector<std::string> sorted(homed_node_ids.begin(), homed_node_ids.end());
  std::sort(sorted.begin(), sorted.end());
  std::string text;
  for (const std::string& id : sorted) text += (text.empty() ? "" : ", ") + id;
  return text;
}

Status keep_homing(journal::Journal& journal, std::span<const std::string> homed_node_ids) {
  const std::string wanted = homing_text(homed_node_ids);
  Result<std::optional<journal::Document>> kept = journal.document(kHomingDocument);
  if (!kept) return kept.status();
  if (*kept) {
    const std::string_view written_with = text_of((*kept)->bytes);
    if (written_with == wanted) return Status::ok();
    return Status{StatusCode::failed_precondition,
                  fmt::format("{}: this journal was written by a gateway homing {}, and this one "
                              "would home {} (served_node_ids, and whether central is "
                              "configured): stock it leases and stock it counts would be mixed "
                              "up. Keep the homing the journal was written with, or start a new "
                              "journal",
                              journal.path(), written_with, wanted)};
  }
  if (journal.last_sequence() != 0 && !homed_node_ids.empty()) {
    return Status{StatusCode::failed_precondition,
                  fmt::format("{}: this journal was written by a gateway without central, which "
                              "homed every node; with central configured this one homes only {}, "
                              "and what the journal holds elsewhere was never leased. A gateway "
                              "that syncs starts with a new journal",
                              journal.path(), wanted)};
  }
  return journal.put_document(kHomingDocument, bytes_of(wanted), journal.last_sequence());
}

}  // namespace

Result<std::unique_ptr<GatewayState>> GatewayState::restore(
    journal::Journal& journal, const Baseline* first_baseline, std::int64_t now_utc,
    std::uint32_t reader_slots, std::span<const std::string> homed_node_ids) {
  if (Status kept = keep_baseline(journal, first_baseline); !kept.is_ok()) return kept;
  if (Status homing = keep_homing(journal, homed_node_ids); !homing.is_ok()) return homing;

  Result<routing::Geography> geography = routing::Geography::load_embedded();
  if (!geography) return geography.status();
  auto shared_geography = std::make_shared<const routing::Geography>(std::move(geography).value());

  Result<io::NetworkDocument> network = load_baseline_document<io::NetworkDocument>(
      journal, kNetworkDocument, kNetworkBinary,
      [&](std::span<const std::uint8_t> bytes) {
        return io::load_network_binary(bytes, *shared_geography);
      },
      [&](std::string_view json) { return io::load_network_json(json, *shared_geography); });
  if (!network) return network.status();
  auto network_source = std::make_shared<const NetworkSource>(std::move(network).value());
  const routing::fbs::Network& network_root = network_source->document.root();
  Result<io::PolicyDocument> policy = load_baseline_document<io::PolicyDocument>(
      journal, kPolicyDocument, kPolicyBinary,
      [&](std::span<const std::uint8_t> bytes) {
        return io::load_policy_binary(bytes, network_root);
      },
      [&](std::string_view json) { return io::load_policy_json(json, network_root); });
  if (!policy) return policy.status();
  Result<io::InventoryDocument> inventory = load_baseline_document<io::InventoryDocument>(
      journal, kInventoryDocument, kInventoryBinary,
      [&](std::span<const std::uint8_t> bytes) {
        return io::load_inventory_binary(bytes, network_root);
      },
      [&](std::string_view json) { return io::load_inventory_json(json, network_root); });
  if (!inventory) return inventory.status();

  // Promises look a few weeks ahead of each order; a year on either side leaves room for
  // orders stamped a little in the past and a gateway that runs for months.
  constexpr int kHorizonDays = 400;
  auto network_model =
      io::compile_network(network_root, shared_geography,
                          io::OffsetHorizon::around(now_utc - 86400 * 30, now_utc, kHorizonDays));
  if (!network_model) return network_model.status().with_context(kNetworkDocument);
  auto policy_model = io::compile_policy(policy->root(), **network_model);
  if (!policy_model) return policy_model.status().with_context(kPolicyDocument);
  Result<routing::InventoryTable> baseline_stock =
      io::compile_inventory(inventory->root(), **network_model);
  if (!baseline_stock) return baseline_stock.status().with_context(kInventoryDocument);

  routing::CapacityCounters capacity((*network_model)->node_count());
  NodeHealthLedger node_health((*network_model)->node_count());
  EscrowLedger escrow;
  if (!homed_node_ids.empty()) {
    Result<EscrowLedger> homing = EscrowLedger::homing(**network_model, homed_node_ids);
    if (!homing) return homing.status();
    escrow = std::move(homing).value();
  }
  Replay replay(**network_model, capacity, node_health, escrow, journal.last_sequence());
  replay.start_from(*baseline_stock);
  Status replayed =
      journal.read(1, [&](const journal::StoredEntry& entry) { return replay.apply(entry); });
  if (!replayed.is_ok()) return replayed;
  Result<routing::InventoryTable> stock = replay.build_inventory();
  if (!stock) return stock.status().with_context("restored inventory");
  Result<PolicyStage> policy_stage =
      fold_policy_changes({(*policy_model)->version(), *policy_model}, replay.policy_changes(),
                          *network_source, **network_model);
  if (!policy_stage) return policy_stage.status();

  // Routing starts from the health the journal's reports add up to, under the policy the
  // journal's changes leave active.
  std::vector<routing::NodeHealth> health = node_health.blended(**network_model);
  std::unique_ptr<GatewayState> state(new GatewayState(
      *network_model, std::move(network_source), std::move(policy_stage).value(),
      std::move(stock).value(), std::move(capacity), std::move(node_health), std::move(escrow)));
  state->closed_nodes_ = replay.closed_nodes();
  state->journal_reader_ =
      std::make_unique<journal::EntryReader>(journal.path(), journal.gateway_id());
  Result<routing::RoutingModel> model = routing::RoutingModel::create(
      state->routed_network(health), state->policy_stage_.active().model);
  if (!model) return model.status();
  state->published_health_ = std::move(health);
  state->models_ = std::make_unique<routing::SnapshotPublisher<routing::RoutingModel>>(
      std::make_unique<const routing::RoutingModel>(std::move(model).value()),
      routing::SnapshotLimits{reader_slots, 2 * reader_slots + 2});
  state->restored_ = replay.fill(state->orders_, state->inventory_);
  return state;
}

std::uint64_t GatewayState::policy_version() const {
  const std::lock_guard lock(policy_mutex_);
  return policy_stage_.active().version;
}

PolicyFigures GatewayState::policy_figures() const {
  const std::lock_guard lock(policy_mutex_);
  PolicyFigures figures;
  figures.active = policy_stage_.active().version;
  figures.trial = policy_stage_.trial() ? policy_stage_.trial()->version : 0;
  figures.committed = policy_stage_.committed().version;
  figures.previous = policy_stage_.previous() ? policy_stage_.previous()->version : 0;
  figures.highest_accepted = policy_stage_.highest_accepted();
  return figures;
}

Result<std::uint64_t> GatewayState::policy_rollback_target() const {
  const std::lock_guard lock(policy_mutex_);
  return policy_stage_.rollback_target();
}

Result<std::shared_ptr<const routing::PolicyModel>> GatewayState::compile_policy(
    std::string_view json) const {
  return compile_policy_document(json, *network_source_, *network_);
}

Status GatewayState::apply_policy_change(const PolicyChange& change) {
  std::shared_ptr<const routing::PolicyModel> active;
  {
    const std::lock_guard lock(policy_mutex_);
    Status changed = Status::ok();
    switch (change.change) {
      case fbs::PolicyChangeKind::trial: changed = policy_stage_.begin_trial(change.trial); break;
      case fbs::PolicyChangeKind::committed: changed = policy_stage_.commit(); break;
      case fbs::PolicyChangeKind::reverted: changed = policy_stage_.revert(); break;
      case fbs::PolicyChangeKind::rolled_back: changed = policy_stage_.roll_back(); break;
      case fbs::PolicyChangeKind::refused: return Status::ok();
    }
    if (!changed.is_ok()) return changed;
    active = policy_stage_.active().model;
  }
  publish_model(std::move(active));
  return Status::ok();
}

std::shared_ptr<const routing::NetworkModel> GatewayState::routed_network(
    std::span<const routing::NodeHealth> health) const {
  std::shared_ptr<const routing::NetworkModel> network = network_->with_node_health(health);
  return closed_nodes_.empty() ? network : network->with_nodes_closed(closed_nodes_);
}

Result<const routing::InventoryCell*> GatewayState::stock_record(std::uint32_t sku_index,
                                                                 std::uint32_t node_index) {
  if (const routing::InventoryCell* cell = inventory_.find(sku_index, node_index)) return cell;
  Result<const routing::InventoryCell*> added = inventory_.add_cell(sku_index, node_index, 0);
  if (added) return added;
  // Another thread started the same record between the look and the add.
  if (added.status().code() == StatusCode::already_exists) {
    if (const routing::InventoryCell* cell = inventory_.find(sku_index, node_index)) return cell;
  }
  // The only precondition add_cell() has for a pair the network knows: room.
  if (added.status().code() == StatusCode::failed_precondition) {
    return Status{StatusCode::unavailable,
                  fmt::format("node '{}' has no stock record of SKU '{}', and the {} new stock "
                              "records this gateway can start between restarts are all taken; "
                              "a restart makes room again",
                              network_->node(node_index).id, network_->sku_id(sku_index),
                              kRoomForNewStockRecords)};
  }
  return added.status();
}

void GatewayState::close_node(std::uint32_t node_index) {
  if (std::find(closed_nodes_.begin(), closed_nodes_.end(), node_index) != closed_nodes_.end()) {
    return;
  }
  std::shared_ptr<const routing::PolicyModel> policy;
  {
    const std::lock_guard lock(policy_mutex_);
    closed_nodes_.push_back(node_index);
    policy = policy_stage_.active().model;
  }
  publish_model(std::move(policy));
}

void GatewayState::reopen_node(std::uint32_t node_index) {
  std::shared_ptr<const routing::PolicyModel> policy;
  {
    const std::lock_guard lock(policy_mutex_);
    const auto closed = std::find(closed_nodes_.begin(), closed_nodes_.end(), node_index);
    if (closed == closed_nodes_.end()) return;
    closed_nodes_.erase(closed);
    policy = policy_stage_.active().model;
  }
  publish_model(std::move(policy));
}

std::vector<std::uint32_t> GatewayState::closed_nodes() const {
  const std::lock_guard lock(policy_mutex_);
  return closed_nodes_;
}

void GatewayState::publish_model(std::shared_ptr<const routing::PolicyModel> policy) {
  Result<routing::RoutingModel> model =
      routing::RoutingModel::create(routed_network(published_health_), policy);
  // The policy was compiled for this network (compile_policy): create() cannot refuse.
  EDGEROUTE_ASSERT(model.has_value(), "a routing model with a new policy was refused");
  auto snapshot = std::make_unique<const routing::RoutingModel>(std::move(model).value());
  // Refused only while a reader is stopped inside the few instructions of read() that
  // pin a retired snapshot (snapshot.h): a policy change must not be lost, so wait for
  // it, briefly, on the journal writer (routing itself never waits).
  for (int attempt = 0;; ++attempt) {
    Result<std::uint64_t> published = models_->publish(std::move(snapshot));
    if (published) return;
    EDGEROUTE_ASSERT(attempt < 10'000, "no routing model could be published for a second");
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void GatewayState::republish_node_health() {
  std::vector<routing::NodeHealth> health = node_health_.blended(*network_);
  if (!health_moved(published_health_, health)) return;
  std::shared_ptr<const routing::PolicyModel> policy;
  {
    const std::lock_guard lock(policy_mutex_);
    policy = policy_stage_.active().model;
  }
  Result<routing::RoutingModel> model =
      routing::RoutingModel::create(routed_network(health), std::move(policy));
  // Same network version and policy as the model it replaces: create() cannot refuse.
  EDGEROUTE_ASSERT(model.has_value(), "a model with new node health was refused");
  Result<std::uint64_t> published =
      models_->publish(std::make_unique<const routing::RoutingModel>(std::move(model).value()));
  // Refused only while every retired snapshot is still pinned by a slow reader: the next
  // report tries again.
  if (!published) return;
  published_health_ = std::move(health);
}

}  // namespace edgeroute::gateway
