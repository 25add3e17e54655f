// UniqueFd: sole owner of a POSIX file descriptor, closed when the owner goes away, so
// no error path in the Linux backend can leak one.
//
// Thread-safety: like an int. Distinct UniqueFds may be used from any threads; one
// UniqueFd must not be reset or moved while another thread uses its descriptor.
#pragma once

namespace edgeroute::hal {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }

  // Gives up ownership without closing.
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // Closes the descriptor held (if any) and takes `fd`. Returns the errno of close(),
  // 0 on success: only a caller that must report write-back errors looks at it.
  int reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace edgeroute::hal
