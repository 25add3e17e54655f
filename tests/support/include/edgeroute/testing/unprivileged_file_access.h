// UnprivilegedFileAccess: while alive, the calling thread's file accesses are checked as
// for an unprivileged user, so that tests of "permission denied" also hold when the
// suite runs as root (root bypasses directory modes). setfsuid() changes only this
// thread's file-system identity and, leaving uid 0, drops CAP_DAC_OVERRIDE with it;
// restoring uid 0 restores the capability.
#pragma once

#include <sys/fsuid.h>
#include <sys/types.h>
#include <unistd.h>

namespace edgeroute::testing {

class UnprivilegedFileAccess {
 public:
  static constexpr uid_t kNobody = 65534;
  UnprivilegedFileAccess() {
    if (::geteuid() == 0) previous_ = ::setfsuid(kNobody);
  }
  UnprivilegedFileAccess(const UnprivilegedFileAccess&) = delete;
  UnprivilegedFileAccess& operator=(const UnprivilegedFileAccess&) = delete;
  ~UnprivilegedFileAccess() {
    if (previous_ >= 0) ::setfsuid(static_cast<uid_t>(previous_));
  }

 private:
  int previous_ = -1;
};

}  // namespace edgeroute::testing
