#include "feed/ws_client.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/error.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "core/clock.hpp"
#include "feed/endpoint.hpp"
#include "feed/tls.hpp"
#include "net/ws_frame.hpp"

namespace mdfan::feed {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using ws_error = beast::websocket::error;

// simdjson needs this many readable bytes after every message handed to on_message.
constexpr std::size_t message_padding = 64;
// One read takes whatever the kernel has, up to this: a burst of frames is handled in one handler.
constexpr std::size_t read_chunk = 64 * 1024;

using plain_stream = tcp::socket;
using tls_stream = ssl::stream<tcp::socket>;

// The metrics of one feed, registered once.
struct feed_metrics {
  counter& connects;
  counter& disconnects;
  counter& messages;
  counter& bytes;
  counter& pings;
  counter& send_rejected;
  counter& read_pauses;
  gauge& connected;
  gauge& read_paused;

  // `l`: the label body, e.g. feed="binance".
  feed_metrics(metrics_registry& m, const std::string& l)
      : connects(m.get_counter("mdfan_feed_connects_total", "Successful exchange WebSocket connects", l)),
        disconnects(m.get_counter("mdfan_feed_disconnects_total", "Exchange connections lost after open", l)),
        messages(m.get_counter("mdfan_feed_messages_total", "Messages received from the exchange", l)),
        bytes(m.get_counter("mdfan_feed_bytes_total", "Message bytes received from the exchange", l)),
        pings(m.get_counter("mdfan_feed_pings_received_total", "Server ping frames (answered by a pong)", l)),
        send_rejected(m.get_counter("mdfan_feed_send_rejected_total", "send() refused: send queue full", l)),
        read_pauses(m.get_counter("mdfan_feed_read_pauses_total",
                                  "Reads from the exchange paused because events read earlier were not yet routed", l)),
        connected(m.get_gauge("mdfan_feed_connected", "1 while the exchange connection is open", l)),
        read_paused(m.get_gauge("mdfan_feed_read_paused", "1 while reading from the exchange is paused", l)) {}
};

// Sec-WebSocket-Key: 16 random bytes, base64.
std::string make_key() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    const auto t = static_cast<std::uint64_t>(mono_ns());
    for (std::size_t i = 0; i < sizeof raw; ++i) raw[i] = static_cast<unsigned char>(t >> (8 * (i % 8)));
  }
  unsigned char out[32];
  const int n = EVP_EncodeBlock(out, raw, sizeof raw);
  return {reinterpret_cast<const char*>(out), static_cast<std::size_t>(n)};
}

