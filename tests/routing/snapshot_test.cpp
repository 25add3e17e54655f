// Specifies SnapshotPublisher on one thread, where every step can be checked exactly:
//   - the first snapshot is version 1, each publish() the next, and a read returns the
//     current snapshot with its version;
//   - a replaced snapshot that no guard holds is freed by the publish() that replaced it;
//     one that a guard holds survives any number of publishes, unchanged, and is freed
//     by the first reclaim() (or publish()) after the guard ends, not before;
//   - reader slots are bounded: registering past the limit fails with a message, and a
//     slot comes back when its reader goes away;
//   - when readers pin every retired place, publish() is refused without waiting, names
//     the readers, leaves the caller's snapshot untouched, and succeeds once they move on;
//     with more retired places than reader slots, stalled readers never cause that;
//   - destroying the publisher frees every snapshot exactly once;
//   - the read path (read() and the guard's end) never calls operator new: this binary
//     links edgeroute::test_allocation_counter, which counts every allocation.
// Snapshots record their destruction in a log, so "freed" is observed, not inferred.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/testing/allocation_counter.h"

#include "edgeroute/routing/snapshot.h"

namespace edgeroute::routing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// A snapshot that writes its value into a log when it is destroyed.
class Logged {
 public:
  Logged(int value, std::vector<int>& destroyed) : value_(value), destroyed_(&destroyed) {}
  Logged(const Logged&) = delete;
  Logged& operator=(const Logged&) = delete;
  ~Logged() { destroyed_->push_back(value_); }

  int value() const { return value_; }

 private:
  int value_;
  std::vector<int>* destroyed_;
};

using Publisher = SnapshotPublisher<Logged>;
using Reader = SnapshotReader<Logged>;

constexpr SnapshotLimits kLimits{.reader_slots = 2, .retired_max = 2};

Reader registered(Publisher& publisher) {
  Result<Reader> reader = publisher.register_reader();
  EDGEROUTE_ASSERT(reader.has_value(), "the test's reader must register");
  return std::move(*reader);
}

class SnapshotPublisherTest : public ::testing::Test {
 protected:
  std::unique_ptr<const Logged> snapshot(int value) {
    return std::make_unique<const Logged>(value, destroyed_);
  }
  // Publishes a snapshot whose value is its expected version, and checks the version.
  void publish_version(Publisher& publisher, int version) {
    std::unique_ptr<const Logged> next = snapshot(version);
    Result<std::uint64_t> published = publisher.publish(std::move(next));
    ASSERT_TRUE(published.has_value()) << published.status().to_string();
    EXPECT_EQ(*published, static_cast<std::uint64_t>(version));
  }

  std::vector<int> destroyed_;
};

TEST_F(SnapshotPublisherTest, FirstSnapshotIsVersionOne) {
  Publisher publisher(snapshot(1), kLimits);
  Reader reader = registered(publisher);
  EXPECT_EQ(publisher.version(), 1u);
  SnapshotGuard<Logged> guard = reader.read();
  EXPECT_EQ(guard->value(), 1);
  EXPECT_EQ(guard.version(), 1u);
}

TEST_F(SnapshotPublisherTest, EachPublishIsTheNextVersionAndWhatReadsSee) {
  Publisher publisher(snapshot(1), kLimits);
  Reader reader = registered(publisher);
  for (int version = 2; version <= 5; ++version) {
    publish_version(publisher, version);
    EXPECT_EQ(publisher.version(), static_cast<std::uint64_t>(version));
    SnapshotGuard<Logged> guard = reader.read();
    EXPECT_EQ((*guard).value(), version);
    EXPECT_EQ(guard.version(), static_cast<std::uint64_t>(version));
  }
}

TEST_F(SnapshotPublisherTest, ReplacedSnapshotThatNoGuardHoldsIsFreedByThePublish) {
  Publisher publisher(snapshot(1), kLimits);
  Reader reader = registered(publisher);
  { SnapshotGuard<Logged> guard = reader.read(); }
  publish_version(publisher, 2);
  EXPECT_THAT(destroyed_, UnorderedElementsAre(1));
  EXPECT_EQ(publisher.pending_reclamation(), 0u);
}

