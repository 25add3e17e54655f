#include "edgeroute/sync/policy_bundle.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/sync/fbs/policy_bundle_generated.h"

namespace edgeroute::sync {
namespace {

static_assert(crypto_sign_SECRETKEYBYTES == kEd25519SecretKeyBytes);
static_assert(crypto_sign_PUBLICKEYBYTES == firmware_config::kEd25519PublicKeyBytes);

void ensure_sodium_initialised() {
  // A function-local static is initialised exactly once, even under concurrent calls.
  static const int initialised = sodium_init();
  EDGEROUTE_ASSERT(initialised >= 0, "libsodium failed to initialise");
}

// What is signed: the context, then the bundle bytes.
std::vector<std::uint8_t> signed_message(std::span<const std::uint8_t> bundle) {
  std::vector<std::uint8_t> message(kPolicyBundleSigningContext.size() + bundle.size());
  std::memcpy(message.data(), kPolicyBundleSigningContext.data(),
              kPolicyBundleSigningContext.size());
  if (!bundle.empty()) {
    std::memcpy(message.data() + kPolicyBundleSigningContext.size(), bundle.data(), bundle.size());
  }
  return message;
}

Status invalid(std::string message) {
  return {StatusCode::invalid_argument, std::move(message)};
}

// FlatBuffers reads scalars in place: a copy at an 8-byte boundary when the caller's
// bytes are not at one.
std::span<const std::uint8_t> aligned(std::span<const std::uint8_t> bytes,
                                      std::vector<std::uint64_t>& storage) {
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(std::uint64_t) == 0) return bytes;
  storage.assign((bytes.size() + 7) / 8, 0);
  std::memcpy(storage.data(), bytes.data(), bytes.size());
  return {reinterpret_cast<const std::uint8_t*>(storage.data()), bytes.size()};
}

const fbs::SignedPolicyBundle* verified_frame(std::span<const std::uint8_t> bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fbs::VerifySignedPolicyBundleBuffer(verifier)) return nullptr;
  return fbs::GetSignedPolicyBundle(bytes.data());
}

const fbs::PolicyBundle* verified_contents(std::span<const std::uint8_t> bundle,
                                           std::vector<std::uint64_t>& storage) {
  const std::span<const std::uint8_t> inner = aligned(bundle, storage);
  flatbuffers::Verifier verifier(inner.data(), inner.size());
  if (!verifier.VerifyBuffer<fbs::PolicyBundle>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<fbs::PolicyBundle>(inner.data());
}

}  // namespace

SigningKey generate_signing_key() {
  ensure_sodium_initialised();
  SigningKey key;
  crypto_sign_keypair(key.public_key.data(), key.secret.data());
  return key;
}

std::string to_base64(std::span<const std::uint8_t> bytes) {
  ensure_sodium_initialised();
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  text.pop_back();  // the terminating NUL libsodium writes
  return text;
}

Result<SigningKey> decode_signing_key(std::string_view base64) {
  Result<std::vector<std::uint8_t>> bytes =
      firmware_config::decode_ed25519_key(base64, kEd25519SecretKeyBytes, "secret key");
  if (!bytes) return bytes.status();
  SigningKey key;
  std::copy(bytes->begin(), bytes->end(), key.secret.begin());
  // libsodium's secret key ends with its public key.
  crypto_sign_ed25519_sk_to_pk(key.public_key.data(), key.secret.data());
  return key;
}

std::vector<std::uint8_t> sign_policy_bundle(const PolicyBundleContents& contents,
                                             const SigningKey& key) {
  ensure_sodium_initialised();
  flatbuffers::FlatBufferBuilder inner;
  inner.Finish(fbs::CreatePolicyBundleDirect(inner, contents.version, contents.issued_at_us,
                                             contents.expires_at_us, contents.policy_json.c_str()));
  const std::span<const std::uint8_t> bundle(inner.GetBufferPointer(), inner.GetSize());
  const std::vector<std::uint8_t> message = signed_message(bundle);
  std::array<std::uint8_t, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       key.secret.data());

  flatbuffers::FlatBufferBuilder outer(bundle.size() + 256);
  // The bundle is a nested buffer: aligned for the gateway to read it in place.
  outer.ForceVectorAlignment(bundle.size(), sizeof(std::uint8_t), alignof(std::uint64_t));
  const auto bundle_bytes = outer.CreateVector(bundle.data(), bundle.size());
  const auto signature_bytes = outer.CreateVector(signature.data(), signature.size());
  outer.Finish(fbs::CreateSignedPolicyBundle(outer, bundle_bytes, signature_bytes),
               kPolicyBundleIdentifier);
  return {outer.GetBufferPointer(), outer.GetBufferPointer() + outer.GetSize()};
}

Result<PolicyBundleContents> open_policy_bundle(std::span<const std::uint8_t> signed_bundle,
                                                const Ed25519PublicKey& trust_anchor) {
  ensure_sodium_initialised();
  if (signed_bundle.size() > kMaxPolicyBundleBytes) {
    return invalid(fmt::format("policy bundle of {} bytes exceeds the limit of {}",
                               signed_bundle.size(), kMaxPolicyBundleBytes));
  }
  std::vector<std::uint64_t> outer_storage;
  const fbs::SignedPolicyBundle* frame = verified_frame(aligned(signed_bundle, outer_storage));
  if (frame == nullptr) return invalid("not a signed policy bundle (identifier ERPB)");
  if (frame->signature()->size() != crypto_sign_BYTES) {
    return invalid(fmt::format("policy bundle signature is {} bytes; Ed25519 signatures are {}",
                               frame->signature()->size(), crypto_sign_BYTES));
  }
  const std::span<const std::uint8_t> bundle(frame->bundle()->data(), frame->bundle()->size());
  const std::vector<std::uint8_t> message = signed_message(bundle);
  if (crypto_sign_verify_detached(frame->signature()->data(), message.data(), message.size(),
                                  trust_anchor.data()) != 0) {
    return Status{StatusCode::permission_denied,
                  "policy bundle signature does not verify against the trust anchor (altered, "
                  "or signed with another key)"};
  }
  // Signed by central: still checked, a signer's bug must not become the gateway's crash.
  std::vector<std::uint64_t> inner_storage;
  const fbs::PolicyBundle* contents = verified_contents(bundle, inner_storage);
  if (contents == nullptr) return invalid("signed policy bundle does not hold a PolicyBundle");
  return PolicyBundleContents{contents->version(), contents->issued_at_us(),
                              contents->expires_at_us(), contents->policy_json()->str()};
}

std::uint64_t claimed_policy_version(std::span<const std::uint8_t> signed_bundle) {
  if (signed_bundle.size() > kMaxPolicyBundleBytes) return 0;
  std::vector<std::uint64_t> outer_storage;
  const fbs::SignedPolicyBundle* frame = verified_frame(aligned(signed_bundle, outer_storage));
  if (frame == nullptr) return 0;
  std::vector<std::uint64_t> inner_storage;
  const fbs::PolicyBundle* contents =
      verified_contents({frame->bundle()->data(), frame->bundle()->size()}, inner_storage);
  return contents == nullptr ? 0 : contents->version();
}

}  // namespace edgeroute::sync
