#include "edgeroute/routing/geography.h"

#include <algorithm>
#include <string>

#include "edgeroute_routing_data_embedded.h"
#include "quote.h"
#include "zip3_centroid_csv.h"

namespace edgeroute::routing {

Geography::Geography()
    : zone_numbers_(std::size_t{Zip3::prefix_count} * Zip3::prefix_count, 0),
      centroids_(Zip3::prefix_count) {}

Result<Geography> Geography::load_embedded() {
  return from_csv(embedded::zip3_centroids_csv(), "routing/data/zip3_centroids.csv (embedded)");
}

Result<Geography> Geography::from_csv(std::string_view csv_text, std::string_view source_name) {
  Result<std::vector<detail::Zip3Centroid>> rows =
      detail::parse_zip3_centroid_csv(csv_text, source_name);
  if (!rows) return rows.status();
  Geography geography;
  for (const detail::Zip3Centroid& row : *rows) geography.add(row.prefix, row.centroid);
  geography.compute_zones();
  return geography;
}

Result<Zip3> Geography::locate(std::string_view postal_code) const {
  Result<Zip3> prefix = Zip3::from_postal_code(postal_code);
  if (prefix && !contains(*prefix)) {
    return Status(StatusCode::not_found, "postal code " + detail::quote_for_message(postal_code) +
                                             ": ZIP prefix " + prefix->to_string() +
                                             " is not in the geography table");
  }
  return prefix;
}

Coordinates Geography::centroid(Zip3 prefix) const {
  EDGEROUTE_ASSERT(contains(prefix), "centroid() of a ZIP prefix that is not in the table");
  return centroids_[prefix.prefix()];
}

double Geography::distance_miles(Zip3 from, Zip3 to) const {
  return great_circle_distance_miles(centroid(from), centroid(to));
}

void Geography::add(Zip3 prefix, Coordinates centroid) {
  EDGEROUTE_ASSERT(!contains(prefix), "each ZIP prefix is added once");
  centroids_[prefix.prefix()] = centroid;
  known_[prefix.prefix()] = true;
  prefixes_.push_back(prefix);
}

void Geography::compute_zones() {
  std::sort(prefixes_.begin(), prefixes_.end());
  for (std::size_t i = 0; i < prefixes_.size(); ++i) {
    for (std::size_t j = i; j < prefixes_.size(); ++j) {
      const Zone zone = zone_for_distance(distance_miles(prefixes_[i], prefixes_[j]));
      zone_numbers_[matrix_index(prefixes_[i], prefixes_[j])] = zone.number();
      zone_numbers_[matrix_index(prefixes_[j], prefixes_[i])] = zone.number();
    }
  }
}

}  // namespace edgeroute::routing
