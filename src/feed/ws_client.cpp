#include "feed/ws_client.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <stdexcept>
#include <type_traits>

#include "core/clock.hpp"
#include "feed/endpoint.hpp"
#include "feed/tls.hpp"

namespace mdfan::feed {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
namespace ssl = net::ssl;

// simdjson needs this many readable bytes after every message handed to on_message.
constexpr std::size_t message_padding = 64;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// The metrics of one feed, registered once.
struct feed_metrics {
  counter& connects;
  counter& disconnects;
  counter& messages;
  counter& bytes;
  counter& pings;
  counter& send_rejected;
  gauge& connected;

  // `l`: the label body, e.g. feed="binance".
  feed_metrics(metrics_registry& m, const std::string& l)
      : connects(m.get_counter("mdfan_feed_connects_total", "Successful exchange WebSocket connects", l)),
        disconnects(m.get_counter("mdfan_feed_disconnects_total", "Exchange connections lost after open", l)),
        messages(m.get_counter("mdfan_feed_messages_total", "Messages received from the exchange", l)),
        bytes(m.get_counter("mdfan_feed_bytes_total", "Message bytes received from the exchange", l)),
        pings(m.get_counter("mdfan_feed_pings_received_total", "Server ping frames (answered by a pong)", l)),
        send_rejected(m.get_counter("mdfan_feed_send_rejected_total", "send() refused: send queue full", l)),
        connected(m.get_gauge("mdfan_feed_connected", "1 while the exchange connection is open", l)) {}
};

// One reconnecting WebSocket client over `Stream` (plain TCP or TLS). Every member is touched on
// strand_ only, except the atomics that send()/connected()/connects() read from any thread.
// Each connection attempt gets a fresh `connection`; handlers hold it, so a handler of a dead
// connection finds it differs from conn_ and returns without touching the new one.
template <class Stream>
class client final : public ws_client, public std::enable_shared_from_this<client<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  struct connection {
    template <class... Args>
    explicit connection(Args&&... args) : ws(std::forward<Args>(args)...) {}
    websocket::stream<Stream> ws;
    beast::flat_buffer buf;
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
        backoff_(cfg_.backoff) {}

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
      if (!self->writing_) self->do_write(self->conn_);
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
      return std::make_shared<connection>(strand_, client_tls_context());
    else
      return std::make_shared<connection>(strand_);
  }

