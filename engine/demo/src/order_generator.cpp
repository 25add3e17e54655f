#include "edgeroute/demo/order_generator.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/routing/fbs/order_generated.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute_routing_data_embedded.h"

namespace edgeroute::demo {
namespace {

namespace fbs = routing::fbs;

// The Zipf weight of rank r (1-based) is kZipfScale / r: exact integers, so the table,
// and every draw from it, is the same on every machine.
constexpr std::uint64_t kZipfScale = std::uint64_t{1} << 40;

struct Zip3Population {
  std::uint16_t prefix;
  std::uint64_t population;
};

// The prefixes people live in, from the table the binary carries
// (routing/data/zip3_centroids.csv: zip3,latitude,longitude,population,state).
std::vector<Zip3Population> populated_prefixes() {
  std::vector<Zip3Population> prefixes;
  std::string_view csv = routing::embedded::zip3_centroids_csv();
  bool header = true;
  while (!csv.empty()) {
    const std::size_t end = std::min(csv.find('\n'), csv.size());
    const std::string_view line = csv.substr(0, end);
    csv.remove_prefix(std::min(end + 1, csv.size()));
    if (header || line.empty()) {
      header = false;
      continue;
    }
    std::array<std::string_view, 5> fields;
    std::string_view rest = line;
    for (std::string_view& field : fields) {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      field = rest.substr(0, comma);
      rest.remove_prefix(std::min(comma + 1, rest.size()));
    }
    Zip3Population row{};
    const auto prefix =
        std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), row.prefix);
    const auto people =
        std::from_chars(fields[3].data(), fields[3].data() + fields[3].size(), row.population);
    // The table is checked when the binary is built (Geography's tests); a row that
    // does not read is a broken build, not an input error.
    EDGEROUTE_ASSERT(prefix.ec == std::errc{} && people.ec == std::errc{},
                     "the embedded ZIP prefix table has a malformed row");
    if (row.population > 0) prefixes.push_back(row);
  }
  return prefixes;
}

// Index of the first cumulative weight above `draw`.
std::size_t slot_of(const std::vector<std::uint64_t>& cumulative, std::uint64_t draw) {
  return static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), draw) -
                                  cumulative.begin());
}

}  // namespace

OrderGenerator::OrderGenerator(std::span<const std::string> skus_by_popularity,
                               DemandOptions options)
    : skus_(skus_by_popularity), options_(std::move(options)), random_(options_.seed) {
  EDGEROUTE_ASSERT(!skus_.empty(), "an order generator needs a catalog");
  sku_cumulative_.reserve(skus_.size());
  std::uint64_t total = 0;
  for (std::size_t rank = 1; rank <= skus_.size(); ++rank) {
    total += kZipfScale / rank;
    sku_cumulative_.push_back(total);
  }
  total = 0;
  for (const Zip3Population& row : populated_prefixes()) {
    total += row.population;
    population_cumulative_.push_back(total);
    zip3_of_population_slot_.push_back(row.prefix);
  }
}

std::uint32_t OrderGenerator::draw_sku_rank() {
  return static_cast<std::uint32_t>(
      slot_of(sku_cumulative_, random_.below(sku_cumulative_.back())));
}

std::string OrderGenerator::draw_postal_code() {
  const std::size_t slot =
      slot_of(population_cumulative_, random_.below(population_cumulative_.back()));
  return fmt::format("{:03}{:02}", zip3_of_population_slot_[slot], random_.below(100));
}

GeneratedOrder OrderGenerator::next() {
  EDGEROUTE_ASSERT(!done(), "the order generator has issued every order");
  return next_at(
      options_.first_order_at +
      static_cast<std::int64_t>(issued_ * static_cast<std::uint64_t>(options_.span_seconds) /
                                options_.order_count));
}

GeneratedOrder OrderGenerator::next_at(std::int64_t created_at) {
  EDGEROUTE_ASSERT(!done(), "the order generator has issued every order");
  GeneratedOrder order;
  order.id = fmt::format("{}-{:06}", options_.id_prefix, issued_ + 1);
  order.created_at = created_at;
  ++issued_;

  const std::uint64_t channel_draw = random_.below(100);
  const char* channel = channel_draw < 70   ? "web"
                        : channel_draw < 78 ? "app"
                        : channel_draw < 96 ? "marketplace"
                                            : "loyalty-premium";

  // Basket size: 1 line 58%, 2 lines 24%, 3 lines 10%, 4 lines 5%, 5 to 8 lines 3%.
  const std::uint64_t basket_draw = random_.below(100);
  const std::size_t line_count = basket_draw < 58   ? 1
                                 : basket_draw < 82 ? 2
                                 : basket_draw < 92 ? 3
                                 : basket_draw < 97
                                     ? 4
                                     : static_cast<std::size_t>(random_.between(5, 8));
  std::vector<std::uint32_t> ranks;
  while (ranks.size() < std::min(line_count, skus_.size())) {
    const std::uint32_t rank = draw_sku_rank();
    if (std::find(ranks.begin(), ranks.end(), rank) == ranks.end()) ranks.push_back(rank);
  }

  flatbuffers::FlatBufferBuilder builder(512);
  std::vector<flatbuffers::Offset<fbs::OrderLine>> lines;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const std::uint64_t quantity_draw = random_.below(100);
    const int quantity = quantity_draw < 85 ? 1 : quantity_draw < 96 ? 2 : 3;
    // One line in 500 names a SKU the catalog has dropped.
    const std::string sku =
        random_.chance(2) ? fmt::format("sku-discontinued-{}", ranks[i]) : skus_[ranks[i]];
    lines.push_back(fbs::CreateOrderLineDirect(builder, sku.c_str(), quantity));
  }
  const std::string postal_code = draw_postal_code();
  const auto ship_to = fbs::CreateShipToDirect(builder, postal_code.c_str());

  flatbuffers::Optional<fbs::ServiceLevel> level = flatbuffers::nullopt;
  std::string latest_delivery_date;
  const std::uint64_t speed_draw = random_.below(100);
  if (speed_draw < 10) {
    level = fbs::ServiceLevel::two_day;
  } else if (speed_draw < 14) {
    level = fbs::ServiceLevel::next_day;
  } else if (speed_draw < 19) {
    // "Arrives by": four days after the order, in the customer's words a date.
    latest_delivery_date = routing::format_epoch_day(routing::day_of(order.created_at) + 4);
  }

  const std::string correlation_id = fmt::format("cart-{:012x}", random_.next() >> 16);
  const std::string created_at_text = routing::format_utc_instant(order.created_at);
  const auto root =
      fbs::CreateOrderDirect(builder, order.id.c_str(), correlation_id.c_str(), channel, &lines,
                             ship_to, created_at_text.c_str(), level,
                             latest_delivery_date.empty() ? nullptr : latest_delivery_date.c_str());
  fbs::FinishOrderBuffer(builder, root);
  order.bytes.assign(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  return order;
}

}  // namespace edgeroute::demo
