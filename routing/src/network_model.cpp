#include "edgeroute/routing/network_model.h"

#include <atomic>
#include <string>
#include <utility>

#include "document_fields.h"
#include "edgeroute/base/assert.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {
namespace {

using detail::at;
using detail::invalid;
using detail::text_of;

Result<CarrierServiceModel> build_service(const fbs::CarrierService& service,
                                          const std::string& path) {
  CarrierServiceModel model;
  model.id = std::string(text_of(service.id()));
  model.carrier = std::string(text_of(service.carrier()));
  model.level = service.level();
  model.transit_business_days = service.transit_business_days();
  if (service.transit_days() == nullptr || service.transit_days()->size() != kZoneCount) {
    return invalid(path + ".transit_days", "needs exactly 8 entries, one per zone");
  }
  for (std::size_t zone = 0; zone < kZoneCount; ++zone) {
    model.transit_days[zone] =
        service.transit_days()->Get(static_cast<flatbuffers::uoffset_t>(zone));
  }
  // Breaks grouped by zone, in zone order, whatever order the file lists zones in.
  std::array<const fbs::ZoneRates*, kZoneCount> by_zone{};
  if (service.rates() != nullptr) {
    for (const fbs::ZoneRates* rates : *service.rates()) {
      if (rates->zone() >= Zone::nearest && rates->zone() <= Zone::farthest) {
        by_zone[rates->zone() - 1] = rates;
      }
    }
  }
  for (std::size_t zone = 0; zone < kZoneCount; ++zone) {
    model.zone_begin[zone] = static_cast<std::uint32_t>(model.rate_breaks.size());
    const fbs::ZoneRates* rates = by_zone[zone];
    if (rates == nullptr || rates->breaks() == nullptr || rates->breaks()->size() == 0) {
      return invalid(path + ".rates", "zone " + std::to_string(zone + 1) + " has no prices");
    }
    for (const fbs::WeightBreak* weight_break : *rates->breaks()) {
      if (model.rate_breaks.size() > model.zone_begin[zone] &&
          weight_break->up_to_grams() <= model.rate_breaks.back().up_to_grams) {
        return invalid(path + ".rates", "zone " + std::to_string(zone + 1) +
                                            " has breaks that do not ascend by weight");
      }
      model.rate_breaks.push_back({weight_break->up_to_grams(), weight_break->cents()});
    }
  }
  model.zone_begin[kZoneCount] = static_cast<std::uint32_t>(model.rate_breaks.size());
  return model;
}

Result<NodeCalendar> build_calendar(const fbs::Node& node, const UtcOffsetSchedule& offsets,
                                    const std::string& path) {
  NodeCalendar::WeekWindows windows{};
  if (node.pick_windows() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < node.pick_windows()->size(); ++i) {
      const fbs::PickWindow& window = *node.pick_windows()->Get(i);
      const auto weekday = static_cast<int>(window.weekday());
      const auto opens = parse_local_minute(text_of(window.opens()));
      const auto closes = parse_local_minute(text_of(window.closes()));
      if (weekday < 0 || weekday > 6 || !opens || !closes) {
        return invalid(path + ".pick_windows[" + std::to_string(i) + "]",
                       "is not a weekday with opens and closes as HH:MM");
      }
      windows[static_cast<std::size_t>(weekday)] = PickWindow{*opens, *closes};
    }
  }
  std::vector<EpochDay> closed_days;
  if (node.closed_dates() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < node.closed_dates()->size(); ++i) {
      const auto day = parse_epoch_day(node.closed_dates()->Get(i)->string_view());
      if (!day) {
        return invalid(path + ".closed_dates[" + std::to_string(i) + "]",
                       "is not a YYYY-MM-DD date");
      }
      closed_days.push_back(*day);
    }
  }
  Result<NodeCalendar> calendar =
      NodeCalendar::create(windows, std::move(closed_days), node.processing_minutes(), offsets);
  if (!calendar) return invalid(path, calendar.status().message());
  return calendar;
}

// Adds the ids of a list of `count` elements to `index` in list order, so that an id's
// position is its element's. Fails on the first id an earlier element already has,
// naming it as "list[i].id".
template <typename IdOf>
Status index_ids(std::string_view list, std::size_t count, IdOf id_of, IdIndex& index) {
  std::size_t characters = 0;
  for (std::size_t i = 0; i < count; ++i) characters += id_of(i).size();
  index.reserve(count, characters);
  for (std::size_t i = 0; i < count; ++i) {
    if (index.add(id_of(i)).has_value()) {
      return invalid(at(list, i) + ".id", "'" + std::string(id_of(i)) + "' repeats");
    }
  }
  return Status::ok();
}

