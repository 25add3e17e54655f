// Path arithmetic for the simulated file system. Paths are kept in one canonical
// form (absolute, lexically normal, no trailing slash except the root "/") so that a
// std::map keyed by path sorts every directory's entries together.
#pragma once

#include <string>
#include <string_view>

#include "edgeroute/base/result.h"

namespace edgeroute::hal::detail {

// invalid_argument naming the path if it is not absolute.
Result<std::string> canonical_path(std::string_view path);
// REQUIRES: `path` is canonical and not "/".
std::string parent_of(const std::string& path);
// The prefix every entry inside `directory` starts with ("/" or "/a/b/").
std::string child_prefix(const std::string& directory);
// True if `path` is directly inside the directory whose child_prefix is `prefix`.
bool is_direct_child(std::string_view path, std::string_view prefix);

}  // namespace edgeroute::hal::detail
