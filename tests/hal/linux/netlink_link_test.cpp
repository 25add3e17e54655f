// Specifies NetlinkLink against the real kernel. Loopback, which every host has, is up;
// an interface that does not exist is not_found naming it. With CAP_NET_ADMIN the test
// creates its own veth pair (named after the process id, deleted afterwards, and deleted
// first too in case a crashed earlier process with the same id left it behind) and drives
// it through every transition the WAN link sees in the field, checking that listeners
// hear exactly the changes, in order: enabled with carrier → up; the far end going away
// (carrier lost while the interface stays enabled) → down; carrier back → up; disabled
// by an administrator → down; the interface deleted → down; and a new interface taking
// the name is followed; and when a burst of changes overflows the socket and the
// kernel drops notifications, the link still ends up in the true state. When the
// monitor's own system calls fail in a way nobody planned for (here poll() refusing two
// descriptors because RLIMIT_NOFILE was lowered to one), the daemon does not abort: the
// failures are counted, retried with a growing backoff rather than a busy loop, and
// once the environment recovers the changes made meanwhile are heard. Waits are bounded
// condition-variable waits on what listeners heard, never sleeps. The test skips, saying
// why, only when the process lacks CAP_NET_ADMIN or the `ip` tool, or when the kernel (or
// qemu-user) offers no rtnetlink socket at all; where the socket exists, everything runs
// for real, under qemu-user too.
#include <linux/netlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/linux/netlink_link.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::hal {

// Failures print "up"/"down" rather than raw bytes.
inline void PrintTo(LinkState state, std::ostream* out) {
  *out << to_string(state);
}
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using State = LinkState;
using testing::TemporaryDirectory;

constexpr auto kChangeTimeout = std::chrono::seconds(10);

// Why rtnetlink cannot be used here, if it cannot: an emulator or a kernel without
// netlink refuses the socket outright.
std::optional<std::string> netlink_unavailable_reason() {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd >= 0) {
    ::close(fd);
    return std::nullopt;
  }
  const int error = errno;
  if (error == EAFNOSUPPORT || error == EPROTONOSUPPORT || error == ENOSYS) {
    return std::string(
               "rtnetlink sockets are not supported here (qemu-user or a kernel "
               "without netlink): ") +
           std::strerror(error);
  }
  return std::nullopt;  // any other failure is NetlinkLink's to report, and the test's to see
}

#define SKIP_WITHOUT_NETLINK()                                               \
  do {                                                                       \
    if (auto reason = netlink_unavailable_reason()) GTEST_SKIP() << *reason; \
  } while (false)

bool has_net_admin_capability() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      constexpr unsigned kCapNetAdmin = 12;
      return ((std::stoull(line.substr(7), nullptr, 16) >> kCapNetAdmin) & 1U) != 0;
    }
  }
  return false;
}

