#pragma once
// The manager: the one place events meet. It keeps the latest ticker and book per instrument,
// encodes each event once, and hands the shared encoding to local sinks (WebSocket sessions,
// in-process bots) and, for events this instance produced, to the bridge.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include "core/metrics.hpp"
#include "core/order_book.hpp"
#include "core/topic.hpp"
#include "mdfan/event.hpp"

namespace spdlog {
class logger;
}

namespace mdfan {

// An event with its topic and JSON encoding; immutable once built and shared by every consumer.
struct published_event {
  event ev;
  std::string topic;  // "trade:binance:BTC-USDT"
  std::string json;   // encode_json(ev): the client frame and the bridge envelope's data
  bool remote = false;  // arrived through the bridge from another instance
};
using event_ptr = std::shared_ptr<const published_event>;

event_ptr make_published(event ev);

// A local consumer. deliver() runs on the manager's strand and must not block:
// implementations queue the event and return.
class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void deliver(const event_ptr& ev) = 0;
};

struct manager_config {
  std::size_t snapshot_depth = 100;  // book levels per side in snapshots sent to new subscribers (0: all)
  // Events routed per strand handler; the rest of a larger backlog is re-posted, so sessions and
  // other strand work run between chunks instead of behind one huge batch.
  std::size_t drain_chunk = 1024;
};

class manager {
 public:
  // Receives every event this instance produced (host and hybrid roles wire it to the bridge), a batch
  // at a time and in order: what one drain of the inbox produced.
  using bridge_batch_fn = std::function<void(std::span<const event_ptr>)>;
  // Told when a pattern gains its first subscriber (added=true) or loses its last (added=false);
  // the executor's bridge turns these into Redis subscriptions.
  using interest_fn = std::function<void(const topic_pattern&, bool added)>;

  manager(boost::asio::any_io_executor ex, manager_config cfg, std::shared_ptr<spdlog::logger> log,
          metrics_registry& metrics);

  // Set before events flow.
  void set_bridge_batch(bridge_batch_fn fn) { bridge_batch_ = std::move(fn); }
  void set_interest_listener(interest_fn fn) { interest_ = std::move(fn); }

  // Thread-safe entry points: each posts to the manager's strand.
  void ingest_local(event ev);                      // from this instance's adapters
  // A batch from one adapter thread (replay at full speed): encoded on the caller's thread and handed
  // to the strand under one lock with at most one post, in order. Leaves `events` empty.
  void ingest_local(std::vector<event>& events);
  // Events handed in and not yet routed (thread-safe, one atomic load): producers use it to hold back
  // (replay at full speed sleeps, the bridge pauses its Redis reads) instead of growing the inbox
  // without bound. Also exported as the gauge mdfan_manager_inbox_depth.
  std::size_t inbox_depth() const noexcept { return backlog_.load(std::memory_order_relaxed); }
  void ingest_remote(event ev, std::string json);   // from the bridge; json is the data as received
  // Adds patterns to a sink; with `snapshot`, the latest ticker and synced book of every matching
  // topic are delivered first. Then `done` runs (on the manager strand), if given.
  void subscribe(std::shared_ptr<event_sink> sink, std::vector<topic_pattern> patterns, bool snapshot,
                 std::function<void()> done = {});
  void unsubscribe(const std::shared_ptr<event_sink>& sink, std::vector<topic_pattern> patterns);
  void remove(const event_sink* sink);

  // Runs fn on the manager's strand (tests, snapshots of state).
  void post(std::function<void()> fn);

  // Strand-only accessors (call from within post()).
  const order_book* book(const std::string& topic) const;
  event_ptr latest(const std::string& topic) const;
  std::size_t sink_count() const { return sinks_.size(); }

 private:
  struct sink_state {
    std::weak_ptr<event_sink> sink;
    std::vector<topic_pattern> patterns;
  };
  struct topic_state {
    event_type type;
    exchange_id exchange;
    std::string instrument;
    std::vector<std::pair<const event_sink*, std::weak_ptr<event_sink>>> sinks;
    event_ptr latest;      // last ticker / candle
    order_book book;       // book topics only
    bool book_synced = false;
    event_header book_header;  // header of the last applied book event
  };

  void push_inbox(event_ptr* first, std::size_t n);
  void drain_inbox();
  void dispatch(event_ptr ev);
  topic_state& topic_for(const event_ptr& ev);
  void update_state(topic_state& ts, const event_ptr& ev);
  event_ptr snapshot_of(const topic_state& ts) const;
  void add_pattern_interest(const topic_pattern& p);
  void drop_pattern_interest(const topic_pattern& p);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  manager_config cfg_;
  std::shared_ptr<spdlog::logger> log_;
  bridge_batch_fn bridge_batch_;
  std::vector<event_ptr> to_bridge_;  // strand only: one drain's local events for bridge_batch_
  interest_fn interest_;
  std::unordered_map<const event_sink*, sink_state> sinks_;
  std::unordered_map<std::string, topic_state> topics_;
  std::unordered_map<std::string, std::size_t> pattern_refs_;  // pattern text -> subscribing sinks

  // Local and remote events wait here for the strand (published_event::remote tells them apart): one
  // post per batch (what arrived meanwhile), not per event; one FIFO, so each producer keeps its order.
  std::mutex inbox_mu_;
  std::vector<event_ptr> inbox_;
  std::vector<event_ptr> draining_;  // strand only
  std::size_t drain_pos_ = 0;        // strand only: draining_[drain_pos_..] are still to route
  bool inbox_posted_ = false;        // a drain_inbox is posted (or re-posted) and has not finished
  std::atomic<std::size_t> backlog_{0};  // inbox_ + the unrouted part of draining_

  counter* in_local_[event_type_count];
  counter* in_remote_[event_type_count];
  counter* out_[event_type_count];
  counter& book_gaps_;
  gauge& subscribers_;
  gauge& inbox_gauge_;
};

}  // namespace mdfan
