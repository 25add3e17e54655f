// SnapshotPublisher<T>: one immutable T (the network, the policy) that routing workers
// read without ever blocking, while a writer replaces it with a new one. Each replaced
// snapshot is freed once no reader can still be looking at it. This is how the
// architecture's "readers of catalog and policy never block; writers publish a new
// snapshot" and the issue's "a policy or network swap never pauses routing" are kept.
//
//   SnapshotPublisher<Policy> policies(std::move(first_policy), {.reader_slots = 4,
//                                                                .retired_max = 8});
//   SnapshotReader<Policy> reader = std::move(*policies.register_reader());  // per worker
//   ...
//   SnapshotGuard<Policy> policy = reader.read();   // per decision: wait-free, no allocation
//   route(order, *policy);                           // valid until `policy` goes away
//
// Design: epoch-style reader slots, chosen over the alternatives by measurement
// (bench/routing_snapshot_bench.cpp, figures in its header: on x86-64 a read costs 5 ns
// with one reader and with two, against 18 and 257 ns per read for atomic<shared_ptr>
// and 19 and 277 ns for a shared_mutex, and a writer publishing every 100 us changes
// none of its p99.9):
//   - std::atomic<std::shared_ptr<const T>> is not lock-free in libstdc++ 12
//     (is_lock_free() == false): every load() takes a spin lock bit in the control-block
//     pointer and then bumps the shared reference count, so readers serialise on one
//     cache line even when nobody writes, and a reader that finds the bit set spins.
//   - std::shared_mutex: readers take a lock, writers make them wait.
//   - Hazard pointers: a reader publishes the pointer it loaded, then re-checks that it
//     is still current and retries if not. Lock-free but not wait-free: a writer that
//     keeps publishing can make a reader retry without bound.
//   - Quiescent-state reclamation (QSBR: readers only report "I hold nothing now" between
//     decisions) makes a read a plain load, but every worker must report quiescence even
//     while it sleeps on its queue, or reclamation stops; a guard is harder to misuse.
// So: a fixed set of reader slots, one per registered reader, each on its own cache line
// (no false sharing between workers). A read announces in its slot the oldest version it
// might get, loads the current snapshot, then narrows the announcement to the exact
// version it got; the guard's end clears the slot. Three stores and two loads, no loop:
// wait-free. The writer swaps the pointer, then frees every replaced snapshot that no
// slot may hold. It never waits for a reader: what it cannot free yet stays "retired"
// and is retried at the next publish() or reclaim(). Because a settled read names its
// exact version, a reader that stalls inside a read pins that one snapshot, not every
// later one: with retired_max > reader_slots, publish() is refused only while a reader
// is stopped inside the few instructions of read() itself.
//
// Limits and a stalled reader. Snapshots live in a pool of retired_max + 1 places,
// allocated at construction. A publish() that finds no free place (replaced snapshots
// still pinned by readers) is refused with failed_precondition naming the reader slots
// that pin them, and leaves the caller's snapshot untouched so it can try again later:
// memory stays bounded and the writer never waits. pending_reclamation() shows the
// retired-but-unfreed count for metrics.
//
// Thread-safety: register_reader(), version(), pending_reclamation() and the accessors
// may be called from any thread at any time. publish() and reclaim() may be called from
// any thread; they serialise on a writer-only mutex that readers never touch. A
// SnapshotReader is used by one thread at a time and holds at most one guard at a time;
// a guard is used on the thread that made it. The publisher must outlive its readers
// (asserted: destroying it while a reader is registered is a bug), and readers must
// outlive their guards. The engine owns one publisher per kind of snapshot.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::routing {

struct SnapshotLimits {
  // How many readers may be registered at once: the routing workers, plus any other
  // thread that reads (ops endpoint, sync agent).
  std::uint32_t reader_slots = 0;
  // How many replaced snapshots may wait for their readers before publish() refuses.
  // More than reader_slots, so that readers stalled with a snapshot in hand (each pins
  // one) cannot, by themselves, stop publication.
  std::uint32_t retired_max = 0;
};

