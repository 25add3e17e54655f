#include "edgeroute/routing/time_text.h"

#include <chrono>
#include <cstdio>

namespace edgeroute::routing {
namespace {

// Reads exactly `width` decimal digits at `text[position]`.
std::optional<int> digits(std::string_view text, std::size_t position, std::size_t width) {
  if (position + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = position; i < position + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<EpochDay> date_at(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  if (!year || !month || !day || *year < 1970) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  return static_cast<EpochDay>(std::chrono::sys_days{date}.time_since_epoch().count());
}

std::optional<int> time_of_day_seconds(std::string_view text, bool with_seconds) {
  if (text[2] != ':' || (with_seconds && text[5] != ':')) return std::nullopt;
  const auto hours = digits(text, 0, 2);
  const auto minutes = digits(text, 3, 2);
  const auto seconds = with_seconds ? digits(text, 6, 2) : std::optional<int>{0};
  if (!hours || !minutes || !seconds || *hours > 23 || *minutes > 59 || *seconds > 59) {
    return std::nullopt;
  }
  return (*hours * 60 + *minutes) * 60 + *seconds;
}

}  // namespace

std::optional<LocalMinute> parse_local_minute(std::string_view text) {
  if (text.size() != 5) return std::nullopt;
  const auto seconds = time_of_day_seconds(text, false);
  if (!seconds) return std::nullopt;
  return *seconds / 60;
}

std::optional<EpochDay> parse_epoch_day(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return date_at(text);
}

std::optional<UnixSeconds> parse_utc_instant(std::string_view text) {
  if (text.size() != 20 || text[10] != 'T' || text[19] != 'Z') return std::nullopt;
  const auto day = date_at(text.substr(0, 10));
  const auto seconds = time_of_day_seconds(text.substr(11, 8), true);
  if (!day || !seconds) return std::nullopt;
  return static_cast<UnixSeconds>(*day) * kSecondsPerDay + *seconds;
}

std::string format_local_minute(LocalMinute minute) {
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d", minute / 60, minute % 60);
  return text;
}

std::string format_epoch_day(EpochDay day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string format_utc_instant(UnixSeconds instant) {
  const EpochDay day = day_of(instant);
  const auto seconds = static_cast<int>(instant - static_cast<UnixSeconds>(day) * kSecondsPerDay);
  char time[32];
  std::snprintf(time, sizeof time, "T%02d:%02d:%02dZ", seconds / 3600, seconds / 60 % 60,
                seconds % 60);
  return format_epoch_day(day) + time;
}

}  // namespace edgeroute::routing
