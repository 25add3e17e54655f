// Specifies how a postal code becomes a 3-digit ZIP prefix: the three accepted forms
// (ZIP, ZIP+4, bare prefix) give the same prefix, leading zeros survive, and every
// other shape is refused with invalid_argument and a message that quotes the code,
// bounded and stripped of control characters because the code came from a client.
#include <string>

#include <gtest/gtest.h>

#include "edgeroute/routing/zip3.h"

namespace edgeroute::routing {
namespace {

TEST(Zip3, TheThreeAcceptedFormsGiveTheSamePrefix) {
  for (const char* code : {"10001", "10001-1234", "100"}) {
    Result<Zip3> prefix = Zip3::from_postal_code(code);
    ASSERT_TRUE(prefix) << code << ": " << prefix.status().to_string();
    EXPECT_EQ(prefix->prefix(), 100) << code;
  }
}

TEST(Zip3, LeadingZerosArePartOfThePrefix) {
  Result<Zip3> san_juan = Zip3::from_postal_code("00901");
  ASSERT_TRUE(san_juan);
  EXPECT_EQ(san_juan->prefix(), 9);
  EXPECT_EQ(san_juan->to_string(), "009");
  EXPECT_EQ(Zip3(0).to_string(), "000");
  EXPECT_EQ(Zip3(999).to_string(), "999");
}

TEST(Zip3, EveryOtherShapeIsInvalidAndTheMessageQuotesTheCode) {
  for (const std::string code :
       {"", "1", "12", "1234", "123456", "abcde", "1000a", "10001-", "10001-123", "10001-12345",
        "10001 1234", "10001_1234", " 10001", "10001 ", "100011234", "-1000", "+1000"}) {
    Result<Zip3> prefix = Zip3::from_postal_code(code);
    ASSERT_FALSE(prefix) << "'" << code << "' was accepted";
    EXPECT_EQ(prefix.status().code(), StatusCode::invalid_argument) << code;
    EXPECT_NE(prefix.status().message().find("\"" + code + "\""), std::string::npos)
        << prefix.status().message();
  }
}

TEST(Zip3, TheQuotedCodeIsBoundedAndPrintable) {
  const std::string hostile = "1\n2\x1b[31m" + std::string(500, '9');
  Result<Zip3> prefix = Zip3::from_postal_code(hostile);
  ASSERT_FALSE(prefix);
  const std::string message = prefix.status().message();
  EXPECT_LT(message.size(), 200u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_NE(message.find("\"1?2?[31m999"), std::string::npos) << message;
  EXPECT_NE(message.find("...\""), std::string::npos) << message;
}

TEST(Zip3, OrdersByPrefix) {
  EXPECT_LT(Zip3(6), Zip3(100));
  EXPECT_EQ(Zip3(100), Zip3(100));
}

}  // namespace
}  // namespace edgeroute::routing