namespace detail {

// 64 bytes on every core we target (Cortex-A53/A55/A72/A76, x86-64). Not
// std::hardware_destructive_interference_size: GCC warns that it depends on -mtune,
// which would make this header's layout differ between translation units.
inline constexpr std::size_t kCacheLineBytes = 64;

// A reader slot's announcement, one 64-bit word:
//   0                        idle: the reader holds nothing;
//   floor << 1               entering: the reader may be about to hold any snapshot of
//                            version >= floor (it has not loaded the pointer yet, or
//                            has and not yet said which one it got);
//   (version << 1) | 1       holding: the reader holds exactly that version.
// Versions start at 1, so no announcement other than idle is 0.
inline constexpr std::uint64_t kIdle = 0;
constexpr std::uint64_t entering(std::uint64_t floor) {
  return floor << 1;
}
constexpr std::uint64_t holding(std::uint64_t version) {
  return (version << 1) | 1;
}
inline constexpr std::uint64_t kVersionMax = (std::uint64_t{1} << 62);

struct alignas(kCacheLineBytes) ReaderSlot {
  // Stored only by the reader that claimed the slot; loaded by the writer's scan.
  std::atomic<std::uint64_t> announcement{kIdle};
  // Claimed by register_reader(), cleared when the reader goes away. Its release/acquire
  // pair hands the slot (and its last announcement, idle) from one owner to the next.
  std::atomic<bool> claimed{false};
};
static_assert(sizeof(ReaderSlot) == kCacheLineBytes);

// The fixed table of reader slots, and the writer's view of it. Everything here but
// slot() is off the read path, so it lives in snapshot.cpp.
class ReaderSlots {
 public:
  explicit ReaderSlots(std::uint32_t count);

  std::uint32_t count() const { return count_; }
  ReaderSlot& slot(std::uint32_t index) const { return slots_[index]; }

  // Claims a free slot; failed_precondition when all are taken. Lock-free, no allocation
  // unless it fails.
  Result<std::uint32_t> claim();
  // REQUIRES: the slot is claimed and idle (no guard of its reader alive).
  void release(std::uint32_t index);
  std::uint32_t claimed_count() const;

  // The writer's scan: every slot's announcement, into `announcements` (count() long).
  void observe(std::span<std::uint64_t> announcements) const;
  // Whether a reader whose announcement is among `announcements` may hold `version`.
  static bool may_hold(std::span<const std::uint64_t> announcements, std::uint64_t version);
  // "reader slot 2 holds version 41; reader slot 5 is entering at version >= 40".
  static std::string describe_pins(std::span<const std::uint64_t> announcements);

 private:
  std::uint32_t count_;
  std::unique_ptr<ReaderSlot[]> slots_;
};

}  // namespace detail

template <typename T>
class SnapshotPublisher;
template <typename T>
class SnapshotReader;

// A snapshot pinned for reading: the T stays alive, unchanged, until the guard goes
// away, however many snapshots are published meanwhile. Cheap to hold, but hold it for
// one decision, not for ever: while it lives its snapshot cannot be freed.
template <typename T>
class [[nodiscard]] SnapshotGuard {
 public:
  SnapshotGuard(const SnapshotGuard&) = delete;
  SnapshotGuard& operator=(const SnapshotGuard&) = delete;
  ~SnapshotGuard() {
    // Release: every read this thread made of the snapshot happens before the writer's
    // scan that loads this idle (or any later announcement of this slot, all of which
    // are release or seq_cst stores sequenced after it) and then frees the snapshot.
    slot_->announcement.store(detail::kIdle, std::memory_order_release);
  }

  const T& operator*() const { return *snapshot_; }
  const T* operator->() const { return snapshot_; }
  const T& get() const { return *snapshot_; }
  // The version publish() gave this snapshot (the first one is 1), for decision records.
  std::uint64_t version() const { return version_; }

 private:
  friend class SnapshotReader<T>;
  SnapshotGuard(detail::ReaderSlot& slot, const T& snapshot, std::uint64_t version)
      : slot_(&slot), snapshot_(&snapshot), version_(version) {}

  detail::ReaderSlot* slot_;
  const T* snapshot_;
  std::uint64_t version_;
};

// A registered reader: owns one reader slot of its publisher until it goes away. Made by
// SnapshotPublisher::register_reader(), typically once per routing worker at start-up.
// Move-only.
template <typename T>
class SnapshotReader {
 public:
  SnapshotReader(SnapshotReader&& other) noexcept
      : publisher_(std::exchange(other.publisher_, nullptr)),
        slot_(other.slot_),
        slot_index_(other.slot_index_) {}
  SnapshotReader& operator=(SnapshotReader&& other) noexcept {
    if (this != &other) {
      unregister();
      publisher_ = std::exchange(other.publisher_, nullptr);
      slot_ = other.slot_;
      slot_index_ = other.slot_index_;
    }
    return *this;
  }
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;
  ~SnapshotReader() { unregister(); }

