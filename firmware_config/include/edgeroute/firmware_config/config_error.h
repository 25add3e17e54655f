// ConfigError: one reason a gateway configuration was rejected, as the field it
// concerns and why (see edgeroute/base/field_error.h).
#pragma once

#include "edgeroute/base/field_error.h"

namespace edgeroute::firmware_config {

using ConfigError = FieldError;

}  // namespace edgeroute::firmware_config
