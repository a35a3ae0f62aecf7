#pragma once
// The simulator's network side (internal): the hub that fans generated messages out, the HTTP
// session (REST and WebSocket upgrade), the WebSocket session and the listener. The simulator runs
// one thread, so all of this lives on one implicit strand and nothing here locks.
#include <array>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "adapters/sim/simulator.hpp"
#include "adapters/sim/venue.hpp"
#include "adapters/sim/ws_codec.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::sim {

namespace beast = boost::beast;
namespace http = beast::http;

// The counters behind sim_stats.
struct stat_counters {
  std::atomic<std::uint64_t> generated{0}, sent{0}, sent_bytes{0}, connections{0}, open_connections{0},
      rejected{0}, slow_disconnects{0}, requests{0}, http_requests{0}, pings_sent{0}, pongs_received{0};
  static void inc(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
  }
};

// A client connection the hub can close.
class connection {
 public:
  virtual void shutdown() = 0;  // closes the socket now; pending operations end with an error
  virtual bool is_websocket() const noexcept = 0;

 protected:
  ~connection() = default;
};

class ws_session;

// The state one simulator shares with its sessions: the venue, which session wants which topic, and
// the open connections. Sessions register in their constructor and leave in their destructor.
class hub final : public message_sink {
 public:
  hub(const sim_config& cfg, venue& v, spdlog::logger& log);

  const sim_config& cfg;
  venue& ven;
  spdlog::logger& log;
  stat_counters stats;
  message_hook hook;

  void add(connection* c) { connections_.insert(c); }
  void remove(connection* c) { connections_.erase(c); }
  std::size_t connection_count() const noexcept { return connections_.size(); }
  void shutdown_all(bool websocket_only);

  void subscribe(ws_session* s, std::uint32_t stream);
  void unsubscribe(ws_session* s, std::uint32_t stream);

  bool wanted(std::uint32_t stream) const override { return !subscribers_[stream].empty(); }
  void push(sim_message&& msg) override;

 private:
  std::vector<std::vector<ws_session*>> subscribers_;  // by stream
  std::unordered_set<connection*> connections_;
};

// One WebSocket client after the upgrade: its subscriptions, a bounded queue of frames written many
// per syscall with one write in flight, server pings, and the control-request loop. It frames
// itself (ws_codec) rather than use Beast's websocket stream, which writes one message per syscall.
class ws_session final : public connection, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(tcp::socket&& socket, hub& h, std::unique_ptr<venue_session> state, venue_reply first);
  ~ws_session();
  // Answers a validated upgrade request with 101 and starts the session.
  void run(const http::request<http::string_body>& req);
  void deliver(const sim_message& msg);
  void shutdown() override;
  bool is_websocket() const noexcept override { return true; }

 private:
  // A frame to send: its header and a view into a payload it keeps alive (shared by every subscriber).
  struct frame {
    std::shared_ptr<const std::string> owner;
    std::string_view payload;
    std::array<std::uint8_t, max_frame_header> header{};
    std::uint8_t header_size = 0;
    ws_opcode op = ws_opcode::text;
  };

  void on_accept(error_code ec);
  void do_read();
  void on_read(error_code ec, std::size_t n);
  bool on_frame(const frame_info& f, std::string_view payload);  // false: stop parsing
  void on_message(std::string_view text);
  void apply(venue_reply&& r);  // topics, frames, close
  void enqueue(ws_opcode op, std::shared_ptr<const std::string> owner, std::string_view payload);
  void schedule_flush();
  void do_write();
  void on_write(error_code ec, std::size_t n);
  void arm_ping();
  void close(std::uint16_t code, std::string_view reason);
  void fail(error_code ec, const char* what);

  tcp::socket socket_;
  hub& hub_;
  std::unique_ptr<venue_session> state_;
  venue_reply first_;                 // the venue's answer to the upgrade, applied once open
  std::vector<std::uint32_t> topics_;  // subscribed topics (to leave the hub on destruction)
  std::string scratch_;               // venue::render's per-session buffer
  http::response<http::empty_body> upgrade_;  // the 101 answer, alive while it is written
  beast::flat_buffer in_;
  std::string message_;  // a fragmented client message being assembled
  bool in_message_ = false;
  std::deque<frame> out_;
  std::size_t out_bytes_ = 0;  // payload bytes queued
  std::string wbuf_;           // the frames of the write in flight, copied back to back
  std::uint64_t batch_text_frames_ = 0;
  bool batch_has_close_ = false;
  bool writing_ = false;
  bool flush_pending_ = false;
  bool open_ = false;
  bool closing_ = false;
  std::int64_t oldest_unanswered_ping_ns_ = 0;  // 0: every ping answered
  net::steady_timer ping_timer_;
  net::steady_timer kill_timer_;  // bounds the closing handshake
};

// One HTTP connection: REST requests (keep-alive) until it upgrades to WebSocket.
class http_session final : public connection, public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, hub& h);
  ~http_session();
  void run() { do_read(); }
  void shutdown() override;
  bool is_websocket() const noexcept override { return false; }

 private:
  void do_read();
  void on_read(error_code ec, std::size_t n);
  void respond(http::status status, std::string body, bool keep_alive);
  void route(const http::request<http::string_body>& req);

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  hub& hub_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

// Accepts connections and enforces max_connections.
class listener final : public std::enable_shared_from_this<listener> {
 public:
  // Binds and listens; throws std::system_error on failure.
  listener(net::io_context& ioc, const tcp::endpoint& ep, hub& h);
  void run() { do_accept(); }
  void stop();
  std::uint16_t port() const;

 private:
  void do_accept();
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  hub& hub_;
};

}  // namespace mdfan::sim