  // The current snapshot, pinned. Wait-free (no loop, no lock), no allocation.
  // REQUIRES: no other guard of this reader is alive (asserted); not moved-from.
  SnapshotGuard<T> read();

  std::uint32_t slot_index() const { return slot_index_; }

 private:
  friend class SnapshotPublisher<T>;
  SnapshotReader(SnapshotPublisher<T>& publisher, std::uint32_t slot_index)
      : publisher_(&publisher),
        slot_(&publisher.slots_.slot(slot_index)),
        slot_index_(slot_index) {}
  void unregister();

  SnapshotPublisher<T>* publisher_;  // null once moved from
  detail::ReaderSlot* slot_;         // publisher_'s slot number slot_index_
  std::uint32_t slot_index_;
};

template <typename T>
class SnapshotPublisher {
 public:
  // Publishes `initial` as version 1. Allocates the reader slots and the snapshot pool;
  // nothing after this allocates except a refusal's message.
  // REQUIRES: initial != nullptr, limits.reader_slots >= 1, limits.retired_max >= 1
  // (asserted: limits come from validated configuration).
  SnapshotPublisher(std::unique_ptr<const T> initial, SnapshotLimits limits);
  ~SnapshotPublisher();
  SnapshotPublisher(const SnapshotPublisher&) = delete;
  SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

  // A reader slot for one reading thread; failed_precondition naming the limit when all
  // reader_slots are taken. The slot comes back when the SnapshotReader goes away.
  Result<SnapshotReader<T>> register_reader();

  // Makes `snapshot` the current one and returns its version (the previous one + 1), then
  // frees every replaced snapshot no reader can still hold. Never waits for readers.
  // failed_precondition when retired_max replaced snapshots are still pinned: nothing is
  // published and `snapshot` is left as it was (moved from only on success), so the
  // caller can try again after the named readers move on.
  // REQUIRES: snapshot != nullptr.
  Result<std::uint64_t> publish(std::unique_ptr<const T>&& snapshot);

  // Frees every replaced snapshot no reader can still hold; returns how many it freed.
  // publish() does this too; call it when a snapshot must go soon but nothing new comes.
  std::size_t reclaim();

  // The current snapshot's version. For metrics: a reader's guard carries its own.
  std::uint64_t version() const { return shared_.version.load(std::memory_order_relaxed); }
  // Replaced snapshots not yet freed, at most limits().retired_max.
  std::size_t pending_reclamation() const {
    return pending_reclamation_.load(std::memory_order_relaxed);
  }
  std::uint32_t registered_readers() const { return slots_.claimed_count(); }
  SnapshotLimits limits() const { return limits_; }

 private:
  friend class SnapshotReader<T>;

  enum class PlaceState : std::uint8_t { vacant, current, retired };
  // One place of the pool. `snapshot` and `version` are written by the writer only while
  // the place is vacant (no reader can reach it), read by readers after the acquire load
  // of the pointer that publishes the place; `state` is the writer's alone. One cache
  // line each, so that filling or freeing one place does not evict the current place from
  // the readers' caches.
  struct alignas(detail::kCacheLineBytes) Place {
    std::unique_ptr<const T> snapshot;
    std::uint64_t version = 0;
    PlaceState state = PlaceState::vacant;
  };

  // What every read loads: one line, written only by publish(), so a read after a
  // publication costs one cache miss and reads never contend with each other.
  struct alignas(detail::kCacheLineBytes) Shared {
    std::atomic<const Place*> current{nullptr};
    std::atomic<std::uint64_t> version{0};
  };

  std::size_t reclaim_locked();
  Place* vacant_place();
  Status refusal() const;

  const SnapshotLimits limits_;
  Shared shared_;
  detail::ReaderSlots slots_;
  std::atomic<std::size_t> pending_reclamation_{0};

  std::mutex writer_mutex_;
  // Guarded by writer_mutex_ (after construction):
  std::unique_ptr<Place[]> places_;  // retired_max + 1 of them
  Place* current_place_ = nullptr;
  std::vector<std::uint64_t> announcements_;  // the scan's scratch, one per reader slot
};

