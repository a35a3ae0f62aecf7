#pragma once
// The sans-I/O protocol logic of one exchange WebSocket connection, and the interface tools use to
// run an exchange's parser without a connection (decode, replay, record, fuzz, bench).
//
// An exchange adapter built on ws_adapter (ws_adapter.hpp) supplies one protocol_session per planned
// connection; the runner owns the socket, reconnects with backoff, runs the idle watchdog and the
// application ping timer, and calls the session on the connection's strand. The same session is
// driven by `--exchange replay:FILE` from a recording, so live and replayed data share every rule.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

// What a session can ask of its connection. Calls are only valid during a session callback.
class session_io {
 public:
  // Queues a text frame on this connection (a subscribe, unsubscribe, resubscribe or ping message).
  // False when the connection is gone or its send queue is full (the session should resync later).
  virtual bool send(std::string text) = 0;
  // Drops the connection and reconnects after backoff (on_open resubscribes). For protocol states
  // only a reconnect clears (e.g. a feed-wide reset); a single book's resync must not use it.
  virtual void reconnect(std::string_view reason) = 0;
  // A normalized event for the manager.
  virtual void emit(event&& ev) = 0;
  // Wall-clock now (ns since the epoch); replay returns the recorded time.
  virtual std::int64_t now_ns() const = 0;

 protected:
  ~session_io() = default;
};

class protocol_session {
 public:
  virtual ~protocol_session() = default;
  // Connected (first time and after every reconnect): send the subscribe messages.
  virtual void on_open(session_io& io) = 0;
  // One message. `msg` is followed by 64 readable bytes (simdjson padding); valid only during the call.
  virtual void on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) = 0;
  // The connection is gone: every book of this connection is out of sync (nothing emitted for it
  // until resynced after the reconnect). Counted by the session as resyncs where books were synced.
  virtual void on_close() = 0;
  // Every ws_adapter_config::ping_interval while connected: the application-level ping, if any.
  virtual void on_ping(session_io& io) { (void)io; }
};

// An exchange's request budget: at most `max` requests in any `window` (sliding). reserve() hands out
// send times in FIFO order and never refuses: a request over budget gets a later time. Thread-safe, so
// one window can be shared by the connections of one IP (Coinbase) or owned by one connection (OKX).
class request_window {
 public:
  request_window(std::size_t max, std::chrono::nanoseconds window)
      : max_(max == 0 ? 1 : max), window_ns_(window.count()) {}

  // The earliest time >= now_ns at which one more request keeps every window within the budget;
  // that time is taken (later reservations come after it).
  std::int64_t reserve(std::int64_t now_ns) {
    std::lock_guard lock(mu_);
    std::int64_t t = now_ns;
    if (!times_.empty()) t = std::max(t, times_.back());
    if (times_.size() >= max_) t = std::max(t, times_[times_.size() - max_] + window_ns_);
    times_.push_back(t);
    while (times_.size() > max_) times_.pop_front();
    return t;
  }
  // Forgets past requests (a budget per connection starts afresh on a new connection).
  void reset() {
    std::lock_guard lock(mu_);
    times_.clear();
  }
  std::size_t max() const noexcept { return max_; }
  std::int64_t window_ns() const noexcept { return window_ns_; }

 private:
  std::mutex mu_;
  const std::size_t max_;
  const std::int64_t window_ns_;
  std::deque<std::int64_t> times_;  // the last `max_` reserved times, ascending
};

// A session's requests (subscribe, unsubscribe) paced by a request_window: sent at once while within
// the budget, otherwise queued in order (never dropped) and sent by flush() once due, which the session
// calls from on_message and on_ping. Without a window everything is sent at once. Each delayed request
// counts in `delayed` (a metric). The queue is bounded: beyond `max_queued` send() fails like a full
// connection queue.
class paced_sender {
 public:
  paced_sender() = default;
  paced_sender(std::shared_ptr<request_window> window, counter* delayed, std::size_t max_queued = 4096)
      : window_(std::move(window)), delayed_(delayed), max_queued_(max_queued) {}

  // Sends or queues `text`; `tag` names what it is for (see queued(), flush()). False when the
  // connection refused it or the queue is full.
  bool send(session_io& io, std::string text, std::string tag = {}) {
    if (!window_) return io.send(std::move(text));
    const std::int64_t now = io.now_ns();
    const std::int64_t due = window_->reserve(now);
    if (queue_.empty() && due <= now) return io.send(std::move(text));
    if (queue_.size() >= max_queued_) return false;
    queue_.push_back({due, std::move(text), std::move(tag)});
    ++delayed_count_;
    if (delayed_) delayed_->inc();
    return true;
  }
  // Sends every queued request that is due, in order; on_sent(tag) after each. False when the
  // connection refused one (it stays queued).
  template <class F>
  bool flush(session_io& io, F&& on_sent) {
    if (queue_.empty()) return true;
    const std::int64_t now = io.now_ns();
    while (!queue_.empty() && queue_.front().due_ns <= now) {
      if (!io.send(queue_.front().text)) return false;
      std::string tag = std::move(queue_.front().tag);
      queue_.pop_front();
      on_sent(std::string_view(tag));
    }
    return true;
  }
  bool flush(session_io& io) {
    return flush(io, [](std::string_view) {});
  }
  // The connection is gone: what was queued for it is void (on_open subscribes afresh).
  void clear() { queue_.clear(); }
  bool queued(std::string_view tag) const {
    return std::any_of(queue_.begin(), queue_.end(), [&](const item& i) { return i.tag == tag; });
  }
  std::size_t pending() const noexcept { return queue_.size(); }
  // When the oldest queued request is due (0: none queued).
  std::int64_t next_due_ns() const noexcept { return queue_.empty() ? 0 : queue_.front().due_ns; }
  std::uint64_t delayed() const noexcept { return delayed_count_; }
  request_window* window() const noexcept { return window_.get(); }

 private:
  struct item {
    std::int64_t due_ns;
    std::string text;
    std::string tag;
  };
  std::shared_ptr<request_window> window_;
  counter* delayed_ = nullptr;
  std::size_t max_queued_ = 4096;
  std::deque<item> queue_;
  std::uint64_t delayed_count_ = 0;
};

// An exchange's parser as tools see it: one raw message in, the events it decodes to out, with book
// updates shown as decoded (snapshot or delta, with the exchange's sequence fields) rather than
// synced. Control traffic (acks, heartbeats, pongs, status) decodes to no event and is no error.
class message_decoder {
 public:
  virtual ~message_decoder() = default;
  // `msg` must be followed by 64 readable bytes. Appends to `out`; false (with `error`) when the
  // message is malformed. Never throws.
  virtual bool decode(std::string_view msg, std::int64_t receive_ns, std::vector<event>& out, std::string& error) = 0;
};

}  // namespace mdfan::adapters
