#include <array>
#include <set>

#include "edgeroute/hal/time_zone.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/routing/zone.h"
#include "validate.h"

namespace edgeroute::routing::io::detail {
namespace {

constexpr int kSupportedSchemaVersion = 1;
constexpr int kProcessingMinutesMax = 7 * 24 * 60;
constexpr int kBasisPointsMax = 10000;
constexpr int kTransitDaysMax = 30;
constexpr int kSkuWeightGramsMax = 1'000'000;
constexpr std::size_t kZoneCount = 8;

std::string_view text_of(const flatbuffers::String* text) {
  return text == nullptr ? std::string_view{} : text->string_view();
}

// Records `id` at `index` unless empty or already taken; reports both problems.
void check_unique_id(const flatbuffers::String* id, std::size_t index, const std::string& path,
                     const std::string& list, IdIndex& seen, ErrorList& errors) {
  const std::string_view value = text_of(id);
  if (value.empty()) {
    errors.add(path, "must not be empty");
    return;
  }
  const auto [where, inserted] = seen.emplace(value, index);
  if (!inserted) errors.add(path, "'{}' repeats {}[{}].id", value, list, where->second);
}

void check_non_negative(int value, const std::string& path, ErrorList& errors) {
  if (value < 0) errors.add(path, "{} is negative", value);
}

void check_pick_windows(const fbs::Node& node, const std::string& at, ErrorList& errors) {
  if (node.pick_windows() == nullptr) return;
  std::array<int, 7> window_of_weekday;
  window_of_weekday.fill(-1);
  for (flatbuffers::uoffset_t i = 0; i < node.pick_windows()->size(); ++i) {
    const fbs::PickWindow& window = *node.pick_windows()->Get(i);
    const std::string path = fmt::format("{}.pick_windows[{}]", at, i);
    const auto weekday = static_cast<int>(window.weekday());
    if (weekday < 0 || weekday > 6) {
      errors.add(path + ".weekday", "{} is not a weekday", weekday);
      continue;
    }
    if (window_of_weekday[static_cast<std::size_t>(weekday)] >= 0) {
      errors.add(path + ".weekday", "{} already has a window (pick_windows[{}])",
                 fbs::EnumNameWeekday(window.weekday()),
                 window_of_weekday[static_cast<std::size_t>(weekday)]);
    }
    window_of_weekday[static_cast<std::size_t>(weekday)] = static_cast<int>(i);
    const auto opens = parse_local_minute(text_of(window.opens()));
    const auto closes = parse_local_minute(text_of(window.closes()));
    if (!opens) errors.add(path + ".opens", "'{}' is not a time HH:MM", text_of(window.opens()));
    if (!closes) {
      errors.add(path + ".closes", "'{}' is not a time HH:MM", text_of(window.closes()));
    }
    if (opens && closes && *closes <= *opens) {
      errors.add(path + ".closes", "{} is not after opens {} (windows do not cross midnight)",
                 text_of(window.closes()), text_of(window.opens()));
    }
  }
}

void check_node_services(const fbs::Node& node, const std::string& at, const IdIndex& services,
                         ErrorList& errors) {
  if (node.services() == nullptr || node.services()->size() == 0) {
    errors.add(at + ".services", "a node needs at least one carrier service");
    return;
  }
  std::set<std::string_view> seen;
  for (flatbuffers::uoffset_t i = 0; i < node.services()->size(); ++i) {
    const fbs::NodeService& service = *node.services()->Get(i);
    const std::string path = fmt::format("{}.services[{}]", at, i);
    const std::string_view id = text_of(service.service_id());
    if (!services.contains(id)) {
      errors.add(path + ".service_id", "'{}' is not a carrier service of this network", id);
    } else if (!seen.insert(id).second) {
      errors.add(path + ".service_id", "'{}' is listed twice", id);
    }
    if (!parse_local_minute(text_of(service.cutoff()))) {
      errors.add(path + ".cutoff", "'{}' is not a time HH:MM", text_of(service.cutoff()));
    }
  }
}

void check_health(const fbs::NodeHealth* health, const std::string& at, ErrorList& errors) {
  if (health == nullptr) return;
  const std::pair<const char*, int> rates[] = {{"on_time_bp", health->on_time_bp()},
                                               {"fill_bp", health->fill_bp()},
                                               {"acceptance_bp", health->acceptance_bp()}};
  for (const auto& [name, value] : rates) {
    if (value < 0 || value > kBasisPointsMax) {
      errors.add(fmt::format("{}.health.{}", at, name), "{} is not in 0..10000 basis points",
                 value);
    }
  }
}

void check_node(const fbs::Node& node, const std::string& at, const Geography& geography,
                const IdIndex& services, ErrorList& errors) {
  if (auto located = geography.locate(text_of(node.postal_code())); !located) {
    errors.add(at + ".postal_code", "{}", located.status().message());
  }
  if (auto zone = hal::TimeZone::locate(text_of(node.time_zone())); !zone) {
    errors.add(at + ".time_zone", "'{}' is not an IANA time zone", text_of(node.time_zone()));
  }
  if (node.processing_minutes() < 0 || node.processing_minutes() > kProcessingMinutesMax) {
    errors.add(at + ".processing_minutes", "{} is not in 0..{} (one week)",
               node.processing_minutes(), kProcessingMinutesMax);
  }
  check_pick_windows(node, at, errors);
  if (node.closed_dates() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < node.closed_dates()->size(); ++i) {
      const std::string_view date = node.closed_dates()->Get(i)->string_view();
      if (!parse_epoch_day(date)) {
        errors.add(fmt::format("{}.closed_dates[{}]", at, i), "'{}' is not a date YYYY-MM-DD",
                   date);
      }
    }
  }
  check_node_services(node, at, services, errors);
  if (const fbs::NodeCapacity* capacity = node.capacity()) {
    check_non_negative(capacity->orders_per_day(), at + ".capacity.orders_per_day", errors);
    check_non_negative(capacity->units_per_day(), at + ".capacity.units_per_day", errors);
  }
  if (const fbs::NodeCosts* costs = node.costs()) {
    check_non_negative(costs->per_order_cents(), at + ".costs.per_order_cents", errors);
    check_non_negative(costs->per_unit_cents(), at + ".costs.per_unit_cents", errors);
    check_non_negative(costs->partner_fee_cents(), at + ".costs.partner_fee_cents", errors);
  }
  check_health(node.health(), at, errors);
}

void check_zone_rates(const fbs::CarrierService& service, const std::string& at,
                      ErrorList& errors) {
  std::array<bool, kZoneCount> priced{};
  if (service.rates() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < service.rates()->size(); ++i) {
      const fbs::ZoneRates& rates = *service.rates()->Get(i);
      const std::string path = fmt::format("{}.rates[{}]", at, i);
      const std::size_t zone = rates.zone();
      if (zone < 1 || zone > kZoneCount) {
        errors.add(path + ".zone", "{} is not a zone 1..8", zone);
        continue;
      }
      bool& zone_priced = priced.at(zone - 1);
      if (zone_priced) errors.add(path + ".zone", "zone {} is priced twice", zone);
      zone_priced = true;
      if (rates.breaks() == nullptr || rates.breaks()->size() == 0) {
        errors.add(path + ".breaks", "needs at least one weight break");
        continue;
      }
      int previous_grams = 0;
      for (flatbuffers::uoffset_t b = 0; b < rates.breaks()->size(); ++b) {
        const fbs::WeightBreak& weight_break = *rates.breaks()->Get(b);
        const std::string break_path = fmt::format("{}.breaks[{}]", path, b);
        if (weight_break.up_to_grams() <= previous_grams) {
          errors.add(break_path + ".up_to_grams", "{} is not above the previous break ({})",
                     weight_break.up_to_grams(), previous_grams);
        }
        previous_grams = std::max(previous_grams, weight_break.up_to_grams());
        check_non_negative(weight_break.cents(), break_path + ".cents", errors);
      }
    }
  }
  for (std::size_t zone = 0; zone < kZoneCount; ++zone) {
    if (!priced[zone]) errors.add(at + ".rates", "zone {} has no prices", zone + 1);
  }
}

