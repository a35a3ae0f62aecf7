#pragma once
// One client WebSocket connection on /ws (protocol: server/protocol.hpp). It is an event_sink:
// the manager hands it shared event frames, which it queues (bounded, see send_queue.hpp) and
// writes one at a time on its own strand. When the client reads too slowly, each event type's
// slow-consumer policy applies (conflate, drop with a gap notice, book snapshot, or disconnect).
//
// Ordering guarantees given to clients:
// - subscribe: the snapshot events (latest ticker/candle, synced book of every newly matched topic,
//   when "snapshot":true) come first, then the {"op":"subscribed"} ack; every matching event after
//   the ack is live. The ack is sent only once the manager has registered the subscription.
// - unsubscribe: the {"op":"unsubscribed"} ack comes after the last event routed under the removed
//   patterns (events still matched by another subscription keep flowing).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "manager/manager.hpp"
#include "server/protocol.hpp"
#include "server/rate_limiter.hpp"
#include "server/send_queue.hpp"
#include "server/server_state.hpp"

namespace mdfan::server_detail {

class ws_session final : public event_sink, public session_base, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(tcp::socket&& socket, std::shared_ptr<server_state> state);
  ~ws_session() override;

  // Completes the upgrade `req` asked for, then serves the client.
  void run(const boost::beast::http::request<boost::beast::http::string_body>& req);

  void deliver(const event_ptr& ev) override;  // manager strand: posts to ours
  void shutdown() override;

 private:
  using ws_stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  void on_accept(error_code ec);
  void do_read();
  void on_read(error_code ec, std::size_t n);
  void handle_message();
  void handle_request(server_protocol::client_request& req);
  void on_event(const event_ptr& ev);
  void reply(std::string text);
  void enqueue(outbound_frame f);
  void on_slow_consumer();
  void recover();
  void on_snapshot(const std::string& topic, const event_ptr& snap);
  void forget_unsubscribed();
  void report_depth();
  void do_write();
  void on_write(error_code ec, std::size_t n);
  void do_close(boost::beast::websocket::close_code code, const char* reason);
  void on_close(error_code ec);
  void on_close_timeout(error_code ec);
  void end(error_code ec);

  ws_stream ws_;
  std::shared_ptr<server_state> state_;
  std::string peer_;
  boost::beast::flat_buffer buffer_;
  send_queue queue_;
  std::vector<std::string> snapshot_topics_;  // scratch for recover()
  std::int64_t reported_bytes_ = 0;           // this session's share of the queued-bytes gauge
  rate_limiter limiter_;
  net::steady_timer close_timer_;
  std::unordered_set<std::string> subscriptions_;  // pattern text
  std::atomic<bool> closing_flag_{false};          // mirrors closing_ for deliver() on the manager strand
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool ended_ = false;
};

}  // namespace mdfan::server_detail
