#pragma once
// Per-client message rate limit: a token bucket plus a strike count that turns sustained abuse
// into a disconnect. Time is passed in, so tests drive it without sleeping.
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace mdfan::server_detail {

class rate_limiter {
 public:
  enum class verdict : std::uint8_t { allow, reject, close };

  // `rate` messages per second with bursts of max(rate, 1) (0: unlimited). After `close_after`
  // rejections with no whole second free of rejections in between, the verdict is close (0: never).
  rate_limiter(double rate, std::size_t close_after) noexcept
      : rate_(rate), burst_(std::max(rate, 1.0)), tokens_(burst_), close_after_(close_after) {}

  verdict on_message(std::int64_t now_ns) noexcept {
    if (rate_ <= 0) return verdict::allow;
    if (started_ && now_ns > last_ns_)
      tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * rate_ / 1e9);
    started_ = true;
    last_ns_ = now_ns;
    if (strikes_ != 0 && now_ns - last_reject_ns_ >= 1'000'000'000) strikes_ = 0;
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return verdict::allow;
    }
    last_reject_ns_ = now_ns;
    ++strikes_;
    return close_after_ != 0 && strikes_ >= close_after_ ? verdict::close : verdict::reject;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::size_t close_after_;
  std::size_t strikes_ = 0;
  bool started_ = false;
  std::int64_t last_ns_ = 0;
  std::int64_t last_reject_ns_ = 0;
};

}  // namespace mdfan::server_detail
