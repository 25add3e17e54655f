#include "edgeroute/simulate/report_export.h"

#include <cmath>
#include <cstddef>
#include <iterator>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/ops/log.h"

namespace edgeroute::simulate {
namespace {

// Strings are written as the gateway's logs write them: escaped, and invalid UTF-8 as
// U+FFFD.
using ops::log::append_json_string;

// Writes indented JSON; keys are written in the order they are given.
class JsonWriter {
 public:
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  JsonWriter& key(std::string_view name) {
    separate();
    append_json_string(out_, name);
    out_ += ": ";
    after_key_ = true;
    return *this;
  }

  void value(std::string_view text) {
    separate();
    append_json_string(out_, text);
  }
  void value(const char* text) { value(std::string_view(text)); }
  void value(bool flag) {
    separate();
    out_ += flag ? "true" : "false";
  }
  void value(std::uint32_t number) { value(std::uint64_t{number}); }
  void value(std::uint64_t number) {
    separate();
    out_ += fmt::format("{}", number);
  }
  void value(std::int64_t number) {
    separate();
    out_ += fmt::format("{}", number);
  }
  // The shortest text that reads back as the same double; JSON has no NaN or infinity.
  void value(double number) {
    separate();
    out_ += std::isfinite(number) ? fmt::format("{}", number) : "null";
  }

  std::string take() {
    out_ += '\n';
    return std::move(out_);
  }

 private:
  void open(char bracket) {
    separate();
    out_ += bracket;
    first_in_level_.push_back(true);
  }

  void close(char bracket) {
    const bool empty = first_in_level_.back();
    first_in_level_.pop_back();
    if (!empty) newline();
    out_ += bracket;
  }

  // Before a key or a value: a comma after the previous member, then its own line; a
  // value right after its key stays on the key's line.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_in_level_.empty()) return;
    if (!first_in_level_.back()) out_ += ',';
    first_in_level_.back() = false;
    newline();
  }

  void newline() {
    out_ += '\n';
    out_.append(2 * first_in_level_.size(), ' ');
  }

