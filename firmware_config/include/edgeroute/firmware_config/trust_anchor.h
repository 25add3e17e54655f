// The policy trust anchor: the Ed25519 public key that must have signed every
// routing policy the gateway applies. The configuration carries it as standard
// base64 with padding; this decodes it for the policy verifier.
//
// Thread-safety: decode_trust_anchor() is reentrant (libsodium is initialised once,
// thread-safely, on first use).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"

namespace edgeroute::firmware_config {

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeyBytes>;

// The key encoded in `base64`, or invalid_argument saying why not ("not valid
// base64 ...", "decodes to 31 bytes; an Ed25519 public key is 32"). The message has
// no field path; callers add it.
Result<Ed25519PublicKey> decode_trust_anchor(std::string_view base64);

// The bytes of an Ed25519 key of `size` bytes in `base64` (standard alphabet, '='
// padding); otherwise invalid_argument in decode_trust_anchor's words, with `kind`
// ("public key", "secret key") for the key. For the other keys the tools read
// (central's signing key).
Result<std::vector<std::uint8_t>> decode_ed25519_key(std::string_view base64, std::size_t size,
                                                     std::string_view kind);

}  // namespace edgeroute::firmware_config
