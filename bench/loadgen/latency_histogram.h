// LatencyHistogram: where the load generator keeps every latency it measures, in a
// fixed amount of memory, so that a run of millions of requests can report its p99.9
// and its maximum without storing each value, and so that one histogram per connection
// can be kept without locks and merged at the end.
//
// Layout (log-linear, as HdrHistogram's): values are nanoseconds. Below 128 ns every
// value has a bucket of its own (exact). From there on each power-of-two range
// [2^k, 2^(k+1)) is cut into 64 buckets of equal width 2^(k-6), so a bucket is at most
// 1/64 (1.6%) of its lower bound wide, whatever the magnitude: 1 µs is told from
// 1.016 µs, 10 ms from 10.16 ms. Values up to 100 s are tracked (about 2 300 buckets,
// 18 KB); a larger value goes in the last bucket and is counted as saturated, and the
// exact largest value recorded is kept beside the buckets.
//
// Quantiles. value_at_quantile(q) is the highest value of the bucket holding the
// ceil(q * count)-th smallest value (its "highest equivalent value"), never more than
// max(): a reported percentile is never below the true one, and at most 1/64 above it.
//
// Thread-safety: none; one histogram per thread (or per connection on one strand),
// merged once the threads are done.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgeroute::bench {

class LatencyHistogram {
 public:
  // 2^6 = 64 linear buckets per power of two: relative bucket width at most 1/64.
  static constexpr unsigned kSubBucketBits = 6;
  static constexpr std::uint64_t kSubBucketCount = std::uint64_t{1} << kSubBucketBits;
  // Values below this have a bucket each.
  static constexpr std::uint64_t kExactBelowNs = 2 * kSubBucketCount;
  static constexpr std::uint64_t kHighestTrackableNs = 100'000'000'000;  // 100 s

  LatencyHistogram();

  // Negative durations (a clock that went backwards) count as 0.
  void record(std::chrono::nanoseconds latency);
  void record_ns(std::uint64_t nanoseconds);
  // Adds every value `other` recorded.
  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  // Values recorded above kHighestTrackableNs (in the last bucket).
  std::uint64_t saturated() const { return saturated_; }
  // Exact. 0 when empty.
  std::uint64_t min_ns() const { return count_ == 0 ? 0 : min_ns_; }
  std::uint64_t max_ns() const { return max_ns_; }
  // From bucket midpoints (so within the bucket error bound); 0 when empty.
  double mean_ns() const;
  // q in [0, 1] (clamped): see the header comment. 0 when empty.
  std::uint64_t value_at_quantile(double q) const;

  // The bucket layout, for tests and readers of the figures: the bucket a value falls
  // in, and the lowest and highest value that bucket holds.
  static std::size_t bucket_of(std::uint64_t nanoseconds);
  static std::uint64_t lowest_in_bucket(std::size_t bucket);
  static std::uint64_t highest_in_bucket(std::size_t bucket);
  static std::size_t bucket_count();

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t min_ns_ = 0;
  std::uint64_t max_ns_ = 0;
};

}  // namespace edgeroute::bench
