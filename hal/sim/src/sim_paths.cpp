#include "sim_paths.h"

#include <filesystem>

#include <fmt/format.h>

#include "edgeroute/base/assert.h"

namespace edgeroute::hal::detail {

Result<std::string> canonical_path(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return Status(StatusCode::invalid_argument, fmt::format("{}: path is not absolute", path));
  }
  std::string canonical = std::filesystem::path(path).lexically_normal().string();
  while (canonical.size() > 1 && canonical.back() == '/') canonical.pop_back();
  return canonical;
}

std::string parent_of(const std::string& path) {
  EDGEROUTE_ASSERT(path.size() > 1 && path.front() == '/', "parent_of needs a non-root path");
  const std::size_t slash = path.rfind('/');
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

std::string child_prefix(const std::string& directory) {
  return directory == "/" ? directory : directory + "/";
}

bool is_direct_child(std::string_view path, std::string_view prefix) {
  return path.size() > prefix.size() && path.starts_with(prefix) &&
         path.find('/', prefix.size()) == std::string_view::npos;
}

}  // namespace edgeroute::hal::detail
