// Signed policy bundles (sync/schema/policy_bundle.fbs): central ops sign a policy with
// their Ed25519 key (`edgeroute-central policy push`), a gateway opens the bundle with
// the public key it was configured to trust (policy_trust_anchor) before it looks at
// anything inside. Opening checks the frame and the signature only; whether the gateway
// takes the policy up (version, expiry, validation) is its own decision
// (engine/gateway/policy_admission.h).
//
// Keys travel as base64 (standard alphabet, '=' padding): the public key as the
// gateway configuration holds it, the secret key (libsodium's 64 bytes: seed + public
// key) in a file only central ops can read.
//
// Thread-safety: pure functions (libsodium is initialised once, thread-safely).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/firmware_config/trust_anchor.h"

namespace edgeroute::sync {

inline constexpr const char* kPolicyBundleIdentifier = "ERPB";
// Prefixed to the bundle bytes before signing, so that a signature made for
// anything else with the same key can never pass as a policy's.
inline constexpr std::string_view kPolicyBundleSigningContext = "edgeroute policy bundle v1";
// A bundle larger than this is refused before verification.
inline constexpr std::size_t kMaxPolicyBundleBytes = 4 * 1024 * 1024;

inline constexpr std::size_t kEd25519SecretKeyBytes = 64;
using Ed25519SecretKey = std::array<std::uint8_t, kEd25519SecretKeyBytes>;
using firmware_config::Ed25519PublicKey;

struct SigningKey {
  Ed25519SecretKey secret{};
  Ed25519PublicKey public_key{};
};

// A new key pair from the operating system's randomness.
SigningKey generate_signing_key();
std::string to_base64(std::span<const std::uint8_t> bytes);
// The key in `base64`, or invalid_argument saying why not (as decode_trust_anchor).
Result<SigningKey> decode_signing_key(std::string_view base64);

struct PolicyBundleContents {
  std::uint64_t version = 0;
  std::int64_t issued_at_us = 0;
  std::int64_t expires_at_us = 0;
  std::string policy_json;
};

// The SignedPolicyBundle buffer (identifier "ERPB") for `contents`, signed with `key`.
std::vector<std::uint8_t> sign_policy_bundle(const PolicyBundleContents& contents,
                                             const SigningKey& key);

// What a SignedPolicyBundle says, once its signature verifies against `trust_anchor`.
// Errors: invalid_argument (too large, not a SignedPolicyBundle, a signature that is
// not 64 bytes, a bundle that is not a PolicyBundle) and permission_denied (the
// signature does not verify: tampered with, or signed by another key), each saying so.
// The bytes need no particular alignment.
Result<PolicyBundleContents> open_policy_bundle(std::span<const std::uint8_t> signed_bundle,
                                                const Ed25519PublicKey& trust_anchor);

// The version a bundle claims, read without verifying anything (0 when the bytes are
// not a bundle): for naming a bundle that was refused. Never trust it otherwise.
std::uint64_t claimed_policy_version(std::span<const std::uint8_t> signed_bundle);

}  // namespace edgeroute::sync
