// Structured logs: one JSON object per line on stderr, which journald (or whatever
// supervises the daemon) keeps, and which a person can still read:
//
//   {"ts":"2026-11-24T15:04:05.123Z","level":"info","event":"gateway.listening",
//    "gateway":"dev-gateway-1","address":"127.0.0.1","port":7400,"journal_sequence":12}
//
// (one line in the output). Every line has ts (UTC, milliseconds), level and event (a
// dotted name a query can select on), then the context fields set once for the
// process (set_context: the gateway's id), then the call's own fields in the order
// given. Strings are escaped as JSON requires (quotes, backslashes, control
// characters; bytes that are not UTF-8 become U+FFFD), so a message quoting a client's
// input cannot break the line or forge a field.
//
//   log::info("gateway.listening", {{"port", 7400}, {"journal_sequence", 12}});
//   log::error("journal.failed", {{"error", status.message()}});
//
// Thread-safety: every function may be called from any thread. A line is formatted
// first and then written with one write(2), so lines from different threads never
// interleave.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace edgeroute::ops::log {

enum class Level : std::uint8_t { debug, info, warning, error };

// A field's value: text, an integer, a number or a flag.
class Value {
 public:
  Value(std::string_view text) : value_(text) {}                      // NOLINT: implicit by design
  Value(const std::string& text) : value_(std::string_view(text)) {}  // NOLINT
  Value(const char* text) : value_(std::string_view(text)) {}         // NOLINT
  Value(bool flag) : value_(flag) {}                                  // NOLINT
  Value(double number) : value_(number) {}                            // NOLINT
  template <typename Integer>
  requires(std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>)
      Value(Integer integer)  // NOLINT
      : value_(std::is_signed_v<Integer> ? Stored(static_cast<std::int64_t>(integer))
                                         : Stored(static_cast<std::uint64_t>(integer))) {}

  // Appends the value as JSON.
  void append_json(std::string& out) const;

 private:
  using Stored = std::variant<std::string_view, bool, double, std::int64_t, std::uint64_t>;
  Stored value_;
};

struct Field {
  std::string_view name;
  Value value;
};

using Fields = std::initializer_list<Field>;

// Fields every later line carries after ts, level and event (the gateway's id),
// replacing earlier ones.
void set_context(Fields fields);

// One line, formatted; what write() sends (tests check it).
std::string format_line(std::chrono::system_clock::time_point at, Level level,
                        std::string_view event, Fields fields);

// Formats a line stamped now and writes it to stderr.
void write(Level level, std::string_view event, Fields fields = {});

inline void debug(std::string_view event, Fields fields = {}) {
  write(Level::debug, event, fields);
}
inline void info(std::string_view event, Fields fields = {}) {
  write(Level::info, event, fields);
}
inline void warning(std::string_view event, Fields fields = {}) {
  write(Level::warning, event, fields);
}
inline void error(std::string_view event, Fields fields = {}) {
  write(Level::error, event, fields);
}

// `text` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view text);

}  // namespace edgeroute::ops::log