// One reconnecting WebSocket client over `Stream` (plain TCP or TLS). Beast does the HTTP upgrade;
// after it the client frames and unframes itself (net/ws_frame.hpp): one read takes every frame the
// kernel holds and hands each message to on_message in that one handler, so a burst costs one
// syscall and one handler, not one per message. Every member is touched on strand_ only, except the
// atomics that send()/connected()/connects() read from any thread. Each connection attempt gets a
// fresh `connection`; handlers hold it, so a handler of a dead connection finds it differs from conn_
// (or closing_) and returns without touching the new one.
template <class Stream>
class client final : public ws_client, public std::enable_shared_from_this<client<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  struct connection {
    template <class... Args>
    connection(std::size_t max_message, Args&&... args)
        : stream(std::forward<Args>(args)...),
          reader(max_message, message_padding, ws::sender::server),
          buf(std::make_unique<char[]>(read_chunk)) {}
    tcp::socket& socket() {
      if constexpr (is_tls)
        return stream.next_layer();
      else
        return stream;
    }
    Stream stream;
    ws::frame_reader reader;
    std::unique_ptr<char[]> buf;         // read buffer
    std::string key;                     // Sec-WebSocket-Key sent
    http::request<http::empty_body> req;  // the upgrade request while it is written
    beast::flat_buffer rx;                // the upgrade response, and any frames read with it
    std::optional<http::response_parser<http::string_body>> res;
    std::string out;        // bytes being written
    bool writing = false;
    bool reading = false;   // a read is in flight (none while the read gate holds reading back)
  };
  using conn_ptr = std::shared_ptr<connection>;

 public:
  client(net::any_io_executor ex, ws_client_config cfg, endpoint ep, ws_handlers h,
         std::shared_ptr<spdlog::logger> log, metrics_registry& metrics)
      : strand_(net::make_strand(ex)),
        cfg_(std::move(cfg)),
        ep_(std::move(ep)),
        h_(std::move(h)),
        log_(log ? std::move(log) : spdlog::default_logger()),
        m_(metrics, fmt::format("feed=\"{}\"", cfg_.name)),
        resolver_(strand_),
        connect_timer_(strand_),
        reconnect_timer_(strand_),
        idle_timer_(strand_),
        ping_timer_(strand_),
        close_timer_(strand_),
        gate_timer_(strand_),
        backoff_(cfg_.backoff) {
    std::uint64_t seed = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed) != 1 || seed == 0)
      seed = static_cast<std::uint64_t>(mono_ns()) | 1U;
    mask_state_ = seed;
  }

  void start() override {
    net::post(strand_, [self = this->shared_from_this()] {
      if (self->started_ || self->stopped_) return;
      self->started_ = true;
      self->do_connect();
    });
  }

  void stop(std::function<void()> done) override {
    net::post(strand_, [self = this->shared_from_this(), done = std::move(done)]() mutable {
      self->do_stop(std::move(done));
    });
  }

  bool send(std::string text) override {
    if (!connected_.load(std::memory_order_acquire)) return false;
    if (queued_.fetch_add(1, std::memory_order_relaxed) >= cfg_.max_send_queue) {
      queued_.fetch_sub(1, std::memory_order_relaxed);
      m_.send_rejected.inc();
      return false;
    }
    const auto gen = gen_.load(std::memory_order_acquire);
    net::post(strand_, [self = this->shared_from_this(), gen, text = std::move(text)]() mutable {
      if (gen != self->gen_.load(std::memory_order_relaxed) || !self->conn_ || !self->connected_) {
        self->queued_.fetch_sub(1, std::memory_order_relaxed);  // that connection is gone
        return;
      }
      self->queue_.push_back(std::move(text));
      self->pump(self->conn_);
    });
    return true;
  }

  void reconnect() override {
    net::post(strand_, [self = this->shared_from_this()] {
      if (self->conn_) self->fail(self->conn_, net::error::operation_aborted, "reconnect requested");
    });
  }

  bool connected() const override { return connected_.load(std::memory_order_acquire); }
  std::uint64_t connects() const override { return connects_.load(std::memory_order_acquire); }

 private:
  conn_ptr make_connection() {
    if constexpr (is_tls)
      return std::make_shared<connection>(cfg_.max_message_bytes, strand_, client_tls_context());
    else
      return std::make_shared<connection>(cfg_.max_message_bytes, strand_);
  }

  // A fresh masking key per frame (RFC 6455 5.3), from a randomly seeded xorshift.
  std::uint32_t next_mask() noexcept {
    mask_state_ ^= mask_state_ << 13;
    mask_state_ ^= mask_state_ >> 7;
    mask_state_ ^= mask_state_ << 17;
    return static_cast<std::uint32_t>(mask_state_ >> 16);
  }

  // --- connect: resolve, TCP connect, TLS handshake, WebSocket upgrade, all under connect_timeout

  void do_connect() {
    auto c = make_connection();
    conn_ = c;
    connect_timer_.expires_after(cfg_.connect_timeout);
    connect_timer_.async_wait([self = this->shared_from_this(), c](error_code ec) {
      if (!ec && c == self->conn_ && !self->connected_) self->fail(c, net::error::timed_out, "connect timeout");
    });
    resolver_.async_resolve(ep_.host, ep_.port,
                            [self = this->shared_from_this(), c](error_code ec, tcp::resolver::results_type r) {
                              self->on_resolve(c, ec, std::move(r));
                            });
  }

  void on_resolve(const conn_ptr& c, error_code ec, const tcp::resolver::results_type& results) {
    if (c != conn_) return;
    if (ec) return fail(c, ec, "resolve");
    net::async_connect(c->socket(), results, [self = this->shared_from_this(), c](error_code ec, const tcp::endpoint&) {
      self->on_connect(c, ec);
    });
  }

  void on_connect(const conn_ptr& c, error_code ec) {
    if (c != conn_) return;
    if (ec) return fail(c, ec, "connect");
    c->socket().set_option(tcp::no_delay(true), ec);
    if constexpr (is_tls) {
      // SNI (many exchange front ends refuse a handshake without it) and the peer name check.
      if (!prepare_tls_client(c->stream.native_handle(), ep_.host))
        return fail(c, error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()), "tls setup");
      c->stream.async_handshake(ssl::stream_base::client, [self = this->shared_from_this(), c](error_code ec) {
        if (c != self->conn_) return;
        if (ec) return self->fail(c, ec, "tls handshake");
        self->do_upgrade(c);
      });
    } else {
      do_upgrade(c);
    }
  }

  void do_upgrade(const conn_ptr& c) {
    c->key = make_key();
    auto& req = c->req;
    req.method(http::verb::get);
    req.target(ep_.target);
    req.version(11);
    req.set(http::field::host, ep_.host_header());
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, c->key);
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::user_agent, "mdfan");
    http::async_write(c->stream, req, [self = this->shared_from_this(), c](error_code ec, std::size_t) {
      if (c != self->conn_) return;
      if (ec) return self->fail(c, ec, "websocket handshake");
      c->res.emplace();
      c->res->body_limit(64 * 1024);  // a refusal's body, for the log
      http::async_read(c->stream, c->rx, *c->res, [self, c](error_code ec, std::size_t) { self->on_upgrade(c, ec); });
    });
  }

  void on_upgrade(const conn_ptr& c, error_code ec) {
    if (c != conn_) return;
    if (ec) return fail(c, ec, "websocket handshake");
    const auto& res = c->res->get();
    if (res.result() != http::status::switching_protocols) {
      log_->warn("feed {}: upgrade refused: {} {}", cfg_.name, res.result_int(), res.body().substr(0, 200));
      return fail(c, ws_error::upgrade_declined, "websocket handshake");
    }
    if (!beast::iequals(res[http::field::upgrade], "websocket")) return fail(c, ws_error::no_upgrade_websocket, "websocket handshake");
    if (res[http::field::sec_websocket_accept] != ws::accept_key(c->key))
      return fail(c, ws_error::bad_sec_accept, "websocket handshake");
    c->res.reset();
    c->req = {};
    connect_timer_.cancel();
    connected_at_ns_ = last_activity_ns_ = mono_ns();
    gen_.fetch_add(1, std::memory_order_acq_rel);
    connected_.store(true, std::memory_order_release);
    connects_.fetch_add(1, std::memory_order_acq_rel);
    m_.connects.inc();
    m_.connected.set(1);
    log_->info("feed {}: connected to {}:{}{}", cfg_.name, ep_.host, ep_.port, ep_.target);
    if (cfg_.idle_timeout.count() > 0) arm_idle(c, cfg_.idle_timeout);
    if (cfg_.ping_interval.count() > 0) arm_ping(c);
    if (h_.on_open) guarded("on_open", [&] { h_.on_open(); });
    if (c != conn_) return;
    // Frames the server sent right behind its 101 came in with it.
    if (c->rx.size() > 0) {
      const auto early = c->rx.cdata();
      if (!handle_bytes(c, static_cast<const char*>(early.data()), early.size(), wall_ns())) return;
    }
    c->rx = beast::flat_buffer();
    read_next(c);
  }

  // --- read loop

  void do_read(const conn_ptr& c) {
    c->reading = true;
    c->stream.async_read_some(net::buffer(c->buf.get(), read_chunk),
                              [self = this->shared_from_this(), c](error_code ec, std::size_t n) {
                                c->reading = false;
                                self->on_read(c, ec, n);
                              });
  }

  void on_read(const conn_ptr& c, error_code ec, std::size_t n) {
    if (c == closing_) return on_closing_read(c, ec, n);
    if (c != conn_) return;
    if (ec) return fail(c, ec, "read");
    if (handle_bytes(c, c->buf.get(), n, wall_ns())) read_next(c);
  }

  // The next read, unless the read gate holds it back: then the gate is asked again every
  // read_gate_poll, and reading resumes when it opens (on the same connection only).
  void read_next(const conn_ptr& c) {
    if (!cfg_.read_gate || cfg_.read_gate()) return do_read(c);
    if (!read_paused_) {
      read_paused_ = true;
      m_.read_pauses.inc();
      m_.read_paused.set(1);
    }
    gate_timer_.expires_after(cfg_.read_gate_poll);
    gate_timer_.async_wait([self = this->shared_from_this(), c](error_code ec) {
      if (ec || c != self->conn_) return;
      if (!self->cfg_.read_gate()) return self->read_next(c);
      self->end_pause();
      self->do_read(c);
    });
  }
  void end_pause() {
    if (!read_paused_) return;
    read_paused_ = false;
    m_.read_paused.set(0);
    last_activity_ns_ = mono_ns();  // the watchdog's window starts again: a pause is not the exchange's silence
  }

  // Every complete frame of the bytes read is handled here, messages in order; a partial frame's
  // bytes stay in the reader for the next read. False when the connection ended meanwhile.
  bool handle_bytes(const conn_ptr& c, const char* data, std::size_t n, std::int64_t receive_ns) {
    last_activity_ns_ = mono_ns();
    std::size_t off = 0;
    while (off < n) {
      std::size_t used = 0;
      const auto e = c->reader.feed(data + off, n - off, used);
      off += used;
      switch (e.what) {
        case ws::frame_reader::kind::none: break;
        case ws::frame_reader::kind::message:
          m_.messages.inc();
          m_.bytes.inc(e.payload.size());
          if (h_.on_message) guarded("on_message", [&] { h_.on_message(e.payload, receive_ns); });
          if (c != conn_) return false;  // the handler stopped or reconnected us
          break;
        case ws::frame_reader::kind::ping: {
          m_.pings.inc();
          std::string pong;
          ws::append_client_frame(pong, ws::opcode::pong, e.payload, next_mask());
          queue_control(std::move(pong));
          pump(c);
          break;
        }
        case ws::frame_reader::kind::pong: break;
        case ws::frame_reader::kind::close:
          log_->warn("feed {}: server closed the connection: {} {}", cfg_.name, e.code, e.reason.substr(0, 120));
          fail(c, ws_error::closed, "read");
          return false;
        case ws::frame_reader::kind::error:
          log_->warn("feed {}: protocol error from the server: {}", cfg_.name, e.reason);
          fail(c, e.code == ws::close_too_big ? ws_error::message_too_big : ws_error::bad_frame_payload, "read");
          return false;
      }
    }
    return true;
  }

  // --- writes: one in flight; everything queued meanwhile goes out together in the next one

  void pump(const conn_ptr& c) {
    if (c->writing || (control_.empty() && queue_.empty())) return;
    c->out.clear();
    for (auto& f : control_) c->out.append(f);  // pongs before queued messages
    control_.clear();
    std::size_t messages = 0;
    for (auto& text : queue_) {
      ws::append_client_frame(c->out, ws::opcode::text, text, next_mask());
      ++messages;
    }
    queue_.clear();
    c->writing = true;
    net::async_write(c->stream, net::buffer(c->out), [self = this->shared_from_this(), c, messages](error_code ec, std::size_t) {
      self->queued_.fetch_sub(messages, std::memory_order_relaxed);
      c->writing = false;
      if (c == self->closing_) return self->after_close_written(c, ec);
      if (c != self->conn_) return;
      if (ec) return self->fail(c, ec, "write");
      self->pump(c);
    });
  }

  // Queues a framed control frame. At most one of each kind waits: a newer pong replaces an unsent
  // one (RFC 6455 5.5.3 allows answering only the latest ping), a ping waiting already is enough, so
  // a server flooding pings while not reading cannot grow this queue.
  void queue_control(std::string frame) {
    const auto op = static_cast<std::uint8_t>(frame[0]) & 0x0fU;
    for (auto& f : control_) {
      if ((static_cast<std::uint8_t>(f[0]) & 0x0fU) != op) continue;
      f = std::move(frame);
      return;
    }
    control_.push_back(std::move(frame));
  }

  // --- timers

  void arm_idle(const conn_ptr& c, std::chrono::nanoseconds wait) {
    idle_timer_.expires_after(wait);
    idle_timer_.async_wait([self = this->shared_from_this(), c](error_code ec) {
      if (ec || c != self->conn_) return;
      const std::chrono::nanoseconds limit = self->cfg_.idle_timeout;
      if (self->read_paused_) self->last_activity_ns_ = mono_ns();  // we are not reading: no silence to judge
      const std::chrono::nanoseconds idle(mono_ns() - self->last_activity_ns_);
      if (idle >= limit) return self->fail(c, net::error::timed_out, "idle timeout");
      self->arm_idle(c, limit - idle);
    });
  }

  void arm_ping(const conn_ptr& c) {
    ping_timer_.expires_after(cfg_.ping_interval);
    ping_timer_.async_wait([self = this->shared_from_this(), c](error_code ec) {
      if (ec || c != self->conn_) return;
      std::string ping;
      ws::append_client_frame(ping, ws::opcode::ping, {}, self->next_mask());
      self->queue_control(std::move(ping));
      self->pump(c);
      self->arm_ping(c);
    });
  }

  // --- teardown

  // Forgets the current connection (timers, queue, state, metrics) without closing its socket.
  std::pair<conn_ptr, bool> detach() {
    auto c = std::exchange(conn_, nullptr);
    connect_timer_.cancel();
    idle_timer_.cancel();
    ping_timer_.cancel();
    gate_timer_.cancel();
    end_pause();
    resolver_.cancel();
    queued_.fetch_sub(queue_.size(), std::memory_order_relaxed);
    queue_.clear();
    control_.clear();
    const bool was_open = connected_.exchange(false, std::memory_order_acq_rel);
    if (was_open) {
      gen_.fetch_add(1, std::memory_order_acq_rel);
      m_.disconnects.inc();
      m_.connected.set(0);
      if (std::chrono::nanoseconds(mono_ns() - connected_at_ns_) >= cfg_.backoff_reset_after) backoff_.reset();
    }
    return {std::move(c), was_open};
  }

  static void close_socket(connection& c) {
    error_code ignored;
    c.socket().close(ignored);  // its pending operations complete with an error
  }

  // `c` by value: callers may pass conn_ itself, which detach() clears.
  void fail(conn_ptr c, error_code ec, const char* what) {
    if (!c || c != conn_) return;
    const bool was_open = detach().second;
    close_socket(*c);
    if (stopped_) return;
    const auto delay = backoff_.next();
    if (was_open)
      log_->warn("feed {}: {}: {}; reconnecting in {} ms", cfg_.name, what, ec.message(), delay.count());
    else
      log_->warn("feed {}: {} failed: {}; retrying in {} ms", cfg_.name, what, ec.message(), delay.count());
    if (h_.on_close) guarded("on_close", [&] { h_.on_close(ec); });
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (!ec && !self->stopped_ && !self->conn_) self->do_connect();
    });
  }

  // stop() on an open connection: our close frame goes out, then we wait (connect_timeout at most)
  // for the server's close frame or end of stream, and close the socket.
  void do_stop(std::function<void()> done) {
    if (done) stop_done_.push_back(std::move(done));
    if (stopped_) {
      if (!closing_) finish_stop();
      return;
    }
    stopped_ = true;
    reconnect_timer_.cancel();
    auto [c, was_open] = detach();
    if (!c || !was_open) {
      if (c) close_socket(*c);
      return finish_stop();
    }
    log_->info("feed {}: closing", cfg_.name);
    closing_ = c;
    close_timer_.expires_after(cfg_.connect_timeout);
    close_timer_.async_wait([self = this->shared_from_this(), c](error_code ec) {
      if (ec || c != self->closing_) return;
      self->log_->debug("feed {}: closing handshake timed out", self->cfg_.name);
      self->finish_stop();
    });
    std::string frame;
    ws::append_client_close(frame, ws::close_normal, {}, next_mask());
    queue_control(std::move(frame));
    pump(c);  // or, with a write in flight, after_close_written sends it
    if (!c->reading) do_read(c);  // paused by the read gate: the server's close must still be read
  }

  void after_close_written(const conn_ptr& c, error_code ec) {
    if (ec) return finish_stop();
    if (!control_.empty()) return pump(c);  // the close frame queued behind a write in flight
    // A read is pending (the read loop never stops while open): on_closing_read sees the reply.
  }

  void on_closing_read(const conn_ptr& c, error_code ec, std::size_t n) {
    if (ec) return finish_stop();  // end of stream or closed
    std::size_t off = 0;
    while (off < n) {
      std::size_t used = 0;
      const auto e = c->reader.feed(c->buf.get() + off, n - off, used);
      off += used;
      if (e.what == ws::frame_reader::kind::close || e.what == ws::frame_reader::kind::error) return finish_stop();
    }
    do_read(c);
  }

  void finish_stop() {
    close_timer_.cancel();
    if (auto c = std::exchange(closing_, nullptr)) close_socket(*c);
    auto done = std::move(stop_done_);
    stop_done_.clear();
    for (auto& d : done)
      if (d) d();
  }

  // User callbacks must not unwind through Asio.
  template <class F>
  void guarded(const char* what, F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      log_->error("feed {}: {} threw: {}", cfg_.name, what, e.what());
    } catch (...) {
      log_->error("feed {}: {} threw", cfg_.name, what);
    }
  }

  net::strand<net::any_io_executor> strand_;
  ws_client_config cfg_;
  endpoint ep_;
  ws_handlers h_;
  std::shared_ptr<spdlog::logger> log_;
  feed_metrics m_;
  tcp::resolver resolver_;
  net::steady_timer connect_timer_, reconnect_timer_, idle_timer_, ping_timer_, close_timer_, gate_timer_;
  backoff backoff_;

  conn_ptr conn_;     // the current attempt or open connection; null while waiting to reconnect
  conn_ptr closing_;  // after stop(): the connection whose closing handshake is under way
  std::deque<std::string> queue_;    // text messages to send
  std::deque<std::string> control_;  // framed control frames, at most one per kind (pong, ping, close), sent first
  std::vector<std::function<void()>> stop_done_;
  std::uint64_t mask_state_ = 1;
  bool started_ = false;
  bool stopped_ = false;
  bool read_paused_ = false;  // the read gate holds reading back (read_next)
  std::int64_t last_activity_ns_ = 0;
  std::int64_t connected_at_ns_ = 0;

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> gen_{0};  // changes at every open and close: send() drops stale messages
  std::atomic<std::size_t> queued_{0};
};

}  // namespace

std::shared_ptr<ws_client> make_ws_client(net::any_io_executor ex, ws_client_config cfg, ws_handlers handlers,
                                          std::shared_ptr<spdlog::logger> log, metrics_registry& metrics) {
  endpoint ep;
  if (!parse_endpoint(cfg.url, true, ep)) throw std::invalid_argument("feed " + cfg.name + ": bad url: " + cfg.url);
  if (ep.tls)
    return std::make_shared<client<tls_stream>>(std::move(ex), std::move(cfg), std::move(ep), std::move(handlers),
                                                std::move(log), metrics);
  return std::make_shared<client<plain_stream>>(std::move(ex), std::move(cfg), std::move(ep), std::move(handlers),
                                                std::move(log), metrics);
}

}  // namespace mdfan::feed
