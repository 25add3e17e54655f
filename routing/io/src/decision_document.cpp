#include "edgeroute/routing/io/decision_document.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing::io {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

std::string line_label(const OrderRequest& order, const NetworkModel& network, int line) {
  if (line < 0 || line >= order.line_count) return "the order";
  const OrderLineRequest& request = order.lines[static_cast<std::size_t>(line)];
  return fmt::format("line {} ({})", line, network.sku_id(request.sku_index));
}

std::string_view level_name(std::optional<fbs::ServiceLevel> level) {
  return level ? fbs::EnumNameServiceLevel(*level) : "any";
}

// Why the order as a whole was not routed.
std::string reason_detail(const RoutingDecision& decision, const OrderRequest& order,
                          const RoutingModel& model) {
  const NetworkModel& network = model.network();
  const std::string line = line_label(order, network, decision.reason_line);
  const auto quantity = [&] {
    return decision.reason_line >= 0
               ? order.lines[static_cast<std::size_t>(decision.reason_line)].quantity
               : 0;
  };
  switch (decision.reason) {
    case fbs::ReasonCode::none: return {};
    case fbs::ReasonCode::no_inventory:
      return fmt::format("{}: no eligible node has {} units available to promise", line,
                         quantity());
    case fbs::ReasonCode::excluded_by_policy:
      return fmt::format("{}: every node holding it is excluded (see alternatives)", line);
    case fbs::ReasonCode::no_capacity:
      return decision.reason_line >= 0
                 ? fmt::format("{}: the nodes holding it have no capacity left on their day", line)
                 : std::string(
                       "the nodes cannot take the lines together within their daily "
                       "capacity or a carrier's weight limit");
    case fbs::ReasonCode::promise_unmeetable:
      return fmt::format(
          "{}: no node holding it has a pick window and a departure with a {} service within "
          "{} days",
          line, level_name(order.requested_level), kPromiseSearchDays);
    case fbs::ReasonCode::no_carrier_service:
      return fmt::format("{}: no carrier service of the nodes holding it takes the parcel's weight",
                         line);
    case fbs::ReasonCode::too_many_shipments:
      return fmt::format("the lines cannot ship in {} shipment(s) or fewer",
                         model.policy().max_shipments());
    case fbs::ReasonCode::reservation_contention:
      return fmt::format("concurrent orders took the stock of each of {} plans",
                         decision.reservation_attempts);
    default: return std::string(fbs::EnumNameReasonCode(decision.reason));
  }
}

std::string exclusion_detail(const Alternative& alternative, const OrderRequest& order,
                             const RoutingModel& model) {
  const NetworkModel& network = model.network();
  const std::string line = line_label(order, network, alternative.line_index);
  const NodeModel& node = network.node(alternative.node_indexes[0]);
  switch (alternative.exclusion_cause) {
    case ExclusionCause::node_disabled: return "node disabled";
    case ExclusionCause::sku_not_eligible:
      return fmt::format("{}: the SKU may not ship from {} nodes", line,
                         fbs::EnumNameNodeKind(node.kind));
    case ExclusionCause::owned_only_channel:
      return fmt::format("channel '{}' ships from owned nodes only", order.channel);
    case ExclusionCause::policy_exclusion: {
      const auto& rules = model.policy().exclusions();
      const auto index = static_cast<std::size_t>(alternative.exclusion_index);
      const std::string_view why =
          index < rules.size() ? std::string_view(rules[index].reason) : std::string_view();
      return fmt::format("{}: excluded by policy exclusions[{}]{}{}", line, index,
                         why.empty() ? "" : ": ", why);
    }
    case ExclusionCause::node_failed_order:
      return "the node could not ship this order: routed again elsewhere";
    case ExclusionCause::none: break;
  }
  return "excluded";
}

