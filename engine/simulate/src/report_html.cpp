#include "edgeroute/simulate/report_html.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/simulate/report_export.h"
#include "edgeroute/simulate/report_table.h"
#include "edgeroute_simulate_chart_js_embedded.h"

namespace edgeroute::simulate {
namespace {

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; }
body {
  margin: 0; background: #f6f7f9; color: #1d2430;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 24px 24px 48px; }
header h1 { font-size: 26px; margin: 8px 0 4px; font-weight: 600; }
header p { margin: 2px 0; color: #4a5568; }
h2 { font-size: 18px; font-weight: 600; margin: 32px 0 8px; }
.note { color: #5a6473; font-size: 13px; margin: 6px 0 0; }
.table-scroll { overflow-x: auto; background: #fff; border: 1px solid #dde1e7; border-radius: 6px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13.5px; width: 100%; }
th, td { padding: 4px 12px; white-space: nowrap; }
thead th { text-align: right; vertical-align: bottom; border-bottom: 2px solid #c9ced6; font-weight: 600; }
thead th span { display: block; font-weight: 400; color: #5a6473; }
tbody td { text-align: right; }
tbody th { text-align: left; font-weight: 400; color: #2d3748; }
tbody tr.group th {
  text-align: left; font-size: 11.5px; font-weight: 600; letter-spacing: 0.06em;
  text-transform: uppercase; color: #6b7585; padding-top: 12px; border-bottom: 1px solid #e4e7ec;
}
tbody tr:not(.group):hover { background: #f1f4f8; }
th:first-child { position: sticky; left: 0; background: #fff; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 20px; }
.daily { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px 14px; }
figure.wide { grid-column: 1 / -1; }
figcaption { font-weight: 600; font-size: 14px; }
figcaption span { display: block; font-weight: 400; color: #5a6473; font-size: 12.5px; }
.chart { position: relative; height: 300px; margin-top: 8px; }
.daily .chart { height: 220px; }
footer { margin-top: 32px; color: #6b7585; font-size: 12px; }
)css";

// Runs before anything else on the page, so that an error in Chart.js or in the page's
// own script is recorded where a headless check can read it.
constexpr std::string_view kErrorHook = R"js(
window.onerror = function (message) {
  document.documentElement.dataset.renderError = String(message || 'script error');
};
)js";

// Draws the charts from the embedded report; the canvases are already on the page, one
// per chart, so that a chart the script failed to create shows as a count that differs.
constexpr std::string_view kPageScript = R"js(
(function () {
  'use strict';
  var root = document.documentElement;
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var runs = report.runs;
  var palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1',
                 '#ff9da7', '#9c755f', '#bab0ac'];
  var kinds = [['owned_fc', 'owned FC', '#4e79a7'], ['store', 'store', '#59a14f'],
               ['partner_3pl', '3PL', '#f28e2b'], ['dropship', 'drop-ship', '#b07aa1']];

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#3a4350';
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  var created = 0;
  function chart(id, type, labels, datasets, options) {
    var base = { animation: false, responsive: true, maintainAspectRatio: false };
    new Chart(document.getElementById(id), {
      type: type, data: { labels: labels, datasets: datasets }, options: Object.assign(base, options)
    });
    created += 1;
  }
  function series(label, data, colour, extra) {
    return Object.assign({ label: label, data: data, backgroundColor: colour, borderColor: colour,
                           borderWidth: 0 }, extra || {});
  }
  function runLabel(run) {
    var label = [run.scenario, run.band];
    if (run.sensitivity) label.push(run.sensitivity);
    return label;
  }
  function title(text) { return { display: true, text: text }; }
  function delivered(run, value) { return run.delivered > 0 ? value : null; }
  // Handling, partner fee and carrier split the per-order variable cost in proportion to
  // their totals, as the summary table does.
  function variablePart(run, cents) {
    var variable = run.handling_cents + run.partner_fee_cents + run.carrier_cents;
    return variable === 0 ? 0 : run.variable_per_order_cents * cents / variable / 100;
  }
  var dollarAxis = { ticks: { callback: function (v) { return '$' + Number(v).toFixed(2); } } };
  var percentAxis = { ticks: { callback: function (v) { return v + '%'; } } };
  var labels = runs.map(runLabel);
  // Every run (and node) keeps its label: a chart whose bars cannot be told apart is no use.
  var everyLabel = { ticks: { autoSkip: false } };

  chart('cost-chart', 'bar', labels, [
    series('fixed', runs.map(function (r) { return delivered(r, r.fixed_per_order_cents / 100); }),
           '#4e79a7'),
    series('handling', runs.map(function (r) { return delivered(r, variablePart(r, r.handling_cents)); }),
           '#59a14f'),
    series('partner fee',
           runs.map(function (r) { return delivered(r, variablePart(r, r.partner_fee_cents)); }),
           '#f28e2b'),
    series('carrier', runs.map(function (r) { return delivered(r, variablePart(r, r.carrier_cents)); }),
           '#9c755f')
  ], { scales: { x: { stacked: true, ticks: { autoSkip: false } },
                 y: Object.assign({ stacked: true, title: title('$ per order') }, dollarAxis) } });

  chart('promise-chart', 'bar', labels, [
    series('promise kept', runs.map(function (r) { return delivered(r, r.promise_kept_bp / 100); }),
           '#59a14f')
  ], { plugins: { legend: { display: false } },
       scales: { x: everyLabel,
                 y: Object.assign({ min: 0, max: 100, title: title('% of delivered orders') },
                                  percentAxis) } });

  chart('delivery-chart', 'bar', labels, ['p50', 'p90', 'p99'].map(function (p, i) {
    return series(p, runs.map(function (r) {
      return r.delivery_days.count > 0 ? r.delivery_days[p] : null;
    }), ['#9ecae1', '#4292c6', '#08519c'][i]);
  }), { scales: { x: everyLabel, y: { beginAtZero: true, title: title('days from order to delivery'),
                       ticks: { precision: 0 } } } });

  chart('outcome-chart', 'bar', labels, [
    series('lost', runs.map(function (r) { return r.lost; }), '#e15759'),
    series('backordered', runs.map(function (r) { return r.backordered; }), '#f28e2b'),
    series('rejected', runs.map(function (r) { return r.rejected; }), '#9aa3ae')
  ], { scales: { x: everyLabel,
                 y: { beginAtZero: true, title: title('orders'), ticks: { precision: 0 } } } });

  // Nodes without an order limit (stores, drop-shippers, as a policy says) have no
  // utilisation to show; a node limited in any run gets a place.
  var nodeIds = [];
  runs.forEach(function (r) {
    r.nodes.forEach(function (n) {
      if (n.enabled && n.capacity_limited && nodeIds.indexOf(n.node_id) < 0) nodeIds.push(n.node_id);
    });
  });
  // Scaled to the busiest node rather than to 100%, so that a lightly used network still
  // shows which nodes carry its load.
  chart('utilisation-chart', 'bar', nodeIds, runs.map(function (r, i) {
    var byId = {};
    r.nodes.forEach(function (n) { byId[n.node_id] = n; });
    return series(runLabel(r).join(' / '), nodeIds.map(function (id) {
      var n = byId[id];
      return n && n.enabled && n.capacity_limited ? n.utilisation_bp / 100 : null;
    }), palette[i % palette.length]);
  }), { scales: { x: everyLabel, y: Object.assign({ beginAtZero: true,
                                     title: title('% of order capacity on open days') },
                                   percentAxis) } });

  chart('partner-chart', 'bar', runs.map(function (r) {
    return runLabel(r).concat(r.largest_partner ? ['largest: ' + r.largest_partner] : []);
  }), [
    series('largest partner', runs.map(function (r) { return r.largest_partner_share_bp / 100; }),
           '#f28e2b'),
    series('all partners', runs.map(function (r) { return r.partner_share_bp / 100; }), '#b07aa1')
  ], { scales: { x: everyLabel, y: Object.assign({ min: 0, max: 100, title: title('% of shipments') },
                                  percentAxis) } });

  // One scale for every run's daily chart, so that their heights compare.
  var dailyMax = 0;
  runs.forEach(function (r) {
    r.daily.forEach(function (d) {
      var total = kinds.reduce(function (sum, k) { return sum + d.shipped_by_kind[k[0]]; }, 0);
      dailyMax = Math.max(dailyMax, total);
    });
  });
  runs.forEach(function (r, i) {
    chart('daily-chart-' + i, 'bar', r.daily.map(function (d) { return d.date.slice(5); }),
      kinds.map(function (k) {
        return series(k[1], r.daily.map(function (d) { return d.shipped_by_kind[k[0]]; }), k[2]);
      }),
      { plugins: { legend: { position: 'bottom' } },
        scales: { x: { stacked: true, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
                  y: { stacked: true, beginAtZero: true, suggestedMax: dailyMax,
                       ticks: { precision: 0 } } } });
  });

  root.dataset.chartsExpected = String(document.querySelectorAll('canvas').length);
  root.dataset.chartsRendered = String(created);
})();
)js";

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script> must not close the element: '<' occurs in JSON only inside strings,
// where \u003c reads back as the same character.
std::string json_for_script(const SimulationReport& report) {
  const std::string json = report_to_json(report);
  std::string out;
  out.reserve(json.size());
  for (const char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// The same for Chart.js: were a "</script" ever to appear in it (in a string or a
// comment), "<\/" means the same to JavaScript and does not end the element.
std::string script_for_inline(std::string_view script) {
  std::string out;
  out.reserve(script.size());
  for (std::size_t i = 0; i < script.size(); ++i) {
    const std::string_view rest = script.substr(i);
    constexpr std::string_view kClose = "</script";
    const bool closes = rest.size() >= kClose.size() &&
                        std::equal(kClose.begin(), kClose.end(), rest.begin(), [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
    if (closes) {
      out += "<\\/";
      ++i;  // the '/' is written
    } else {
      out += script[i];
    }
  }
  return out;
}

std::string scenario_list(const SimulationReport& report) {
  std::vector<std::string_view> names;
  for (const RunReport& run : report.runs) {
    if (std::find(names.begin(), names.end(), run.scenario) == names.end()) {
      names.push_back(run.scenario);
    }
  }
  std::string text;
  for (const std::string_view name : names) {
    if (!text.empty()) text += ", ";
    text += escape_html(name);
  }
  return text;
}

void append_summary_table(std::string& out, const SimulationReport& report) {
  out += "<div class=\"table-scroll\"><table>\n<thead><tr><th></th>";
  for (const RunReport& run : report.runs) {
    const RunHeading heading = run_heading(run);
    out += fmt::format("<th>{}<span>{}</span><span>{}</span></th>", escape_html(heading.scenario),
                       escape_html(heading.band),
                       heading.sensitivity.empty() ? "&nbsp;" : escape_html(heading.sensitivity));
  }
  out += "</tr></thead>\n<tbody>\n";
  std::string_view group;
  for (const ReportRow& row : report_rows(report)) {
    if (row.group != group) {
      out += fmt::format("<tr class=\"group\"><th colspan=\"{}\">{}</th></tr>\n",
                         report.runs.size() + 1, escape_html(row.group));
      group = row.group;
    }
    out += fmt::format("<tr><th>{}</th>", escape_html(row.label));
    for (const std::string& cell : row.cells) out += fmt::format("<td>{}</td>", escape_html(cell));
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

enum class FigureWidth { half, whole };
constexpr std::size_t kRunsInHalfWidth = 4;

void append_figure(std::string& out, std::string_view id, std::string_view caption,
                   std::string_view explanation, FigureWidth width = FigureWidth::half) {
  out += fmt::format(
      "<figure{}><figcaption>{}<span>{}</span></figcaption>"
      "<div class=\"chart\"><canvas id=\"{}\"></canvas></div></figure>\n",
      width == FigureWidth::whole ? " class=\"wide\"" : "", caption, explanation, id);
}

}  // namespace

std::string report_to_html(const SimulationReport& report) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>edgeroute simulate: {}</title>\n", scenario_list(report));
  out += fmt::format("<style>{}</style>\n<script>{}</script>\n</head>\n<body>\n<main>\n", kStyle,
                     kErrorHook);

  out += "<header>\n<h1>Operate or orchestrate: simulation report</h1>\n";
  out += fmt::format("<p>Scenarios: {}</p>\n<p>{}</p>\n</header>\n", scenario_list(report),
                     escape_html(report_context(report)));

  out += "<h2>Summary</h2>\n";
  append_summary_table(out, report);
  out +=
      "<p class=\"note\">Money in dollars per order. Handling, partner fee and carrier split the "
      "variable cost in proportion to their totals. Recovery: from an order's first exception to "
      "the hand-off of its last line.</p>\n";

  out += "<h2>Charts</h2>\n<div class=\"charts\">\n";
  // Side by side, a chart has room for the labels of a few runs; more take the full width.
  const FigureWidth per_run =
      report.runs.size() > kRunsInHalfWidth ? FigureWidth::whole : FigureWidth::half;
  append_figure(out, "cost-chart", "Cost per order", "fixed, handling, partner fee and carrier",
                per_run);
  append_figure(out, "promise-chart", "Promise kept",
                "delivered no later than the date first promised", per_run);
  append_figure(out, "delivery-chart", "Delivery days", "order to delivery: p50, p90, p99",
                per_run);
  append_figure(out, "outcome-chart", "Orders not delivered", "lost, backordered, rejected",
                per_run);
  append_figure(out, "utilisation-chart", "Node utilisation",
                "orders planned at each capacity-limited node over its capacity on open days",
                FigureWidth::whole);
  append_figure(out, "partner-chart", "Partner concentration",
                "the largest partner's and all partners' share of shipments", FigureWidth::whole);
  out += "</div>\n";

  out += "<h2>Orders per day by node kind</h2>\n";
  out +=
      "<p class=\"note\">Same scale in every run. An order shipped from two kinds of node counts "
      "under each.</p>\n<div class=\"daily\">\n";
  for (std::size_t i = 0; i < report.runs.size(); ++i) {
    const RunHeading heading = run_heading(report.runs[i]);
    // Scenario, then band and sensitivity on a line of their own, so that every caption
    // takes two lines and the charts line up.
    const std::string caption =
        escape_html(heading.scenario) + "<span>" + escape_html(heading.band) +
        (heading.sensitivity.empty() ? "" : " &middot; " + escape_html(heading.sensitivity)) +
        "</span>";
    out += fmt::format(
        "<figure><figcaption>{}</figcaption><div class=\"chart\"><canvas id=\"daily-chart-{}\">"
        "</canvas></div></figure>\n",
        caption, i);
  }
  out += "</div>\n";
  out +=
      "<footer>Made by edgeroute simulate. Charts drawn with Chart.js (MIT licence), "
      "embedded in this page.</footer>\n</main>\n";

  out += "<script type=\"application/json\" id=\"report-data\">";
  out += json_for_script(report);
  out += "</script>\n<script>";
  out += script_for_inline(embedded::chart_js());
  out += "</script>\n<script>";
  out += kPageScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace edgeroute::simulate
