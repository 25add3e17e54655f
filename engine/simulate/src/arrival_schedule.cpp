#include "edgeroute/simulate/arrival_schedule.h"

#include <algorithm>
#include <array>

#include "edgeroute/base/assert.h"

namespace edgeroute::simulate {
namespace {

// Relative orders per hour of the day in US Eastern time (00:00 first): online shopping
// is quiet overnight, builds through the working day and peaks after dinner.
constexpr std::array<std::uint64_t, 24> kEasternHourWeights{2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6,
                                                            6, 6, 6, 6, 6, 6, 7, 7, 8, 8, 6, 4};
// Eastern time is UTC-5 (UTC-4 in summer; an hour's shift of the curve matters to no
// figure the simulation reports).
constexpr int kEasternOffsetHours = -5;

struct HourCurve {
  std::array<std::uint64_t, 24> cumulative{};  // by UTC hour
  std::uint64_t total = 0;
};

constexpr HourCurve utc_hour_curve() {
  HourCurve curve;
  for (int utc_hour = 0; utc_hour < 24; ++utc_hour) {
    const int eastern_hour = (utc_hour + kEasternOffsetHours + 24) % 24;
    curve.total += kEasternHourWeights[static_cast<std::size_t>(eastern_hour)];
    curve.cumulative[static_cast<std::size_t>(utc_hour)] = curve.total;
  }
  return curve;
}
constexpr HourCurve kUtcHours = utc_hour_curve();

}  // namespace

ArrivalSchedule::ArrivalSchedule(const DemandProfile& profile, bool with_peak,
                                 std::int32_t extra_percent)
    : first_day_(profile.first_day) {
  per_day_.reserve(static_cast<std::size_t>(profile.days));
  for (std::int32_t offset = 0; offset < profile.days; ++offset) {
    const routing::EpochDay day = profile.first_day + offset;
    const std::size_t week = static_cast<std::size_t>(offset / 7);
    const std::int32_t week_percent =
        profile.week_percent.empty()
            ? 100
            : profile.week_percent[std::min(week, profile.week_percent.size() - 1)];
    const std::int32_t peak_percent =
        with_peak && profile.peak.covers(day) ? profile.peak.percent : 100;
    // Percent products: four factors of at most 10^4 each stay far inside 64 bits.
    const std::uint64_t orders =
        static_cast<std::uint64_t>(profile.orders_per_day) *
        static_cast<std::uint64_t>(
            profile.weekday_percent[static_cast<std::size_t>(routing::weekday_of(day))]) *
        static_cast<std::uint64_t>(week_percent) * static_cast<std::uint64_t>(peak_percent) *
        static_cast<std::uint64_t>(extra_percent) / 100'000'000;
    per_day_.push_back(orders);
    total_ += orders;
    cumulative_.push_back(total_);
  }
}

std::uint64_t ArrivalSchedule::orders_on(routing::EpochDay day) const {
  if (day < first_day_ || day >= first_day_ + days()) return 0;
  return per_day_[static_cast<std::size_t>(day - first_day_)];
}

routing::UnixSeconds ArrivalSchedule::instant(std::uint64_t index) const {
  EDGEROUTE_ASSERT(index < total_, "an arrival past the schedule's end");
  const auto day_end = std::upper_bound(cumulative_.begin(), cumulative_.end(), index);
  const auto day_offset = static_cast<std::size_t>(day_end - cumulative_.begin());
  const std::uint64_t orders = per_day_[day_offset];
  const std::uint64_t in_day = index - (*day_end - orders);
  // The order's place in the day's curve, at the middle of its share: (2k + 1) / 2n.
  const std::uint64_t place = (2 * in_day + 1) * kUtcHours.total;
  const std::uint64_t twice_orders = 2 * orders;
  std::size_t hour = 0;
  while (kUtcHours.cumulative[hour] * twice_orders <= place) ++hour;
  const std::uint64_t hour_start = hour == 0 ? 0 : kUtcHours.cumulative[hour - 1];
  const std::uint64_t hour_weight = kUtcHours.cumulative[hour] - hour_start;
  const std::uint64_t second_in_hour =
      (place - hour_start * twice_orders) * 3600 / (hour_weight * twice_orders);
  return (std::int64_t{first_day_} + static_cast<std::int64_t>(day_offset)) * 86400 +
         static_cast<std::int64_t>(hour) * 3600 + static_cast<std::int64_t>(second_in_hour);
}

}  // namespace edgeroute::simulate
