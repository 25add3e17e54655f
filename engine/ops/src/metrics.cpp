#include "edgeroute/ops/metrics.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"

namespace edgeroute::ops {
namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// Prometheus' metric names: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_name_start(name.front()) || name.front() == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c) || c == ':'; });
}

// Label names: [a-zA-Z_][a-zA-Z0-9_]*, and "__" is Prometheus' own prefix.
bool valid_label_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front()) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), is_name_char);
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

// HELP text: backslash and line feed escaped.
void append_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// Label values: backslash, double quote and line feed escaped.
void append_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// A float as Prometheus parses it: the shortest text that reads back as the same
// double, and its own spellings of the infinities and NaN.
void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

void append_number(std::string& out, std::uint64_t value) {
  fmt::format_to(std::back_inserter(out), "{}", value);
}

// `{a="x",b="y"}`, with `le` last when given; nothing when there are no labels.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   std::span<const std::string> values, const std::string* le = nullptr) {
  if (names.empty() && le == nullptr) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    append_label_value(out, values[i]);
    out += '"';
  }
  if (le != nullptr) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

template <typename Value>
void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<std::string>& label_names,
                   std::span<const std::string> label_values, Value value,
                   const std::string* le = nullptr) {
  out += name;
  out += suffix;
  append_labels(out, label_names, label_values, le);
  out += ' ';
  append_number(out, value);
  out += '\n';
}

std::vector<std::string> to_strings(std::initializer_list<std::string_view> values) {
  std::vector<std::string> strings;
  strings.reserve(values.size());
  for (const std::string_view value : values) strings.emplace_back(value);
  return strings;
}

void render_series(std::string& out, const detail::FamilyBase& family,
                   std::span<const std::string> label_values, const Counter& counter) {
  append_sample(out, family.name(), "", family.label_names(), label_values, counter.value());
}

void render_series(std::string& out, const detail::FamilyBase& family,
                   std::span<const std::string> label_values, const Gauge& gauge) {
  append_sample(out, family.name(), "", family.label_names(), label_values, gauge.value());
}

void render_series(std::string& out, const detail::FamilyBase& family,
                   std::span<const std::string> label_values, const Histogram& histogram) {
  const Histogram::Snapshot snapshot = histogram.snapshot();
  const std::span<const double> bounds = histogram.upper_bounds();
  std::string le;
  for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
    le.clear();
    if (i < bounds.size()) {
      append_number(le, bounds[i]);
    } else {
      le = "+Inf";
    }
    append_sample(out, family.name(), "_bucket", family.label_names(), label_values,
                  snapshot.cumulative[i], &le);
  }
  append_sample(out, family.name(), "_sum", family.label_names(), label_values, snapshot.sum);
  append_sample(out, family.name(), "_count", family.label_names(), label_values, snapshot.count);
}

}  // namespace

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds.begin(), upper_bounds.end()), buckets_(upper_bounds.size() + 1) {
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    EDGEROUTE_ASSERT(std::isfinite(upper_bounds_[i]),
                     "histogram bounds are finite (+Inf is implied)");
    EDGEROUTE_ASSERT(i == 0 || upper_bounds_[i - 1] < upper_bounds_[i],
                     "histogram bounds ascend strictly");
  }
}

