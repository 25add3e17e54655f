// Specifies SimLink, the WAN link that flaps on a script. Listeners see exactly the
// scripted transitions, at the scripted times (read from the SimClock while they
// run), in subscription order, and only when the state actually changes. A destroyed
// subscription is never called again, even while another thread is flapping the
// link, and a subscription may outlive its link. Destroying the link cancels steps
// that have not happened yet. A listener that calls back into the link (subscribing,
// unsubscribing, changing its state) would wait for the lock its own notification
// holds; that is asserted, as on Linux, instead of deadlocking.
#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/hal/sim/sim_link.h"

namespace edgeroute::hal {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

const WallTime kStartWall{std::chrono::seconds(1'709'280'000)};
const MonotonicTime kStart{std::chrono::hours(1)};

using Transitions = std::vector<std::pair<LinkState, MonotonicTime>>;

TEST(SimLink, StartsInItsInitialState) {
  SimClock clock(kStartWall, kStart);
  EXPECT_EQ(SimLink(clock, LinkState::unknown).state(), LinkState::unknown);
  EXPECT_EQ(SimLink(clock, LinkState::down).state(), LinkState::down);
}

TEST(SimLink, FlapsOnItsScriptAtTheScriptedTimes) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up,
               {{kStart + 1s, LinkState::down},
                {kStart + 3s, LinkState::up},
                {kStart + 3s, LinkState::up},  // no change: nobody is told
                {kStart + 5s, LinkState::down}});
  Transitions seen;
  const LinkSubscription subscription =
      link.subscribe([&](LinkState state) { seen.emplace_back(state, clock.monotonic_now()); });

  clock.advance(1s - 1ns);
  EXPECT_THAT(seen, IsEmpty());
  EXPECT_EQ(link.state(), LinkState::up);

  clock.advance(1s);
  EXPECT_THAT(seen, ElementsAre(Pair(LinkState::down, kStart + 1s)));
  EXPECT_EQ(link.state(), LinkState::down);

  clock.advance(1h);
  EXPECT_THAT(seen,
              ElementsAre(Pair(LinkState::down, kStart + 1s), Pair(LinkState::up, kStart + 3s),
                          Pair(LinkState::down, kStart + 5s)));
  EXPECT_EQ(link.state(), LinkState::down);
}

TEST(SimLink, ListenersRunInSubscriptionOrderOnTheAdvancingThread) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up, {{kStart + 1s, LinkState::down}});
  std::vector<std::string> calls;
  std::vector<std::thread::id> threads;
  const LinkSubscription first = link.subscribe([&](LinkState state) {
    calls.push_back("first:" + std::string(to_string(state)));
    threads.push_back(std::this_thread::get_id());
  });
  const LinkSubscription second = link.subscribe([&](LinkState state) {
    calls.push_back("second:" + std::string(to_string(state)));
    threads.push_back(std::this_thread::get_id());
  });

  clock.advance(1s);

  EXPECT_THAT(calls, ElementsAre("first:down", "second:down"));
  EXPECT_THAT(threads, ElementsAre(std::this_thread::get_id(), std::this_thread::get_id()));
}

TEST(SimLink, SetStateNotifiesOnlyChanges) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::unknown);
  std::vector<LinkState> seen;
  const LinkSubscription subscription =
      link.subscribe([&](LinkState state) { seen.push_back(state); });

  link.set_state(LinkState::up);
  link.set_state(LinkState::up);
  link.set_state(LinkState::down);

  EXPECT_THAT(seen, ElementsAre(LinkState::up, LinkState::down));
  EXPECT_EQ(link.state(), LinkState::down);
}

TEST(SimLink, ADestroyedSubscriptionIsNeverCalledAgain) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up,
               {{kStart + 1s, LinkState::down}, {kStart + 2s, LinkState::up}});
  std::vector<LinkState> dropped_saw;
  std::vector<LinkState> kept_saw;
  LinkSubscription dropped = link.subscribe([&](LinkState state) { dropped_saw.push_back(state); });
  const LinkSubscription kept = link.subscribe([&](LinkState state) { kept_saw.push_back(state); });

  clock.advance(1s);
  dropped.reset();
  clock.advance(1s);
  link.set_state(LinkState::down);

  EXPECT_THAT(dropped_saw, ElementsAre(LinkState::down));
  EXPECT_THAT(kept_saw, ElementsAre(LinkState::down, LinkState::up, LinkState::down));
}

TEST(SimLink, UnsubscribingWhileAnotherThreadFlapsTheLinkStopsCallsAtOnce) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up);
  std::atomic<bool> stop_flapping = false;
  std::thread flapper([&] {
    for (int flap = 0; !stop_flapping && flap < 10'000'000; ++flap) {
      link.set_state(flap % 2 == 0 ? LinkState::down : LinkState::up);
    }
  });

  for (int round = 0; round < 50; ++round) {
    std::atomic<bool> unsubscribed = false;
    std::atomic<int> calls_after_unsubscribing = 0;
    LinkSubscription subscription = link.subscribe([&](LinkState) {
      if (unsubscribed) ++calls_after_unsubscribing;
    });
    subscription.reset();
    unsubscribed = true;
    link.set_state(LinkState::unknown);  // one more notification, certainly after reset()
    EXPECT_EQ(calls_after_unsubscribing, 0);
  }
  stop_flapping = true;
  flapper.join();
}

TEST(SimLink, ASubscriptionMayOutliveItsLink) {
  SimClock clock(kStartWall, kStart);
  LinkSubscription subscription;
  {
    SimLink link(clock, LinkState::up);
    subscription = link.subscribe([](LinkState) {});
  }
  subscription.reset();  // must not touch the destroyed link
}

TEST(SimLink, DestroyingTheLinkCancelsStepsThatHaveNotHappened) {
  SimClock clock(kStartWall, kStart);
  {
    SimLink link(clock, LinkState::up,
                 {{kStart + 1s, LinkState::down}, {kStart + 2s, LinkState::up}});
    clock.advance(1s);
    EXPECT_EQ(link.state(), LinkState::down);
  }
  EXPECT_EQ(clock.pending_alarms(), 0u);
  clock.advance(1h);  // would touch the destroyed link if its step were still pending
}

TEST(SimLink, StepsCanBeAddedAfterConstruction) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up);
  link.schedule({kStart + 10s, LinkState::down});
  clock.advance(10s);
  EXPECT_EQ(link.state(), LinkState::down);
}

TEST(SimLinkDeathTest, AListenerMustNotSubscribe) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up);
  LinkSubscription inner;
  const LinkSubscription outer =
      link.subscribe([&](LinkState) { inner = link.subscribe([](LinkState) {}); });
  EXPECT_DEATH(link.set_state(LinkState::down),
               "a link listener must not subscribe or unsubscribe from inside a callback");
}

TEST(SimLinkDeathTest, AListenerMustNotUnsubscribe) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up);
  LinkSubscription other = link.subscribe([](LinkState) {});
  const LinkSubscription outer = link.subscribe([&](LinkState) { other.reset(); });
  EXPECT_DEATH(link.set_state(LinkState::down),
               "a link listener must not subscribe or unsubscribe from inside a callback");
}

TEST(SimLinkDeathTest, AListenerMustNotChangeTheLinksState) {
  SimClock clock(kStartWall, kStart);
  SimLink link(clock, LinkState::up);
  const LinkSubscription outer = link.subscribe([&](LinkState state) {
    if (state == LinkState::down) link.set_state(LinkState::up);
  });
  EXPECT_DEATH(link.set_state(LinkState::down), "a link listener must not change the link's state");
}

}  // namespace
}  // namespace edgeroute::hal