std::string alternative_detail(const Alternative& alternative, const RoutingDecision& decision,
                               const OrderRequest& order, const RoutingModel& model) {
  const NetworkModel& network = model.network();
  if (alternative.feasible) {
    const std::int64_t more = alternative.objective_cents - decision.cost.objective_cents();
    if (decision.outcome != fbs::Outcome::routed) return "feasible";
    if (more > 0) return fmt::format("costs {} cents more", more);
    if (alternative.delivery_day != decision.delivery_day()) {
      return fmt::format("same cost, delivers {} instead of {}",
                         epoch_day_text(alternative.delivery_day).view(),
                         epoch_day_text(decision.delivery_day()).view());
    }
    if (alternative.node_count != decision.shipment_count) {
      return "same cost and date, more shipments";
    }
    return "same cost, date and shipments; loses the tie-break on network order";
  }
  const std::string line = line_label(order, network, alternative.line_index);
  switch (alternative.reason) {
    case fbs::ReasonCode::excluded_by_policy: return exclusion_detail(alternative, order, model);
    case fbs::ReasonCode::no_inventory: {
      const StockLevels& seen = alternative.stock_seen;
      const std::int32_t needs =
          alternative.line_index >= 0
              ? order.lines[static_cast<std::size_t>(alternative.line_index)].quantity
              : 0;
      return fmt::format(
          "{}: out of stock: {} available to promise (on hand {}, reserved {}, safety stock {}), "
          "needs {}",
          line, seen.available_to_promise(alternative.safety_stock), seen.on_hand, seen.reserved,
          alternative.safety_stock, needs);
    }
    case fbs::ReasonCode::no_capacity: return "no capacity left on the day it would pack";
    case fbs::ReasonCode::promise_unmeetable:
      return fmt::format("no pick window and departure with a {} service within {} days",
                         level_name(order.requested_level), kPromiseSearchDays);
    case fbs::ReasonCode::no_carrier_service: return "no carrier service takes the parcel";
    default: return std::string(fbs::EnumNameReasonCode(alternative.reason));
  }
}

Offset<fbs::CostBreakdown> cost_breakdown(FlatBufferBuilder& builder, const CostTerms& cost) {
  return fbs::CreateCostBreakdown(builder, cost.handling_cents, cost.pick_cents,
                                  cost.partner_fee_cents, cost.carrier_cents, cost.risk_cents,
                                  cost.lateness_cents, cost.split_cents, cost.preference_cents,
                                  cost.objective_cents());
}

Offset<fbs::Shipment> shipment_table(FlatBufferBuilder& builder, const PlannedShipment& shipment,
                                     const OrderRequest& order, const NetworkModel& network) {
  std::vector<Offset<fbs::ShipmentLine>> lines;
  for (unsigned l = 0; l < order.line_count; ++l) {
    if (((shipment.line_mask >> l) & 1u) == 0) continue;
    lines.push_back(fbs::CreateShipmentLine(
        builder, builder.CreateString(network.sku_id(order.lines[l].sku_index)),
        order.lines[l].quantity));
  }
  const Promise& promise = shipment.promise;
  const auto steps = fbs::CreatePromiseSteps(
      builder, builder.CreateString(utc_instant_text(promise.pick_starts_at_utc).view()),
      builder.CreateString(utc_instant_text(promise.packed_at_utc).view()),
      builder.CreateString(utc_instant_text(promise.cutoff_at_utc).view()), shipment.zone.number(),
      shipment.transit_days, shipment.transit_business_days,
      builder.CreateString(epoch_day_text(promise.delivery_local_day).view()));
  const NodeModel& node = network.node(shipment.node_index);
  return fbs::CreateShipment(
      builder, builder.CreateString(node.id),
      builder.CreateString(network.service(shipment.service_index).id), builder.CreateVector(lines),
      static_cast<std::int32_t>(shipment.weight_grams), steps,
      cost_breakdown(builder, shipment.cost),
      fbs::CreateHealthUsed(builder, node.on_time_bp, node.fill_bp, node.acceptance_bp));
}

// The finished buffer of `builder`, as a document of its root type.
template <typename Root>
Document<Root> document_of(const FlatBufferBuilder& builder) {
  return Document<Root>(std::vector<std::uint8_t>(builder.GetBufferPointer(),
                                                  builder.GetBufferPointer() + builder.GetSize()));
}

DecisionDocument finish(FlatBufferBuilder& builder, Offset<fbs::Decision> root) {
  fbs::FinishDecisionBuffer(builder, root);
  return document_of<fbs::Decision>(builder);
}

}  // namespace