void check_carrier_service(const fbs::CarrierService& service, const std::string& at,
                           ErrorList& errors) {
  if (service.transit_days() == nullptr || service.transit_days()->size() != kZoneCount) {
    errors.add(at + ".transit_days", "needs exactly 8 entries, one per zone, not {}",
               service.transit_days() == nullptr ? 0U : service.transit_days()->size());
  } else {
    for (flatbuffers::uoffset_t zone = 0; zone < kZoneCount; ++zone) {
      if (service.transit_days()->Get(zone) > kTransitDaysMax) {
        errors.add(fmt::format("{}.transit_days[{}]", at, zone), "{} days is more than {}",
                   service.transit_days()->Get(zone), kTransitDaysMax);
      }
    }
  }
  check_zone_rates(service, at, errors);
}

void check_sku(const fbs::Sku& sku, const std::string& at, ErrorList& errors) {
  if (sku.weight_grams() <= 0 || sku.weight_grams() > kSkuWeightGramsMax) {
    errors.add(at + ".weight_grams", "{} is not in 1..{}", sku.weight_grams(), kSkuWeightGramsMax);
  }
}

}  // namespace

IdIndex node_index(const fbs::Network& network) {
  IdIndex index;
  if (network.nodes() == nullptr) return index;
  for (flatbuffers::uoffset_t i = 0; i < network.nodes()->size(); ++i) {
    index.emplace(text_of(network.nodes()->Get(i)->id()), i);
  }
  return index;
}