// ---------------------------------------------------------------------------------------
// The read/reclaim handshake, and why each memory order is what it is.
//
// Reader (read()):                              Writer (publish()):
//   (1) floor = version.load(acquire)             (W1) current.store(new, seq_cst)
//   (2) slot = entering(floor)     [seq_cst]      (W2) version.store(new.version, release)
//   (3) place = current.load(seq_cst)             (W3) scan: each slot.load(seq_cst)
//   (4) slot = holding(place.version) [release]   (W4) free each retired X that no
//   ... read *place.snapshot ...                       announcement may hold
//   (5) slot = idle                [release]
//
// Claim: the writer frees X (replaced at W1 by a later place) only if no reader can still
// read it. Take a reader and the announcement the scan W3 loaded from its slot:
//   - holding(w), w != X.version: this read holds w; a read loads the pointer once, so
//     it never touches X. (If the announcement is from an earlier read, see "before (2)".)
//   - entering(floor) with floor > X.version: (1) read a version stored by W2 of a
//     publish at or after the one that replaced X; W2 is release and (1) acquire, so that
//     W1 happens before (3), and by coherence (3) cannot load X or anything older.
//   - entering(floor <= X.version) or holding(X.version): X is kept.
//   - A value stored before this read's (2) (idle, or an earlier read's announcements):
//     then the scan is coherence-ordered before (2); both are seq_cst, so the scan precedes
//     (2) in the single total order S of seq_cst operations, and (2) precedes (3). The W1
//     that replaced X precedes the scan in S (same thread), hence precedes (3), and a
//     seq_cst load cannot return a value older than a seq_cst store before it in S: (3)
//     loads X's successor or later. This is the store-load (Dekker) pattern: reader
//     "store slot, load pointer" against writer "store pointer, load slot". Release and
//     acquire alone allow both loads to miss both stores (each store may still sit in its
//     core's store buffer), which would free X under a reader; seq_cst on all four
//     operations forbids that outcome.
//   - A value stored after this read ended (idle at (5), or a later read's (2) or (4)):
//     those stores are release (seq_cst includes release), sequenced after every access
//     this read made, and W3 is seq_cst (includes acquire), so the accesses happen before
//     W4 frees X. The same chain covers a scan that loads this read's own (4) and then
//     frees some other version.
// Why seq_cst operations and not relaxed ones with std::atomic_thread_fence(seq_cst):
// on AArch64, our target, a seq_cst store is STLR and a seq_cst load LDAR, which the
// architecture never reorders with each other, so (2)-(3) costs no barrier instruction,
// whereas a fence is a full DMB ISH. On x86-64, (2) is an XCHG either way. ThreadSanitizer
// also does not model stand-alone fences (GCC warns under -fsanitize=thread).
// (1) needs acquire only, for the floor argument above. (4) needs release, not relaxed:
// a scan that loads it and then frees this slot's previous snapshot relies on it (a
// release sequence no longer continues through plain stores since C++20). W2 needs
// release only, for (1). W1 also publishes the new T's contents (its release half; (3)'s
// acquire half reads them).
// ---------------------------------------------------------------------------------------

template <typename T>
SnapshotGuard<T> SnapshotReader<T>::read() {
  EDGEROUTE_ASSERT(publisher_ != nullptr, "read() on a moved-from SnapshotReader");
  std::atomic<std::uint64_t>& announcement = slot_->announcement;
  // Relaxed: only this thread stores to its own slot, so it sees its last store.
  EDGEROUTE_ASSERT(announcement.load(std::memory_order_relaxed) == detail::kIdle,
                   "SnapshotReader::read() while a guard of the same reader is alive");
  const auto& shared = publisher_->shared_;
  const std::uint64_t floor = shared.version.load(std::memory_order_acquire);      // (1)
  announcement.store(detail::entering(floor), std::memory_order_seq_cst);          // (2)
  const auto* place = shared.current.load(std::memory_order_seq_cst);              // (3)
  announcement.store(detail::holding(place->version), std::memory_order_release);  // (4)
  return SnapshotGuard<T>(*slot_, *place->snapshot, place->version);
}

template <typename T>
void SnapshotReader<T>::unregister() {
  if (publisher_ == nullptr) return;
  publisher_->slots_.release(slot_index_);
  publisher_ = nullptr;
}