TEST_F(SnapshotPublisherTest, GuardKeepsItsSnapshotAliveUntilItEndsAndTheNextReclaim) {
  Publisher publisher(snapshot(1), kLimits);
  Reader reader = registered(publisher);
  {
    SnapshotGuard<Logged> guard = reader.read();
    publish_version(publisher, 2);
    publish_version(publisher, 3);
    publish_version(publisher, 4);
    // Versions 2 and 3 had no reader: gone. Version 1 is held: alive and unchanged.
    EXPECT_THAT(destroyed_, UnorderedElementsAre(2, 3));
    EXPECT_EQ(guard->value(), 1);
    EXPECT_EQ(guard.version(), 1u);
    EXPECT_EQ(publisher.pending_reclamation(), 1u);
    EXPECT_EQ(publisher.reclaim(), 0u);
  }
  // The guard ended; the writer frees at its next scan, never on the reader's thread.
  EXPECT_THAT(destroyed_, UnorderedElementsAre(2, 3));
  EXPECT_EQ(publisher.reclaim(), 1u);
  EXPECT_THAT(destroyed_, UnorderedElementsAre(2, 3, 1));
  EXPECT_EQ(publisher.pending_reclamation(), 0u);
}

TEST_F(SnapshotPublisherTest, ReaderSlotsAreBoundedAndComeBackWhenAReaderGoesAway) {
  Publisher publisher(snapshot(1), kLimits);
  Reader first = registered(publisher);
  {
    Reader second = registered(publisher);
    EXPECT_EQ(publisher.registered_readers(), 2u);
    Result<Reader> third = publisher.register_reader();
    ASSERT_FALSE(third.has_value());
    EXPECT_EQ(third.status().code(), StatusCode::failed_precondition);
    EXPECT_THAT(third.status().message(), HasSubstr("all 2 reader slots are taken"));
  }
  EXPECT_EQ(publisher.registered_readers(), 1u);
  Result<Reader> again = publisher.register_reader();
  ASSERT_TRUE(again.has_value()) << again.status().to_string();
  EXPECT_NE(again->slot_index(), first.slot_index());
}

TEST_F(SnapshotPublisherTest, MovedReaderKeepsItsSlotAndReads) {
  Publisher publisher(snapshot(1), kLimits);
  Reader original = registered(publisher);
  const std::uint32_t slot = original.slot_index();
  Reader moved = std::move(original);
  EXPECT_EQ(moved.slot_index(), slot);
  EXPECT_EQ(publisher.registered_readers(), 1u);
  publish_version(publisher, 2);
  EXPECT_EQ(moved.read()->value(), 2);
}

TEST_F(SnapshotPublisherTest, PublishIsRefusedWhileReadersPinEveryRetiredPlace) {
  Publisher publisher(snapshot(1), {.reader_slots = 2, .retired_max = 1});
  Reader stalled = registered(publisher);
  Reader other = registered(publisher);
  std::unique_ptr<const Logged> third = snapshot(3);
  {
    SnapshotGuard<Logged> holds_one = stalled.read();
    publish_version(publisher, 2);
    SnapshotGuard<Logged> holds_two = other.read();

    Result<std::uint64_t> refused = publisher.publish(std::move(third));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.status().code(), StatusCode::failed_precondition);
    EXPECT_THAT(refused.status().message(), HasSubstr("cannot publish version 3"));
    EXPECT_THAT(refused.status().message(), HasSubstr("reader slot 0 holds version 1"));
    EXPECT_THAT(refused.status().message(), HasSubstr("reader slot 1 holds version 2"));
    // Nothing changed: the caller still owns its snapshot, readers still see version 2.
    ASSERT_NE(third, nullptr);
    EXPECT_EQ(third->value(), 3);
    EXPECT_EQ(publisher.version(), 2u);
    EXPECT_EQ(publisher.pending_reclamation(), 1u);
    EXPECT_THAT(destroyed_, IsEmpty());
  }
  Result<std::uint64_t> published = publisher.publish(std::move(third));
  ASSERT_TRUE(published.has_value()) << published.status().to_string();
  EXPECT_EQ(*published, 3u);
  EXPECT_EQ(third, nullptr);
  EXPECT_THAT(destroyed_, UnorderedElementsAre(1, 2));
  EXPECT_EQ(stalled.read()->value(), 3);
}