IdIndex sku_index(const fbs::Network& network) {
  IdIndex index;
  if (network.skus() == nullptr) return index;
  for (flatbuffers::uoffset_t i = 0; i < network.skus()->size(); ++i) {
    index.emplace(text_of(network.skus()->Get(i)->id()), i);
  }
  return index;
}

void validate_network(const fbs::Network& network, const Geography& geography, ErrorList& errors) {
  if (network.schema_version() != kSupportedSchemaVersion) {
    errors.add("schema_version", "{} is not supported (this build reads 1)",
               network.schema_version());
  }
  IdIndex services;
  if (network.carrier_services() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < network.carrier_services()->size(); ++i) {
      const fbs::CarrierService& service = *network.carrier_services()->Get(i);
      const std::string at = fmt::format("carrier_services[{}]", i);
      check_unique_id(service.id(), i, at + ".id", "carrier_services", services, errors);
      check_carrier_service(service, at, errors);
    }
  }
  if (network.nodes() == nullptr || network.nodes()->size() == 0) {
    errors.add("nodes", "a network needs at least one node");
  } else {
    IdIndex nodes;
    for (flatbuffers::uoffset_t i = 0; i < network.nodes()->size(); ++i) {
      const fbs::Node& node = *network.nodes()->Get(i);
      const std::string at = fmt::format("nodes[{}]", i);
      check_unique_id(node.id(), i, at + ".id", "nodes", nodes, errors);
      check_node(node, at, geography, services, errors);
    }
  }
  if (network.skus() != nullptr) {
    IdIndex skus;
    for (flatbuffers::uoffset_t i = 0; i < network.skus()->size(); ++i) {
      const std::string at = fmt::format("skus[{}]", i);
      check_unique_id(network.skus()->Get(i)->id(), i, at + ".id", "skus", skus, errors);
      check_sku(*network.skus()->Get(i), at, errors);
    }
  }
}

}  // namespace edgeroute::routing::io::detail
