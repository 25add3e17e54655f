// Specifies SystemdWatchdog by standing in for systemd: the test binds a unix datagram
// socket in a fresh temporary directory, points NOTIFY_SOCKET at it (and sets
// WATCHDOG_USEC / WATCHDOG_PID as systemd does for WatchdogSec=), and reads the exact
// datagrams the service manager would receive. Without NOTIFY_SOCKET every call must
// succeed and do nothing, as in a developer's shell. The environment is restored after
// each test.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/linux/systemd_watchdog.h"
#include "edgeroute/hal/linux/unique_fd.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::hal {
namespace {

using ::testing::HasSubstr;
using testing::TemporaryDirectory;

constexpr int kReceiveTimeoutMs = 5000;

// Sets or clears environment variables for one test and puts the old values back.
class ScopedEnvironment {
 public:
  ScopedEnvironment() = default;
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

  void set(const std::string& name, const std::string& value) {
    save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void clear(const std::string& name) {
    save(name);
    ::unsetenv(name.c_str());
  }

 private:
  void save(const std::string& name) {
    if (saved_.contains(name)) return;
    const char* value = std::getenv(name.c_str());
    saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
  }

  std::map<std::string, std::optional<std::string>> saved_;
};

// The service manager's end of the notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    socket_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    bound_ = socket_.is_open() && ::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address),
                                         sizeof(address)) == 0;
  }

  bool is_bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The next datagram, or "(nothing)" if none arrives within kReceiveTimeoutMs.
  std::string receive() {
    pollfd readable{socket_.get(), POLLIN, 0};
    if (::poll(&readable, 1, kReceiveTimeoutMs) != 1) return "(nothing)";
    char buffer[4096];
    const ssize_t received = ::recv(socket_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (received < 0) return "(receive failed)";
    return std::string(buffer, static_cast<std::size_t>(received));
  }

  // True when no datagram is waiting.
  bool is_empty() {
    pollfd readable{socket_.get(), POLLIN, 0};
    return ::poll(&readable, 1, 0) == 0;
  }

 private:
  std::string path_;
  UniqueFd socket_;
  bool bound_ = false;
};

class SystemdWatchdogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(manager_.is_bound()) << "cannot bind " << manager_.path();
    environment_.set("NOTIFY_SOCKET", manager_.path());
    environment_.clear("WATCHDOG_USEC");
    environment_.clear("WATCHDOG_PID");
  }

  TemporaryDirectory directory_{"watchdog"};
  NotifySocket manager_{directory_ / "notify"};
  ScopedEnvironment environment_;
};

TEST_F(SystemdWatchdogTest, SendsTheSdNotifyDatagrams) {
  SystemdWatchdog watchdog;
  ASSERT_TRUE(watchdog.notify_ready().is_ok());
  EXPECT_EQ(manager_.receive(), "READY=1");
  ASSERT_TRUE(watchdog.keep_alive().is_ok());
  EXPECT_EQ(manager_.receive(), "WATCHDOG=1");
  ASSERT_TRUE(watchdog.notify_status("routing 120 orders/s, WAN up").is_ok());
  EXPECT_EQ(manager_.receive(), "STATUS=routing 120 orders/s, WAN up");
  ASSERT_TRUE(watchdog.notify_stopping().is_ok());
  EXPECT_EQ(manager_.receive(), "STOPPING=1");
  EXPECT_TRUE(manager_.is_empty());
}

TEST_F(SystemdWatchdogTest, AStatusStaysOneLineAndCannotAddAssignments) {
  SystemdWatchdog watchdog;
  ASSERT_TRUE(watchdog.notify_status("draining\nREADY=1").is_ok());
  EXPECT_EQ(manager_.receive(), "STATUS=draining READY=1");
}

TEST_F(SystemdWatchdogTest, KeepAliveIntervalIsHalfTheWatchdogTimeout) {
  environment_.set("WATCHDOG_USEC", "3000000");
  environment_.set("WATCHDOG_PID", std::to_string(::getpid()));
  SystemdWatchdog watchdog;
  EXPECT_EQ(watchdog.keep_alive_interval(), std::chrono::milliseconds(1500));
}

TEST_F(SystemdWatchdogTest, AWatchdogMeantForAnotherProcessIsNotOurs) {
  environment_.set("WATCHDOG_USEC", "3000000");
  environment_.set("WATCHDOG_PID", std::to_string(::getpid() + 1));
  SystemdWatchdog watchdog;
  EXPECT_EQ(watchdog.keep_alive_interval(), std::nullopt);
}

TEST_F(SystemdWatchdogTest, WithoutWatchdogSecThereIsNoInterval) {
  SystemdWatchdog watchdog;
  EXPECT_EQ(watchdog.keep_alive_interval(), std::nullopt);
}

TEST_F(SystemdWatchdogTest, AnUnreachableManagerIsAnErrorNamingTheSocket) {
  const std::string missing = directory_ / "missing";
  environment_.set("NOTIFY_SOCKET", missing);
  SystemdWatchdog watchdog;
  const Status ready = watchdog.notify_ready();
  EXPECT_FALSE(ready.is_ok());
  EXPECT_THAT(ready.message(), HasSubstr(missing));
}

TEST(SystemdWatchdog, WithoutNotifySocketEverythingIsASuccessfulNoOp) {
  ScopedEnvironment environment;
  environment.clear("NOTIFY_SOCKET");
  environment.clear("WATCHDOG_USEC");
  environment.clear("WATCHDOG_PID");
  SystemdWatchdog watchdog;
  EXPECT_TRUE(watchdog.notify_ready().is_ok());
  EXPECT_TRUE(watchdog.keep_alive().is_ok());
  EXPECT_TRUE(watchdog.notify_status("idle").is_ok());
  EXPECT_TRUE(watchdog.notify_stopping().is_ok());
  EXPECT_EQ(watchdog.keep_alive_interval(), std::nullopt);
}

}  // namespace
}  // namespace edgeroute::hal