bool run(const std::string& command) {
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A veth pair owned by this test: `name` is the interface under watch, `peer` its far
// end, whose state decides whether `name` has carrier.
class ScratchInterface {
 public:
  // Names carry the process id, so parallel test processes never collide.
  explicit ScratchInterface(const std::string& prefix = "er-t")
      : name_(prefix + std::to_string(::getpid())), peer_(name_ + "p") {}
  ScratchInterface(const ScratchInterface&) = delete;
  ScratchInterface& operator=(const ScratchInterface&) = delete;
  ~ScratchInterface() { remove(); }

  bool create() {
    // Process ids are reused: a test process that crashed may have left this name (or
    // its peer) behind. Neither can belong to anyone else, so delete them first.
    (void)run("ip link del " + name_ + " >/dev/null 2>&1");
    (void)run("ip link del " + peer_ + " >/dev/null 2>&1");
    created_ = run("ip link add " + name_ + " type veth peer name " + peer_);
    return created_;
  }
  void remove() {
    if (created_) {
      EXPECT_TRUE(run("ip link del " + name_));  // takes the peer with it
    }
    created_ = false;
  }
  void set(const std::string& which, bool up) {
    ASSERT_TRUE(run("ip link set " + which + (up ? " up" : " down")));
  }

  const std::string& name() const { return name_; }
  const std::string& peer() const { return peer_; }

 private:
  std::string name_;
  std::string peer_;
  bool created_ = false;
};

#define CREATE_SCRATCH_INTERFACE_OR_SKIP(interface)                                  \
  do {                                                                               \
    SKIP_WITHOUT_NETLINK();                                                          \
    if (!has_net_admin_capability()) {                                               \
      GTEST_SKIP() << "creating a test interface needs CAP_NET_ADMIN (run as root)"; \
    }                                                                                \
    if (!run("ip -V >/dev/null 2>&1")) {                                             \
      GTEST_SKIP() << "the `ip` tool (iproute2) is not installed";                   \
    }                                                                                \
    if (!(interface).create()) {                                                     \
      GTEST_SKIP() << "this kernel cannot create veth interfaces";                   \
    }                                                                                \
  } while (false)

// Switches an interface on and off (IFF_UP) through a socket opened up front, so it
// still works while the process may not open another descriptor.
class InterfaceSwitch {
 public:
  explicit InterfaceSwitch(const std::string& name)
      : socket_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    EXPECT_GE(socket_, 0) << std::strerror(errno);
    EXPECT_LT(name.size(), sizeof(request_.ifr_name));
    std::memcpy(request_.ifr_name, name.data(),
                std::min(name.size(), sizeof(request_.ifr_name) - 1));
  }
  InterfaceSwitch(const InterfaceSwitch&) = delete;
  InterfaceSwitch& operator=(const InterfaceSwitch&) = delete;
  ~InterfaceSwitch() { ::close(socket_); }

  void set(bool up) {
    ASSERT_EQ(::ioctl(socket_, SIOCGIFFLAGS, &request_), 0) << std::strerror(errno);
    const unsigned flags = static_cast<unsigned short>(request_.ifr_flags);
    request_.ifr_flags = static_cast<short>(up ? flags | IFF_UP : flags & ~unsigned{IFF_UP});
    ASSERT_EQ(::ioctl(socket_, SIOCSIFFLAGS, &request_), 0) << std::strerror(errno);
  }

 private:
  int socket_;
  ifreq request_{};
};

// While alive, the process may hold descriptors numbered below `count` only: opening
// another fails, and so does poll() on more than `count` descriptors (EINVAL).
class DescriptorLimit {
 public:
  explicit DescriptorLimit(rlim_t count) {
    EXPECT_EQ(::getrlimit(RLIMIT_NOFILE, &previous_), 0);
    const rlimit limited{count, previous_.rlim_max};
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &limited), 0) << std::strerror(errno);
  }
  DescriptorLimit(const DescriptorLimit&) = delete;
  DescriptorLimit& operator=(const DescriptorLimit&) = delete;
  ~DescriptorLimit() { EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &previous_), 0); }

 private:
  rlimit previous_{};
};

// What a listener heard, for the test thread to wait on.
class StateRecorder {
 public:
  Link::Listener listener() {
    return [this](LinkState state) {
      std::unique_lock lock(mutex_);
      heard_.push_back(state);
      changed_.notify_all();
      // Keeps the monitor thread inside this callback while the test holds it.
      changed_.wait(lock, [&] { return !holding_; });
    };
  }

  // While a Hold lives, the listener does not return once called: the link's monitor
  // stops reading its socket and the kernel's notifications pile up there.
  class Hold {
   public:
    explicit Hold(StateRecorder& recorder) : recorder_(recorder) { recorder_.set_holding(true); }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { recorder_.set_holding(false); }

   private:
    StateRecorder& recorder_;
  };

  // Everything heard once at least `count` changes arrived, or after kChangeTimeout.
  std::vector<LinkState> wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kChangeTimeout, [&] { return heard_.size() >= count; });
    return heard_;
  }

  std::vector<LinkState> heard() {
    std::lock_guard lock(mutex_);
    return heard_;
  }

 private:
  void set_holding(bool holding) {
    std::lock_guard lock(mutex_);
    holding_ = holding;
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<LinkState> heard_;
  bool holding_ = false;
};

