#pragma once
// Helpers shared by the Redis and bridge integration tests: an io_context on its own thread,
// bounded polling, loggers, and pub/sub introspection through redis-cli.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "support/redis_server.hpp"

namespace mdfan::test {

// An io_context running on one thread until destruction.
struct io_thread {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};

  io_thread() = default;
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;
  ~io_thread() { join(); }
  void join() {
    if (!thread.joinable()) return;
    work.reset();
    ioc.stop();
    thread.join();
  }
};

// Polls `pred` every 10 ms until it holds or `timeout` passes; returns its last value.
template <typename Pred>
bool eventually(Pred&& pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

inline std::shared_ptr<spdlog::logger> test_logger(const std::string& name) {
  auto log = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  log->set_level(std::getenv("MDFAN_TEST_DEBUG") ? spdlog::level::debug : spdlog::level::info);
  return log;
}

// Subscribers of `channel` as Redis counts them (PUBSUB NUMSUB); -1 when redis-cli fails.
inline int numsub(const redis_server& server, const std::string& channel) {
  const std::string out = server.cli("PUBSUB NUMSUB " + channel);
  const auto nl = out.rfind('\n');
  if (nl == std::string::npos) return -1;
  return std::atoi(out.c_str() + nl + 1);
}

// Connected clients (CLIENT LIST), including the redis-cli that asks.
inline int client_count(const redis_server& server) {
  const std::string out = server.cli("CLIENT LIST");
  int n = 0;
  std::size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    if (out.compare(start, 3, "id=") == 0) ++n;
    start = end + 1;
  }
  return n;
}

}  // namespace mdfan::test
