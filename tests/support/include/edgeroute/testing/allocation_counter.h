// Counting allocations, to prove a hot path allocates nothing. A test binary that
// links edgeroute::test_allocation_counter has its global operator new/delete replaced
// by versions that count every allocation (on top of malloc, so the sanitizers still
// see every block); compare allocation_count() around the code under test.
//
// Thread-safety: the counter is atomic; a count taken while other threads allocate
// includes their allocations, so measure with the other threads quiet.
#pragma once

#include <cstdint>

namespace edgeroute::testing {

std::int64_t allocation_count();

}  // namespace edgeroute::testing
