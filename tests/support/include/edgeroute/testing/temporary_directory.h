// TemporaryDirectory: a fresh directory under /tmp (mkdtemp) for one test, removed with
// everything in it when the test ends, so tests never see each other's files even when
// ctest runs them in parallel.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace edgeroute::testing {

class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(const std::string& purpose) {
    std::string pattern = "/tmp/edgeroute-" + purpose + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern << " failed";
    path_ = pattern;
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace edgeroute::testing
