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

// Writes `value` as exactly `width` decimal digits, zero-padded.
void write_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
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

TimeText epoch_day_text(EpochDay day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  const int year = static_cast<int>(date.year());
  const auto month = static_cast<unsigned>(date.month());
  const auto day_of_month = static_cast<unsigned>(date.day());
  TimeText text;
  char* const out = text.text_.data();
  if (year >= 0 && year <= 9999) {
    write_digits(out, static_cast<unsigned>(year), 4);
    out[4] = '-';
    write_digits(out + 5, month, 2);
    out[7] = '-';
    write_digits(out + 8, day_of_month, 2);
    text.size_ = 10;
  } else {
    const int written =
        std::snprintf(out, text.text_.size(), "%04d-%02u-%02u", year, month, day_of_month);
    text.size_ = static_cast<std::uint8_t>(written);
  }
  return text;
}

TimeText utc_instant_text(UnixSeconds instant) {
  const EpochDay day = day_of(instant);
  const auto seconds =
      static_cast<unsigned>(instant - static_cast<UnixSeconds>(day) * kSecondsPerDay);
  TimeText text = epoch_day_text(day);
  char* const out = text.text_.data() + text.size_;
  out[0] = 'T';
  write_digits(out + 1, seconds / 3600, 2);
  out[3] = ':';
  write_digits(out + 4, seconds / 60 % 60, 2);
  out[6] = ':';
  write_digits(out + 7, seconds % 60, 2);
  out[9] = 'Z';
  text.size_ = static_cast<std::uint8_t>(text.size_ + 10);
  return text;
}

std::string format_epoch_day(EpochDay day) {
  return std::string(epoch_day_text(day).view());
}

std::string format_utc_instant(UnixSeconds instant) {
  return std::string(utc_instant_text(instant).view());
}

}  // namespace edgeroute::routing
