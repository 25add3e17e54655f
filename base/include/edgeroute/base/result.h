// Result<T>: a value, or the Status that explains why there is none.
//
//   Result<Config> loaded = load(path);
//   if (!loaded) return loaded.status();
//   use(*loaded);
//
// Reading the value of a failed Result is a programming error and asserts.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "edgeroute/base/assert.h"
#include "edgeroute/base/status.h"

namespace edgeroute {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Status>,
                "Result<Status> is ambiguous; return Status");

 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    EDGEROUTE_ASSERT(!std::get<1>(state_).is_ok(), "a failed Result needs a failed Status");
  }

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    EDGEROUTE_ASSERT(has_value(), "value() of a failed Result");
    return std::get<0>(state_);
  }
  const T& value() const& {
    EDGEROUTE_ASSERT(has_value(), "value() of a failed Result");
    return std::get<0>(state_);
  }
  T&& value() && {
    EDGEROUTE_ASSERT(has_value(), "value() of a failed Result");
    return std::get<0>(std::move(state_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The failure; Status::ok() when there is a value.
  Status status() const { return has_value() ? Status::ok() : std::get<1>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace edgeroute
