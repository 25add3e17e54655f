#include "edgeroute/routing/node_calendar.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

namespace edgeroute::routing {
namespace {

constexpr const char* kWeekdayNames[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                          "friday", "saturday", "sunday"};

bool is_valid_window(const PickWindow& window) {
  if (window == PickWindow{}) return true;
  return window.opens_minute >= 0 && window.opens_minute < window.closes_minute &&
         window.closes_minute <= kMinutesPerDay;
}

Status check_windows(const NodeCalendar::WeekWindows& pick_windows) {
  for (std::size_t weekday = 0; weekday < pick_windows.size(); ++weekday) {
    const PickWindow& window = pick_windows[weekday];
    if (is_valid_window(window)) continue;
    return Status(StatusCode::invalid_argument,
                  std::string("pick window of ") + kWeekdayNames[weekday] + ": minutes " +
                      std::to_string(window.opens_minute) + ".." +
                      std::to_string(window.closes_minute) +
                      " are not 0 <= opens < closes <= 1440 (windows do not cross midnight)");
  }
  return Status::ok();
}

}  // namespace

Result<NodeCalendar> NodeCalendar::create(const WeekWindows& pick_windows,
                                          std::vector<EpochDay> closed_local_days,
                                          std::int32_t processing_minutes,
                                          const UtcOffsetSchedule& utc_offsets) {
  if (Status checked = check_windows(pick_windows); !checked.is_ok()) return checked;
  if (processing_minutes < 0 || processing_minutes > kProcessingMinutesMax) {
    return Status(StatusCode::invalid_argument,
                  "processing_minutes " + std::to_string(processing_minutes) + " is not in 0.." +
                      std::to_string(kProcessingMinutesMax) + " (one week)");
  }
  std::sort(closed_local_days.begin(), closed_local_days.end());
  closed_local_days.erase(std::unique(closed_local_days.begin(), closed_local_days.end()),
                          closed_local_days.end());
  return NodeCalendar(pick_windows, std::move(closed_local_days), processing_minutes, utc_offsets);
}

const PickWindow& NodeCalendar::pick_window(int weekday) const {
  EDGEROUTE_ASSERT(weekday >= 0 && weekday <= 6, "weekdays are 0 (Monday) to 6 (Sunday)");
  return pick_windows_[static_cast<std::size_t>(weekday)];
}

bool NodeCalendar::is_closed_date(EpochDay local_day) const {
  return std::binary_search(closed_local_days_.begin(), closed_local_days_.end(), local_day);
}

}  // namespace edgeroute::routing
