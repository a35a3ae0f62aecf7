#include "core/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace mdfan {

backoff::backoff(backoff_config cfg, std::uint64_t seed) : cfg_(cfg), rng_(seed) {}

std::chrono::milliseconds backoff::next() {
  const double ceiling_ms = std::min<double>(static_cast<double>(cfg_.max.count()),
                                             static_cast<double>(cfg_.initial.count()) *
                                                 std::pow(cfg_.multiplier, static_cast<double>(attempt_)));
  if (attempt_ < 64) ++attempt_;
  const double lo = ceiling_ms / 2.0;
  std::uniform_real_distribution<double> dist(lo, std::max(lo, ceiling_ms));
  return std::chrono::milliseconds(static_cast<std::int64_t>(dist(rng_)));
}

}  // namespace mdfan
