// The load generator's latency histogram (bench/loadgen/latency_histogram.h): the
// percentiles the end-to-end figures quote come from here, so they must be exact where
// the layout is exact, never below the true value, within 1/64 above it, and the same
// whether values were recorded in one histogram or spread over several and merged.
#include "latency_histogram.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace edgeroute::bench {
namespace {

TEST(LatencyHistogram, AnEmptyHistogramReportsZeroes) {
  const LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.value_at_quantile(0.5), 0u);
  EXPECT_EQ(histogram.min_ns(), 0u);
  EXPECT_EQ(histogram.max_ns(), 0u);
  EXPECT_EQ(histogram.mean_ns(), 0.0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (std::uint64_t value = 1; value <= 100; ++value) histogram.record_ns(value);
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_EQ(histogram.value_at_quantile(0.0), 1u);
  EXPECT_EQ(histogram.value_at_quantile(0.01), 1u);
  EXPECT_EQ(histogram.value_at_quantile(0.5), 50u);
  EXPECT_EQ(histogram.value_at_quantile(0.9), 90u);
  EXPECT_EQ(histogram.value_at_quantile(0.99), 99u);
  EXPECT_EQ(histogram.value_at_quantile(1.0), 100u);
  EXPECT_EQ(histogram.min_ns(), 1u);
  EXPECT_EQ(histogram.max_ns(), 100u);
  EXPECT_DOUBLE_EQ(histogram.mean_ns(), 50.5);
}

TEST(LatencyHistogram, AQuantileIsTheValueAtRankCeilingOfQTimesCount) {
  // 500 answers in 10 µs, 499 in 20 µs, one in 50 ms: p50 is the 500th value, p50.1
  // the 501st, p99.9 the 999th, and anything above that the slowest.
  LatencyHistogram histogram;
  for (int i = 0; i < 500; ++i) histogram.record(std::chrono::microseconds(10));
  for (int i = 0; i < 499; ++i) histogram.record(std::chrono::microseconds(20));
  histogram.record(std::chrono::milliseconds(50));
  const auto bucket_top = [](std::uint64_t ns) {
    return LatencyHistogram::highest_in_bucket(LatencyHistogram::bucket_of(ns));
  };
  EXPECT_EQ(histogram.value_at_quantile(0.5), bucket_top(10'000));
  EXPECT_EQ(histogram.value_at_quantile(0.501), bucket_top(20'000));
  EXPECT_EQ(histogram.value_at_quantile(0.999), bucket_top(20'000));
  EXPECT_EQ(histogram.value_at_quantile(0.9991), 50'000'000u);
  // The maximum is reported exactly, not as the top of its bucket.
  EXPECT_EQ(histogram.value_at_quantile(1.0), 50'000'000u);
  EXPECT_EQ(histogram.max_ns(), 50'000'000u);
  // Quantiles outside [0, 1] are clamped.
  EXPECT_EQ(histogram.value_at_quantile(-1.0), bucket_top(10'000));
  EXPECT_EQ(histogram.value_at_quantile(2.0), 50'000'000u);
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGapsOrOverlaps) {
  for (std::size_t bucket = 0; bucket + 1 < LatencyHistogram::bucket_count(); ++bucket) {
    ASSERT_EQ(LatencyHistogram::highest_in_bucket(bucket) + 1,
              LatencyHistogram::lowest_in_bucket(bucket + 1))
        << "bucket " << bucket;
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::lowest_in_bucket(bucket)), bucket);
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::highest_in_bucket(bucket)), bucket);
  }
  EXPECT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::kHighestTrackableNs),
            LatencyHistogram::bucket_count() - 1);
}

TEST(LatencyHistogram, BucketBoundariesFollowTheLogLinearLayout) {
  // Exact below 128 ns, then 64 buckets per power of two.
  EXPECT_EQ(LatencyHistogram::bucket_of(127), 127u);
  EXPECT_EQ(LatencyHistogram::bucket_of(128), 128u);
  EXPECT_EQ(LatencyHistogram::bucket_of(129), 128u);
  EXPECT_EQ(LatencyHistogram::bucket_of(130), 129u);
  EXPECT_EQ(LatencyHistogram::bucket_of(255), 191u);
  EXPECT_EQ(LatencyHistogram::bucket_of(256), 192u);
  EXPECT_EQ(LatencyHistogram::bucket_of(259), 192u);
  EXPECT_EQ(LatencyHistogram::bucket_of(260), 193u);
  // 1 µs lies in [512, 1024): buckets 8 ns wide.
  EXPECT_EQ(LatencyHistogram::lowest_in_bucket(LatencyHistogram::bucket_of(1000)), 1000u);
  EXPECT_EQ(LatencyHistogram::highest_in_bucket(LatencyHistogram::bucket_of(1000)), 1007u);
}

TEST(LatencyHistogram, ReportedValuesAreNeverLowAndAtMostOneSixtyFourthHigh) {
  std::mt19937_64 random(7);
  // Log-uniform from 1 µs to 100 s, the range the load generator meets.
  std::uniform_real_distribution<double> exponent(3.0, 11.0);
  for (int i = 0; i < 200'000; ++i) {
    const auto value = static_cast<std::uint64_t>(std::pow(10.0, exponent(random)));
    const std::uint64_t reported =
        LatencyHistogram::highest_in_bucket(LatencyHistogram::bucket_of(value));
    ASSERT_GE(reported, value);
    ASSERT_LE(static_cast<double>(reported - value), static_cast<double>(value) / 64.0)
        << "value " << value;
  }
}

TEST(LatencyHistogram, EveryQuantileOfARandomSampleIsWithinTheBoundOfTheExactOne) {
  std::mt19937_64 random(11);
  std::lognormal_distribution<double> latency_us(std::log(80.0), 0.8);
  LatencyHistogram histogram;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 50'000; ++i) {
    const auto ns = static_cast<std::uint64_t>(latency_us(random) * 1000.0);
    values.push_back(ns);
    histogram.record_ns(ns);
  }
  std::sort(values.begin(), values.end());
  for (const double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    const std::size_t rank =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * 50'000 - 1e-7)));
    const std::uint64_t exact = values[rank - 1];
    const std::uint64_t reported = histogram.value_at_quantile(q);
    EXPECT_GE(reported, exact) << "q " << q;
    EXPECT_LE(static_cast<double>(reported), static_cast<double>(exact) * (1.0 + 1.0 / 64.0))
        << "q " << q;
  }
}

TEST(LatencyHistogram, MergingGivesWhatRecordingEverythingInOneGives) {
  std::mt19937_64 random(3);
  std::uniform_int_distribution<std::uint64_t> ns(1, 50'000'000);
  LatencyHistogram all;
  LatencyHistogram first;
  LatencyHistogram second;
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t value = ns(random);
    all.record_ns(value);
    (i % 3 == 0 ? first : second).record_ns(value);
  }
  LatencyHistogram merged;
  merged.merge(first);
  merged.merge(second);
  merged.merge(LatencyHistogram{});  // an idle connection's
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min_ns(), all.min_ns());
  EXPECT_EQ(merged.max_ns(), all.max_ns());
  EXPECT_DOUBLE_EQ(merged.mean_ns(), all.mean_ns());
  for (const double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    EXPECT_EQ(merged.value_at_quantile(q), all.value_at_quantile(q)) << "q " << q;
  }
}

