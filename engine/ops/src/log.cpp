#include "edgeroute/ops/log.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <iterator>
#include <mutex>

#include <fmt/format.h>

namespace edgeroute::ops::log {
namespace {

// The context fields, already as JSON (",\"gateway\":\"gw-1\""), and the lock that
// keeps lines whole when one needs more than one write(2).
std::mutex& output_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::mutex& context_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::string& context_json() {
  static std::string context;
  return context;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warning: return "warning";
    case Level::error: return "error";
  }
  return "info";
}

// The length of the well-formed UTF-8 sequence at the start of `text`, 0 when it is not
// one (a stray continuation byte, a truncated or overlong sequence, a surrogate, a code
// point above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](std::size_t i) {
    return i < text.size() && (byte(i) & 0xC0u) == 0x80u;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80u) return 1;
  if (lead >= 0xC2u && lead <= 0xDFu) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0u && lead <= 0xEFu) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0u && byte(1) < 0xA0u) return 0;   // overlong
    if (lead == 0xEDu && byte(1) >= 0xA0u) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0u && lead <= 0xF4u) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0u && byte(1) < 0x90u) return 0;   // overlong
    if (lead == 0xF4u && byte(1) >= 0x90u) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point at) {
  const auto milliseconds_since_epoch = std::chrono::floor<std::chrono::milliseconds>(at);
  const auto day = std::chrono::floor<std::chrono::days>(milliseconds_since_epoch);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(milliseconds_since_epoch - day);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                 static_cast<unsigned>(date.day()), time.hours().count(), time.minutes().count(),
                 time.seconds().count(), time.subseconds().count());
}

void append_fields(std::string& out, Fields fields) {
  for (const Field& field : fields) {
    out += ',';
    append_json_string(out, field.name);
    out += ':';
    field.value.append_json(out);
  }
}

void write_all(std::string_view line) {
  std::lock_guard lock(output_mutex());
  while (!line.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to say so
    }
    line.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  while (!text.empty()) {
    const std::size_t length = utf8_sequence_length(text);
    if (length == 0) {
      out += "\\ufffd";
      text.remove_prefix(1);
      continue;
    }
    if (length > 1) {
      out += text.substr(0, length);
      text.remove_prefix(length);
      continue;
    }
    const char c = text.front();
    text.remove_prefix(1);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20u) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void Value::append_json(std::string& out) const {
  std::visit(
      [&](const auto& value) {
        using Type = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<Type, std::string_view>) {
          append_json_string(out, value);
        } else if constexpr (std::is_same_v<Type, bool>) {
          out += value ? "true" : "false";
        } else if constexpr (std::is_same_v<Type, double>) {
          // JSON has no spelling for the infinities or NaN.
          if (std::isfinite(value)) {
            fmt::format_to(std::back_inserter(out), "{}", value);
          } else {
            out += "null";
          }
        } else {
          fmt::format_to(std::back_inserter(out), "{}", value);
        }
      },
      value_);
}

void set_context(Fields fields) {
  std::string context;
  append_fields(context, fields);
  std::lock_guard lock(context_mutex());
  context_json() = std::move(context);
}

std::string format_line(std::chrono::system_clock::time_point at, Level level,
                        std::string_view event, Fields fields) {
  std::string line;
  line.reserve(160);
  line += "{\"ts\":\"";
  append_timestamp(line, at);
  line += "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"event\":";
  append_json_string(line, event);
  {
    std::lock_guard lock(context_mutex());
    line += context_json();
  }
  append_fields(line, fields);
  line += "}\n";
  return line;
}

void write(Level level, std::string_view event, Fields fields) {
  // Log lines are for people and journald: they carry the system's wall clock as it
  // is, and need no hal::Clock to be written (start-up failures are logged before
  // there is one).
  write_all(format_line(std::chrono::system_clock::now(), level, event, fields));
}

}  // namespace edgeroute::ops::log
