// A shell command run the way a person runs it from a terminal, for the tests of the
// edgeroute tool itself: what it printed on stdout and on stderr, and how it exited.
// stderr goes to a file (popen reads one stream only), so the caller names one in its
// own temporary directory.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "edgeroute/testing/text_file.h"

namespace edgeroute::testing {

struct CommandRun {
  // -1 when the command could not be started or did not exit normally (a signal).
  int exit_status = -1;
  std::string out;
  std::string err;
};

// Runs `command_line` through /bin/sh with stderr sent to `stderr_path`, which is read
// back once the command has finished; a command that cannot be started fails the test.
inline CommandRun run_command(const std::string& command_line, const std::string& stderr_path) {
  const std::string command = command_line + " 2>'" + stderr_path + "'";
  CommandRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return run;
  }
  char buffer[4096];
  for (std::size_t read; (read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    run.out.append(buffer, read);
  }
  const int status = ::pclose(pipe);
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = read_text_file(stderr_path);
  return run;
}

}  // namespace edgeroute::testing
