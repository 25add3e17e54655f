// ConfigResult: the effective gateway configuration, or every reason there is none
// (see edgeroute/base/validated.h).
#pragma once

#include "edgeroute/base/validated.h"
#include "edgeroute/firmware_config/config_error.h"
#include "edgeroute/firmware_config/gateway_config.h"

namespace edgeroute::firmware_config {

using ConfigResult = Validated<GatewayConfig>;

}  // namespace edgeroute::firmware_config