  std::string out_;
  std::vector<bool> first_in_level_;
  bool after_key_ = false;
};

void write_percentiles(JsonWriter& json, const Percentiles& percentiles) {
  json.begin_object();
  json.key("p50").value(percentiles.p50);
  json.key("p90").value(percentiles.p90);
  json.key("p99").value(percentiles.p99);
  json.key("max").value(percentiles.max);
  json.key("mean_centi").value(percentiles.mean_centi);
  json.key("stddev_centi").value(percentiles.stddev_centi);
  json.key("count").value(percentiles.count);
  json.end_object();
}

void write_reasons(JsonWriter& json, const std::vector<ReasonCount>& reasons) {
  json.begin_array();
  for (const ReasonCount& reason : reasons) {
    json.begin_object();
    json.key("reason").value(reason.reason);
    json.key("orders").value(reason.orders);
    json.end_object();
  }
  json.end_array();
}

std::string_view kind_name(routing::fbs::NodeKind kind) {
  return routing::fbs::EnumNameNodeKind(kind);
}

void write_node(JsonWriter& json, const NodeReport& node) {
  json.begin_object();
  json.key("node_id").value(node.node_id);
  json.key("kind").value(kind_name(node.kind));
  json.key("enabled").value(node.enabled);
  json.key("shipments").value(node.shipments);
  json.key("units").value(node.units);
  json.key("failed_shipments").value(node.failed_shipments);
  json.key("capacity_limited").value(node.capacity_limited);
  json.key("utilisation_bp").value(node.utilisation_bp);
  json.key("open_days").value(node.open_days);
  json.key("saturated_days").value(node.saturated_days);
  json.key("fixed_cents").value(node.fixed_cents);
  json.key("variable_cents").value(node.variable_cents);
  json.end_object();
}

void write_day(JsonWriter& json, const DayReport& day) {
  json.begin_object();
  json.key("date").value(day.date);
  json.key("orders").value(day.orders);
  json.key("backordered").value(day.backordered);
  json.key("rejected").value(day.rejected);
  json.key("exceptions").value(day.exceptions);
  json.key("shipped_by_kind").begin_object();
  for (std::size_t kind = 0; kind < std::size(day.shipped_by_kind); ++kind) {
    json.key(kind_name(static_cast<routing::fbs::NodeKind>(kind))).value(day.shipped_by_kind[kind]);
  }
  json.end_object();
  json.end_object();
}

void write_run(JsonWriter& json, const RunReport& run) {
  json.begin_object();
  json.key("scenario").value(run.scenario);
  json.key("band").value(run.band);
  json.key("sensitivity").value(run.sensitivity);
  json.key("seed").value(run.seed);
  json.key("first_day").value(run.first_day);
  json.key("days").value(run.days);
  json.key("orders").value(run.orders);
  json.key("delivered").value(run.delivered);
  json.key("backordered").value(run.backordered);
  json.key("rejected").value(run.rejected);
  json.key("lost").value(run.lost);
  json.key("units_reserved_at_end").value(run.units_reserved_at_end);
  json.key("rejected_by_reason");
  write_reasons(json, run.rejected_by_reason);
  json.key("backordered_by_reason");
  write_reasons(json, run.backordered_by_reason);
  json.key("fixed_cents").value(run.fixed_cents);
  json.key("handling_cents").value(run.handling_cents);
  json.key("partner_fee_cents").value(run.partner_fee_cents);
  json.key("carrier_cents").value(run.carrier_cents);
  json.key("cost_per_order_cents").value(run.cost_per_order_cents);
  json.key("fixed_per_order_cents").value(run.fixed_per_order_cents);
  json.key("variable_per_order_cents").value(run.variable_per_order_cents);
  json.key("promise_kept_bp").value(run.promise_kept_bp);
  json.key("delivery_days");
  write_percentiles(json, run.delivery_days);
  json.key("split_orders").value(run.split_orders);
  json.key("split_bp").value(run.split_bp);
  json.key("exceptions").value(run.exceptions);
  json.key("reroutes").value(run.reroutes);
  json.key("recover_minutes");
  write_percentiles(json, run.recover_minutes);
  json.key("largest_partner").value(run.largest_partner);
  json.key("largest_partner_share_bp").value(run.largest_partner_share_bp);
  json.key("partner_share_bp").value(run.partner_share_bp);
  json.key("nodes").begin_array();
  for (const NodeReport& node : run.nodes) write_node(json, node);
  json.end_array();
  json.key("daily").begin_array();
  for (const DayReport& day : run.daily) write_day(json, day);
  json.end_array();
  json.key("wall_seconds").value(run.wall_seconds);
  json.end_object();
}

// RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled.
void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// Cents as dollars ("12.34", "-0.05"), basis points as percent ("93.45"), hundredths as
// units ("1.23"): one decimal point, no grouping, as a spreadsheet reads numbers.
std::string hundredths_text(std::int64_t hundredths) {
  const std::uint64_t magnitude = hundredths < 0
                                      ? std::uint64_t{0} - static_cast<std::uint64_t>(hundredths)
                                      : static_cast<std::uint64_t>(hundredths);
  return fmt::format("{}{}.{:02}", hundredths < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

struct CsvColumn {
  std::string_view name;
  std::string (*field)(const RunReport&);
};

// Template arguments give each column a plain function without a lambda per figure.
template <auto member>
std::string count_field(const RunReport& run) {
  return fmt::format("{}", run.*member);
}
template <auto member>
std::string hundredths_field(const RunReport& run) {
  return hundredths_text(static_cast<std::int64_t>(run.*member));
}
template <auto member, auto figure>
std::string percentile_field(const RunReport& run) {
  return fmt::format("{}", (run.*member).*figure);
}
template <auto member, auto figure>
std::string percentile_hundredths_field(const RunReport& run) {
  return hundredths_text((run.*member).*figure);
}
template <auto member>
std::string text_field(const RunReport& run) {
  return run.*member;
}

constexpr CsvColumn kCsvColumns[] = {
    {"scenario", text_field<&RunReport::scenario>},
    {"band", text_field<&RunReport::band>},
    {"sensitivity", text_field<&RunReport::sensitivity>},
    {"seed", count_field<&RunReport::seed>},
    {"first_day", text_field<&RunReport::first_day>},
    {"days", count_field<&RunReport::days>},
    {"orders", count_field<&RunReport::orders>},
    {"delivered", count_field<&RunReport::delivered>},
    {"backordered", count_field<&RunReport::backordered>},
    {"rejected", count_field<&RunReport::rejected>},
    {"lost", count_field<&RunReport::lost>},
    {"fixed_usd", hundredths_field<&RunReport::fixed_cents>},
    {"handling_usd", hundredths_field<&RunReport::handling_cents>},
    {"partner_fee_usd", hundredths_field<&RunReport::partner_fee_cents>},
    {"carrier_usd", hundredths_field<&RunReport::carrier_cents>},
    {"cost_per_order_usd", hundredths_field<&RunReport::cost_per_order_cents>},
    {"fixed_per_order_usd", hundredths_field<&RunReport::fixed_per_order_cents>},
    {"variable_per_order_usd", hundredths_field<&RunReport::variable_per_order_cents>},
    {"promise_kept_pct", hundredths_field<&RunReport::promise_kept_bp>},
    {"delivery_days_p50", percentile_field<&RunReport::delivery_days, &Percentiles::p50>},
    {"delivery_days_p90", percentile_field<&RunReport::delivery_days, &Percentiles::p90>},
    {"delivery_days_p99", percentile_field<&RunReport::delivery_days, &Percentiles::p99>},
    {"delivery_days_max", percentile_field<&RunReport::delivery_days, &Percentiles::max>},
    {"delivery_days_mean",
     percentile_hundredths_field<&RunReport::delivery_days, &Percentiles::mean_centi>},
    {"delivery_days_stddev",
     percentile_hundredths_field<&RunReport::delivery_days, &Percentiles::stddev_centi>},
    {"delivery_days_count", percentile_field<&RunReport::delivery_days, &Percentiles::count>},
    {"split_orders", count_field<&RunReport::split_orders>},
    {"split_pct", hundredths_field<&RunReport::split_bp>},
    {"exceptions", count_field<&RunReport::exceptions>},
    {"reroutes", count_field<&RunReport::reroutes>},
    {"recover_minutes_p50", percentile_field<&RunReport::recover_minutes, &Percentiles::p50>},
    {"recover_minutes_p90", percentile_field<&RunReport::recover_minutes, &Percentiles::p90>},
    {"recover_minutes_p99", percentile_field<&RunReport::recover_minutes, &Percentiles::p99>},
    {"recover_minutes_max", percentile_field<&RunReport::recover_minutes, &Percentiles::max>},
    {"recover_minutes_count", percentile_field<&RunReport::recover_minutes, &Percentiles::count>},
    {"largest_partner", text_field<&RunReport::largest_partner>},
    {"largest_partner_share_pct", hundredths_field<&RunReport::largest_partner_share_bp>},
    {"partner_share_pct", hundredths_field<&RunReport::partner_share_bp>},
};

}  // namespace

std::string report_to_json(const SimulationReport& report) {
  JsonWriter json;
  json.begin_object();
  json.key("runs").begin_array();
  for (const RunReport& run : report.runs) write_run(json, run);
  json.end_array();
  json.key("wall_seconds").value(report.wall_seconds);
  json.end_object();
  return json.take();
}

std::string report_to_csv(const SimulationReport& report) {
  std::string out;
  const auto append_line = [&out](const auto& field_of_column) {
    bool first = true;
    for (const CsvColumn& column : kCsvColumns) {
      if (!first) out += ',';
      first = false;
      append_csv_field(out, field_of_column(column));
    }
    out += "\r\n";
  };
  append_line([](const CsvColumn& column) { return std::string(column.name); });
  for (const RunReport& run : report.runs) {
    append_line([&run](const CsvColumn& column) { return column.field(run); });
  }
  return out;
}

}  // namespace edgeroute::simulate
