#include "edgeroute/base/status.h"

#include <cerrno>
#include <cstring>

namespace edgeroute {

std::string_view to_string(StatusCode code) {
  switch (code) {
    case StatusCode::ok: return "ok";
    case StatusCode::invalid_argument: return "invalid argument";
    case StatusCode::not_found: return "not found";
    case StatusCode::already_exists: return "already exists";
    case StatusCode::failed_precondition: return "failed precondition";
    case StatusCode::out_of_range: return "out of range";
    case StatusCode::io_error: return "I/O error";
    case StatusCode::no_space: return "no space";
    case StatusCode::corruption: return "corruption";
    case StatusCode::unavailable: return "unavailable";
    case StatusCode::permission_denied: return "permission denied";
    case StatusCode::internal: return "internal";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string text(edgeroute::to_string(code_));
  text += ": ";
  text += message_;
  return text;
}

Status Status::with_context(std::string_view context) const {
  if (is_ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return {code_, std::move(message)};
}

Status status_from_errno(int error_number, std::string_view what) {
  StatusCode code = StatusCode::io_error;
  switch (error_number) {
    case ENOSPC:
    case EDQUOT: code = StatusCode::no_space; break;
    case ENOENT:
    case ENODEV:
    case ENXIO: code = StatusCode::not_found; break;
    case EEXIST: code = StatusCode::already_exists; break;
    case EACCES:
    case EPERM:
    case EROFS: code = StatusCode::permission_denied; break;
    case EINVAL: code = StatusCode::invalid_argument; break;
    // The path names the wrong kind of thing (a directory where a file is needed or the
    // reverse, a directory that still holds entries): nothing failed, the caller's
    // request does not fit what is there.
    case EISDIR:
    case ENOTDIR:
    case ENOTEMPTY: code = StatusCode::failed_precondition; break;
    default: break;
  }
  std::string message(what);
  message += ": ";
  message += std::strerror(error_number);
  return {code, std::move(message)};
}

}  // namespace edgeroute
