// ChildProcess: one of the project's binaries (`edgeroute serve`, `edgeroute-central
// serve`) run as a real process by a test that kills it, with -9 or politely. The test
// waits for the structured log line that says it is ready (its "event"), and reads the
// port it logged there, so that servers can listen on port 0. Everything the process
// writes on stderr afterwards is read by a thread of its own, so that a chatty process
// (a sanitizer's report, a reconnecting sync agent) never blocks on a full pipe.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace edgeroute::testing {

class ChildProcess {
 public:
  // Starts args[0] with the rest as arguments and reads its stderr up to the line whose
  // "event" is `ready_event`; a process that exits first fails the test with what it said.
  ChildProcess(std::vector<std::string> args, std::string_view ready_event) {
    int out[2];
    // Close-on-exec, so that no other child started meanwhile inherits the write end and
    // keeps the pipe open after this process is gone (the dup2 onto stderr clears it).
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    log_ = out[0];
    const std::string marker = "\"event\":\"" + std::string(ready_event) + "\"";
    std::string line;
    char c = 0;
    while (::read(log_, &c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      said_ += line + '\n';
      if (line.find(marker) != std::string::npos) break;
      line.clear();
    }
    const std::size_t at = line.find(R"("port":)");
    EXPECT_NE(at, std::string::npos) << args[0] << " said: " << said_;
    if (at != std::string::npos) port_ = static_cast<std::uint16_t>(std::stoi(line.substr(at + 7)));
    drain_ = std::thread([this] {
      char buffer[4096];
      for (ssize_t got; (got = ::read(log_, buffer, sizeof buffer)) > 0;) {
        std::lock_guard lock(said_mutex_);
        said_.append(buffer, static_cast<std::size_t>(got));
      }
    });
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0) kill(SIGKILL);
  }

  // Sends `signal`, waits for the process to end and returns the status waitpid gives.
  int kill(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (drain_.joinable()) drain_.join();  // the pipe ends with the process
    ::close(log_);
    log_ = -1;
    return status;
  }
  bool running() const { return pid_ > 0; }
  // The "port" of the ready line; 0 if it had none.
  std::uint16_t port() const { return port_; }
  // Everything it has logged so far.
  std::string said() const {
    std::lock_guard lock(said_mutex_);
    return said_;
  }

 private:
  pid_t pid_ = -1;
  int log_ = -1;  // the read end of the process's stderr
  std::uint16_t port_ = 0;
  mutable std::mutex said_mutex_;
  std::string said_;  // guarded by said_mutex_ once drain_ runs
  std::thread drain_;
};

}  // namespace edgeroute::testing