template <typename T>
SnapshotPublisher<T>::SnapshotPublisher(std::unique_ptr<const T> initial, SnapshotLimits limits)
    : limits_(limits),
      slots_(limits.reader_slots),
      places_(std::make_unique<Place[]>(std::size_t{limits.retired_max} + 1)),
      announcements_(limits.reader_slots, detail::kIdle) {
  EDGEROUTE_ASSERT(initial != nullptr, "SnapshotPublisher needs an initial snapshot");
  EDGEROUTE_ASSERT(limits.retired_max >= 1, "SnapshotPublisher needs retired_max >= 1");
  current_place_ = &places_[0];
  current_place_->snapshot = std::move(initial);
  current_place_->version = 1;
  current_place_->state = PlaceState::current;
  // Relaxed: no reader exists yet; whoever hands the publisher to the readers' threads
  // (thread creation, a queue) provides the happens-before.
  shared_.current.store(current_place_, std::memory_order_relaxed);
  shared_.version.store(1, std::memory_order_relaxed);
}

template <typename T>
SnapshotPublisher<T>::~SnapshotPublisher() {
  EDGEROUTE_ASSERT(slots_.claimed_count() == 0,
                   "SnapshotPublisher destroyed while readers are still registered");
}

template <typename T>
Result<SnapshotReader<T>> SnapshotPublisher<T>::register_reader() {
  Result<std::uint32_t> slot_index = slots_.claim();
  if (!slot_index) return slot_index.status();
  return SnapshotReader<T>(*this, *slot_index);
}

template <typename T>
Result<std::uint64_t> SnapshotPublisher<T>::publish(std::unique_ptr<const T>&& snapshot) {
  EDGEROUTE_ASSERT(snapshot != nullptr, "SnapshotPublisher::publish(nullptr)");
  std::lock_guard<std::mutex> lock(writer_mutex_);
  // Scan the readers here only when the pool is full: each scan pulls every reader's slot
  // line away from its core, and the scan after the swap below usually left room.
  Place* place = vacant_place();
  if (place == nullptr) {
    reclaim_locked();
    place = vacant_place();
  }
  if (place == nullptr) return refusal();
  Place* replaced = current_place_;
  EDGEROUTE_ASSERT(replaced->version < detail::kVersionMax, "snapshot version overflow");
  place->snapshot = std::move(snapshot);
  place->version = replaced->version + 1;
  place->state = PlaceState::current;
  current_place_ = place;
  shared_.current.store(place, std::memory_order_seq_cst);           // (W1)
  shared_.version.store(place->version, std::memory_order_release);  // (W2)
  replaced->state = PlaceState::retired;
  pending_reclamation_.fetch_add(1, std::memory_order_relaxed);  // a counter for metrics
  reclaim_locked();
  return place->version;
}

template <typename T>
std::size_t SnapshotPublisher<T>::reclaim() {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return reclaim_locked();
}

template <typename T>
std::size_t SnapshotPublisher<T>::reclaim_locked() {
  if (pending_reclamation_.load(std::memory_order_relaxed) == 0) return 0;
  slots_.observe(announcements_);  // (W3)
  std::size_t freed = 0;
  for (std::size_t i = 0; i <= limits_.retired_max; ++i) {
    Place& place = places_[i];
    if (place.state != PlaceState::retired) continue;
    if (detail::ReaderSlots::may_hold(announcements_, place.version)) continue;
    place.snapshot.reset();  // (W4)
    place.state = PlaceState::vacant;
    ++freed;
  }
  pending_reclamation_.fetch_sub(freed, std::memory_order_relaxed);
  return freed;
}

template <typename T>
typename SnapshotPublisher<T>::Place* SnapshotPublisher<T>::vacant_place() {
  for (std::size_t i = 0; i <= limits_.retired_max; ++i) {
    if (places_[i].state == PlaceState::vacant) return &places_[i];
  }
  return nullptr;
}

template <typename T>
Status SnapshotPublisher<T>::refusal() const {
  return Status(StatusCode::failed_precondition,
                "snapshot publisher: cannot publish version " +
                    std::to_string(current_place_->version + 1) + ": all " +
                    std::to_string(limits_.retired_max) +
                    " replaced snapshots are still pinned by readers (" +
                    detail::ReaderSlots::describe_pins(announcements_) + ")");
}

}  // namespace edgeroute::routing
