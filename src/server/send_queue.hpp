#pragma once
// The per-client outgoing queue: bounded in frames and bytes, with a policy per event type for an
// event that does not fit (slow_consumer.hpp; docs/architecture.md, "The server"). Sans-I/O: the
// session drives it and the unit tests drive it without sockets.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/metrics.hpp"
#include "manager/manager.hpp"
#include "server/slow_consumer.hpp"

namespace mdfan::server_detail {

// One frame waiting for a client: a market event (whose shared encoding is sent as is) or a reply.
struct outbound_frame {
  event_ptr ev;                             // set for market events
  std::shared_ptr<const std::string> text;  // set for protocol replies and gap notices

  std::string_view bytes() const noexcept { return ev ? std::string_view(ev->json) : std::string_view(*text); }
};

// A FIFO of frames in one power-of-two array, grown on demand and kept while frames flow (a client
// that keeps up empties it on every write); release() frees it, so an idle client holds no block
// (std::deque allocates one up front, 512 bytes per client).
class frame_ring {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  outbound_frame& operator[](std::size_t i) noexcept { return buf_[(head_ + i) & (cap_ - 1)]; }
  const outbound_frame& operator[](std::size_t i) const noexcept { return buf_[(head_ + i) & (cap_ - 1)]; }
  outbound_frame& front() noexcept { return (*this)[0]; }
  const outbound_frame& front() const noexcept { return (*this)[0]; }
  const outbound_frame& back() const noexcept { return (*this)[size_ - 1]; }
  void push_back(outbound_frame&& f) {
    if (size_ == cap_) grow();
    (*this)[size_] = std::move(f);
    ++size_;
  }
  void pop_front() noexcept {
    front() = outbound_frame{};
    head_ = (head_ + 1) & (cap_ - 1);
    if (--size_ == 0) head_ = 0;
  }
  void pop_back() noexcept {
    (*this)[size_ - 1] = outbound_frame{};
    if (--size_ == 0) head_ = 0;
  }
  // Frees the block when empty.
  void release() noexcept {
    if (size_ != 0) return;
    buf_.reset();
    cap_ = 0;
    head_ = 0;
  }
  // Shrinks to the first `n` frames.
  void resize(std::size_t n) noexcept {
    while (size_ > n) pop_back();
  }

 private:
  void grow() {
    const std::size_t cap = cap_ == 0 ? 4 : cap_ * 2;
    auto buf = std::make_unique<outbound_frame[]>(cap);
    for (std::size_t i = 0; i < size_; ++i) buf[i] = std::move((*this)[i]);
    buf_ = std::move(buf);
    cap_ = cap;
    head_ = 0;
  }

  std::unique_ptr<outbound_frame[]> buf_;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

enum class push_result : std::uint8_t {
  queued,      // appended (a book snapshot ending a recovery may be preceded by its gap notice)
  conflated,   // replaced the queued or held value of its topic (one older value superseded)
  held,        // did not fit: held aside as its topic's latest value until the queue drains
  dropped,     // not queued (no room, or its topic is recovering); owed to the client in a gap notice
  resync,      // a book update did not fit: the topic's queued updates were removed and a snapshot is due
  disconnect,  // did not fit and its policy is disconnect (replies always are: they cannot be dropped)
};

// Instance-wide counters the queue adds to (any may be null).
struct overflow_counters {
  std::array<counter*, event_type_count> conflated{};
  std::array<counter*, event_type_count> dropped{};
  counter* lost = nullptr;         // every frame lost to overflow (dropped, removed, discarded), replies included
  counter* gap_notices = nullptr;  // gap notices queued
};

// This client's share of the above.
struct overflow_stats {
  std::array<std::uint64_t, event_type_count> conflated{};
  std::array<std::uint64_t, event_type_count> dropped{};
  std::uint64_t gap_notices = 0;
  std::uint64_t snapshots_requested = 0;
};

// FIFO of frames bounded in count and bytes. Lives on the session strand (not thread-safe).
// The front frame may be in a write (begin_write): it stays queued, unchanged, until pop_front().
//
// Bounds: the frame count is never exceeded; the byte count is exceeded only by a replacement in
// place growing its slot (a ticker or candle a few bytes longer than the one it supersedes). Held
// values, owed gap counts and recovering book topics live outside the queue: at most one of each per
// topic the client is subscribed to.
class send_queue {
 public:
  // 0 disables the corresponding bound. A frame always fits an empty queue, so one oversized event
  // cannot wedge a client.
  send_queue(std::size_t max_frames, std::size_t max_bytes, slow_consumer_policy policy = {},
             overflow_counters counters = {});