void Histogram::record(double value) {
  const std::size_t bucket =
      std::isnan(value) ? upper_bounds_.size()
                        : static_cast<std::size_t>(
                              std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
                              upper_bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(buckets_.size());
  std::uint64_t running = 0;
  for (const std::atomic<std::uint64_t>& bucket : buckets_) {
    running += bucket.load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> powers_of_two(double largest) {
  std::vector<double> bounds;
  for (double bound = 1; bound <= largest; bound *= 2) bounds.push_back(bound);
  return bounds;
}

namespace detail {

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
  EDGEROUTE_ASSERT(valid_metric_name(name_), "a metric name is [a-zA-Z_:][a-zA-Z0-9_:]*");
  for (const std::string& label : label_names_) {
    EDGEROUTE_ASSERT(valid_label_name(label), "a label name is [a-zA-Z_][a-zA-Z0-9_]*");
    EDGEROUTE_ASSERT(type_ != MetricType::histogram || label != "le",
                     "`le` is the histogram's own label");
  }
}

void FamilyBase::render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_help(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_name(type_);
  out += '\n';
  render_samples(out);
}

}  // namespace detail

namespace {

template <typename Instrument>
constexpr MetricType type_of() {
  if constexpr (std::is_same_v<Instrument, Counter>) {
    return MetricType::counter;
  } else if constexpr (std::is_same_v<Instrument, Gauge>) {
    return MetricType::gauge;
  } else {
    return MetricType::histogram;
  }
}

}  // namespace

template <typename Instrument>
Family<Instrument>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                           std::vector<double> upper_bounds)
    : FamilyBase(std::move(name), std::move(help), type_of<Instrument>(), std::move(label_names)),
      upper_bounds_(std::move(upper_bounds)) {}

template <typename Instrument>
Instrument& Family<Instrument>::with(std::initializer_list<std::string_view> label_values) {
  EDGEROUTE_ASSERT(label_values.size() == label_names().size(),
                   "one label value per label name of the family");
  std::vector<std::string> key = to_strings(label_values);
  std::lock_guard lock(mutex_);
  auto found = series_.find(key);
  if (found == series_.end()) {
    std::unique_ptr<Instrument> made;
    if constexpr (std::is_same_v<Instrument, Histogram>) {
      made = std::make_unique<Histogram>(upper_bounds_);
    } else {
      made = std::make_unique<Instrument>();
    }
    found = series_.emplace(std::move(key), std::move(made)).first;
  }
  return *found->second;
}

template <typename Instrument>
void Family<Instrument>::render_samples(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& [label_values, instrument] : series_) {
    render_series(out, *this, label_values, *instrument);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void SampleWriter::add(std::initializer_list<std::string_view> label_values, double value) {
  EDGEROUTE_ASSERT(label_values.size() == family_.label_names().size(),
                   "one label value per label name of the family");
  const std::vector<std::string> values = to_strings(label_values);
  append_sample(out_, family_.name(), "", family_.label_names(), values, value);
}

CollectedFamily::CollectedFamily(std::string name, std::string help, MetricType type,
                                 std::vector<std::string> label_names, Collect collect)
    : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
      collect_(std::move(collect)) {
  EDGEROUTE_ASSERT(type != MetricType::histogram, "a collected family is a counter or a gauge");
}

void CollectedFamily::render_samples(std::string& out) const {
  SampleWriter writer(*this, out);
  collect_(writer);
}

template <typename FamilyType, typename... Args>
FamilyType& Registry::add(Args&&... args) {
  auto family = std::make_unique<FamilyType>(std::forward<Args>(args)...);
  FamilyType& added = *family;
  std::lock_guard lock(mutex_);
  for (const auto& existing : families_) {
    EDGEROUTE_ASSERT(existing->name() != added.name(), "a metric name is registered once");
  }
  families_.push_back(std::move(family));
  return added;
}

CounterFamily& Registry::counter_family(std::string name, std::string help,
                                        std::vector<std::string> label_names) {
  return add<CounterFamily>(std::move(name), std::move(help), std::move(label_names));
}

GaugeFamily& Registry::gauge_family(std::string name, std::string help,
                                    std::vector<std::string> label_names) {
  return add<GaugeFamily>(std::move(name), std::move(help), std::move(label_names));
}

HistogramFamily& Registry::histogram_family(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> upper_bounds) {
  // Checked here, where the mistake is, rather than when a first series is made.
  const Histogram check(upper_bounds);
  (void)check;
  return add<HistogramFamily>(std::move(name), std::move(help), std::move(label_names),
                              std::move(upper_bounds));
}

Counter& Registry::counter(std::string name, std::string help) {
  return counter_family(std::move(name), std::move(help), {}).with({});
}

Gauge& Registry::gauge(std::string name, std::string help) {
  return gauge_family(std::move(name), std::move(help), {}).with({});
}

Histogram& Registry::histogram(std::string name, std::string help,
                               std::vector<double> upper_bounds) {
  return histogram_family(std::move(name), std::move(help), {}, std::move(upper_bounds)).with({});
}

void Registry::add_gauge(std::string name, std::string help, std::function<double()> read) {
  add_collected(std::move(name), std::move(help), MetricType::gauge, {},
                [read = std::move(read)](SampleWriter& out) { out.add({}, read()); });
}

void Registry::add_counter(std::string name, std::string help, std::function<double()> read) {
  add_collected(std::move(name), std::move(help), MetricType::counter, {},
                [read = std::move(read)](SampleWriter& out) { out.add({}, read()); });
}

void Registry::add_collected(std::string name, std::string help, MetricType type,
                             std::vector<std::string> label_names,
                             CollectedFamily::Collect collect) {
  add<CollectedFamily>(std::move(name), std::move(help), type, std::move(label_names),
                       std::move(collect));
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) family->render(out);
  return out;
}

}  // namespace edgeroute::ops
