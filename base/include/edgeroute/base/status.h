// Status: the outcome of an operation that can fail for reasons outside the
// program's control (bad input, the disk, the network). Success carries nothing;
// failure carries a code to branch on and a message for a person, which names what
// failed and where ("orders.port: 70000 is not a TCP port",
// "/var/lib/edgeroute/journal.db: disk full").
//
// Broken invariants are not Statuses: they hit EDGEROUTE_ASSERT (assert.h).
// A Status is a value type; it is safe to copy and move between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edgeroute {

enum class StatusCode : std::uint8_t {
  ok,
  invalid_argument,  // the caller's input is malformed or out of range
  not_found,         // a named thing (file, zone, SKU, interface) does not exist
  already_exists,
  failed_precondition,  // the system is not in a state that allows the operation
  out_of_range,
  io_error,     // the operating system reported an I/O failure
  no_space,     // the storage device is full
  corruption,   // stored data does not have the expected shape
  unavailable,  // a peer or device cannot be reached right now
  permission_denied,
  internal,  // a library we rely on failed in a way we do not expect
};

std::string_view to_string(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  Status(StatusCode code, std::string message);

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::ok; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "ok", or "<code>: <message>".
  std::string to_string() const;

  // A new Status with "<context>: " put before the message; success stays success.
  Status with_context(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::ok;
  std::string message_;
};

// Builds a Status from errno after a failed system call: maps ENOSPC to no_space,
// ENOENT to not_found, EISDIR/ENOTDIR/ENOTEMPTY to failed_precondition and so on, and
// words the message "<what>: <strerror>".
Status status_from_errno(int error_number, std::string_view what);

}  // namespace edgeroute
