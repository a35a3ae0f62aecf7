#include "support/redis_server.hpp"

#include <csignal>
#include <cstdio>
#include <stdexcept>

namespace mdfan::test {

redis_server::redis_server(std::uint16_t port) : port_(port ? port : free_port()), dir_(make_temp_dir("redis")) {
  start();
}

redis_server::~redis_server() {
  proc_.stop(std::chrono::milliseconds(2000));
  std::string cmd = "rm -rf '" + dir_ + "'";
  (void)std::system(cmd.c_str());
}

void redis_server::start() {
  proc_ = child_process({"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--dir", dir_, "--protected-mode", "no", "--daemonize", "no"},
                        dir_ + "/redis.log");
  if (!wait_for_port(port_, std::chrono::milliseconds(10000)))
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
}

void redis_server::kill() {
  proc_.signal(SIGKILL);
  proc_.wait(std::chrono::milliseconds(5000));
}

void redis_server::restart() {
  if (proc_.running()) kill();
  start();
}

std::string redis_server::cli(const std::string& args) const {
  const std::string cmd = "redis-cli -p " + std::to_string(port_) + " " + args + " 2>/dev/null";
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    ::pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace mdfan::test
