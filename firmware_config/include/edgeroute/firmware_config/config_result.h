// ConfigResult: the effective gateway configuration, or every reason there is none.
// Unlike Result<T>, which carries one Status, a rejected configuration carries all
// of its errors at once, so an operator fixes a file in one pass instead of one
// error per run.
//
//   ConfigResult loaded = load_gateway_config(path);
//   if (!loaded) { for (const ConfigError& error : loaded.errors()) report(error); }
//   else { start(*loaded); }
//
// Reading the value of a failed ConfigResult is a programming error and asserts.
// Thread-safety: a value type.
#pragma once

#include <utility>
#include <variant>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/firmware_config/config_error.h"
#include "edgeroute/firmware_config/gateway_config.h"

namespace edgeroute::firmware_config {

class [[nodiscard]] ConfigResult {
 public:
  ConfigResult(GatewayConfig config)  // NOLINT: implicit by design, like Result<T>
      : state_(std::in_place_index<0>, std::move(config)) {}
  ConfigResult(std::vector<ConfigError> errors)  // NOLINT
      : state_(std::in_place_index<1>, std::move(errors)) {
    EDGEROUTE_ASSERT(!std::get<1>(state_).empty(), "a failed ConfigResult needs an error");
  }

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  const GatewayConfig& value() const& {
    EDGEROUTE_ASSERT(has_value(), "value() of a failed ConfigResult");
    return std::get<0>(state_);
  }
  GatewayConfig&& value() && {
    EDGEROUTE_ASSERT(has_value(), "value() of a failed ConfigResult");
    return std::get<0>(std::move(state_));
  }
  const GatewayConfig& operator*() const& { return value(); }
  GatewayConfig&& operator*() && { return std::move(*this).value(); }
  const GatewayConfig* operator->() const { return &value(); }

  // The reasons for the failure, in field order; empty when there is a value.
  const std::vector<ConfigError>& errors() const {
    static const std::vector<ConfigError> none;
    return has_value() ? none : std::get<1>(state_);
  }

 private:
  std::variant<GatewayConfig, std::vector<ConfigError>> state_;
};

}  // namespace edgeroute::firmware_config