  // --- connect: resolve, TCP connect, TLS handshake, WebSocket handshake, all under connect_timeout

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
    beast::get_lowest_layer(c->ws).async_connect(
        results, [self = this->shared_from_this(), c](error_code ec, const tcp::endpoint&) { self->on_connect(c, ec); });
  }

  void on_connect(const conn_ptr& c, error_code ec) {
    if (c != conn_) return;
    if (ec) return fail(c, ec, "connect");
    beast::get_lowest_layer(c->ws).socket().set_option(tcp::no_delay(true), ec);
    if constexpr (is_tls) {
      auto& tls = c->ws.next_layer();
      // SNI (many exchange front ends refuse a handshake without it) and the peer name check.
      if (!prepare_tls_client(tls.native_handle(), ep_.host))
        return fail(c, error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()), "tls setup");
      tls.async_handshake(ssl::stream_base::client, [self = this->shared_from_this(), c](error_code ec) {
        if (c != self->conn_) return;
        if (ec) return self->fail(c, ec, "tls handshake");
        self->do_ws_handshake(c);
      });
    } else {
      do_ws_handshake(c);
    }
  }

  void do_ws_handshake(const conn_ptr& c) {
    auto& ws = c->ws;
    // Our own watchdog handles idleness; Beast's handshake timeout also bounds the closing handshake.
    ws.set_option(websocket::stream_base::timeout{cfg_.connect_timeout, websocket::stream_base::none(), false});
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(http::field::user_agent, "mdfan"); }));
    ws.read_message_max(cfg_.max_message_bytes);
    // Beast answers pings with pongs by itself during reads; this only observes control frames.
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      last_activity_ns_ = mono_ns();
      if (kind == websocket::frame_type::ping) m_.pings.inc();
    });
    ws.async_handshake(ep_.host_header(), ep_.target,
                       [self = this->shared_from_this(), c](error_code ec) { self->on_handshake(c, ec); });
  }

  void on_handshake(const conn_ptr& c, error_code ec) {
    if (c != conn_) return;
    if (ec) return fail(c, ec, "websocket handshake");
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
    c->buf.reserve(64 * 1024);
    do_read(c);
    if (h_.on_open) guarded("on_open", [&] { h_.on_open(); });
  }

  // --- read loop

  void do_read(const conn_ptr& c) {
    c->ws.async_read(c->buf, [self = this->shared_from_this(), c](error_code ec, std::size_t n) {
      self->on_read(c, ec, n);
    });
  }

  void on_read(const conn_ptr& c, error_code ec, std::size_t n) {
    if (c != conn_) return;
    if (ec) return fail(c, ec, "read");
    const auto receive_ns = wall_ns();
    last_activity_ns_ = mono_ns();
    m_.messages.inc();
    m_.bytes.inc(n);
    // Reserve the padding before taking the pointer: prepare() may move the data, nothing after it does.
    c->buf.prepare(message_padding);
    const auto data = c->buf.cdata();
    if (h_.on_message) {
      const std::string_view msg(static_cast<const char*>(data.data()), data.size());
      guarded("on_message", [&] { h_.on_message(msg, receive_ns); });
    }
    c->buf.consume(c->buf.size());
    if (c == conn_) do_read(c);
  }

  // --- write queue: one write in flight; the message lives in the handler until it completes

  void do_write(const conn_ptr& c) {
    writing_ = true;
    auto msg = std::make_shared<std::string>(std::move(queue_.front()));
    queue_.pop_front();
    c->ws.text(true);
    c->ws.async_write(net::buffer(*msg), [self = this->shared_from_this(), c, msg](error_code ec, std::size_t) {
      self->queued_.fetch_sub(1, std::memory_order_relaxed);
      if (c != self->conn_) return;
      self->writing_ = false;
      if (ec) return self->fail(c, ec, "write");
      if (!self->queue_.empty()) self->do_write(c);
    });
  }

  // --- timers

  void arm_idle(const conn_ptr& c, std::chrono::nanoseconds wait) {
    idle_timer_.expires_after(wait);
    idle_timer_.async_wait([self = this->shared_from_this(), c](error_code ec) {
      if (ec || c != self->conn_) return;
      const std::chrono::nanoseconds limit = self->cfg_.idle_timeout;
      const std::chrono::nanoseconds idle(mono_ns() - self->last_activity_ns_);
      if (idle >= limit) return self->fail(c, net::error::timed_out, "idle timeout");
      self->arm_idle(c, limit - idle);
    });
  }

  void arm_ping(const conn_ptr& c) {
    ping_timer_.expires_after(cfg_.ping_interval);
    ping_timer_.async_wait([self = this->shared_from_this(), c](error_code ec) {
      if (ec || c != self->conn_) return;
      if (!self->ping_in_flight_) {
        self->ping_in_flight_ = true;
        c->ws.async_ping({}, [self, c](error_code ec) {
          if (c != self->conn_) return;
          self->ping_in_flight_ = false;
          if (ec) self->fail(c, ec, "ping");
        });
      }
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
    resolver_.cancel();
    writing_ = false;
    ping_in_flight_ = false;
    queued_.fetch_sub(queue_.size(), std::memory_order_relaxed);
    queue_.clear();
    const bool was_open = connected_.exchange(false, std::memory_order_acq_rel);
    if (was_open) {
      gen_.fetch_add(1, std::memory_order_acq_rel);
      m_.disconnects.inc();
      m_.connected.set(0);
      if (std::chrono::nanoseconds(mono_ns() - connected_at_ns_) >= cfg_.backoff_reset_after) backoff_.reset();
    }
    return {std::move(c), was_open};
  }

  // `c` by value: callers may pass conn_ itself, which detach() clears.
  void fail(conn_ptr c, error_code ec, const char* what) {
    if (!c || c != conn_) return;
    const bool was_open = detach().second;
    beast::get_lowest_layer(c->ws).close();  // its pending operations complete with an error
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

  void do_stop(std::function<void()> done) {
    if (!stopped_) {
      stopped_ = true;
      reconnect_timer_.cancel();
      auto [c, was_open] = detach();
      if (c && was_open) {
        log_->info("feed {}: closing", cfg_.name);
        // The closing handshake is bounded by the handshake timeout set on the stream.
        c->ws.async_close(websocket::close_code::normal,
                          [self = this->shared_from_this(), c, done = std::move(done)](error_code ec) mutable {
                            if (ec) self->log_->debug("feed {}: closing handshake: {}", self->cfg_.name, ec.message());
                            beast::get_lowest_layer(c->ws).close();
                            if (done) done();
                          });
        return;
      }
      if (c) beast::get_lowest_layer(c->ws).close();
    }
    if (done) done();
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
  net::steady_timer connect_timer_, reconnect_timer_, idle_timer_, ping_timer_;
  backoff backoff_;

  conn_ptr conn_;  // the current attempt or open connection; null while waiting to reconnect
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool ping_in_flight_ = false;
  bool started_ = false;
  bool stopped_ = false;
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
