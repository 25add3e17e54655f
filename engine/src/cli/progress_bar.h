// ProgressBar: how far a long command has got, on standard error. On a terminal a bar
// redrawn in place at most every 1%; otherwise a line every 10% (a log file should not
// fill with carriage returns).
//
// Thread-safety: none; one thread draws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace edgeroute::cli {

class ProgressBar {
 public:
  // `unit` names what is counted ("orders").
  ProgressBar(bool enabled, std::string unit);

  void update(std::uint64_t done, std::uint64_t total);

 private:
  bool enabled_;
  bool terminal_;
  std::string unit_;
  std::uint64_t last_shown_ = ~std::uint64_t{0};
  std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
};

}  // namespace edgeroute::cli
