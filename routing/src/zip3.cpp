#include "edgeroute/routing/zip3.h"

#include <algorithm>
#include <cstddef>

#include "quote.h"

namespace edgeroute::routing {
namespace {

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_postal_code_form(std::string_view code) {
  switch (code.size()) {
    case 3:
    case 5: return all_digits(code);
    case 10: return all_digits(code.substr(0, 5)) && code[5] == '-' && all_digits(code.substr(6));
    default: return false;
  }
}

}  // namespace

Result<Zip3> Zip3::from_postal_code(std::string_view postal_code) {
  if (!is_postal_code_form(postal_code)) {
    return Status(StatusCode::invalid_argument,
                  "postal code " + detail::quote_for_message(postal_code) +
                      ": not a US ZIP code (expected 12345, 12345-6789 or a 3-digit prefix)");
  }
  const auto digit = [&](std::size_t i) {
    return static_cast<std::uint16_t>(postal_code[i] - '0');
  };
  return Zip3(static_cast<std::uint16_t>(digit(0) * 100 + digit(1) * 10 + digit(2)));
}

std::string Zip3::to_string() const {
  return {static_cast<char>('0' + prefix_ / 100), static_cast<char>('0' + prefix_ / 10 % 10),
          static_cast<char>('0' + prefix_ % 10)};
}

}  // namespace edgeroute::routing
