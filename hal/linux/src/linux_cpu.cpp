#include "edgeroute/hal/linux/linux_cpu.h"

#include <pthread.h>
#include <sched.h>

#include <climits>
#include <string>

#include "edgeroute/base/assert.h"

namespace edgeroute::hal {
namespace {

// The kernel's cpumask is an array of unsigned long with CPU n at bit n % width of word
// n / width; working on the words directly avoids glibc's CPU_* macros and their
// fixed 1024-CPU cpu_set_t.
using MaskWord = unsigned long;
constexpr unsigned kBitsPerWord = sizeof(MaskWord) * CHAR_BIT;
// Linux supports at most 8192 CPUs (NR_CPUS); a mask this large always fits.
constexpr std::size_t kMaskWordsMax = 8192 / kBitsPerWord;

std::vector<unsigned> read_allowed_cpus() {
  std::vector<MaskWord> mask(kMaskWordsMax, 0);
  const int result = ::sched_getaffinity(0, mask.size() * sizeof(MaskWord),
                                         reinterpret_cast<cpu_set_t*>(mask.data()));
  EDGEROUTE_ASSERT(result == 0, "sched_getaffinity failed for an 8192-CPU mask");
  std::vector<unsigned> cpus;
  for (unsigned cpu = 0; cpu < kMaskWordsMax * kBitsPerWord; ++cpu) {
    if ((mask[cpu / kBitsPerWord] >> (cpu % kBitsPerWord)) & 1UL) cpus.push_back(cpu);
  }
  // The kernel never runs a thread with an empty mask.
  EDGEROUTE_ASSERT(!cpus.empty(), "the affinity mask holds no CPU");
  return cpus;
}

}  // namespace

LinuxCpu::LinuxCpu() : allowed_cpus_(read_allowed_cpus()) {}

unsigned LinuxCpu::core_count() const {
  return static_cast<unsigned>(allowed_cpus_.size());
}

unsigned LinuxCpu::cpu_of_core(unsigned core) const {
  EDGEROUTE_ASSERT(core < core_count(), "core index out of range");
  return allowed_cpus_[core];
}

Status LinuxCpu::pin_current_thread(unsigned core) {
  if (core >= core_count()) {
    return Status(StatusCode::invalid_argument, "core " + std::to_string(core) +
                                                    " is out of range: this process may use " +
                                                    std::to_string(core_count()) + " cores (0.." +
                                                    std::to_string(core_count() - 1) + ")");
  }
  const unsigned cpu = allowed_cpus_[core];
  std::vector<MaskWord> mask(cpu / kBitsPerWord + 1, 0);
  mask[cpu / kBitsPerWord] = MaskWord{1} << (cpu % kBitsPerWord);
  const int error = ::pthread_setaffinity_np(::pthread_self(), mask.size() * sizeof(MaskWord),
                                             reinterpret_cast<const cpu_set_t*>(mask.data()));
  if (error != 0) {
    return status_from_errno(error, "pinning thread to core " + std::to_string(core) + " (CPU " +
                                        std::to_string(cpu) + ")");
  }
  return Status::ok();
}

}  // namespace edgeroute::hal
