// DemoRandom: the pseudo-random source of the demo's world and demand. Its output is a
// function of the seed alone, bit for bit, on every architecture edgeroute builds for:
// SplitMix64 (Steele, Lea, Flood 2014) is integer arithmetic only, and the helpers draw
// with integers rather than through std:: distributions, whose algorithms the standard
// leaves to each library.
//
// Thread-safety: none; one generator per thread.
#pragma once

#include <cstdint>

namespace edgeroute::demo {

class DemoRandom {
 public:
  explicit DemoRandom(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t mixed = (state_ += 0x9e3779b97f4a7c15ULL);
    mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
    mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
    return mixed ^ (mixed >> 31);
  }

  // Uniform in [0, bound). REQUIRES: bound > 0. The modulo bias is below 2^-40 for the
  // bounds used here (at most millions), far under anything the demo measures.
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }

  // Uniform in [low, high]. REQUIRES: low <= high.
  std::int64_t between(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
  }

  // True with probability per_mille / 1000.
  bool chance(std::uint32_t per_mille) { return below(1000) < per_mille; }

 private:
  std::uint64_t state_;
};

}  // namespace edgeroute::demo