DecisionDocument build_decision(const RoutingDecision& decision, const OrderRequest& order,
                                const RoutingModel& model, UnixSeconds decided_at_utc) {
  const NetworkModel& network = model.network();
  FlatBufferBuilder builder(1024);
  std::vector<Offset<fbs::Shipment>> shipments;
  for (const PlannedShipment& shipment : decision.planned_shipments()) {
    shipments.push_back(shipment_table(builder, shipment, order, network));
  }
  std::vector<Offset<fbs::Alternative>> alternatives;
  for (const Alternative& alternative : decision.explained_alternatives()) {
    std::vector<Offset<flatbuffers::String>> node_ids;
    for (std::uint32_t node : alternative.nodes()) {
      node_ids.push_back(builder.CreateString(network.node(node).id));
    }
    const auto ids = builder.CreateVector(node_ids);
    const auto delivery =
        alternative.feasible ? builder.CreateString(epoch_day_text(alternative.delivery_day).view())
                             : Offset<flatbuffers::String>();
    const auto detail =
        builder.CreateString(alternative_detail(alternative, decision, order, model));
    alternatives.push_back(
        fbs::CreateAlternative(builder, ids, alternative.feasible ? alternative.objective_cents : 0,
                               delivery, alternative.reason, detail));
  }
  const auto order_id = builder.CreateString(order.id);
  const auto correlation_id = builder.CreateString(order.correlation_id);
  const auto shipments_vector = builder.CreateVector(shipments);
  const auto cost = decision.outcome == fbs::Outcome::routed
                        ? cost_breakdown(builder, decision.cost)
                        : Offset<fbs::CostBreakdown>();
  const auto alternatives_vector = builder.CreateVector(alternatives);
  const auto decided_at = builder.CreateString(utc_instant_text(decided_at_utc).view());
  const auto backorder_node =
      decision.outcome == fbs::Outcome::backordered
          ? builder.CreateString(network.node(decision.backorder_node_index).id)
          : Offset<flatbuffers::String>();
  const std::string detail_text = reason_detail(decision, order, model);
  const auto detail =
      detail_text.empty() ? Offset<flatbuffers::String>() : builder.CreateString(detail_text);
  return finish(builder, fbs::CreateDecision(
                             builder, order_id, correlation_id, decision.outcome, decision.reason,
                             shipments_vector, cost, decision.proven_optimal, alternatives_vector,
                             model.policy().version(), network.version(), decided_at,
                             backorder_node, detail, decision.reservation_attempts));
}

DecisionDocument build_rejection(const fbs::Order& order, const OrderResolution& resolution,
                                 const RoutingModel& model, UnixSeconds decided_at_utc) {
  FlatBufferBuilder builder(256);
  std::string detail_text;
  const auto* lines = order.lines();
  if (resolution.line_index >= 0 && lines != nullptr &&
      static_cast<flatbuffers::uoffset_t>(resolution.line_index) < lines->size()) {
    const fbs::OrderLine& line =
        *lines->Get(static_cast<flatbuffers::uoffset_t>(resolution.line_index));
    detail_text = fmt::format("lines[{}] ({}): {}", resolution.line_index,
                              line.sku_id()->string_view(), describe(resolution.problem));
  } else if (resolution.problem == OrderProblem::unknown_destination &&
             order.ship_to() != nullptr) {
    detail_text =
        fmt::format("ship_to.postal_code '{}': {}", order.ship_to()->postal_code()->string_view(),
                    describe(resolution.problem));
  } else {
    detail_text = std::string(describe(resolution.problem));
  }
  const auto order_id = builder.CreateString(resolution.request.id);
  const auto correlation_id = builder.CreateString(resolution.request.correlation_id);
  const auto decided_at = builder.CreateString(utc_instant_text(decided_at_utc).view());
  const auto detail = builder.CreateString(detail_text);
  fbs::DecisionBuilder decision(builder);
  decision.add_order_id(order_id);
  decision.add_correlation_id(correlation_id);
  decision.add_outcome(fbs::Outcome::rejected);
  decision.add_reason(resolution.reason());
  decision.add_policy_version(model.policy().version());
  decision.add_network_version(model.network().version());
  decision.add_decided_at(decided_at);
  decision.add_detail(detail);
  return finish(builder, decision.Finish());
}

QuoteDocument build_quote(const std::array<QuoteOption, kServiceLevelCount>& options,
                          const OrderRequest& order, const RoutingModel& model,
                          UnixSeconds quoted_at_utc) {
  FlatBufferBuilder builder(512);
  std::vector<Offset<fbs::DeliveryOption>> delivery_options;
  for (const QuoteOption& option : options) {
    const auto date = option.available
                          ? builder.CreateString(epoch_day_text(option.delivery_day).view())
                          : Offset<flatbuffers::String>();
    delivery_options.push_back(fbs::CreateDeliveryOption(
        builder, option.level, option.available, option.reason, date, option.objective_cents,
        option.carrier_cents, option.shipment_count));
  }
  const auto order_id = builder.CreateString(order.id);
  const auto options_vector = builder.CreateVector(delivery_options);
  const auto quoted_at = builder.CreateString(utc_instant_text(quoted_at_utc).view());
  fbs::FinishQuoteBuffer(
      builder, fbs::CreateQuote(builder, order_id, options_vector, model.policy().version(),
                                model.network().version(), quoted_at));
  return document_of<fbs::Quote>(builder);
}

}  // namespace edgeroute::routing::io
