#pragma once
// The bridge between instances: hosts publish normalized events to Redis pub/sub, executors subscribe
// to the channels their clients are interested in. Channel = prefix + topic ("md:trade:binance:BTC-USDT").
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/metrics.hpp"
#include "core/topic.hpp"
#include "manager/manager.hpp"  // published_event / event_ptr only (header); mdfan_manager is not linked
#include "mdfan/event.hpp"
#include "net/net.hpp"
#include "redis/config.hpp"

namespace spdlog {
class logger;
}

namespace mdfan {

// How the bridge connects and what it does; durations in milliseconds.
struct bridge_config {
  redis::redis_config redis;  // both connections use it
  // Prepended to every channel and key ("md:" -> "md:trade:binance:BTC-USDT", "md:instruments").
  std::string prefix = "md:";
  // Host / hybrid: publish events and advertise instruments. false: executor (nothing is advertised;
  // the command connection is then used only to discover advertised instruments).
  bool publish = true;
  // Executor / hybrid: subscribe to channels of interest. false: host (no subscriber connection at all).
  bool subscribe = true;
  // Events held while Redis is unreachable or a write is in flight; past it the oldest are dropped and
  // counted (mdfan_bridge_dropped_total). 0 behaves as 1.
  std::size_t max_pending = 100000;
  // Host: how often the advertisement (ZADD <prefix>instruments) is refreshed, and how long an entry
  // and the key live without a refresh. Executor: how often advertised instruments are polled while a
  // wildcard interest exists. 0 disables the periodic refresh / poll.
  std::chrono::milliseconds advertise_interval{5000}, advertise_ttl{15000}, discover_interval{2000};
  // Executor / hybrid: while the receiver reports at least this many received events not yet handled
  // (set_remote_backlog), the subscriber connection stops reading; it reads again below half of it.
  // Redis then buffers for us up to its client-output-buffer-limit for pub/sub; past that it drops the
  // connection, which the bridge reports as a reconnect and the lost events as sequence gaps.
  // 0: never pause.
  std::size_t max_remote_backlog = 20000;
  // stop() waits at most this long for pending publishes to be written and acknowledged.
  std::chrono::milliseconds flush_timeout{2000};
};

// This instance's link to Redis: a publisher (command) connection and, unless host-only, a subscriber
// connection. Public methods are thread-safe; callbacks (on_remote, stop's done) run on its strand.
class event_bridge {
 public:
  // Receives each event from another instance: the decoded event and its "data" bytes exactly as the
  // publisher encoded them (to forward without re-encoding).
  using remote_fn = std::function<void(event&& ev, std::string data_json)>;

  // Registers the mdfan_bridge_* metrics in `metrics`, which must outlive the bridge.
  event_bridge(net::any_io_executor ex, bridge_config cfg, std::shared_ptr<spdlog::logger> log,
               metrics_registry& metrics, remote_fn on_remote);
  event_bridge(const event_bridge&) = delete;
  event_bridge& operator=(const event_bridge&) = delete;
  // Closes the connections without flushing, if stop() was not called. Never blocks.
  ~event_bridge();

  // Executor / hybrid: how many received events the receiver has not handled yet (thread-safe, cheap:
  // asked after every read). Set before start(); without it the bridge never pauses reading.
  void set_remote_backlog(std::function<std::size_t()> depth);

  void start();
  // Flushes pending publishes (bounded by flush_timeout), closes the connections, then runs done
  // (on the bridge's strand). Events still pending then are counted as dropped.
  void stop(std::function<void()> done);
  // Host / hybrid: queues one event for publishing; never blocks.
  void publish(const event_ptr& ev);
  // The same for a batch, in order, under one lock.
  void publish(std::span<const event_ptr> events);
  // Executor / hybrid: subscribe to (stop subscribing to) the channels a pattern covers.
  void add_interest(const topic_pattern& p);
  void remove_interest(const topic_pattern& p);

  // A random UUID; envelopes carrying it are our own and are dropped on receipt.
  const std::string& instance_id() const;

  // A snapshot of the bridge's counters and connection state, for /health.
  struct health_info {
    bool publisher_connected, subscriber_connected;
    std::uint64_t published, received, self_filtered, gaps, dropped, reconnects, decode_errors, read_pauses;
    std::int64_t last_lag_ns;
    std::size_t pending;
  };
  // From atomics; callable from any thread.
  health_info health() const;

 private:
  struct state;
  std::shared_ptr<state> s_;
};

}  // namespace mdfan
