// The metrics registry as Prometheus reads it: the exact exposition text (HELP, TYPE,
// escaped label values, cumulative histogram buckets ending in +Inf, _sum and _count),
// families read when rendered, instruments that never lose an update under
// concurrency and never allocate on the hot path.
#include "edgeroute/ops/metrics.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/testing/allocation_counter.h"

namespace edgeroute::ops {
namespace {

using ::testing::HasSubstr;

TEST(Registry, RendersCountersLabelledGaugesAndHistogramsInExpositionFormat) {
  Registry registry;
  Counter& requests = registry.counter("requests_total", "Requests handled.");
  GaugeFamily& temperature = registry.gauge_family(
      "room_temperature_celsius", "Temperature\\by room,\nsampled.", {"room", "floor"});
  Histogram& latency = registry.histogram("latency_seconds", "Latency.", {0.125, 1});

  requests.add();
  requests.add(2);
  temperature.with({"a\"b\\c\nd", "1"}).set(21.5);
  temperature.with({"attic", "3"}).set(-4);
  latency.record(0.0625);
  latency.record(0.125);  // on a bound: counted in that bucket (le means <=)
  latency.record(0.5);
  latency.record(4);

  EXPECT_EQ(registry.render(),
            "# HELP requests_total Requests handled.\n"
            "# TYPE requests_total counter\n"
            "requests_total 3\n"
            "# HELP room_temperature_celsius Temperature\\\\by room,\\nsampled.\n"
            "# TYPE room_temperature_celsius gauge\n"
            "room_temperature_celsius{room=\"a\\\"b\\\\c\\nd\",floor=\"1\"} 21.5\n"
            "room_temperature_celsius{room=\"attic\",floor=\"3\"} -4\n"
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.125\"} 2\n"
            "latency_seconds_bucket{le=\"1\"} 3\n"
            "latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "latency_seconds_sum 4.6875\n"
            "latency_seconds_count 4\n");
}

TEST(Registry, PutsTheBucketBoundAfterTheFamilysOwnLabels) {
  Registry registry;
  HistogramFamily& latency =
      registry.histogram_family("latency_seconds", "Latency.", {"request"}, {1});
  latency.with({"quote"}).record(2);
  EXPECT_THAT(registry.render(),
              HasSubstr("latency_seconds_bucket{request=\"quote\",le=\"1\"} 0\n"
                        "latency_seconds_bucket{request=\"quote\",le=\"+Inf\"} 1\n"
                        "latency_seconds_sum{request=\"quote\"} 2\n"
                        "latency_seconds_count{request=\"quote\"} 1\n"));
}

TEST(Registry, ReadsCollectedFamiliesWhenRendered) {
  Registry registry;
  double depth = 3;
  registry.add_gauge("queue_depth", "Jobs waiting.", [&] { return depth; });
  registry.add_collected("node_ratio", "Per node.", MetricType::gauge, {"node"},
                         [](SampleWriter& out) {
                           out.add({"fc-1"}, 0.99);
                           out.add({"store-2"}, std::nan(""));
                         });
  registry.add_counter("entries_total", "Entries.", [] { return 1e21; });
  EXPECT_THAT(registry.render(), HasSubstr("queue_depth 3\n"));
  depth = 7;
  const std::string text = registry.render();
  EXPECT_THAT(text, HasSubstr("# TYPE queue_depth gauge\nqueue_depth 7\n"));
  EXPECT_THAT(text,
              HasSubstr("node_ratio{node=\"fc-1\"} 0.99\nnode_ratio{node=\"store-2\"} NaN\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE entries_total counter\nentries_total 1e+21\n"));
}

TEST(Registry, GivesTheSameInstrumentForTheSameLabelValues) {
  Registry registry;
  CounterFamily& orders = registry.counter_family("orders_total", "Orders.", {"outcome"});
  Counter& routed = orders.with({"routed"});
  orders.with({"routed"}).add();
  EXPECT_EQ(&orders.with({"routed"}), &routed);
  EXPECT_EQ(routed.value(), 1u);
  EXPECT_EQ(orders.with({"rejected"}).value(), 0u);
}

TEST(Registry, RefusesANameRegisteredTwice) {
  Registry registry;
  registry.counter("requests_total", "Requests.");
  EXPECT_DEATH(registry.gauge("requests_total", "Again."), "registered once");
}

TEST(Registry, RefusesNamesPrometheusCannotParse) {
  Registry registry;
  EXPECT_DEATH(registry.counter("2fast", "Starts with a digit."), "metric name");
  EXPECT_DEATH(registry.gauge_family("ok_name", "Bad label.", {"has-dash"}), "label name");
  EXPECT_DEATH(registry.histogram_family("h", "Reserved label.", {"le"}, {1}), "le");
  EXPECT_DEATH(registry.histogram("h2", "Descending.", {2, 1}), "ascend");
}

TEST(Histogram, CountsNaNInTheInfiniteBucket) {
  Histogram histogram(std::vector<double>{1});
  histogram.record(std::nan(""));
  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(snapshot.count, 1u);
}

TEST(Histogram, LosesNoObservationWhenManyThreadsRecordAtOnce) {
  Registry registry;
  Histogram& latency = registry.histogram("latency_seconds", "Latency.", {1, 2, 3});
  Counter& requests = registry.counter("requests_total", "Requests.");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        latency.record(static_cast<double>((t + i) % 4) + 0.5);  // 0.5, 1.5, 2.5, 3.5
        requests.add();
      }
    });
  }
  // Scrapes alongside the writers: what they see never goes backwards.
  std::uint64_t last_count = 0;
  for (int scrape = 0; scrape < 50; ++scrape) {
    const Histogram::Snapshot seen = latency.snapshot();
    EXPECT_GE(seen.count, last_count);
    EXPECT_EQ(seen.count, seen.cumulative.back());
    last_count = seen.count;
    (void)registry.render();
  }
  for (std::thread& thread : threads) thread.join();

  const Histogram::Snapshot total = latency.snapshot();
  constexpr std::uint64_t kAll = std::uint64_t{kThreads} * kPerThread;
  EXPECT_EQ(total.count, kAll);
  EXPECT_EQ(total.cumulative, (std::vector<std::uint64_t>{kAll / 4, kAll / 2, 3 * kAll / 4, kAll}));
  // Every value is a multiple of 0.5 well inside a double's exact range: no rounding.
  EXPECT_EQ(total.sum, static_cast<double>(kAll / 4) * (0.5 + 1.5 + 2.5 + 3.5));
  EXPECT_EQ(requests.value(), kAll);
}

TEST(Histogram, RecordingAndCountingAllocateNothing) {
  Registry registry;
  Histogram& latency = registry.histogram("latency_seconds", "Latency.", {0.001, 0.01, 0.1});
  Counter& requests = registry.counter("requests_total", "Requests.");
  Gauge& depth = registry.gauge("depth", "Depth.");
  const std::int64_t before = testing::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    latency.record(0.005);
    requests.add();
    depth.add(1);
  }
  EXPECT_EQ(testing::allocation_count(), before);
}

TEST(PowersOfTwo, CoverOneUpToTheLargest) {
  EXPECT_EQ(powers_of_two(16), (std::vector<double>{1, 2, 4, 8, 16}));
}

}  // namespace
}  // namespace edgeroute::ops
