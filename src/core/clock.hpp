#pragma once
#include <chrono>
#include <cstdint>

namespace mdfan {

// Wall-clock time in ns since the epoch: comparable across processes on one machine (latency per hop).
inline std::int64_t wall_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Monotonic time in ns, for timeouts and rates within one process.
inline std::int64_t mono_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace mdfan
