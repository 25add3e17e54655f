#include "zip3_centroid_csv.h"

#include <bitset>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>

#include "quote.h"

namespace edgeroute::routing::detail {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (std::size_t comma = line.find(','); comma != std::string_view::npos;
       comma = line.find(',', start)) {
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
  fields.push_back(line.substr(start));
  return fields;
}

std::optional<double> parse_degrees(std::string_view field, double limit_degrees) {
  double degrees = 0.0;
  const char* end = field.data() + field.size();
  const auto [stop, error] = std::from_chars(field.data(), end, degrees);
  if (field.empty() || error != std::errc() || stop != end || !std::isfinite(degrees) ||
      std::abs(degrees) > limit_degrees) {
    return std::nullopt;
  }
  return degrees;
}

// One data row, or a message saying what is wrong with it.
struct RowParse {
  std::optional<Zip3Centroid> row;
  std::string error;
};

RowParse parse_row(std::string_view line, std::size_t column_count) {
  const std::vector<std::string_view> fields = split_fields(line);
  if (fields.size() != column_count) {
    return {std::nullopt, "expected " + std::to_string(column_count) + " columns, found " +
                              std::to_string(fields.size())};
  }
  const Result<Zip3> prefix = Zip3::from_postal_code(fields[0]);
  if (fields[0].size() != 3 || !prefix) {
    return {std::nullopt, "zip3 " + quote_for_message(fields[0]) + " is not three digits"};
  }
  const std::optional<double> latitude = parse_degrees(fields[1], 90.0);
  if (!latitude) {
    return {std::nullopt,
            "latitude " + quote_for_message(fields[1]) + " is not a number in -90..90"};
  }
  const std::optional<double> longitude = parse_degrees(fields[2], 180.0);
  if (!longitude) {
    return {std::nullopt,
            "longitude " + quote_for_message(fields[2]) + " is not a number in -180..180"};
  }
  return {Zip3Centroid{*prefix, {*latitude, *longitude}}, {}};
}

// Takes the next line off the front of `text`, without its line ending.
std::string_view next_line(std::string_view& text) {
  const std::size_t newline = text.find('\n');
  std::string_view line = text.substr(0, newline);
  text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_header(const std::vector<std::string_view>& fields) {
  return fields.size() >= 3 && fields[0] == "zip3" && fields[1] == "latitude" &&
         fields[2] == "longitude";
}

}  // namespace

Result<std::vector<Zip3Centroid>> parse_zip3_centroid_csv(std::string_view csv_text,
                                                          std::string_view source_name) {
  std::size_t line_number = 1;
  const auto failure = [&](std::string_view what) {
    return Status(
        StatusCode::corruption,
        std::string(source_name) + ":" + std::to_string(line_number) + ": " + std::string(what));
  };
  const std::vector<std::string_view> header = split_fields(next_line(csv_text));
  if (!is_header(header)) return failure("the header must start with \"zip3,latitude,longitude\"");

  std::vector<Zip3Centroid> rows;
  std::bitset<Zip3::prefix_count> seen;
  while (!csv_text.empty()) {
    const std::string_view line = next_line(csv_text);
    ++line_number;
    if (line.empty()) continue;
    RowParse parsed = parse_row(line, header.size());
    if (!parsed.row) return failure(parsed.error);
    const Zip3 prefix = parsed.row->prefix;
    if (seen[prefix.prefix()]) return failure("zip3 " + prefix.to_string() + " appears twice");
    seen[prefix.prefix()] = true;
    rows.push_back(*parsed.row);
  }
  if (rows.empty()) return failure("the table has no rows");
  return rows;
}

}  // namespace edgeroute::routing::detail
