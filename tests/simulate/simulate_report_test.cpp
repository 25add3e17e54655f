// The report renderers on a synthetic report: the terminal table a planner reads, the JSON
// and CSV other tools read back, and the self-contained HTML page.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/simulate/report_export.h"
#include "edgeroute/simulate/report_html.h"
#include "edgeroute/simulate/report_table.h"
#include "synthetic_report.h"

namespace edgeroute::simulate {
namespace {

using testing::synthetic_report;
using testing::synthetic_run;

// A strict reader of the JSON grammar (RFC 8259), enough to read a report back: objects
// keep their keys in order, numbers stay text.
struct Json {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  std::string text;  // a string's value, a number's digits, "true" or "false"
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json& operator[](std::string_view key) const {
    for (const auto& [name, value] : members) {
      if (name == key) return value;
    }
    static const Json missing;
    ADD_FAILURE() << "no key " << key;
    return missing;
  }
  const Json& operator[](std::size_t index) const { return items.at(index); }
  std::vector<std::string> keys() const {
    std::vector<std::string> names;
    for (const auto& member : members) names.push_back(member.first);
    return names;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  // The document, or nullopt when `text` is not exactly one JSON value.
  std::optional<Json> read() {
    std::optional<Json> value = read_value();
    skip_space();
    if (!value || position_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void skip_space() {
    while (position_ < text_.size() &&
           std::string_view(" \t\r\n").find(text_[position_]) != std::string_view::npos) {
      ++position_;
    }
  }
  bool take(char expected) {
    skip_space();
    if (position_ < text_.size() && text_[position_] == expected) {
      ++position_;
      return true;
    }
    return false;
  }
  bool take_word(std::string_view word) {
    if (text_.substr(position_, word.size()) != word) return false;
    position_ += word.size();
    return true;
  }

  std::optional<Json> read_value() {
    skip_space();
    if (position_ >= text_.size()) return std::nullopt;
    Json value;
    const char c = text_[position_];
    if (c == '{') return read_object();
    if (c == '[') return read_array();
    if (c == '"') {
      std::optional<std::string> text = read_string();
      if (!text) return std::nullopt;
      value.type = Json::Type::string;
      value.text = std::move(*text);
      return value;
    }
    if (take_word("null")) return value;
    for (const std::string_view word : {"true", "false"}) {
      if (take_word(word)) {
        value.type = Json::Type::boolean;
        value.text = word;
        return value;
      }
    }
    return read_number();
  }

  std::optional<Json> read_object() {
    ++position_;
    Json object;
    object.type = Json::Type::object;
    if (take('}')) return object;
    do {
      skip_space();
      if (position_ >= text_.size() || text_[position_] != '"') return std::nullopt;
      std::optional<std::string> key = read_string();
      if (!key || !take(':')) return std::nullopt;
      std::optional<Json> value = read_value();
      if (!value) return std::nullopt;
      object.members.emplace_back(std::move(*key), std::move(*value));
    } while (take(','));
    if (!take('}')) return std::nullopt;
    return object;
  }

  std::optional<Json> read_array() {
    ++position_;
    Json array;
    array.type = Json::Type::array;
    if (take(']')) return array;
    do {
      std::optional<Json> value = read_value();
      if (!value) return std::nullopt;
      array.items.push_back(std::move(*value));
    } while (take(','));
    if (!take(']')) return std::nullopt;
    return array;
  }

  std::optional<Json> read_number() {
    const std::size_t start = position_;
    const auto digits = [&] {
      const std::size_t first = position_;
      while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
        ++position_;
      }
      return position_ > first;
    };
    if (position_ < text_.size() && text_[position_] == '-') ++position_;
    if (position_ < text_.size() && text_[position_] == '0') {
      ++position_;
    } else if (!digits()) {
      return std::nullopt;
    }
    if (position_ < text_.size() && text_[position_] == '.') {
      ++position_;
      if (!digits()) return std::nullopt;
    }
    if (position_ < text_.size() && (text_[position_] == 'e' || text_[position_] == 'E')) {
      ++position_;
      if (position_ < text_.size() && (text_[position_] == '+' || text_[position_] == '-')) {
        ++position_;
      }
      if (!digits()) return std::nullopt;
    }
    Json number;
    number.type = Json::Type::number;
    number.text = std::string(text_.substr(start, position_ - start));
    return number;
  }

  static void append_utf8(std::string& out, std::uint32_t code_point) {
    const auto byte = [](std::uint32_t bits) { return static_cast<char>(bits); };
    if (code_point < 0x80U) {
      out += byte(code_point);
    } else if (code_point < 0x800U) {
      out += byte(0xC0U | (code_point >> 6U));
      out += byte(0x80U | (code_point & 0x3FU));
    } else if (code_point < 0x10000U) {
      out += byte(0xE0U | (code_point >> 12U));
      out += byte(0x80U | ((code_point >> 6U) & 0x3FU));
      out += byte(0x80U | (code_point & 0x3FU));
    } else {
      out += byte(0xF0U | (code_point >> 18U));
      out += byte(0x80U | ((code_point >> 12U) & 0x3FU));
      out += byte(0x80U | ((code_point >> 6U) & 0x3FU));
      out += byte(0x80U | (code_point & 0x3FU));
    }
  }

  std::optional<std::uint32_t> read_hex4() {
    if (position_ + 4 > text_.size()) return std::nullopt;
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[position_++];
      value <<= 4U;
      if (c >= '0' && c <= '9') {
        value |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    return value;
  }

  std::optional<std::string> read_string() {
    ++position_;  // the opening quote
    std::string out;
    while (position_ < text_.size()) {
      const char c = text_[position_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20U) return std::nullopt;  // must be escaped
      if (c != '\\') {
        out += c;
        continue;
      }
      if (position_ >= text_.size()) return std::nullopt;
      const char escape = text_[position_++];
      switch (escape) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::optional<std::uint32_t> unit = read_hex4();
          if (!unit) return std::nullopt;
          std::uint32_t code_point = *unit;
          if (code_point >= 0xD800U && code_point <= 0xDBFFU) {
            if (!take_word("\\u")) return std::nullopt;
            std::optional<std::uint32_t> low = read_hex4();
            if (!low || *low < 0xDC00U || *low > 0xDFFFU) return std::nullopt;
            code_point = 0x10000U + ((code_point - 0xD800U) << 10U) + (*low - 0xDC00U);
          }
          append_utf8(out, code_point);
          break;
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;  // unterminated
  }

  std::string_view text_;
  std::size_t position_ = 0;
};

Json read_json(std::string_view text) {
  std::optional<Json> json = JsonReader(text).read();
  if (!json) {
    ADD_FAILURE() << "not JSON:\n" << text;
    return {};
  }
  return *json;
}

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> read_csv(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      ++i;
    } else {
      field += c;
    }
  }
  EXPECT_TRUE(field.empty() && record.empty()) << "the last record does not end in CRLF";
  return records;
}

std::map<std::string, std::string> csv_row(const std::vector<std::vector<std::string>>& records,
                                           std::size_t row) {
  std::map<std::string, std::string> named;
  for (std::size_t column = 0; column < records.at(0).size(); ++column) {
    named[records.at(0)[column]] = records.at(row).at(column);
  }
  return named;
}

const ReportRow& row_labelled(const std::vector<ReportRow>& rows, std::string_view label) {
  const auto found = std::find_if(rows.begin(), rows.end(),
                                  [&](const ReportRow& row) { return row.label == label; });
  if (found == rows.end()) {
    static const ReportRow missing;
    ADD_FAILURE() << "no row " << label;
    return missing;
  }
  return *found;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::size_t occurrences(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// --- the terminal table ---

TEST(ReportTable, HeadsEachColumnWithItsRunsScenarioBandAndSensitivity) {
  const std::string table = format_report_table(synthetic_report());
  const std::vector<std::string> lines = lines_of(table);
  ASSERT_GE(lines.size(), 4U);
  EXPECT_EQ(lines[0], "3 runs of 3 scenarios; seed 7; 14 days from 2025-03-03");
  // The first block's heading lines: scenarios, then bands, then sensitivities.
  EXPECT_NE(lines[2].find("operate-heavy"), std::string::npos);
  EXPECT_NE(lines[2].find("hybrid"), std::string::npos);
  EXPECT_NE(lines[3].find("baseline"), std::string::npos);
  EXPECT_NE(lines[3].find("peak"), std::string::npos);
  EXPECT_NE(table.find("orchestrate-heavy"), std::string::npos);
  EXPECT_NE(table.find("partner_fee+10%"), std::string::npos);
}

TEST(ReportTable, ShowsCostPerOrderAsDollarsWithCents) {
  SimulationReport report = synthetic_report();
  report.runs[0].cost_per_order_cents = 123456;
  report.runs[1].cost_per_order_cents = 1005;
  report.runs[2].cost_per_order_cents = 7;
  const std::vector<ReportRow> rows = report_rows(report);
  EXPECT_EQ(row_labelled(rows, "cost / order").cells,
            (std::vector<std::string>{"$1,234.56", "$10.05", "$0.07"}));
  const std::string table = format_report_table(report);
  EXPECT_NE(table.find("$1,234.56"), std::string::npos) << table;
}

TEST(ReportTable, ShowsSharesAsPercentAndRecoveryInHours) {
  const SimulationReport report = synthetic_report();
  const std::vector<ReportRow> rows = report_rows(report);
  EXPECT_EQ(row_labelled(rows, "promise kept").cells[0], "96.12%");
  EXPECT_EQ(row_labelled(rows, "partners' share").cells[1], "46.00%");
  EXPECT_EQ(row_labelled(rows, "largest partner").cells[2], "3pl-reno");
  // 95 minutes, 480 minutes.
  EXPECT_EQ(row_labelled(rows, "recover p50 (h)").cells[0], "1.6");
  EXPECT_EQ(row_labelled(rows, "recover p90 (h)").cells[0], "8.0");
  EXPECT_EQ(row_labelled(rows, "delivery days stddev").cells[0], "1.18");
  EXPECT_EQ(row_labelled(rows, "orders").cells[2], "20,000");
}

TEST(ReportTable, SplitsTheVariableCostPerOrderInProportionToItsParts) {
  SimulationReport report;
  RunReport run = synthetic_run("hybrid", "baseline", "", 0);
  run.handling_cents = 200'000;
  run.partner_fee_cents = 100'000;
  run.carrier_cents = 700'000;
  run.variable_per_order_cents = 1000;
  report.runs.push_back(run);
  const std::vector<ReportRow> rows = report_rows(report);
  EXPECT_EQ(row_labelled(rows, "variable / order").cells[0], "$10.00");
  EXPECT_EQ(row_labelled(rows, "handling / order").cells[0], "$2.00");
  EXPECT_EQ(row_labelled(rows, "partner fee / order").cells[0], "$1.00");
  EXPECT_EQ(row_labelled(rows, "carrier / order").cells[0], "$7.00");
}

TEST(ReportTable, ShowsNoFigureWhereARunDeliveredNothing) {
  SimulationReport report;
  RunReport run = synthetic_run("hybrid", "failure", "", 0);
  run.delivered = 0;
  run.delivery_days = {};
  run.recover_minutes = {};
  run.largest_partner.clear();
  report.runs.push_back(run);
  const std::vector<ReportRow> rows = report_rows(report);
  EXPECT_EQ(row_labelled(rows, "promise kept").cells[0], "-");
  EXPECT_EQ(row_labelled(rows, "cost / order").cells[0], "-");
  EXPECT_EQ(row_labelled(rows, "delivery days p90").cells[0], "-");
  EXPECT_EQ(row_labelled(rows, "recover p50 (h)").cells[0], "-");
  EXPECT_EQ(row_labelled(rows, "largest partner").cells[0], "-");
}

TEST(ReportTable, WrapsManyRunsIntoBlocksThatFitEightyColumns) {
  SimulationReport report;
  const char* const scenarios[] = {"operate-heavy", "hybrid", "orchestrate-heavy"};
  const char* const bands[] = {"baseline", "peak", "failure"};
  for (std::uint32_t i = 0; i < 9; ++i) {
    report.runs.push_back(synthetic_run(scenarios[i / 3], bands[i % 3], "", i % 3));
  }
  const std::string table = format_report_table(report);
  const std::vector<std::string> lines = lines_of(table);
  for (const std::string& line : lines) EXPECT_LE(line.size(), 80U) << line;
  // Every run is shown once, and each block repeats the labels.
  for (const char* scenario : scenarios) {
    EXPECT_EQ(occurrences(table, std::string("  ") + scenario), 3U) << scenario << "\n" << table;
  }
  const auto label_lines = std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("promise kept ", 0) == 0;
  });
  EXPECT_GE(label_lines, 3);
}

TEST(ReportTable, ListsSeedAndDaysPerRunWhenTheRunsDiffer) {
  SimulationReport report = synthetic_report();
  report.runs[1].seed = 8;
  const std::vector<ReportRow> rows = report_rows(report);
  EXPECT_EQ(row_labelled(rows, "seed").cells, (std::vector<std::string>{"7", "8", "7"}));
  EXPECT_EQ(report_context(report), "3 runs of 3 scenarios; 14 days from 2025-03-03");
}

// --- JSON ---

TEST(ReportJson, ReadsBackAsJsonWithEveryRunNodeAndDay) {
  const SimulationReport report = synthetic_report();
  const Json json = read_json(report_to_json(report));
  ASSERT_EQ(json["runs"].items.size(), 3U);
  const Json& hybrid = json["runs"][1];
  EXPECT_EQ(hybrid["scenario"].text, "hybrid");
  EXPECT_EQ(hybrid["band"].text, "peak");
  EXPECT_EQ(hybrid["orders"].text, "17000");
  EXPECT_EQ(hybrid["cost_per_order_cents"].text,
            std::to_string(report.runs[1].cost_per_order_cents));
  EXPECT_EQ(hybrid["delivery_days"]["p99"].text, "8");
  EXPECT_EQ(hybrid["rejected_by_reason"][0]["reason"].text, "unknown_sku");
  ASSERT_EQ(hybrid["nodes"].items.size(), 5U);
  EXPECT_EQ(hybrid["nodes"][2]["node_id"].text, "store-0042");
  EXPECT_EQ(hybrid["nodes"][2]["kind"].text, "store");
  EXPECT_EQ(hybrid["nodes"][2]["capacity_limited"].text, "false");
  ASSERT_EQ(hybrid["daily"].items.size(), 14U);
  EXPECT_EQ(hybrid["daily"][13]["date"].text, "2025-03-16");
  EXPECT_EQ(hybrid["daily"][0]["shipped_by_kind"]["partner_3pl"].text,
            std::to_string(report.runs[1].daily[0].shipped_by_kind[2]));
  EXPECT_EQ(json["wall_seconds"].text, "3.5");
}

TEST(ReportJson, KeepsTheReportsFieldOrder) {
  const Json json = read_json(report_to_json(synthetic_report()));
  const std::vector<std::string> keys = json["runs"][0].keys();
  const std::vector<std::string> first_keys(keys.begin(), keys.begin() + 7);
  EXPECT_EQ(first_keys, (std::vector<std::string>{"scenario", "band", "sensitivity", "seed",
                                                  "first_day", "days", "orders"}));
  EXPECT_EQ(keys.back(), "wall_seconds");
  EXPECT_EQ(json.keys(), (std::vector<std::string>{"runs", "wall_seconds"}));
}

TEST(ReportJson, EscapesQuotesBackslashesAndControlCharactersInNames) {
  SimulationReport report = synthetic_report();
  const std::string awkward = "east \"big\" \\ one\nline\ttab\x01 caf\xc3\xa9 </script>";
  report.runs[0].scenario = awkward;
  const Json json = read_json(report_to_json(report));
  EXPECT_EQ(json["runs"][0]["scenario"].text, awkward);
}

TEST(ReportJson, ReplacesInvalidUtf8SoTheDocumentStillReads) {
  SimulationReport report = synthetic_report();
  report.runs[0].scenario = "bad\xff\xc3(";
  const Json json = read_json(report_to_json(report));
  EXPECT_EQ(json["runs"][0]["scenario"].text, "bad\xef\xbf\xbd\xef\xbf\xbd(");
}

TEST(ReportJson, WritesAnUnmeasurableWallTimeAsNull) {
  SimulationReport report = synthetic_report();
  report.wall_seconds = std::numeric_limits<double>::quiet_NaN();
  const Json json = read_json(report_to_json(report));
  EXPECT_EQ(json["wall_seconds"].type, Json::Type::null);
}

TEST(ReportJson, ReadsBackWhenThereAreNoRuns) {
  const Json json = read_json(report_to_json(SimulationReport{}));
  EXPECT_EQ(json["runs"].type, Json::Type::array);
  EXPECT_TRUE(json["runs"].items.empty());
}

// --- CSV ---

TEST(ReportCsv, HasAHeaderRowAndOneRowPerRun) {
  const std::vector<std::vector<std::string>> records = read_csv(report_to_csv(synthetic_report()));
  ASSERT_EQ(records.size(), 4U);
  for (const std::vector<std::string>& record : records) {
    EXPECT_EQ(record.size(), records[0].size());
  }
  EXPECT_EQ(records[0][0], "scenario");
  EXPECT_EQ(records[1][0], "operate-heavy");
  EXPECT_EQ(records[3][0], "orchestrate-heavy");
  EXPECT_EQ(csv_row(records, 3)["sensitivity"], "partner_fee+10%");
}

TEST(ReportCsv, GivesMoneyInDollarsAndSharesInPercent) {
  SimulationReport report = synthetic_report();
  report.runs[0].cost_per_order_cents = 123456;
  report.runs[0].fixed_per_order_cents = -5;
  const std::vector<std::vector<std::string>> records = read_csv(report_to_csv(report));
  std::map<std::string, std::string> row = csv_row(records, 1);
  EXPECT_EQ(row["cost_per_order_usd"], "1234.56");
  EXPECT_EQ(row["fixed_per_order_usd"], "-0.05");
  EXPECT_EQ(row["promise_kept_pct"], "96.12");
  EXPECT_EQ(row["orders"], "14000");
  EXPECT_EQ(row["recover_minutes_p50"], "95");
}

TEST(ReportCsv, QuotesFieldsHoldingCommasQuotesOrLineBreaks) {
  SimulationReport report = synthetic_report();
  report.runs[0].scenario = "east, \"big\"";
  report.runs[1].scenario = "two\nlines";
  report.runs[2].scenario = "plain";
  const std::string csv = report_to_csv(report);
  EXPECT_NE(csv.find("\r\n\"east, \"\"big\"\"\",baseline,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\r\nplain,failure,"), std::string::npos) << csv;
  const std::vector<std::vector<std::string>> records = read_csv(csv);
  ASSERT_EQ(records.size(), 4U);
  EXPECT_EQ(records[1][0], "east, \"big\"");
  EXPECT_EQ(records[2][0], "two\nlines");
  EXPECT_EQ(records[2].size(), records[0].size());
}

TEST(ReportCsv, KeepsColumnsInPlaceWhenAFieldIsEmpty) {
  SimulationReport report = synthetic_report();
  report.runs[0].scenario.clear();
  const std::vector<std::vector<std::string>> records = read_csv(report_to_csv(report));
  ASSERT_EQ(records.size(), 4U);
  EXPECT_EQ(records[1].size(), records[0].size());
  EXPECT_EQ(csv_row(records, 1)["band"], "baseline");
}

// --- HTML ---

std::string chart_js_source() {
  std::ifstream file(EDGEROUTE_CHART_JS, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The text of the embedded report data: from its element's start tag to the first
// "</script" after it, which is where a browser ends the element.
std::string embedded_data(const std::string& html) {
  constexpr std::string_view kStart = "<script type=\"application/json\" id=\"report-data\">";
  const std::size_t start = html.find(kStart);
  if (start == std::string::npos) {
    ADD_FAILURE() << "no report data element";
    return {};
  }
  const std::size_t begin = start + kStart.size();
  return html.substr(begin, html.find("</script", begin) - begin);
}

TEST(ReportHtml, EmbedsChartJsWhole) {
  const std::string chart_js = chart_js_source();
  ASSERT_GT(chart_js.size(), 100'000U) << "cannot read " << EDGEROUTE_CHART_JS;
  const std::string html = report_to_html(synthetic_report());
  EXPECT_NE(html.find(chart_js), std::string::npos);
}

TEST(ReportHtml, CarriesTheWholeReportAsJson) {
  const SimulationReport report = synthetic_report();
  const Json data = read_json(embedded_data(report_to_html(report)));
  ASSERT_EQ(data["runs"].items.size(), 3U);
  EXPECT_EQ(data["runs"][2]["scenario"].text, "orchestrate-heavy");
  EXPECT_EQ(data["runs"][2]["daily"].items.size(), 14U);
}

TEST(ReportHtml, AScenarioNamedLikeAClosingScriptTagCannotEndTheData) {
  SimulationReport report = synthetic_report();
  report.runs[1].scenario = "</script>x";
  report.runs[2].scenario = "<!--<script>";
  const std::string html = report_to_html(report);
  const Json data = read_json(embedded_data(html));
  ASSERT_EQ(data["runs"].items.size(), 3U);
  EXPECT_EQ(data["runs"][1]["scenario"].text, "</script>x");
  EXPECT_EQ(data["runs"][2]["scenario"].text, "<!--<script>");
  // In the page's text it is escaped as HTML.
  EXPECT_NE(html.find("&lt;/script&gt;x"), std::string::npos);
}

TEST(ReportHtml, HasACanvasPerChartAndADailyChartPerRun) {
  const std::string html = report_to_html(synthetic_report());
  // Cost, promise, delivery days, outcomes, utilisation, partners; then one per run.
  EXPECT_EQ(occurrences(html, "<canvas"), 6U + 3U);
  for (const char* id : {"daily-chart-0", "daily-chart-1", "daily-chart-2"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
}

TEST(ReportHtml, ShowsTheSummaryTableWithoutScript) {
  const std::string html = report_to_html(synthetic_report());
  EXPECT_NE(html.find("<th>promise kept</th><td>96.12%</td>"), std::string::npos);
  EXPECT_NE(html.find("Scenarios: operate-heavy, hybrid, orchestrate-heavy"), std::string::npos);
  EXPECT_NE(html.find("3 runs of 3 scenarios; seed 7; 14 days from 2025-03-03"), std::string::npos);
}

TEST(ReportHtml, LoadsNothingFromTheNetwork) {
  const std::string html = report_to_html(synthetic_report());
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

}  // namespace
}  // namespace edgeroute::simulate
