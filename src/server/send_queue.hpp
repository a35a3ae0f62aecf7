#pragma once
// The per-client outgoing queue: bounded in frames and bytes, with an explicit overflow policy.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "manager/manager.hpp"

namespace mdfan::server_detail {

// One frame waiting for a client: a market event (whose shared encoding is sent as is) or a reply.
struct outbound_frame {
  event_ptr ev;                             // set for market events
  std::shared_ptr<const std::string> text;  // set for protocol replies

  std::string_view bytes() const noexcept { return ev ? std::string_view(ev->json) : std::string_view(*text); }
};

// What a session does with a frame that does not fit its queue. Today every frame disconnects the
// client; per-type policies (conflate tickers/books to the latest per topic, drop trades and count)
// slot in through overflow_policy_for() without touching the write loop.
enum class overflow_policy : std::uint8_t {
  disconnect,  // close the client ("slow consumer"); its queued frames are discarded and counted
};

inline overflow_policy overflow_policy_for(const outbound_frame& /*frame*/) noexcept {
  return overflow_policy::disconnect;
}

// FIFO of frames bounded in count and bytes. Lives on the session strand (not thread-safe).
// The front frame may be in a write: it stays queued (its buffer alive) until pop_front().
class send_queue {
 public:
  // 0 disables the corresponding bound.
  send_queue(std::size_t max_frames, std::size_t max_bytes) noexcept : max_frames_(max_frames), max_bytes_(max_bytes) {}

  // Moves `f` in and returns true; or returns false, leaving `f` untouched, when it would exceed a
  // bound. A frame always fits an empty queue, so one oversized event cannot wedge a client.
  bool push(outbound_frame& f) {
    const std::size_t n = f.bytes().size();
    if (!frames_.empty()) {
      if (max_frames_ != 0 && frames_.size() >= max_frames_) return false;
      if (max_bytes_ != 0 && bytes_ + n > max_bytes_) return false;
    }
    bytes_ += n;
    frames_.push_back(std::move(f));
    return true;
  }

  bool empty() const noexcept { return frames_.empty(); }
  std::size_t size() const noexcept { return frames_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  const outbound_frame& front() const noexcept { return frames_.front(); }

  void pop_front() noexcept {
    bytes_ -= frames_.front().bytes().size();
    frames_.pop_front();
  }

  // Discards every frame but the first `keep` (e.g. 1 while the front is being written); returns how
  // many were discarded.
  std::size_t discard(std::size_t keep) noexcept {
    std::size_t dropped = 0;
    while (frames_.size() > keep) {
      bytes_ -= frames_.back().bytes().size();
      frames_.pop_back();
      ++dropped;
    }
    return dropped;
  }

 private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<outbound_frame> frames_;
};

}  // namespace mdfan::server_detail
