// ArrivalSchedule: when a run's orders arrive. A day's count is the profile's ordinary
// demand scaled by its weekday, its week of the season, the peak when the band has one,
// and a sensitivity; within the day, orders follow the hours American shoppers buy in
// (a fixed curve in US Eastern hours, quiet overnight, busiest in the evening), evenly
// spaced inside each hour. Integer arithmetic only: the same instants on every machine.
//
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <vector>

#include "edgeroute/routing/time_text.h"
#include "edgeroute/simulate/scenario.h"

namespace edgeroute::simulate {

class ArrivalSchedule {
 public:
  // `with_peak`: the profile's peak applies. `extra_percent`: a further multiplier
  // (100: none), for the demand sensitivity.
  ArrivalSchedule(const DemandProfile& profile, bool with_peak, std::int32_t extra_percent);

  routing::EpochDay first_day() const { return first_day_; }
  std::int32_t days() const { return static_cast<std::int32_t>(per_day_.size()); }
  std::uint64_t orders_on(routing::EpochDay day) const;
  std::uint64_t total() const { return total_; }

  // The instant of the `index`-th order of the run (0-based, in arrival order).
  // REQUIRES: index < total().
  routing::UnixSeconds instant(std::uint64_t index) const;

 private:
  routing::EpochDay first_day_ = 0;
  std::vector<std::uint64_t> per_day_;
  std::vector<std::uint64_t> cumulative_;  // orders before the end of each day
  std::uint64_t total_ = 0;
};

}  // namespace edgeroute::simulate
