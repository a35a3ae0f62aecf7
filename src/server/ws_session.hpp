#pragma once
// One client WebSocket connection on /ws (protocol: server/protocol.hpp). It is an event_sink:
// the manager hands it shared event frames, which it queues (bounded, see send_queue.hpp) and
// writes on its own strand, every queued frame it can in one gather write (sendmsg). When the
// client reads too slowly, each event type's slow-consumer policy applies (conflate, drop with a
// gap notice, book snapshot, or disconnect).
//
// After the upgrade the session speaks RFC 6455 itself on the TCP socket (framing: ws_frame.hpp):
// server frames are unmasked, so an event's frame is a 2-10 byte header plus the manager's shared
// JSON, with no per-client copy of the payload.
//
// Ordering guarantees given to clients:
// - subscribe: the snapshot events (latest ticker/candle, synced book of every newly matched topic,
//   when "snapshot":true) come first, then the {"op":"subscribed"} ack; every matching event after
//   the ack is live. The ack is sent only once the manager has registered the subscription.
// - unsubscribe: the {"op":"unsubscribed"} ack comes after the last event routed under the removed
//   patterns (events still matched by another subscription keep flowing).
// Both rest on one rule: whatever the manager strand hands the session (events through deliver(),
// which appends to the inbox, and posted acks) reaches the session strand in the order it was handed.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "manager/manager.hpp"
#include "server/protocol.hpp"
#include "server/rate_limiter.hpp"
#include "server/send_queue.hpp"
#include "server/server_state.hpp"
#include "net/ws_frame.hpp"

namespace mdfan::server_detail {

// A lock for a few instructions (the inbox append): cheaper than a mutex, and 1 byte per session.
class tiny_spinlock {
 public:
  void lock() noexcept;
  void unlock() noexcept { flag_.clear(std::memory_order_release); }

 private:
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

class ws_session final : public event_sink, public session_base, public std::enable_shared_from_this<ws_session> {
 public:
  // Bounds of one gather write.
  static constexpr std::size_t max_write_frames = 256;
  static constexpr std::size_t max_write_bytes = std::size_t{256} * 1024;

  ws_session(tcp::socket&& socket, std::shared_ptr<server_state> state);
  ~ws_session() override;

  // Completes the upgrade `req` asked for, then serves the client. `leftover`: bytes the HTTP
  // session read past the request (the client's first frames).
  void run(const boost::beast::http::request<boost::beast::http::string_body>& req, std::string leftover = {});

  void deliver(const event_ptr& ev) override;  // manager strand: appends to the inbox
  void shutdown() override;

 private:
  void on_handshake(error_code ec, const std::string& leftover);
  void drain_inbox();
  void do_read();
  void on_readable(error_code ec);
  bool consume(const char* data, std::size_t size);  // false once reading should stop
  void handle_message(ws::opcode op, std::string_view payload);
  void handle_request(server_protocol::client_request& req);
  void reply(std::string text);
  void enqueue(outbound_frame f);
  void on_slow_consumer();
  void on_overload(std::size_t waiting, std::size_t refused);
  void recover();
  void forget_unsubscribed();
  void report_depth();
  void flush();
  void wait_writable();
  void after_close_written();
  // Queues our close frame; the socket is dropped if the close has not completed within `wait`
  // (0: server_config::close_timeout).
  void do_close(std::uint16_t code, std::string_view reason, std::chrono::milliseconds wait = {});
  void release_idle_memory();
  void arm_timer(std::chrono::milliseconds after);
  void on_timer(error_code ec);
  void end(error_code ec);

  tcp::socket socket_;
  std::shared_ptr<server_state> state_;
  std::string peer_;
  ws::frame_reader reader_;
  send_queue queue_;
  std::string control_;            // control frames waiting to be written (pong, ping, close), before any queued frame
  std::size_t front_written_ = 0;  // bytes of the queue's front frame (header + payload) already written
  std::string handshake_;          // the 101 response (or a refusal) while it is written
  std::vector<std::string> snapshot_topics_;  // scratch for recover()
  std::int64_t reported_bytes_ = 0;           // this session's share of the queued-bytes gauge
  rate_limiter limiter_;
  net::steady_timer timer_;                        // handshake, then keep-alive / idle, then the close deadline
  std::unordered_set<std::string> subscriptions_;  // pattern text

  // Filled on the manager strand, drained on ours: one post per batch, not per event.
  tiny_spinlock inbox_lock_;
  bool inbox_posted_ = false;  // a drain_inbox is posted and has not taken the inbox yet
  std::size_t inbox_refused_ = 0;  // events refused at inbox_limit_: the client is disconnected
  std::size_t inbox_limit_ = 0;  // 0: unbounded (session_queue_messages = 0)
  std::vector<event_ptr> inbox_;
  std::vector<event_ptr> draining_;

  std::atomic<bool> closing_flag_{false};  // mirrors closing_ for deliver() on the manager strand
  bool accepted_ = false;
  bool reading_ = false;        // an async wait for readability is pending
  bool write_waiting_ = false;  // an async wait for writability is pending
  bool closing_ = false;        // our close frame is queued (or the connection is failing)
  bool close_written_ = false;  // our close frame is on the wire
  bool close_received_ = false;
  bool shut_down_ = false;  // we shut down our sending side: waiting for the client's EOF
  bool ended_ = false;
  bool rx_since_tick_ = false;  // something arrived since the last keep-alive tick
  bool ping_sent_ = false;      // a keep-alive ping is unanswered
};

}  // namespace mdfan::server_detail
