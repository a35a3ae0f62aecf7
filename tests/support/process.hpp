#pragma once
// Child processes for tests: real mdfan instances, redis-server, and friends.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "support/loopback.hpp"

namespace mdfan::test {

// free_port() and wait_for_port(port, timeout): see support/loopback.hpp.
using loopback::free_port;
using loopback::wait_for_port;

// A child process; stdout and stderr go to `log_file` (or are inherited when empty).
// The destructor kills it (SIGKILL) if it is still running.
class child_process {
 public:
  child_process() = default;
  child_process(std::vector<std::string> argv, std::string log_file = {},
                std::vector<std::string> extra_env = {});
  child_process(child_process&& o) noexcept;
  child_process& operator=(child_process&& o) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  pid_t pid() const noexcept { return pid_; }
  bool running();
  void signal(int sig);
  // Waits up to `timeout` for exit; returns the exit status (128+signal when killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait, then SIGKILL; returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  const std::string& log_file() const noexcept { return log_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_;
};

// Reads a whole file (empty when missing).
std::string read_file(const std::string& path);

// A fresh temporary directory under $TMPDIR (removed by the caller if wanted).
std::string make_temp_dir(const std::string& tag);

}  // namespace mdfan::test
