#include "edgeroute/base/field_error.h"

namespace edgeroute {

std::string FieldError::to_string() const {
  if (path.empty()) return message;
  return path + ": " + message;
}

}  // namespace edgeroute
