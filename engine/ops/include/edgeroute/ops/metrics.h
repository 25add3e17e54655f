// Metrics: the counters, gauges and histograms a gateway keeps about itself, and the
// Registry that renders them as Prometheus text (exposition format 0.0.4) for the ops
// endpoint's /metrics.
//
// Two kinds of family:
//   - instruments the code updates as things happen (a decision journaled, a commit's
//     duration): Counter, Gauge and Histogram, kept in labelled families. Updating one
//     is a relaxed atomic read-modify-write, no lock and no allocation. Looking one up
//     by its label values takes a lock, so callers look it up once, when they start,
//     and keep the reference: references stay valid as long as the registry.
//   - values read when the registry is rendered (queue depths, the journal's position,
//     the current network's node health): a function per family, so that the figure is
//     always the live one and nobody has to remember to update it.
//
//   ops::Registry registry;
//   ops::Counter& routed = registry.counter_family("orders_total", "Orders decided.",
//                                                  {"outcome"}).with({"routed"});
//   routed.add();                                                 // on the hot path
//   registry.add_gauge("queue_depth", "Jobs waiting.", [&] { return depth(); });
//   std::string text = registry.render();                         // on a scrape
//
// Thread-safety: everything may be called from any thread. Registration takes the
// registry's lock; rendering takes it and each family's in turn, and calls the read
// functions with them held (a read function must not register anything).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgeroute::ops {

// What /metrics answers with, as Prometheus' own client libraries send it.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType : std::uint8_t { counter, gauge, histogram };

// A count that only goes up (requests, entries committed).
class Counter {
 public:
  void add(std::uint64_t amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A distribution over fixed buckets: how many observations were at most each upper
// bound, their count and their sum.
//
// Memory ordering. record() is two relaxed read-modify-writes, one on the observation's
// bucket and one on the sum, with no lock and no fence between them: each is atomic on
// its own, so no observation is ever lost, but nothing orders the two for a reader. A
// scrape running alongside record() may see the bucket incremented and not yet the sum
// (its _count one ahead of its _sum), or the other way round. Prometheus tolerates
// that: it only ever divides rates of _sum by rates of _count over an interval, and
// the next scrape sees both. What Prometheus does not tolerate is a counter going
// backwards or a +Inf bucket that differs from _count; every bucket is only ever
// incremented (and one thread's successive loads of one atomic never go back in its
// modification order), and _count is not a separate atomic but the sum of the buckets
// as read for the same scrape, so neither can happen.
class Histogram {
 public:
  // `upper_bounds`: finite and strictly ascending (asserted); +Inf is implied.
  explicit Histogram(std::span<const double> upper_bounds);

  // Counts `value` in the first bucket whose upper bound is at least `value` (NaN in
  // +Inf's). Lock-free, allocation-free.
  void record(double value);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per upper bound, then +Inf
    std::uint64_t count = 0;                // == cumulative.back()
    double sum = 0.0;
  };
  Snapshot snapshot() const;
  std::span<const double> upper_bounds() const { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // one per bound, then +Inf
  std::atomic<double> sum_{0.0};
};

// Bucket bounds 1, 2, 4 ... up to `largest` (a power of two).
std::vector<double> powers_of_two(double largest);

namespace detail {

// What the registry keeps of each family: its name, help, type and label names, and
// how to write its samples.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // # HELP and # TYPE, then every sample.
  void render(std::string& out) const;

 protected:
  virtual void render_samples(std::string& out) const = 0;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

}  // namespace detail

// One metric's instruments, one per combination of label values.
template <typename Instrument>
class Family final : public detail::FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> upper_bounds = {});

  // The instrument of these label values (in the order of the family's label names;
  // their number is asserted), made at 0 on first use. Takes the family's lock: look it
  // up once and keep the reference.
  Instrument& with(std::initializer_list<std::string_view> label_values);

 private:
  void render_samples(std::string& out) const override;

  std::vector<double> upper_bounds_;  // histograms only
  mutable std::mutex mutex_;
  // Ordered by label values, so a scrape lists them the same way every time.
  std::map<std::vector<std::string>, std::unique_ptr<Instrument>> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// Where a read function writes the samples of its family when the registry renders it.
class SampleWriter {
 public:
  // One sample: label values in the order of the family's label names (their number is
  // asserted).
  void add(std::initializer_list<std::string_view> label_values, double value);

 private:
  friend class CollectedFamily;
  SampleWriter(const detail::FamilyBase& family, std::string& out) : family_(family), out_(out) {}
  const detail::FamilyBase& family_;
  std::string& out_;
};

// A family whose samples a function writes when the registry is rendered.
class CollectedFamily final : public detail::FamilyBase {
 public:
  using Collect = std::function<void(SampleWriter&)>;
  CollectedFamily(std::string name, std::string help, MetricType type,
                  std::vector<std::string> label_names, Collect collect);

 private:
  void render_samples(std::string& out) const override;
  Collect collect_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names follow Prometheus' rules ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' and
  // not "le"), and each name is registered once: both asserted, since names are
  // constants of the code. A counter's name should end in _total.
  CounterFamily& counter_family(std::string name, std::string help,
                                std::vector<std::string> label_names);
  GaugeFamily& gauge_family(std::string name, std::string help,
                            std::vector<std::string> label_names);
  // `upper_bounds` as for Histogram.
  HistogramFamily& histogram_family(std::string name, std::string help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> upper_bounds);

  // Families without labels: their one instrument.
  Counter& counter(std::string name, std::string help);
  Gauge& gauge(std::string name, std::string help);
  Histogram& histogram(std::string name, std::string help, std::vector<double> upper_bounds);

  // Families read when rendered. `read` and `collect` run on the rendering thread.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  void add_counter(std::string name, std::string help, std::function<double()> read);
  // `type`: counter or gauge (asserted).
  void add_collected(std::string name, std::string help, MetricType type,
                     std::vector<std::string> label_names, CollectedFamily::Collect collect);

  // Every family, in the order it was registered, in exposition format 0.0.4.
  std::string render() const;

 private:
  template <typename FamilyType, typename... Args>
  FamilyType& add(Args&&... args);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<detail::FamilyBase>> families_;
};

}  // namespace edgeroute::ops
