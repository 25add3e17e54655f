// Specifies signed policy bundles, as central signs them and a gateway opens them: what
// was signed comes back; any byte changed in the bundle or its signature, or another
// key, is permission_denied; bytes that are not a bundle are invalid_argument saying
// why; claimed_policy_version() reads an unverified bundle's version for naming it; a
// secret key survives its base64 form. And the PolicyOffer message that carries a
// bundle from central: built and verified, and refused when it carries none, too much,
// or no version.
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/sync/fbs/policy_bundle_generated.h"
#include "edgeroute/sync/messages.h"
#include "edgeroute/sync/policy_bundle.h"

namespace edgeroute::sync {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kIssuedUs = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kWeekUs = 7LL * 24 * 3'600'000'000;

PolicyBundleContents some_policy(std::uint64_t version = 7) {
  PolicyBundleContents contents;
  contents.version = version;
  contents.issued_at_us = kIssuedUs;
  contents.expires_at_us = kIssuedUs + kWeekUs;
  contents.policy_json =
      R"({"schema_version": 1, "version": )" + std::to_string(version) + R"(, "max_shipments": 2})";
  return contents;
}

const SigningKey& central_key() {
  static const SigningKey key = generate_signing_key();
  return key;
}

// Where the signed bytes and the signature sit inside a SignedPolicyBundle buffer.
struct Layout {
  std::size_t bundle_offset = 0;
  std::size_t bundle_size = 0;
  std::size_t signature_offset = 0;
  std::size_t signature_size = 0;
};

Layout layout_of(const std::vector<std::uint8_t>& signed_bundle) {
  const fbs::SignedPolicyBundle* frame = fbs::GetSignedPolicyBundle(signed_bundle.data());
  return {static_cast<std::size_t>(frame->bundle()->data() - signed_bundle.data()),
          frame->bundle()->size(),
          static_cast<std::size_t>(frame->signature()->data() - signed_bundle.data()),
          frame->signature()->size()};
}

// A SignedPolicyBundle frame around any `bundle` and `signature`.
std::vector<std::uint8_t> frame_of(std::span<const std::uint8_t> bundle,
                                   std::span<const std::uint8_t> signature) {
  flatbuffers::FlatBufferBuilder builder;
  const auto bundle_bytes = builder.CreateVector(bundle.data(), bundle.size());
  const auto signature_bytes = builder.CreateVector(signature.data(), signature.size());
  builder.Finish(fbs::CreateSignedPolicyBundle(builder, bundle_bytes, signature_bytes),
                 kPolicyBundleIdentifier);
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

TEST(PolicyBundle, OpensToWhatWasSigned) {
  const PolicyBundleContents signed_contents = some_policy();
  const std::vector<std::uint8_t> bundle = sign_policy_bundle(signed_contents, central_key());
  Result<PolicyBundleContents> opened = open_policy_bundle(bundle, central_key().public_key);
  ASSERT_TRUE(opened) << opened.status().to_string();
  EXPECT_EQ(opened->version, 7U);
  EXPECT_EQ(opened->issued_at_us, kIssuedUs);
  EXPECT_EQ(opened->expires_at_us, kIssuedUs + kWeekUs);
  EXPECT_EQ(opened->policy_json, signed_contents.policy_json);
}

TEST(PolicyBundle, OpensFromBytesAtAnOddAddress) {
  const std::vector<std::uint8_t> bundle = sign_policy_bundle(some_policy(), central_key());
  std::vector<std::uint8_t> shifted(bundle.size() + 1);
  std::copy(bundle.begin(), bundle.end(), shifted.begin() + 1);
  Result<PolicyBundleContents> opened =
      open_policy_bundle(std::span(shifted).subspan(1), central_key().public_key);
  ASSERT_TRUE(opened) << opened.status().to_string();
  EXPECT_EQ(opened->version, 7U);
  EXPECT_EQ(claimed_policy_version(std::span(shifted).subspan(1)), 7U);
}

TEST(PolicyBundle, AnyByteFlippedInTheSignedBytesOrTheSignatureIsPermissionDenied) {
  const std::vector<std::uint8_t> bundle = sign_policy_bundle(some_policy(), central_key());
  const Layout layout = layout_of(bundle);
  ASSERT_EQ(layout.signature_size, 64U);
  std::vector<std::size_t> offsets;
  for (std::size_t index = 0; index < layout.bundle_size; ++index)
    offsets.push_back(layout.bundle_offset + index);
  for (std::size_t index = 0; index < layout.signature_size; ++index)
    offsets.push_back(layout.signature_offset + index);
  for (const std::size_t offset : offsets) {
    std::vector<std::uint8_t> altered = bundle;
    altered[offset] ^= 0x01;
    Result<PolicyBundleContents> opened = open_policy_bundle(altered, central_key().public_key);
    ASSERT_FALSE(opened) << "byte " << offset << " flipped and the bundle still opened";
    EXPECT_EQ(opened.status().code(), StatusCode::permission_denied) << "byte " << offset;
    EXPECT_THAT(opened.status().message(), HasSubstr("does not verify")) << "byte " << offset;
  }
}

TEST(PolicyBundle, ABundleSignedWithAnotherKeyIsPermissionDenied) {
  const SigningKey other = generate_signing_key();
  const std::vector<std::uint8_t> bundle = sign_policy_bundle(some_policy(), other);
  Result<PolicyBundleContents> opened = open_policy_bundle(bundle, central_key().public_key);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().code(), StatusCode::permission_denied);
  EXPECT_TRUE(open_policy_bundle(bundle, other.public_key));
  // Nor does the signature of the right bytes by the wrong key pass in the right frame.
  const std::vector<std::uint8_t> genuine = sign_policy_bundle(some_policy(), central_key());
  const Layout genuine_layout = layout_of(genuine);
  const Layout forged_layout = layout_of(bundle);
  const std::vector<std::uint8_t> spliced =
      frame_of({genuine.data() + genuine_layout.bundle_offset, genuine_layout.bundle_size},
               {bundle.data() + forged_layout.signature_offset, forged_layout.signature_size});
  EXPECT_EQ(open_policy_bundle(spliced, central_key().public_key).status().code(),
            StatusCode::permission_denied);
}

TEST(PolicyBundle, BytesThatAreNotABundleAreInvalidArgumentSayingWhy) {
  std::mt19937 random(20260101);
  std::vector<std::uint8_t> noise(512);
  for (std::uint8_t& byte : noise) byte = static_cast<std::uint8_t>(random() & 0xffU);
  const std::vector<std::vector<std::uint8_t>> garbage = {{}, {0x45, 0x52}, noise};
  for (const std::vector<std::uint8_t>& bytes : garbage) {
    Result<PolicyBundleContents> opened = open_policy_bundle(bytes, central_key().public_key);
    ASSERT_FALSE(opened) << bytes.size() << " bytes";
    EXPECT_EQ(opened.status().code(), StatusCode::invalid_argument) << bytes.size() << " bytes";
    EXPECT_THAT(opened.status().message(), HasSubstr("not a signed policy bundle"));
  }
  const std::vector<std::uint8_t> bundle = sign_policy_bundle(some_policy(), central_key());
  for (std::size_t length = 0; length < bundle.size(); ++length) {
    Result<PolicyBundleContents> opened =
        open_policy_bundle(std::span(bundle).first(length), central_key().public_key);
    ASSERT_FALSE(opened) << "truncated to " << length << " bytes";
    EXPECT_EQ(opened.status().code(), StatusCode::invalid_argument) << "truncated to " << length;
    EXPECT_FALSE(opened.status().message().empty());
  }
}

TEST(PolicyBundle, ASignatureOfAnotherLengthIsInvalidArgumentNamingIt) {
  const std::vector<std::uint8_t> bundle = sign_policy_bundle(some_policy(), central_key());
  const Layout layout = layout_of(bundle);
  const std::vector<std::uint8_t> short_signature =
      frame_of({bundle.data() + layout.bundle_offset, layout.bundle_size},
               {bundle.data() + layout.signature_offset, 63});
  Result<PolicyBundleContents> opened =
      open_policy_bundle(short_signature, central_key().public_key);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(opened.status().message(), HasSubstr("signature is 63 bytes"));
}

TEST(PolicyBundle, SignedBytesThatAreNotAPolicyBundleAreInvalidArgument) {
  // A signer's defect: the signature verifies, the contents do not.
  const std::vector<std::uint8_t> contents = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<std::uint8_t> message(kPolicyBundleSigningContext.begin(),
                                    kPolicyBundleSigningContext.end());
  message.insert(message.end(), contents.begin(), contents.end());
  std::vector<std::uint8_t> signature(crypto_sign_BYTES);
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       central_key().secret.data());
  Result<PolicyBundleContents> opened =
      open_policy_bundle(frame_of(contents, signature), central_key().public_key);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(opened.status().message(), HasSubstr("does not hold a PolicyBundle"));
}

