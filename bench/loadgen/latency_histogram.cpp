#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace edgeroute::bench {
namespace {

// Index of the highest set bit: 7 for 128..255.
unsigned magnitude_of(std::uint64_t value) {
  return static_cast<unsigned>(std::bit_width(value)) - 1;
}

constexpr unsigned kFirstRangeMagnitude = LatencyHistogram::kSubBucketBits + 1;  // 128 = 2^7

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(bucket_count(), 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t nanoseconds) {
  const std::uint64_t value = std::min(nanoseconds, kHighestTrackableNs);
  if (value < kExactBelowNs) return static_cast<std::size_t>(value);
  const unsigned magnitude = magnitude_of(value);
  const std::uint64_t sub_bucket = (value >> (magnitude - kSubBucketBits)) - kSubBucketCount;
  return static_cast<std::size_t>(
      kExactBelowNs + (magnitude - kFirstRangeMagnitude) * kSubBucketCount + sub_bucket);
}

std::uint64_t LatencyHistogram::lowest_in_bucket(std::size_t bucket) {
  if (bucket < kExactBelowNs) return bucket;
  const std::uint64_t past_exact = bucket - kExactBelowNs;
  const auto magnitude = static_cast<unsigned>(past_exact / kSubBucketCount) + kFirstRangeMagnitude;
  const std::uint64_t sub_bucket = past_exact % kSubBucketCount;
  return (kSubBucketCount + sub_bucket) << (magnitude - kSubBucketBits);
}

std::uint64_t LatencyHistogram::highest_in_bucket(std::size_t bucket) {
  if (bucket < kExactBelowNs) return bucket;
  const std::uint64_t lowest = lowest_in_bucket(bucket);
  return lowest + (std::uint64_t{1} << (magnitude_of(lowest) - kSubBucketBits)) - 1;
}

std::size_t LatencyHistogram::bucket_count() {
  return bucket_of(kHighestTrackableNs) + 1;
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) {
  record_ns(latency.count() < 0 ? 0 : static_cast<std::uint64_t>(latency.count()));
}

void LatencyHistogram::record_ns(std::uint64_t nanoseconds) {
  ++counts_[bucket_of(nanoseconds)];
  if (nanoseconds > kHighestTrackableNs) ++saturated_;
  min_ns_ = count_ == 0 ? nanoseconds : std::min(min_ns_, nanoseconds);
  max_ns_ = std::max(max_ns_, nanoseconds);
  ++count_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ns_ = count_ == 0 ? other.min_ns_ : std::min(min_ns_, other.min_ns_);
  max_ns_ = std::max(max_ns_, other.max_ns_);
  count_ += other.count_;
  saturated_ += other.saturated_;
}

void LatencyHistogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  saturated_ = 0;
  min_ns_ = 0;
  max_ns_ = 0;
}

double LatencyHistogram::mean_ns() const {
  if (count_ == 0) return 0.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const double middle =
        (static_cast<double>(lowest_in_bucket(i)) + static_cast<double>(highest_in_bucket(i))) / 2;
    sum += middle * static_cast<double>(counts_[i]);
  }
  return sum / static_cast<double>(count_);
}

std::uint64_t LatencyHistogram::value_at_quantile(double q) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(q, 0.0, 1.0);
  // The rank of the value asked for, 1-based: at least the smallest value. The small
  // allowance keeps a product that should be whole (0.99 * 100 is 99.000000000000014 in
  // doubles) from rounding up to the next rank.
  const double exact_rank = clamped * static_cast<double>(count_);
  const auto rank =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(exact_rank - 1e-7)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    // The last bucket also holds the saturated values, which may lie far above it.
    if (i + 1 == counts_.size()) return max_ns_;
    return std::min(highest_in_bucket(i), max_ns_);
  }
  return max_ns_;
}

}  // namespace edgeroute::bench
