#pragma once
// A real redis-server for one test: random free port, no persistence, stopped on destruction.
#include <cstdint>
#include <string>

#include "support/process.hpp"

namespace mdfan::test {

class redis_server {
 public:
  // Starts redis-server on a free port (or on `port` when non-zero) and waits until it answers.
  explicit redis_server(std::uint16_t port = 0);
  ~redis_server();

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  // Kills the server (SIGKILL: an abrupt loss, as in a crash).
  void kill();
  // Starts it again on the same port.
  void restart();
  bool running() { return proc_.running(); }

  // Runs redis-cli against this server and returns its stdout (trimmed).
  std::string cli(const std::string& args) const;

 private:
  void start();
  std::uint16_t port_;
  std::string dir_;
  child_process proc_;
};

}  // namespace mdfan::test