TEST_F(SnapshotPublisherTest, ReadersHoldingSnapshotsCannotStopPublicationWithRoomForThem) {
  Publisher publisher(snapshot(1), {.reader_slots = 2, .retired_max = 3});
  Reader first = registered(publisher);
  Reader second = registered(publisher);
  SnapshotGuard<Logged> holds_one = first.read();
  publish_version(publisher, 2);
  SnapshotGuard<Logged> holds_two = second.read();
  // Each stalled reader pins only the version it holds; everything else is freed.
  for (int version = 3; version <= 20; ++version) publish_version(publisher, version);
  EXPECT_EQ(publisher.pending_reclamation(), 2u);
  EXPECT_EQ(destroyed_.size(), 17u);  // versions 3..19
  EXPECT_EQ(holds_one->value(), 1);
  EXPECT_EQ(holds_two->value(), 2);
}

TEST_F(SnapshotPublisherTest, DestroyingThePublisherFreesEverySnapshotOnce) {
  {
    Publisher publisher(snapshot(1), kLimits);
    Reader reader = registered(publisher);
    SnapshotGuard<Logged> guard = reader.read();
    publish_version(publisher, 2);
    publish_version(publisher, 3);
    EXPECT_THAT(destroyed_, UnorderedElementsAre(2));
  }
  EXPECT_THAT(destroyed_, UnorderedElementsAre(2, 1, 3));
}

// The writer's decision rule, on announcements no single-threaded run can produce: a
// reader caught between announcing and loading the pointer pins every version from its
// floor on; a settled reader pins only its own.
TEST(SnapshotReaderSlots, EnteringPinsFromItsFloorAndHoldingPinsOnlyItsVersion) {
  const std::vector<std::uint64_t> entering_at_5{detail::kIdle, detail::entering(5)};
  EXPECT_FALSE(detail::ReaderSlots::may_hold(entering_at_5, 4));
  EXPECT_TRUE(detail::ReaderSlots::may_hold(entering_at_5, 5));
  EXPECT_TRUE(detail::ReaderSlots::may_hold(entering_at_5, 9));
  const std::vector<std::uint64_t> holding_5{detail::holding(5), detail::kIdle};
  EXPECT_FALSE(detail::ReaderSlots::may_hold(holding_5, 4));
  EXPECT_TRUE(detail::ReaderSlots::may_hold(holding_5, 5));
  EXPECT_FALSE(detail::ReaderSlots::may_hold(holding_5, 6));
  EXPECT_EQ(detail::ReaderSlots::describe_pins(
                std::vector<std::uint64_t>{detail::holding(5), detail::kIdle, detail::entering(7)}),
            "reader slot 0 holds version 5; reader slot 2 is entering at version >= 7");
}

TEST_F(SnapshotPublisherTest, ReadPathMakesNoAllocation) {
  Publisher publisher(snapshot(1), kLimits);
  Reader reader = registered(publisher);
  long value_sum = 0;
  for (int version = 2; version <= 20; ++version) {
    publish_version(publisher, version);
    const std::int64_t before = edgeroute::testing::allocation_count();
    for (int read = 0; read < 50; ++read) {
      SnapshotGuard<Logged> guard = reader.read();
      value_sum += guard->value();
    }
    EXPECT_EQ(edgeroute::testing::allocation_count(), before) << "at version " << version;
  }
  EXPECT_EQ(value_sum, 50L * (2 + 20) * 19 / 2);
}

}  // namespace
}  // namespace edgeroute::routing