std::uint64_t next_instance_id() {
  // Memory order: relaxed. The counter only has to hand out distinct numbers, which any
  // read-modify-write of one atomic does; nothing is published through it.
  static std::atomic<std::uint64_t> instances_built{0};
  return instances_built.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

std::shared_ptr<NetworkModel> NetworkModel::copy() const {
  std::shared_ptr<NetworkModel> model(new NetworkModel());
  model->version_ = version_;
  model->instance_id_ = next_instance_id();
  model->geography_ = geography_;
  model->catalog_ = catalog_;
  model->nodes_ = nodes_;
  model->routable_kind_ = routable_kind_;
  return model;
}

std::shared_ptr<const NetworkModel> NetworkModel::with_nodes_closed(
    std::span<const std::uint32_t> closed) const {
  std::shared_ptr<NetworkModel> model = copy();
  for (const std::uint32_t index : closed) {
    EDGEROUTE_ASSERT(index < model->nodes_.size(), "a closed node outside the network");
    model->nodes_[index].enabled = false;
    model->routable_kind_[index] = NodeKindSet{0};
  }
  return model;
}

std::shared_ptr<const NetworkModel> NetworkModel::with_node_health(
    std::span<const NodeHealth> health) const {
  EDGEROUTE_ASSERT(health.size() == nodes_.size(), "one health figure per node");
  std::shared_ptr<NetworkModel> model = copy();
  for (std::size_t i = 0; i < health.size(); ++i) {
    // The risk term assumes figures in basis points, as build() checks for the file's.
    const auto in_range = [](std::int32_t bp) { return bp >= 0 && bp <= 10000; };
    EDGEROUTE_ASSERT(in_range(health[i].on_time_bp) && in_range(health[i].fill_bp) &&
                         in_range(health[i].acceptance_bp),
                     "node health figures are basis points in 0..10000");
    model->nodes_[i].on_time_bp = health[i].on_time_bp;
    model->nodes_[i].fill_bp = health[i].fill_bp;
    model->nodes_[i].acceptance_bp = health[i].acceptance_bp;
  }
  return model;
}

Result<NetworkModel> NetworkModel::build(const fbs::Network& network,
                                         std::shared_ptr<const Geography> geography,
                                         std::span<const UtcOffsetSchedule> node_offsets) {
  NetworkModel model;
  model.instance_id_ = next_instance_id();
  model.version_ = network.version();
  model.geography_ = std::move(geography);
  // Filled here, then frozen: const from the moment the model holds it.
  auto catalog = std::make_shared<Catalog>();
  const std::size_t node_count = network.nodes() != nullptr ? network.nodes()->size() : 0;
  if (node_count == 0) return invalid("nodes", "a network needs at least one node");
  if (node_offsets.size() != node_count) {
    return Status(StatusCode::invalid_argument,
                  "network model: " + std::to_string(node_offsets.size()) +
                      " offset schedules for " + std::to_string(node_count) + " nodes");
  }

  IdIndex service_ids;  // positions in catalog->services
  if (network.carrier_services() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < network.carrier_services()->size(); ++i) {
      const std::string path = at("carrier_services", i);
      Result<CarrierServiceModel> service =
          build_service(*network.carrier_services()->Get(i), path);
      if (!service) return service.status();
      catalog->services.push_back(std::move(service).value());
    }
  }
  if (catalog->services.size() > UINT16_MAX) {
    return invalid("carrier_services", "more than 65535 carrier services");
  }
  const auto service_id = [&](std::size_t i) -> std::string_view {
    return catalog->services[i].id;
  };
  if (Status mapped =
          index_ids("carrier_services", catalog->services.size(), service_id, service_ids);
      !mapped.is_ok()) {
    return mapped;
  }

  model.nodes_.reserve(node_count);
  for (flatbuffers::uoffset_t i = 0; i < node_count; ++i) {
    const fbs::Node& node = *network.nodes()->Get(i);
    const std::string path = at("nodes", i);
    Result<Zip3> origin = model.geography_->locate(text_of(node.postal_code()));
    if (!origin) return invalid(path + ".postal_code", origin.status().message());
    Result<NodeCalendar> calendar = build_calendar(node, node_offsets[i], path);
    if (!calendar) return calendar.status();
    NodeModel built(std::string(text_of(node.id())), node.kind(), *origin,
                    std::move(calendar).value());
    if (node.services() != nullptr) {
      for (flatbuffers::uoffset_t s = 0; s < node.services()->size(); ++s) {
        const fbs::NodeService& service = *node.services()->Get(s);
        const std::string service_path = path + ".services[" + std::to_string(s) + "]";
        const std::optional<std::uint32_t> found = service_ids.find(text_of(service.service_id()));
        if (!found) {
          return invalid(
              service_path + ".service_id",
              "'" + std::string(text_of(service.service_id())) + "' is not a carrier service");
        }
        const auto cutoff = parse_local_minute(text_of(service.cutoff()));
        if (!cutoff) return invalid(service_path + ".cutoff", "is not a time HH:MM");
        built.services.push_back({static_cast<std::uint16_t>(*found), *cutoff});
      }
    }
    if (const fbs::NodeCosts* costs = node.costs(); costs != nullptr) {
      built.per_order_cents = costs->per_order_cents();
      built.per_unit_cents = costs->per_unit_cents();
      built.partner_fee_cents = costs->partner_fee_cents();
    }
    if (const fbs::NodeCapacity* capacity = node.capacity(); capacity != nullptr) {
      built.orders_per_day = capacity->orders_per_day();
      built.units_per_day = capacity->units_per_day();
    }
    if (const fbs::NodeHealth* health = node.health(); health != nullptr) {
      built.on_time_bp = health->on_time_bp();
      built.fill_bp = health->fill_bp();
      built.acceptance_bp = health->acceptance_bp();
    }
    if (built.per_order_cents < 0 || built.per_unit_cents < 0 || built.partner_fee_cents < 0 ||
        built.orders_per_day < 0 || built.units_per_day < 0) {
      return invalid(path, "costs and capacity must not be negative");
    }
    for (std::int32_t rate : {built.on_time_bp, built.fill_bp, built.acceptance_bp}) {
      if (rate < 0 || rate > 10000) return invalid(path + ".health", "rates are 0..10000 bp");
    }
    built.enabled = node.enabled();
    built.home_gateway = std::string(text_of(node.home_gateway()));
    model.nodes_.push_back(std::move(built));
  }
  for (const NodeModel& node : model.nodes_) {
    model.routable_kind_.push_back(node.enabled ? node_kind_bit(node.kind) : NodeKindSet{0});
  }
  const auto node_id = [&](std::size_t i) -> std::string_view { return model.nodes_[i].id; };
  if (Status mapped = index_ids("nodes", model.nodes_.size(), node_id, catalog->node_ids);
      !mapped.is_ok()) {
    return mapped;
  }

  const std::size_t sku_count = network.skus() != nullptr ? network.skus()->size() : 0;
  catalog->skus.reserve(sku_count);
  for (flatbuffers::uoffset_t i = 0; i < sku_count; ++i) {
    const fbs::Sku& sku = *network.skus()->Get(i);
    SkuModel built{.weight_grams = sku.weight_grams(),
                   .handling = static_cast<std::uint8_t>(sku.handling())};
    if (built.weight_grams < 0) return invalid(at("skus", i) + ".weight_grams", "is negative");
    if (sku.eligible_node_kinds() != nullptr && sku.eligible_node_kinds()->size() > 0) {
      built.eligible_kinds = 0;
      for (auto kind : *sku.eligible_node_kinds()) {
        built.eligible_kinds |= node_kind_bit(static_cast<fbs::NodeKind>(kind));
      }
    }
    catalog->skus.push_back(built);
  }
  const auto sku_id = [&](std::size_t i) {
    return text_of(network.skus()->Get(static_cast<flatbuffers::uoffset_t>(i))->id());
  };
  if (Status mapped = index_ids("skus", sku_count, sku_id, catalog->sku_ids); !mapped.is_ok()) {
    return mapped;
  }
  model.catalog_ = std::move(catalog);
  return model;
}

std::optional<std::uint32_t> NetworkModel::find_node(std::string_view id) const {
  return catalog_->node_ids.find(id);
}

std::optional<std::uint32_t> NetworkModel::find_sku(std::string_view id) const {
  return catalog_->sku_ids.find(id);
}

}  // namespace edgeroute::routing
