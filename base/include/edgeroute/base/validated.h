// Validated<T>: a document that passed validation, or every reason it did not.
// Unlike Result<T>, which carries one Status, a rejected document carries all of its
// errors at once, so a person fixes a file in one pass instead of one error per run.
//
//   Validated<GatewayConfig> loaded = load_gateway_config(path);
//   if (!loaded) { for (const FieldError& error : loaded.errors()) report(error); }
//   else { start(*loaded); }
//
// Reading the value of a failed Validated is a programming error and asserts.
// Thread-safety: a value type.
#pragma once

#include <utility>
#include <variant>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/base/field_error.h"

namespace edgeroute {

template <typename T>
class [[nodiscard]] Validated {
 public:
  Validated(T value)  // NOLINT: implicit by design, like Result<T>
      : state_(std::in_place_index<0>, std::move(value)) {}
  Validated(std::vector<FieldError> errors)  // NOLINT
      : state_(std::in_place_index<1>, std::move(errors)) {
    EDGEROUTE_ASSERT(!std::get<1>(state_).empty(), "a failed Validated needs an error");
  }

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  const T& value() const& {
    EDGEROUTE_ASSERT(has_value(), "value() of a failed Validated");
    return std::get<0>(state_);
  }
  T&& value() && {
    EDGEROUTE_ASSERT(has_value(), "value() of a failed Validated");
    return std::get<0>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }

  // The reasons for the failure, in document order; empty when there is a value.
  const std::vector<FieldError>& errors() const {
    static const std::vector<FieldError> none;
    return has_value() ? none : std::get<1>(state_);
  }

 private:
  std::variant<T, std::vector<FieldError>> state_;
};

}  // namespace edgeroute
