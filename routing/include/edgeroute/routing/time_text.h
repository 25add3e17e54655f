// The text forms of time in routing documents (common.fbs): local clock times
// "HH:MM", calendar dates "YYYY-MM-DD" and UTC instants "YYYY-MM-DDTHH:MM:SSZ", and
// the integer forms the routing core computes with: minutes since local midnight,
// days since 1970-01-01, seconds since the Unix epoch.
//
// Parsers are strict (exact widths, real calendar dates, no leap seconds, no
// offsets other than "Z") and return nullopt on anything else; callers word the
// error, since only they know which field it was. They neither allocate nor throw,
// so they are safe on the per-order path and under fuzzing.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgeroute::routing {

using UnixSeconds = std::int64_t;  // UTC instant, seconds since 1970-01-01T00:00:00Z
using EpochDay = std::int32_t;     // calendar date, days since 1970-01-01
using LocalMinute = std::int32_t;  // minutes since local midnight, 0..1439

inline constexpr std::int64_t kSecondsPerDay = 86400;

// "HH:MM", 00:00..23:59.
std::optional<LocalMinute> parse_local_minute(std::string_view text);
// "YYYY-MM-DD", years 1970..9999.
std::optional<EpochDay> parse_epoch_day(std::string_view text);
// "YYYY-MM-DDTHH:MM:SSZ", years 1970..9999.
std::optional<UnixSeconds> parse_utc_instant(std::string_view text);

std::string format_local_minute(LocalMinute minute);
std::string format_epoch_day(EpochDay day);
std::string format_utc_instant(UnixSeconds instant);

// A formatted date or instant held in place: a decision document writes several per
// order, and a std::string of an instant's 20 characters would be an allocation each.
// Years outside 0000..9999 are written as printf's "%04d" writes them.
class TimeText {
 public:
  std::string_view view() const { return {text_.data(), size_}; }

 private:
  friend TimeText epoch_day_text(EpochDay day);
  friend TimeText utc_instant_text(UnixSeconds instant);
  // The longest text: an instant whose year takes 5 digits and a sign, 22 characters.
  std::array<char, 32> text_{};
  std::uint8_t size_ = 0;
};
// "YYYY-MM-DD", as format_epoch_day.
TimeText epoch_day_text(EpochDay day);
// "YYYY-MM-DDTHH:MM:SSZ", as format_utc_instant.
TimeText utc_instant_text(UnixSeconds instant);

// Monday = 0 .. Sunday = 6, as fbs::Weekday. Inline: every step of a calendar walk asks.
constexpr int weekday_of(EpochDay day) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  const int weekday = (day + 3) % 7;
  return weekday < 0 ? weekday + 7 : weekday;
}

// The day holding `seconds` when both count from the same midnight (floor division,
// so instants before the epoch land on the right day too).
constexpr EpochDay day_of(std::int64_t seconds) {
  return static_cast<EpochDay>(seconds >= 0 ? seconds / kSecondsPerDay
                                            : -((-seconds + kSecondsPerDay - 1) / kSecondsPerDay));
}

}  // namespace edgeroute::routing
