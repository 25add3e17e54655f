#include "edgeroute/hal/sim/sim_cpu.h"

#include <fmt/format.h>

#include "edgeroute/base/assert.h"

namespace edgeroute::hal {

SimCpu::SimCpu(unsigned core_count) : core_count_(core_count) {
  EDGEROUTE_ASSERT(core_count_ >= 1, "a process always has at least one core");
}

Status SimCpu::pin_current_thread(unsigned core) {
  if (core >= core_count_) {
    return Status(StatusCode::invalid_argument,
                  fmt::format("core {} does not exist: this process may use {} cores (0..{})", core,
                              core_count_, core_count_ - 1));
  }
  std::lock_guard lock(mutex_);
  pins_.insert_or_assign(std::this_thread::get_id(), core);
  return Status::ok();
}

std::optional<unsigned> SimCpu::pinned_core(std::thread::id thread) const {
  std::lock_guard lock(mutex_);
  const auto pin = pins_.find(thread);
  if (pin == pins_.end()) return std::nullopt;
  return pin->second;
}

std::map<std::thread::id, unsigned> SimCpu::pins() const {
  std::lock_guard lock(mutex_);
  return pins_;
}

}  // namespace edgeroute::hal
