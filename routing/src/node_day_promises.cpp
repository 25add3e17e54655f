#include "edgeroute/routing/node_day_promises.h"

#include <algorithm>

namespace edgeroute::routing {
namespace {

constexpr std::int64_t kSecondsPerMinute = 60;

LocalSeconds local_instant(EpochDay day, LocalMinute minute) {
  return static_cast<LocalSeconds>(day) * kSecondsPerDay + minute * kSecondsPerMinute;
}

}  // namespace

void NodeDayPromises::prepare(Owner owner, const NodeCalendar& calendar,
                              std::span<const NodeServiceModel> services, UnixSeconds order_utc) {
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  owner_ = owner;
  day_starts_utc_ = day_ends_utc_ = 0;
  if (!offsets.covers(order_utc)) return;
  local_day_ = day_of(offsets.to_local(order_utc));
  search_last_local_day_ = local_day_ + kPromiseSearchDays - 1;
  const auto starts = offsets.to_utc(local_instant(local_day_, 0));
  const auto ends = offsets.to_utc(local_instant(local_day_ + 1, 0));
  if (!starts || !ends) return;  // the day's edges are outside the schedule: no cache
  processing_seconds_ = std::int64_t{calendar.processing_minutes()} * kSecondsPerMinute;

  const bool operating = calendar.is_operating_day(local_day_);
  window_known_ = false;
  if (operating) {
    const PickWindow& window = calendar.pick_window_on(local_day_);
    const auto opens = offsets.to_utc(local_instant(local_day_, window.opens_minute));
    const auto closes = offsets.to_utc(local_instant(local_day_, window.closes_minute));
    if (opens && closes) {
      window_known_ = true;
      opens_utc_ = *opens;
      closes_utc_ = *closes;
    }
  }
  services_.resize(services.size());
  for (std::size_t s = 0; s < services.size(); ++s) {
    const LocalMinute cutoff = services[s].cutoff_local_minute;
    ServiceDay& day = services_[s];
    day = ServiceDay{};
    if (operating) {
      day.today_cutoff_utc = offsets.to_utc(local_instant(local_day_, cutoff));
      if (!day.today_cutoff_utc) continue;  // unknown: the full computation decides
    }
    for (EpochDay next = local_day_ + 1; next <= search_last_local_day_; ++next) {
      if (!calendar.is_operating_day(next)) continue;
      const auto cutoff_utc = offsets.to_utc(local_instant(next, cutoff));
      if (!cutoff_utc) break;  // unknown: the full computation decides
      day.next = CutoffDeparture{next, *cutoff_utc};
      break;
    }
    // Known when both branches are: today's cut-off (or no departure today), and the
    // next operating day's departure (or none within the search horizon, which
    // compute_departure reports as promise_unmeetable: left to it).
    day.known = day.next.has_value();
  }
  day_starts_utc_ = *starts;
  day_ends_utc_ = *ends;
}

std::optional<Packing> NodeDayPromises::packing(UnixSeconds order_utc) const {
  if (!window_known_ || order_utc >= closes_utc_) return std::nullopt;
  const UnixSeconds starts = std::max(order_utc, opens_utc_);
  // Packed inside the window and before the local day ends (a window closing at
  // midnight could pack on the next day, whose cut-offs this does not hold).
  if (starts + processing_seconds_ > closes_utc_ || starts + processing_seconds_ >= day_ends_utc_) {
    return std::nullopt;
  }
  return Packing{.pick_starts_at_utc = starts,
                 .packed_at_utc = starts + processing_seconds_,
                 .packed_local_day = local_day_,
                 .search_last_local_day = search_last_local_day_};
}

std::optional<CutoffDeparture> NodeDayPromises::departure(std::size_t service_position,
                                                          const Packing& packing) const {
  const ServiceDay& day = services_[service_position];
  if (!day.known) return std::nullopt;
  if (day.today_cutoff_utc && *day.today_cutoff_utc >= packing.packed_at_utc) {
    return CutoffDeparture{local_day_, *day.today_cutoff_utc};
  }
  return day.next;
}

}  // namespace edgeroute::routing
