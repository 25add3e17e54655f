#include "edgeroute/firmware_config/trust_anchor.h"

#include <sodium.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"

namespace edgeroute::firmware_config {
namespace {

// Longer input is rejected before decoding; the message stays readable and the
// decode buffer small.
constexpr std::size_t kBase64LengthMax = 1024;

void ensure_sodium_initialised() {
  // A function-local static is initialised exactly once, even under concurrent calls.
  static const int initialised = sodium_init();
  EDGEROUTE_ASSERT(initialised >= 0, "libsodium failed to initialise");
}

Status invalid(std::string message) {
  return {StatusCode::invalid_argument, std::move(message)};
}

}  // namespace

Result<std::vector<std::uint8_t>> decode_ed25519_key(std::string_view base64, std::size_t size,
                                                     std::string_view kind) {
  ensure_sodium_initialised();
  if (base64.empty()) {
    return invalid(
        fmt::format("is empty; expected the base64 of a {}-byte Ed25519 {}", size, kind));
  }
  const std::size_t base64_length =
      sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL) - 1;
  if (base64.size() > kBase64LengthMax) {
    return invalid(fmt::format("is {} characters; the base64 of a {}-byte key is {}", base64.size(),
                               size, base64_length));
  }
  std::vector<std::uint8_t> bytes(base64.size());
  std::size_t decoded_length = 0;
  // No ignore set and no end pointer: any character outside the alphabet, or
  // missing padding, is an error rather than the end of the input.
  const int decoded =
      sodium_base642bin(bytes.data(), bytes.size(), base64.data(), base64.size(), nullptr,
                        &decoded_length, nullptr, sodium_base64_VARIANT_ORIGINAL);
  if (decoded != 0) return invalid("is not valid base64 (standard alphabet, '=' padding)");
  if (decoded_length != size) {
    return invalid(
        fmt::format("decodes to {} bytes; an Ed25519 {} is {}", decoded_length, kind, size));
  }
  bytes.resize(size);
  return bytes;
}

Result<Ed25519PublicKey> decode_trust_anchor(std::string_view base64) {
  Result<std::vector<std::uint8_t>> bytes =
      decode_ed25519_key(base64, kEd25519PublicKeyBytes, "public key");
  if (!bytes) return bytes.status();
  Ed25519PublicKey key{};
  std::copy_n(bytes->begin(), key.size(), key.begin());
  return key;
}

}  // namespace edgeroute::firmware_config
