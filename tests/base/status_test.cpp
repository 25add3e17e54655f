// Specifies Status and Result, the error currency of every module: a failure keeps
// its code and a message that names what failed, context can be prepended on the
// way up, errno maps to the codes callers branch on (a full disk is no_space), and
// reading the value of a failed Result stops the process instead of returning junk.
#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute {
namespace {

TEST(Status, DefaultIsSuccess) {
  Status status;
  EXPECT_TRUE(status.is_ok());
  EXPECT_EQ(status.to_string(), "ok");
}

TEST(Status, FailureCarriesCodeAndMessage) {
  Status status(StatusCode::invalid_argument, "orders.port: 70000 is not a TCP port");
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::invalid_argument);
  EXPECT_EQ(status.to_string(), "invalid argument: orders.port: 70000 is not a TCP port");
}

TEST(Status, ContextIsPrependedToFailuresOnly) {
  Status failure(StatusCode::io_error, "write failed");
  EXPECT_EQ(failure.with_context("/data/journal.db").message(), "/data/journal.db: write failed");
  EXPECT_TRUE(Status::ok().with_context("/data/journal.db").is_ok());
}

TEST(Status, ErrnoMapsToTheCodesCallersBranchOn) {
  EXPECT_EQ(status_from_errno(ENOSPC, "/data/a").code(), StatusCode::no_space);
  EXPECT_EQ(status_from_errno(ENOENT, "/data/a").code(), StatusCode::not_found);
  EXPECT_EQ(status_from_errno(EACCES, "/data/a").code(), StatusCode::permission_denied);
  EXPECT_EQ(status_from_errno(EIO, "/data/a").code(), StatusCode::io_error);
  EXPECT_EQ(status_from_errno(EISDIR, "/data/a").code(), StatusCode::failed_precondition);
  EXPECT_EQ(status_from_errno(ENOTEMPTY, "/data/a").code(), StatusCode::failed_precondition);
  EXPECT_EQ(status_from_errno(ENOSPC, "/data/a").message(), "/data/a: No space left on device");
}

TEST(Result, HoldsValueOrStatus) {
  Result<std::string> value = std::string("rpi4");
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, "rpi4");
  EXPECT_TRUE(value.status().is_ok());

  Result<std::string> failure = Status(StatusCode::not_found, "profile 'rpi5'");
  ASSERT_FALSE(failure);
  EXPECT_EQ(failure.status().code(), StatusCode::not_found);
}

TEST(ResultDeathTest, ReadingTheValueOfAFailureAborts) {
  Result<int> failure = Status(StatusCode::internal, "boom");
  EXPECT_DEATH((void)failure.value(), "value\\(\\) of a failed Result");
}

TEST(ResultDeathTest, AFailedResultNeedsAFailedStatus) {
  EXPECT_DEATH(Result<int>{Status::ok()}, "a failed Result needs a failed Status");
}

}  // namespace
}  // namespace edgeroute