TEST(PolicyBundle, ABundleAboveTheLimitIsRefusedBeforeAnythingIsRead) {
  const std::vector<std::uint8_t> huge(kMaxPolicyBundleBytes + 1, 0);
  Result<PolicyBundleContents> opened = open_policy_bundle(huge, central_key().public_key);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(opened.status().message(), HasSubstr("exceeds the limit"));
  EXPECT_EQ(claimed_policy_version(huge), 0U);
}

TEST(PolicyBundle, TheClaimedVersionIsReadWithoutVerifyingAndIsZeroForGarbage) {
  EXPECT_EQ(claimed_policy_version(sign_policy_bundle(some_policy(12), central_key())), 12U);
  const SigningKey other = generate_signing_key();
  EXPECT_EQ(claimed_policy_version(sign_policy_bundle(some_policy(13), other)), 13U)
      << "a bundle of an untrusted key still names its version";
  std::vector<std::uint8_t> tampered = sign_policy_bundle(some_policy(14), central_key());
  tampered[layout_of(tampered).signature_offset] ^= 0xff;
  EXPECT_EQ(claimed_policy_version(tampered), 14U);
  EXPECT_EQ(claimed_policy_version({}), 0U);
  const std::vector<std::uint8_t> garbage(64, 0xA5);
  EXPECT_EQ(claimed_policy_version(garbage), 0U);
  const std::vector<std::uint8_t> nine_bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(claimed_policy_version(frame_of(nine_bytes, std::vector<std::uint8_t>(64, 0))), 0U)
      << "a frame whose contents are not a PolicyBundle";
}

