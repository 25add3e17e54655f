// TimeZone: conversion between UTC wall time and a node's local time, by IANA zone
// name ("America/Chicago"), using the operating system's tz database through Howard
// Hinnant's date/tz library. DST rules come from the database, never from code here.
//
// Local times are ambiguous twice a year: a DST jump forward skips an hour (02:30
// does not exist), a jump back repeats one (01:30 happens twice). to_wall() makes the
// caller say how to resolve those instead of guessing.
//
// Thread-safety: TimeZone is an immutable handle to a process-wide database entry;
// copy it freely and use it from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <date/tz.h>

#include "edgeroute/base/result.h"
#include "edgeroute/hal/clock.h"

namespace edgeroute::hal {

using LocalTime = date::local_time<Duration>;

// How to map a local time that the zone skipped or repeated.
enum class LocalTimeResolution {
  reject,    // a skipped or repeated local time is an error
  earliest,  // skipped: the instant the jump happened; repeated: the first occurrence
  latest,    // skipped: the instant the jump happened; repeated: the second occurrence
};

struct UtcOffset {
  std::chrono::seconds offset{0};  // local = UTC + offset
  bool is_daylight_saving = false;
  std::string abbreviation;  // "CST", "CDT"
};

class TimeZone {
 public:
  // The zone named `iana_name`, or not_found naming the zone.
  static Result<TimeZone> locate(std::string_view iana_name);

  std::string_view name() const;

  LocalTime to_local(WallTime wall) const;
  Result<WallTime> to_wall(LocalTime local, LocalTimeResolution resolution) const;
  UtcOffset offset_at(WallTime wall) const;

 private:
  explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_;
};

}  // namespace edgeroute::hal
