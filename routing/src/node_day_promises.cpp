#include "edgeroute/routing/node_day_promises.h"

namespace edgeroute::routing {
namespace {

// The first operating day after `day`, up to `last_day`.
std::optional<EpochDay> operating_day_after(const NodeCalendar& calendar, EpochDay day,
                                            EpochDay last_day) {
  for (EpochDay next = day + 1; next <= last_day; ++next) {
    if (calendar.is_operating_day(next)) return next;
  }
  return std::nullopt;
}

}  // namespace

NodeDayPromises::WorkDay NodeDayPromises::work_day(const NodeCalendar& calendar,
                                                   EpochDay local_day) {
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  const PickWindow& window = calendar.pick_window_on(local_day);
  const auto opens = offsets.to_utc(local_instant(local_day, window.opens_minute));
  const auto closes = offsets.to_utc(local_instant(local_day, window.closes_minute));
  const auto ends = offsets.to_utc(local_instant(local_day + 1, 0));
  if (!opens || !closes || !ends) return {};
  return {true, local_day, weekday_of(local_day), *opens, *closes, *ends};
}

void NodeDayPromises::prepare(Owner owner, const NodeCalendar& calendar,
                              std::span<const NodeServiceModel> services, UnixSeconds order_utc) {
  const UtcOffsetSchedule& offsets = calendar.utc_offsets();
  owner_ = owner;
  day_starts_utc_ = day_ends_utc_ = 0;
  if (!offsets.covers(order_utc)) return;
  const EpochDay local_day = day_of(offsets.to_local(order_utc));
  search_last_local_day_ = local_day + kPromiseSearchDays - 1;
  const auto starts = offsets.to_utc(local_instant(local_day, 0));
  const auto ends = offsets.to_utc(local_instant(local_day + 1, 0));
  if (!starts || !ends) return;  // the day's edges are outside the schedule: no cache
  processing_seconds_ = calendar.processing_seconds();

  today_operating_ = calendar.is_operating_day(local_day);
  today_ = today_operating_ ? work_day(calendar, local_day) : WorkDay{};
  const std::optional<EpochDay> next_day =
      operating_day_after(calendar, local_day, search_last_local_day_);
  next_ = next_day ? work_day(calendar, *next_day) : WorkDay{};
  // A plain day and flag rather than an optional: GCC 12 at -O2 takes a copied
  // optional<int> for uninitialised (-Wmaybe-uninitialized) in the loop below.
  EpochDay after_next_day = 0;
  bool has_after_next_day = false;
  if (next_day) {
    if (const auto found = operating_day_after(calendar, *next_day, search_last_local_day_)) {
      after_next_day = *found;
      has_after_next_day = true;
    }
  }

  services_.resize(services.size());
  for (std::size_t s = 0; s < services.size(); ++s) {
    const LocalMinute cutoff = services[s].cutoff_local_minute;
    ServiceDays& days = services_[s];
    days = ServiceDays{};
    if (today_operating_) days.today_cutoff_utc = offsets.to_utc(local_instant(local_day, cutoff));
    if (next_day) days.next_cutoff_utc = offsets.to_utc(local_instant(*next_day, cutoff));
    if (has_after_next_day) {
      if (const auto cutoff_utc = offsets.to_utc(local_instant(after_next_day, cutoff))) {
        days.after_next = CutoffDeparture{after_next_day, *cutoff_utc, weekday_of(after_next_day)};
      }
    }
  }
  day_starts_utc_ = *starts;
  day_ends_utc_ = *ends;
}

}  // namespace edgeroute::routing