TEST(PolicyBundle, ASecretKeySurvivesItsBase64AndSignsAsBefore) {
  const SigningKey key = generate_signing_key();
  Result<SigningKey> decoded = decode_signing_key(to_base64(key.secret));
  ASSERT_TRUE(decoded) << decoded.status().to_string();
  EXPECT_EQ(decoded->secret, key.secret);
  EXPECT_EQ(decoded->public_key, key.public_key);
  EXPECT_TRUE(open_policy_bundle(sign_policy_bundle(some_policy(), *decoded), key.public_key));
  EXPECT_EQ(to_base64(key.public_key).size(), 44U);  // 32 bytes, as the trust anchor
}

TEST(PolicyBundle, ASecretKeyThatIsNotOneIsInvalidArgumentSayingWhy) {
  const SigningKey key = generate_signing_key();
  const std::vector<std::uint8_t> too_long(66, 0x11);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "is empty; expected the base64 of a 64-byte Ed25519 secret key"},
      {"not base64!", "is not valid base64"},
      {to_base64(key.secret) + "AAAA", "is not valid base64"},  // after the padding
      {to_base64(key.public_key), "decodes to 32 bytes; an Ed25519 secret key is 64"},
      {to_base64(too_long), "decodes to 66 bytes; an Ed25519 secret key is 64"},
  };
  for (const auto& [text, why] : bad) {
    Result<SigningKey> decoded = decode_signing_key(text);
    ASSERT_FALSE(decoded) << "'" << text << "'";
    EXPECT_EQ(decoded.status().code(), StatusCode::invalid_argument) << "'" << text << "'";
    EXPECT_THAT(decoded.status().message(), HasSubstr(why));
  }
}

// The PolicyOffer message. Its verified form is read in place: the frame's payload.
Result<const fbs::SyncMessage*> verify(const protocol::Frame& frame) {
  return verify_sync_message(frame.payload());
}

TEST(PolicyOfferMessage, CarriesTheBundleByteForByteAtAnEightByteBoundary) {
  const std::vector<std::uint8_t> bundle = sign_policy_bundle(some_policy(21), central_key());
  const protocol::Frame frame = policy_offer_frame(21, bundle);
  Result<const fbs::SyncMessage*> message = verify(frame);
  ASSERT_TRUE(message) << message.status().to_string();
  const fbs::PolicyOffer* offer = (*message)->body_as_PolicyOffer();
  ASSERT_NE(offer, nullptr);
  EXPECT_EQ(offer->version(), 21U);
  const std::vector<std::uint8_t> carried(offer->signed_bundle()->begin(),
                                          offer->signed_bundle()->end());
  EXPECT_EQ(carried, bundle);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(offer->signed_bundle()->data()) % 8, 0U);
  EXPECT_TRUE(open_policy_bundle({offer->signed_bundle()->data(), offer->signed_bundle()->size()},
                                 central_key().public_key));
}

TEST(PolicyOfferMessage, AnOfferWithoutABundleTooLargeABundleOrNoVersionIsRefusedNamingIt) {
  const Result<const fbs::SyncMessage*> empty = verify(policy_offer_frame(3, {}));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(empty.status().message(), HasSubstr("PolicyOffer of version 3 has an empty bundle"));

  const std::vector<std::uint8_t> huge(kMaxPolicyBundleBytes + 1, 0x5A);
  const Result<const fbs::SyncMessage*> oversized = verify(policy_offer_frame(4, huge));
  ASSERT_FALSE(oversized);
  EXPECT_EQ(oversized.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(oversized.status().message(),
              HasSubstr("PolicyOffer of version 4 has a bundle of " + std::to_string(huge.size()) +
                        " bytes, above the limit of " + std::to_string(kMaxPolicyBundleBytes)));
  const std::vector<std::uint8_t> at_limit(kMaxPolicyBundleBytes, 0x5A);
  EXPECT_TRUE(verify(policy_offer_frame(4, at_limit))) << "the limit itself is allowed";

  const std::vector<std::uint8_t> bundle = sign_policy_bundle(some_policy(5), central_key());
  const Result<const fbs::SyncMessage*> unversioned = verify(policy_offer_frame(0, bundle));
  ASSERT_FALSE(unversioned);
  EXPECT_THAT(unversioned.status().message(), HasSubstr("PolicyOffer has version 0"));
}

}  // namespace
}  // namespace edgeroute::sync