TEST(NetlinkLink, LoopbackIsUp) {
  SKIP_WITHOUT_NETLINK();
  auto link = NetlinkLink::create("lo");
  ASSERT_TRUE(link) << link.status().to_string();
  // Loopback reports operstate UNKNOWN but is running: up by the documented rule.
  EXPECT_EQ((*link)->state(), State::up);
  EXPECT_EQ((*link)->interface_name(), "lo");
}

TEST(NetlinkLink, AnInterfaceThatDoesNotExistIsNotFoundNamingIt) {
  SKIP_WITHOUT_NETLINK();
  auto link = NetlinkLink::create("edgeroute-none");
  ASSERT_FALSE(link);
  EXPECT_EQ(link.status().code(), StatusCode::not_found);
  EXPECT_THAT(link.status().message(), HasSubstr("'edgeroute-none'"));
}

TEST(NetlinkLink, ANameNoInterfaceCouldHaveIsInvalid) {
  for (const char* name : {"", "a-name-longer-than-15", "eth0/1", "eth 0", ".."}) {
    auto link = NetlinkLink::create(name);
    ASSERT_FALSE(link) << name;
    EXPECT_EQ(link.status().code(), StatusCode::invalid_argument) << name;
  }
}

TEST(NetlinkLink, ListenersHearEveryTransitionInOrder) {
  ScratchInterface interface;
  CREATE_SCRATCH_INTERFACE_OR_SKIP(interface);
  auto link = NetlinkLink::create(interface.name());
  ASSERT_TRUE(link) << link.status().to_string();
  EXPECT_EQ((*link)->state(), State::down);  // created disabled
  StateRecorder recorder;
  LinkSubscription subscription = (*link)->subscribe(recorder.listener());

  interface.set(interface.peer(), true);
  interface.set(interface.name(), true);
  EXPECT_THAT(recorder.wait_for(1), ElementsAre(State::up));
  EXPECT_EQ((*link)->state(), State::up);

  interface.set(interface.peer(), false);  // carrier lost; the interface stays enabled
  EXPECT_THAT(recorder.wait_for(2), ElementsAre(State::up, State::down));
  EXPECT_EQ((*link)->state(), State::down);

  interface.set(interface.peer(), true);
  EXPECT_THAT(recorder.wait_for(3), ElementsAre(State::up, State::down, State::up));

  interface.set(interface.name(), false);  // disabled by an administrator
  EXPECT_THAT(recorder.wait_for(4), ElementsAre(State::up, State::down, State::up, State::down));

  interface.set(interface.name(), true);
  EXPECT_THAT(recorder.wait_for(5),
              ElementsAre(State::up, State::down, State::up, State::down, State::up));

  interface.remove();
  EXPECT_THAT(recorder.wait_for(6),
              ElementsAre(State::up, State::down, State::up, State::down, State::up, State::down));
  EXPECT_EQ((*link)->state(), State::down);
}

TEST(NetlinkLink, ANewInterfaceTakingTheNameIsFollowed) {
  ScratchInterface interface;
  CREATE_SCRATCH_INTERFACE_OR_SKIP(interface);
  auto link = NetlinkLink::create(interface.name());
  ASSERT_TRUE(link) << link.status().to_string();
  StateRecorder recorder;
  LinkSubscription subscription = (*link)->subscribe(recorder.listener());

  interface.remove();
  ASSERT_TRUE(interface.create());  // same name, new kernel index
  interface.set(interface.peer(), true);
  interface.set(interface.name(), true);
  EXPECT_THAT(recorder.wait_for(1), ElementsAre(State::up));
  EXPECT_EQ((*link)->state(), State::up);
}