  // Queues `f` or applies its type's policy; `f` is consumed either way.
  push_result push(outbound_frame&& f);

  // True while something is owed to the client: a gap notice, a held value or a book snapshot.
  bool recovering() const noexcept { return !gaps_.empty() || !held_.empty() || !resync_.empty(); }
  // Once the queue is at or below half its bounds ("caught up"): queues the owed gap notices (a book
  // topic's waits for its snapshot) and the held values, and appends to `snapshot_topics` the book
  // topics whose snapshot the session must now fetch and push(). No-op above half.
  void recover(std::vector<std::string>& snapshot_topics);
  // The snapshot fetched for `topic` could not be had (the book is not verified now): the topic
  // waits for the next snapshot the feed sends instead.
  void snapshot_unavailable(std::string_view /*topic*/) noexcept {}
  // Forgets held values and book recoveries of topics the client no longer subscribes to.
  void forget_if(const std::function<bool(const published_event&)>& unwanted);

  bool empty() const noexcept { return frames_.empty(); }
  std::size_t size() const noexcept { return frames_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  const outbound_frame& front() const noexcept { return frames_.front(); }
  const outbound_frame& operator[](std::size_t i) const noexcept { return frames_[i]; }
  // Frees the frame block if nothing is queued (an idle client then holds none).
  void release_memory() noexcept { frames_.release(); }
  // The front frame goes into a write: it will not be replaced or removed until pop_front().
  void begin_write() noexcept { in_flight_ = true; }
  void pop_front() noexcept;

  // Discards every frame but the first `keep` (e.g. 1 while the front is being written) and
  // everything owed; returns how many frames were discarded. With `count`, they are counted as lost
  // (a slow-consumer disconnect), by type.
  std::size_t discard(std::size_t keep, bool count = false) noexcept;

  const overflow_stats& stats() const noexcept { return stats_; }
  const slow_consumer_policy& policy() const noexcept { return policy_; }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using topic_map = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;

  struct recovery {
    event_ptr sample;  // an update of the topic (for forget_if)
    bool requested = false;
  };

  bool fits(std::size_t frames, std::size_t bytes) const noexcept;
  bool at_or_below_half() const noexcept;
  void append(outbound_frame&& f);
  void append_gap(const std::string& topic, std::uint64_t dropped);
  outbound_frame* replaceable_slot(const event_ptr& ev) noexcept;
  void replace(outbound_frame& slot, event_ptr ev);
  push_result push_latest(outbound_frame&& f);
  push_result push_droppable(outbound_frame&& f, bool disconnect);
  push_result push_book(outbound_frame&& f);
  std::size_t remove_topic(std::string_view topic);
  void reindex();
  void owe(const std::string& topic, event_type t, std::size_t n);
  void count_conflated(event_type t) noexcept;
  void count_dropped(event_type t, std::size_t n) noexcept;

  std::size_t max_frames_;
  std::size_t max_bytes_;
  slow_consumer_policy policy_;
  overflow_counters counters_;
  overflow_stats stats_;
  std::size_t bytes_ = 0;
  std::uint64_t base_ = 0;  // absolute position of frames_.front()
  bool in_flight_ = false;
  frame_ring frames_;
  // Conflated topic -> absolute position of its queued value. Entries outlive their frames (a stale
  // one is recognised and overwritten), so a topic's key is allocated once, not per event.
  topic_map<std::uint64_t> latest_;
  topic_map<event_ptr> held_;      // conflated topic -> latest value that did not fit
  topic_map<std::uint64_t> gaps_;  // topic -> events dropped and not yet reported
  topic_map<recovery> resync_;     // book topic -> waiting for a snapshot
};

}  // namespace mdfan::server_detail
