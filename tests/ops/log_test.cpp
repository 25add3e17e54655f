// Structured log lines as journald and a person's `jq` read them: one JSON object per
// line, ts/level/event first, context fields, then the call's fields in order, and
// strings escaped so that no message can break the line or forge a field.
#include "edgeroute/ops/log.h"

#include <chrono>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace edgeroute::ops::log {
namespace {

// 2026-11-24T15:04:05.123Z
const std::chrono::system_clock::time_point kAt =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} + std::chrono::hours(15) +
    std::chrono::minutes(4) + std::chrono::seconds(5) + std::chrono::milliseconds(123);

class LogLine : public ::testing::Test {
 protected:
  ~LogLine() override { set_context({}); }
};

TEST_F(LogLine, IsOneJsonObjectWithTheFieldsInTheOrderGiven) {
  EXPECT_EQ(format_line(kAt, Level::info, "gateway.listening",
                        {{"address", "127.0.0.1"},
                         {"port", 7400},
                         {"journal_sequence", std::uint64_t{12}},
                         {"draining", false},
                         {"took_seconds", 0.25}}),
            "{\"ts\":\"2026-11-24T15:04:05.123Z\",\"level\":\"info\",\"event\":"
            "\"gateway.listening\",\"address\":\"127.0.0.1\",\"port\":7400,"
            "\"journal_sequence\":12,\"draining\":false,\"took_seconds\":0.25}\n");
}

TEST_F(LogLine, CarriesTheContextAfterTheEvent) {
  set_context({{"gateway", "dev-gateway-1"}});
  EXPECT_EQ(format_line(kAt, Level::error, "journal.failed", {{"error", "disk on fire"}}),
            "{\"ts\":\"2026-11-24T15:04:05.123Z\",\"level\":\"error\",\"event\":"
            "\"journal.failed\",\"gateway\":\"dev-gateway-1\",\"error\":\"disk on fire\"}\n");
}

TEST_F(LogLine, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string line = format_line(kAt, Level::warning, "x",
                                       {{"detail",
                                         "a\"b\\c\nd\te\x01"
                                         "f"},
                                        {"neg", -3}});
  EXPECT_NE(line.find(R"("detail":"a\"b\\c\nd\te\u0001f","neg":-3})"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line, ended by its only line feed";
}

TEST_F(LogLine, KeepsUtf8AndReplacesBytesThatAreNotUtf8) {
  const std::string line =
      format_line(kAt, Level::info, "x", {{"city", "Zürich"}, {"raw", "a\xff\xc3z"}});
  EXPECT_NE(line.find(R"("city":"Zürich","raw":"a\ufffd\ufffdz")"), std::string::npos) << line;
}

TEST_F(LogLine, WritesNullForNumbersJsonCannotSpell) {
  const std::string line =
      format_line(kAt, Level::info, "x", {{"ratio", std::numeric_limits<double>::infinity()}});
  EXPECT_NE(line.find(R"("ratio":null})"), std::string::npos) << line;
}

}  // namespace
}  // namespace edgeroute::ops::log
