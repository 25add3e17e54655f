#include "edgeroute/hal/linux/unique_fd.h"

#include <unistd.h>

#include <cerrno>

namespace edgeroute::hal {

int UniqueFd::reset(int fd) {
  int close_error = 0;
  // Linux releases the descriptor even when close() fails, EINTR included, so it is
  // never retried: a retry could close a descriptor another thread just opened.
  if (fd_ >= 0 && ::close(fd_) != 0 && errno != EINTR) close_error = errno;
  fd_ = fd;
  return close_error;
}

}  // namespace edgeroute::hal