TEST(LatencyHistogram, ValuesBeyondTheTrackedRangeAreCountedAndKeepTheirMaximum) {
  LatencyHistogram histogram;
  histogram.record(std::chrono::milliseconds(1));
  histogram.record(std::chrono::seconds(300));
  EXPECT_EQ(histogram.count(), 2u);
  EXPECT_EQ(histogram.saturated(), 1u);
  EXPECT_EQ(histogram.max_ns(), 300'000'000'000u);
  EXPECT_EQ(histogram.value_at_quantile(1.0), 300'000'000'000u);
  // The saturated value sits in the last bucket: p50 is still the 1 ms one.
  EXPECT_LE(histogram.value_at_quantile(0.5), 1'000'000u + 1'000'000u / 64);
}

TEST(LatencyHistogram, ANegativeDurationCountsAsZero) {
  LatencyHistogram histogram;
  histogram.record(std::chrono::nanoseconds(-5));
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.max_ns(), 0u);
  EXPECT_EQ(histogram.value_at_quantile(1.0), 0u);
}

TEST(LatencyHistogram, ClearForgetsEverything) {
  LatencyHistogram histogram;
  histogram.record_ns(42);
  histogram.clear();
  EXPECT_EQ(histogram.count(), 0u);
  histogram.record_ns(7);
  EXPECT_EQ(histogram.min_ns(), 7u);
  EXPECT_EQ(histogram.max_ns(), 7u);
}

}  // namespace
}  // namespace edgeroute::bench
