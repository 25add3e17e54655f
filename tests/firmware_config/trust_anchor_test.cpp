// Specifies decode_trust_anchor(), which turns the configured base64 text into the
// Ed25519 public key the policy verifier uses. A real key (generated with openssl)
// decodes to its exact bytes; text that is not standard padded base64, or that
// decodes to anything but 32 bytes, is refused with a message saying which.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixtures.h"
#include "edgeroute/firmware_config/trust_anchor.h"

namespace edgeroute::firmware_config {
namespace {

TEST(TrustAnchor, RealKeyDecodesToItsBytes) {
  const Result<Ed25519PublicKey> key = decode_trust_anchor(testing::kTrustAnchor);
  ASSERT_TRUE(key.has_value()) << key.status().to_string();
  // The key's bytes, as `base64 -d | xxd -p` shows them.
  const Ed25519PublicKey expected{0xe7, 0xc5, 0x4c, 0xb5, 0x22, 0x5a, 0x1f, 0x77, 0x62, 0x67, 0xb6,
                                  0x8e, 0x96, 0xa4, 0x61, 0x20, 0xab, 0xfa, 0x01, 0x64, 0x09, 0xb6,
                                  0xfa, 0x13, 0xa3, 0x78, 0x44, 0x5f, 0x45, 0x59, 0xc2, 0x71};
  EXPECT_EQ(*key, expected);
}

TEST(TrustAnchor, WrongLengthSaysHowLong) {
  const auto too_long = decode_trust_anchor("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
  EXPECT_EQ(too_long.status(), Status(StatusCode::invalid_argument,
                                      "decodes to 34 bytes; an Ed25519 public key is 32"));
}

TEST(TrustAnchor, OnlyStandardPaddedBase64IsAccepted) {
  const Status not_base64(StatusCode::invalid_argument,
                          "is not valid base64 (standard alphabet, '=' padding)");
  // URL-safe alphabet, missing padding, embedded white space.
  EXPECT_EQ(decode_trust_anchor("58VMtSJaH3diZ7aOlqRhIKv6AWQJtvoTo3hEX0VZwnE_").status(),
            not_base64);
  EXPECT_EQ(decode_trust_anchor("58VMtSJaH3diZ7aOlqRhIKv6AWQJtvoTo3hEX0VZwnE").status(),
            not_base64);
  EXPECT_EQ(decode_trust_anchor("58VMtSJaH3diZ7aOlqRh IKv6AWQJtvoTo3hEX0VZwnE=").status(),
            not_base64);
}

TEST(TrustAnchor, OverlongTextIsRefusedBeforeDecoding) {
  EXPECT_EQ(decode_trust_anchor(std::string(2000, 'A')).status(),
            Status(StatusCode::invalid_argument,
                   "is 2000 characters; the base64 of a 32-byte key is 44"));
}

}  // namespace
}  // namespace edgeroute::firmware_config
