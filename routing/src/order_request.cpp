#include "edgeroute/routing/order_request.h"

#include "document_fields.h"

namespace edgeroute::routing {
namespace {

// A line's quantity must fit a capacity claim (CapacityCounters::kUnitsMax) summed over
// every line of a shipment, so a single line stays well below it.
constexpr std::int32_t kLineQuantityMax = 1'000'000;

using detail::text_of;

// The resolution so far (ids filled in), marked with what is wrong.
OrderResolution problem(OrderResolution& resolution, OrderProblem what, int line_index = -1) {
  resolution.problem = what;
  resolution.line_index = line_index;
  return resolution;
}

}  // namespace

std::string_view describe(OrderProblem problem) {
  switch (problem) {
    case OrderProblem::none: return "no problem";
    case OrderProblem::no_lines: return "the order has no lines";
    case OrderProblem::too_many_lines: return "the order has more than 32 lines";
    case OrderProblem::quantity_not_positive: return "the quantity is not at least 1";
    case OrderProblem::quantity_too_large: return "the quantity is above 1000000";
    case OrderProblem::duplicate_sku: return "the SKU is on an earlier line too";
    case OrderProblem::bad_created_at:
      return "created_at is not a UTC instant YYYY-MM-DDTHH:MM:SSZ";
    case OrderProblem::bad_latest_delivery_date:
      return "latest_delivery_date is not a date YYYY-MM-DD";
    case OrderProblem::unknown_sku: return "the SKU is not in the network's catalog";
    case OrderProblem::unknown_destination: return "the ship-to postal code is not a known US ZIP";
  }
  return "unknown problem";
}

fbs::ReasonCode OrderResolution::reason() const {
  switch (problem) {
    case OrderProblem::none: return fbs::ReasonCode::none;
    case OrderProblem::unknown_sku: return fbs::ReasonCode::unknown_sku;
    case OrderProblem::unknown_destination: return fbs::ReasonCode::unknown_destination;
    default: return fbs::ReasonCode::invalid_order;
  }
}

OrderResolution resolve_order(const fbs::Order& order, const NetworkModel& network) {
  OrderResolution resolution;
  OrderRequest& request = resolution.request;
  request.id = text_of(order.id());
  request.correlation_id = text_of(order.correlation_id());
  if (request.correlation_id.empty()) request.correlation_id = request.id;
  request.channel = text_of(order.channel());

  const auto* lines = order.lines();
  if (lines == nullptr || lines->size() == 0) return problem(resolution, OrderProblem::no_lines);
  if (lines->size() > kOrderLinesMax) return problem(resolution, OrderProblem::too_many_lines);
  for (flatbuffers::uoffset_t i = 0; i < lines->size(); ++i) {
    const fbs::OrderLine& line = *lines->Get(i);
    const int line_index = static_cast<int>(i);
    if (line.quantity() < 1)
      return problem(resolution, OrderProblem::quantity_not_positive, line_index);
    if (line.quantity() > kLineQuantityMax) {
      return problem(resolution, OrderProblem::quantity_too_large, line_index);
    }
    const auto sku = network.find_sku(text_of(line.sku_id()));
    if (!sku) return problem(resolution, OrderProblem::unknown_sku, line_index);
    for (std::uint8_t earlier = 0; earlier < request.line_count; ++earlier) {
      if (request.lines[earlier].sku_index == *sku) {
        return problem(resolution, OrderProblem::duplicate_sku, line_index);
      }
    }
    request.lines[request.line_count++] = {*sku, line.quantity()};
  }

  const auto created = parse_utc_instant(text_of(order.created_at()));
  if (!created) return problem(resolution, OrderProblem::bad_created_at);
  request.created_at_utc = *created;
  if (order.latest_delivery_date() != nullptr) {
    const auto latest = parse_epoch_day(order.latest_delivery_date()->string_view());
    if (!latest) return problem(resolution, OrderProblem::bad_latest_delivery_date);
    request.latest_delivery_day = *latest;
  }
  if (order.requested_level().has_value()) request.requested_level = *order.requested_level();

  const fbs::ShipTo* ship_to = order.ship_to();
  Result<Zip3> destination = network.geography().locate(
      ship_to != nullptr ? text_of(ship_to->postal_code()) : std::string_view());
  if (!destination) return problem(resolution, OrderProblem::unknown_destination);
  request.destination = *destination;
  return resolution;
}

}  // namespace edgeroute::routing
