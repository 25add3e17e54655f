#include "edgeroute/simulate/report_table.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <set>
#include <string_view>

#include <fmt/format.h>

namespace edgeroute::simulate {
namespace {

// Wide enough for most terminals; a run wider than this still gets a block of its own.
constexpr std::size_t kTableWidth = 80;
// More runs than this side by side are hard to compare even on a wide terminal.
constexpr std::size_t kMaxRunsPerBlock = 4;
constexpr std::string_view kColumnGap = "  ";
// What a cell shows when the figure does not exist (no delivered orders, no exceptions).
constexpr std::string_view kNoFigure = "-";

// Digits grouped in thousands ("12,345"), which make order counts readable at a glance.
std::string grouped(std::uint64_t value) {
  const std::string digits = fmt::format("{}", value);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

std::string count_text(std::uint64_t value) {
  return grouped(value);
}

std::string signed_count_text(std::int64_t value) {
  const std::uint64_t magnitude = value < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(value)
                                            : static_cast<std::uint64_t>(value);
  return (value < 0 ? "-" : "") + grouped(magnitude);
}

// "$1,234.56"; negative amounts "-$0.05".
std::string dollars_text(std::int64_t cents) {
  const std::uint64_t magnitude = cents < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(cents)
                                            : static_cast<std::uint64_t>(cents);
  return fmt::format("{}${}.{:02}", cents < 0 ? "-" : "", grouped(magnitude / 100),
                     magnitude % 100);
}

// Basis points as a percentage with two decimals: 9345 -> "93.45%".
std::string percent_text(std::uint32_t bp) {
  return fmt::format("{}.{:02}%", bp / 100, bp % 100);
}

// Hundredths of a unit: 123 -> "1.23".
std::string centi_text(std::int64_t centi) {
  const std::uint64_t magnitude = centi < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(centi)
                                            : static_cast<std::uint64_t>(centi);
  return fmt::format("{}{}.{:02}", centi < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

// Minutes as hours with one decimal, rounded half up: 95 -> "1.6".
std::string hours_text(std::int64_t minutes) {
  const std::int64_t tenths = (minutes * 10 + 30) / 60;
  return fmt::format("{}.{}", tenths / 10, tenths % 10);
}

// The variable cost per order split into handling, partner fee and carrier in proportion
// to their totals: the report carries the per-order variable figure, and splitting it
// (rather than dividing each total by an order count here) keeps the parts consistent
// with however the simulation counted the orders it divides by.
std::int64_t variable_part_per_order(const RunReport& run, std::int64_t part_cents) {
  const std::int64_t variable = run.handling_cents + run.partner_fee_cents + run.carrier_cents;
  if (variable == 0) return 0;
  // Cents per order times a run's cents stays far below 2^63 for any real run.
  return (run.variable_per_order_cents * part_cents + variable / 2) / variable;
}

// Columns count characters, not bytes, so that a scenario named in UTF-8 lines up.
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

void append_padded_left(std::string& out, std::string_view text, std::size_t width) {
  const std::size_t used = display_width(text);
  if (used < width) out.append(width - used, ' ');
  out += text;
}

void append_padded_right(std::string& out, std::string_view text, std::size_t width) {
  out += text;
  const std::size_t used = display_width(text);
  if (used < width) out.append(width - used, ' ');
}

// True when every run has the same value of `field`.
template <typename Field>
bool uniform(const SimulationReport& report, Field field) {
  return std::all_of(report.runs.begin(), report.runs.end(), [&](const RunReport& run) {
    return std::invoke(field, run) == std::invoke(field, report.runs.front());
  });
}

class RowBuilder {
 public:
  explicit RowBuilder(const SimulationReport& report) : report_(report) {}

  void group(std::string name) { group_ = std::move(name); }

  void add(std::string label, const std::function<std::string(const RunReport&)>& cell) {
    ReportRow row{group_, std::move(label), {}};
    row.cells.reserve(report_.runs.size());
    for (const RunReport& run : report_.runs) row.cells.push_back(cell(run));
    rows_.push_back(std::move(row));
  }

  std::vector<ReportRow> take() { return std::move(rows_); }

 private:
  const SimulationReport& report_;
  std::string group_;
  std::vector<ReportRow> rows_;
};

std::string or_no_figure(bool exists, std::string text) {
  return exists ? std::move(text) : std::string(kNoFigure);
}

struct Block {
  std::size_t first_run = 0;
  std::size_t run_count = 0;
};

// Greedy: as many runs as fit the width (and the cap), at least one per block.
std::vector<Block> split_into_blocks(std::size_t label_width,
                                     const std::vector<std::size_t>& column_widths) {
  std::vector<Block> blocks;
  std::size_t run = 0;
  while (run < column_widths.size()) {
    Block block{run, 0};
    std::size_t width = label_width;
    while (run < column_widths.size() && block.run_count < kMaxRunsPerBlock) {
      const std::size_t wider = width + kColumnGap.size() + column_widths[run];
      if (block.run_count > 0 && wider > kTableWidth) break;
      width = wider;
      ++block.run_count;
      ++run;
    }
    blocks.push_back(block);
  }
  return blocks;
}

}  // namespace

RunHeading run_heading(const RunReport& run) {
  return {run.scenario, run.band, run.sensitivity};
}

std::vector<ReportRow> report_rows(const SimulationReport& report) {
  RowBuilder rows(report);
  if (!report.runs.empty()) {
    rows.group("run");
    if (!uniform(report, &RunReport::seed)) {
      rows.add("seed", [](const RunReport& run) { return fmt::format("{}", run.seed); });
    }
    if (!uniform(report, &RunReport::first_day)) {
      rows.add("first day", [](const RunReport& run) { return run.first_day; });
    }
    if (!uniform(report, &RunReport::days)) {
      rows.add("days", [](const RunReport& run) { return fmt::format("{}", run.days); });
    }
  }

  rows.group("orders");
  rows.add("orders", [](const RunReport& run) { return count_text(run.orders); });
  rows.add("delivered", [](const RunReport& run) { return count_text(run.delivered); });
  rows.add("backordered", [](const RunReport& run) { return count_text(run.backordered); });
  rows.add("rejected", [](const RunReport& run) { return count_text(run.rejected); });
  rows.add("lost", [](const RunReport& run) { return count_text(run.lost); });

  // Per-order figures exist only when some order was delivered.
  const auto money = [](std::int64_t RunReport::*per_order) {
    return [per_order](const RunReport& run) {
      return or_no_figure(run.delivered > 0, dollars_text(run.*per_order));
    };
  };
  const auto variable_part = [](std::int64_t RunReport::*total) {
    return [total](const RunReport& run) {
      return or_no_figure(run.delivered > 0,
                          dollars_text(variable_part_per_order(run, run.*total)));
    };
  };
  rows.group("cost per order");
  rows.add("cost / order", money(&RunReport::cost_per_order_cents));
  rows.add("fixed / order", money(&RunReport::fixed_per_order_cents));
  rows.add("variable / order", money(&RunReport::variable_per_order_cents));
  rows.add("handling / order", variable_part(&RunReport::handling_cents));
  rows.add("partner fee / order", variable_part(&RunReport::partner_fee_cents));
  rows.add("carrier / order", variable_part(&RunReport::carrier_cents));

  const auto delivery = [](std::int64_t Percentiles::*figure) {
    return [figure](const RunReport& run) {
      return or_no_figure(run.delivery_days.count > 0,
                          signed_count_text(run.delivery_days.*figure));
    };
  };
  rows.group("promise");
  rows.add("promise kept", [](const RunReport& run) {
    return or_no_figure(run.delivered > 0, percent_text(run.promise_kept_bp));
  });
  rows.add("delivery days p50", delivery(&Percentiles::p50));
  rows.add("delivery days p90", delivery(&Percentiles::p90));
  rows.add("delivery days p99", delivery(&Percentiles::p99));
  rows.add("delivery days stddev", [](const RunReport& run) {
    return or_no_figure(run.delivery_days.count > 0, centi_text(run.delivery_days.stddev_centi));
  });
  rows.add("split orders", [](const RunReport& run) { return percent_text(run.split_bp); });

  const auto recover = [](std::int64_t Percentiles::*figure) {
    return [figure](const RunReport& run) {
      return or_no_figure(run.recover_minutes.count > 0, hours_text(run.recover_minutes.*figure));
    };
  };
  rows.group("exceptions");
  rows.add("exceptions", [](const RunReport& run) { return count_text(run.exceptions); });
  rows.add("reroutes", [](const RunReport& run) { return count_text(run.reroutes); });
  rows.add("recover p50 (h)", recover(&Percentiles::p50));
  rows.add("recover p90 (h)", recover(&Percentiles::p90));

  rows.group("partners");
  rows.add("largest partner", [](const RunReport& run) {
    return or_no_figure(!run.largest_partner.empty(), run.largest_partner);
  });
  rows.add("largest partner share", [](const RunReport& run) {
    return or_no_figure(!run.largest_partner.empty(), percent_text(run.largest_partner_share_bp));
  });
  rows.add("partners' share",
           [](const RunReport& run) { return percent_text(run.partner_share_bp); });
  return rows.take();
}

std::string report_context(const SimulationReport& report) {
  if (report.runs.empty()) return "no runs";
  std::set<std::string> scenarios;
  for (const RunReport& run : report.runs) scenarios.insert(run.scenario);
  std::string text = fmt::format("{} run{} of {} scenario{}", report.runs.size(),
                                 report.runs.size() == 1 ? "" : "s", scenarios.size(),
                                 scenarios.size() == 1 ? "" : "s");
  const RunReport& first = report.runs.front();
  if (uniform(report, &RunReport::seed)) text += fmt::format("; seed {}", first.seed);
  if (uniform(report, &RunReport::days)) {
    text += fmt::format("; {} day{}", first.days, first.days == 1 ? "" : "s");
    if (uniform(report, &RunReport::first_day)) text += fmt::format(" from {}", first.first_day);
  }
  return text;
}

std::string format_report_table(const SimulationReport& report) {
  std::string out = report_context(report) + "\n";
  if (report.runs.empty()) return out;

  const std::vector<ReportRow> rows = report_rows(report);
  std::vector<RunHeading> headings;
  for (const RunReport& run : report.runs) headings.push_back(run_heading(run));

  std::size_t label_width = 0;
  for (const ReportRow& row : rows) label_width = std::max(label_width, display_width(row.label));
  std::vector<std::size_t> column_widths(report.runs.size(), 0);
  for (std::size_t run = 0; run < report.runs.size(); ++run) {
    std::size_t& width = column_widths[run];
    width = std::max({display_width(headings[run].scenario), display_width(headings[run].band),
                      display_width(headings[run].sensitivity)});
    for (const ReportRow& row : rows) width = std::max(width, display_width(row.cells[run]));
  }

  const auto append_line = [&](const Block& block, std::string_view label,
                               const std::function<const std::string&(std::size_t)>& cell) {
    std::string line;
    append_padded_right(line, label, label_width);
    for (std::size_t run = block.first_run; run < block.first_run + block.run_count; ++run) {
      line += kColumnGap;
      append_padded_left(line, cell(run), column_widths[run]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };

  for (const Block& block : split_into_blocks(label_width, column_widths)) {
    out += '\n';
    append_line(block, "",
                [&](std::size_t run) -> const std::string& { return headings[run].scenario; });
    append_line(block, "",
                [&](std::size_t run) -> const std::string& { return headings[run].band; });
    const bool any_sensitivity = std::any_of(
        headings.begin() + static_cast<std::ptrdiff_t>(block.first_run),
        headings.begin() + static_cast<std::ptrdiff_t>(block.first_run + block.run_count),
        [](const RunHeading& heading) { return !heading.sensitivity.empty(); });
    if (any_sensitivity) {
      append_line(block, "",
                  [&](std::size_t run) -> const std::string& { return headings[run].sensitivity; });
    }
    std::string_view group;
    for (const ReportRow& row : rows) {
      if (row.group != group) {
        // A rule between groups, under the label and every column of the block.
        std::string rule(label_width, '-');
        for (std::size_t run = block.first_run; run < block.first_run + block.run_count; ++run) {
          rule += kColumnGap;
          rule.append(column_widths[run], '-');
        }
        out += rule + '\n';
        group = row.group;
      }
      append_line(block, row.label,
                  [&](std::size_t run) -> const std::string& { return row.cells[run]; });
    }
  }
  return out;
}

}  // namespace edgeroute::simulate