TEST(NetlinkLink, TheFinalStateSurvivesNotificationsTheKernelDropped) {
  ScratchInterface interface;
  CREATE_SCRATCH_INTERFACE_OR_SKIP(interface);
  ScratchInterface noise("er-n");
  ASSERT_TRUE(noise.create());
  auto link = NetlinkLink::create(interface.name());
  ASSERT_TRUE(link) << link.status().to_string();
  StateRecorder recorder;
  LinkSubscription subscription = (*link)->subscribe(recorder.listener());

  // Declared after the subscription, so an early return releases the monitor before
  // the subscription's cancellation waits for it.
  std::optional<StateRecorder::Hold> hold(std::in_place, recorder);
  interface.set(interface.peer(), true);
  interface.set(interface.name(), true);
  ASSERT_THAT(recorder.wait_for(1), ElementsAre(State::up));  // the monitor is now held

  // Flapping another interface fills the socket's receive buffer (each notification
  // takes over 1 KiB of the default 208 KiB) until the kernel drops notifications and
  // flags ENOBUFS. The change that matters comes last and is among those dropped.
  std::ostringstream flood;
  for (int i = 0; i < 1000; ++i) {
    flood << "link set " << noise.name() << " up\nlink set " << noise.name() << " down\n";
  }
  TemporaryDirectory directory("netlink");
  const std::string batch = directory / "flood";
  std::ofstream(batch) << flood.str();
  ASSERT_TRUE(run("ip -batch " + batch));
  interface.set(interface.peer(), false);
  hold.reset();

  EXPECT_THAT(recorder.wait_for(2), ElementsAre(State::up, State::down));
  EXPECT_EQ((*link)->state(), State::down);
}

TEST(NetlinkLink, FailingSystemCallsAreSurvivedCountedAndBackedOffFrom) {
  ScratchInterface interface;
  CREATE_SCRATCH_INTERFACE_OR_SKIP(interface);
  interface.set(interface.peer(), true);
  auto link = NetlinkLink::create(interface.name());
  ASSERT_TRUE(link) << link.status().to_string();
  StateRecorder recorder;
  LinkSubscription subscription = (*link)->subscribe(recorder.listener());
  InterfaceSwitch switch_interface(interface.name());
  switch_interface.set(true);
  ASSERT_THAT(recorder.wait_for(1), ElementsAre(State::up));
  EXPECT_EQ((*link)->socket_error_count(), 0U);

  std::chrono::steady_clock::duration until_fourth_failure{};
  {
    // From its next turn on, every poll() of the monitor (socket and stop event: two
    // descriptors) fails with EINVAL; the change below wakes it for that turn.
    DescriptorLimit one_descriptor(1);
    const auto start = std::chrono::steady_clock::now();
    switch_interface.set(false);
    const auto deadline = start + kChangeTimeout;
    while ((*link)->socket_error_count() < 4 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a counter
    }
    until_fourth_failure = std::chrono::steady_clock::now() - start;
    ASSERT_GE((*link)->socket_error_count(), 4U) << "the monitor stopped retrying";
    switch_interface.set(true);  // unheard until the monitor recovers
  }
  // A busy loop fails four times in microseconds; backing off 10, 20 and 40 ms takes 70.
  EXPECT_GE(until_fourth_failure, std::chrono::milliseconds(70));

  EXPECT_THAT(recorder.wait_for(3), ElementsAre(State::up, State::down, State::up));
  EXPECT_EQ((*link)->state(), State::up);
}

TEST(NetlinkLink, ACancelledListenerIsNeverCalledAgain) {
  ScratchInterface interface;
  CREATE_SCRATCH_INTERFACE_OR_SKIP(interface);
  auto link = NetlinkLink::create(interface.name());
  ASSERT_TRUE(link) << link.status().to_string();
  StateRecorder cancelled;
  StateRecorder kept;
  LinkSubscription cancelled_subscription = (*link)->subscribe(cancelled.listener());
  LinkSubscription kept_subscription = (*link)->subscribe(kept.listener());
  cancelled_subscription.reset();

  interface.set(interface.peer(), true);
  interface.set(interface.name(), true);
  EXPECT_THAT(kept.wait_for(1), ElementsAre(State::up));
  link->reset();  // joins the monitor: every delivery has finished
  EXPECT_TRUE(cancelled.heard().empty());
}

TEST(NetlinkLink, ASubscriptionMayOutliveTheLink) {
  SKIP_WITHOUT_NETLINK();
  auto link = NetlinkLink::create("lo");
  ASSERT_TRUE(link) << link.status().to_string();
  StateRecorder recorder;
  LinkSubscription subscription = (*link)->subscribe(recorder.listener());
  link->reset();
  subscription.reset();  // must neither crash nor touch the destroyed link
  EXPECT_TRUE(recorder.heard().empty());
}

}  // namespace
}  // namespace edgeroute::hal
