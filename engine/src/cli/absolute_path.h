// The storage layer (hal::LinuxStorage) takes absolute paths only; a command line names
// files relative to the working directory. Every subcommand that reads or writes a file
// it was given goes through absolute_path().
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace edgeroute::cli {

// `file` made absolute and normalised; `file` itself when the working directory cannot
// be read (the storage layer then names it in its error).
inline std::string absolute_path(const std::string& file) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(file, error);
  return error ? file : absolute.lexically_normal().string();
}

}  // namespace edgeroute::cli
