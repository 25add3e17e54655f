// Internal: the parser of the ZIP-prefix centroid table's CSV form (documented on
// Geography::from_csv and in routing/data/README.md). Pure: text in, rows out.
#pragma once

#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/great_circle.h"
#include "edgeroute/routing/zip3.h"

namespace edgeroute::routing::detail {

struct Zip3Centroid {
  Zip3 prefix;
  Coordinates centroid;
};

// Rows in file order. Fails with `corruption`, "<source_name>:<line>: <what>", on the
// first malformed line, on a repeated prefix, or if there are no rows.
Result<std::vector<Zip3Centroid>> parse_zip3_centroid_csv(std::string_view csv_text,
                                                          std::string_view source_name);

}  // namespace edgeroute::routing::detail
