// The reader-slot table behind SnapshotPublisher: claiming and releasing slots, and the
// writer's scan. The memory-ordering argument for the scan is in snapshot.h, beside the
// read path it pairs with.
#include "edgeroute/routing/snapshot.h"

namespace edgeroute::routing::detail {

ReaderSlots::ReaderSlots(std::uint32_t count)
    : count_(count), slots_(std::make_unique<ReaderSlot[]>(count)) {
  EDGEROUTE_ASSERT(count >= 1, "SnapshotPublisher needs at least one reader slot");
}

Result<std::uint32_t> ReaderSlots::claim() {
  for (std::uint32_t index = 0; index < count_; ++index) {
    bool claimed = false;
    // Acquire on success: the previous owner's last announcement (idle), stored before
    // its release in release(), is visible to the new owner, whose read() checks its own
    // slot with a relaxed load. Relaxed on failure: nothing is taken over.
    if (slots_[index].claimed.compare_exchange_strong(claimed, true, std::memory_order_acquire,
                                                      std::memory_order_relaxed)) {
      return index;
    }
  }
  return Status(StatusCode::failed_precondition,
                "snapshot publisher: all " + std::to_string(count_) +
                    " reader slots are taken (each reading thread registers once; raise "
                    "reader_slots to add readers)");
}

void ReaderSlots::release(std::uint32_t index) {
  ReaderSlot& slot = slots_[index];
  EDGEROUTE_ASSERT(slot.announcement.load(std::memory_order_relaxed) == kIdle,
                   "a SnapshotReader went away while one of its guards was alive");
  // Release: pairs with claim()'s acquire (see there).
  const bool was_claimed = slot.claimed.exchange(false, std::memory_order_release);
  EDGEROUTE_ASSERT(was_claimed, "released a reader slot that was not claimed");
}

std::uint32_t ReaderSlots::claimed_count() const {
  std::uint32_t claimed = 0;
  for (std::uint32_t index = 0; index < count_; ++index) {
    // Relaxed: a count for metrics and for the destructor's check, which runs after the
    // readers' threads are joined.
    if (slots_[index].claimed.load(std::memory_order_relaxed)) ++claimed;
  }
  return claimed;
}

void ReaderSlots::observe(std::span<std::uint64_t> announcements) const {
  EDGEROUTE_ASSERT(announcements.size() == count_, "one announcement per reader slot");
  for (std::uint32_t index = 0; index < count_; ++index) {
    // seq_cst: the writer's half of the store-load handshake (snapshot.h, W3).
    announcements[index] = slots_[index].announcement.load(std::memory_order_seq_cst);
  }
}

bool ReaderSlots::may_hold(std::span<const std::uint64_t> announcements, std::uint64_t version) {
  for (const std::uint64_t announcement : announcements) {
    if (announcement == kIdle) continue;
    const std::uint64_t announced_version = announcement >> 1;
    const bool settled = (announcement & 1) != 0;
    if (settled ? announced_version == version : announced_version <= version) return true;
  }
  return false;
}

std::string ReaderSlots::describe_pins(std::span<const std::uint64_t> announcements) {
  std::string pins;
  for (std::size_t index = 0; index < announcements.size(); ++index) {
    const std::uint64_t announcement = announcements[index];
    if (announcement == kIdle) continue;
    if (!pins.empty()) pins += "; ";
    pins += "reader slot " + std::to_string(index);
    pins += (announcement & 1) != 0 ? " holds version " : " is entering at version >= ";
    pins += std::to_string(announcement >> 1);
  }
  return pins.empty() ? "no reader holds one now; reclaim() will free them" : pins;
}

}  // namespace edgeroute::routing::detail
