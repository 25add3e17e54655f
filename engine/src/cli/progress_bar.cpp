#include "cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace edgeroute::cli {

ProgressBar::ProgressBar(bool enabled, std::string unit)
    : enabled_(enabled), terminal_(isatty(STDERR_FILENO) == 1), unit_(std::move(unit)) {}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_ || total == 0) return;
  const std::uint64_t step = terminal_ ? 100 : 10;
  const std::uint64_t shown = done * step / total;
  if (shown == last_shown_ && done != total) return;
  last_shown_ = shown;
  const auto now = std::chrono::steady_clock::now();
  if (done <= 1) began_ = now;  // the rate counts from the first unit done
  const double seconds = std::chrono::duration<double>(now - began_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  if (terminal_) {
    constexpr std::size_t kWidth = 40;
    const auto filled = static_cast<std::size_t>(done * kWidth / total);
    std::fprintf(stderr, "\r  [%s%s] %llu/%llu %s, %.0f/s", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), unit_.c_str(), rate);
    if (done == total) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "  %3llu%%  %llu/%llu %s, %.0f/s\n",
                 static_cast<unsigned long long>(shown * 10), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), unit_.c_str(), rate);
  }
  std::fflush(stderr);
}

}  // namespace edgeroute::cli
