#include "edgeroute/hal/time_zone.h"

#include <exception>
#include <string>

namespace edgeroute::hal {

Result<TimeZone> TimeZone::locate(std::string_view iana_name) {
  // date::locate_zone reports an unknown name by throwing; keep that at this edge.
  try {
    return TimeZone(date::locate_zone(iana_name));
  } catch (const std::exception& error) {
    return Status(StatusCode::not_found, "time zone '" + std::string(iana_name) +
                                             "' is not in the tz database (" + error.what() + ")");
  }
}

std::string_view TimeZone::name() const {
  return zone_->name();
}

LocalTime TimeZone::to_local(WallTime wall) const {
  return zone_->to_local(wall);
}

Result<WallTime> TimeZone::to_wall(LocalTime local, LocalTimeResolution resolution) const {
  const date::local_info info = zone_->get_info(date::floor<std::chrono::seconds>(local));
  switch (info.result) {
    case date::local_info::unique: return WallTime{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      if (resolution == LocalTimeResolution::reject) break;
      // The clock jumped over `local`; the only instant that honours "not before local"
      // is the jump itself, which is where the second period begins.
      return WallTime{info.second.begin};
    case date::local_info::ambiguous:
      if (resolution == LocalTimeResolution::reject) break;
      return WallTime{local.time_since_epoch() - (resolution == LocalTimeResolution::earliest
                                                      ? info.first.offset
                                                      : info.second.offset)};
  }
  const char* why =
      info.result == date::local_info::nonexistent ? "does not exist" : "occurs twice";
  return Status(StatusCode::invalid_argument,
                date::format("%F %T", date::floor<std::chrono::seconds>(local)) + " in " +
                    std::string(name()) + " " + why + " (daylight saving change)");
}

UtcOffset TimeZone::offset_at(WallTime wall) const {
  const date::sys_info info = zone_->get_info(wall);
  return UtcOffset{info.offset, info.save != std::chrono::minutes{0}, info.abbrev};
}

}  // namespace edgeroute::hal
