#pragma once
// Exponential backoff with full jitter, shared by every reconnecting client (exchange feeds, Redis).
#include <chrono>
#include <cstdint>
#include <random>

namespace mdfan {

struct backoff_config {
  std::chrono::milliseconds initial{100};  // first delay ceiling
  std::chrono::milliseconds max{10000};    // delay ceiling never exceeds this
  double multiplier = 2.0;
};

// delay(n) is uniform in [ceiling/2, ceiling] with ceiling = min(max, initial * multiplier^n):
// spreads reconnect storms while keeping a floor so a flapping peer is not hammered.
class backoff {
 public:
  explicit backoff(backoff_config cfg = {}, std::uint64_t seed = std::random_device{}());
  std::chrono::milliseconds next();
  void reset() noexcept { attempt_ = 0; }
  unsigned attempt() const noexcept { return attempt_; }

 private:
  backoff_config cfg_;
  unsigned attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace mdfan
