// SimCpu: a Cpu with as many cores as the test says, which records instead of
// performing pins, so a test can check which thread asked for which core without
// depending on the machine it runs on.
//
// Ownership: the test (or SimHal) owns it.
// Thread-safety: every method may be called from any thread; pin_current_thread()
// records the pin for the calling thread only.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "edgeroute/hal/cpu.h"

namespace edgeroute::hal {

class SimCpu final : public Cpu {
 public:
  // REQUIRES: core_count >= 1.
  explicit SimCpu(unsigned core_count);

  unsigned core_count() const override { return core_count_; }
  // invalid_argument naming the core and the count if core >= core_count().
  Status pin_current_thread(unsigned core) override;

  // The core `thread` last pinned itself to, if it did.
  std::optional<unsigned> pinned_core(std::thread::id thread = std::this_thread::get_id()) const;
  // Every thread's pin.
  std::map<std::thread::id, unsigned> pins() const;

 private:
  const unsigned core_count_;

  mutable std::mutex mutex_;
  std::map<std::thread::id, unsigned> pins_;  // guarded by mutex_
};

}  // namespace edgeroute::hal
