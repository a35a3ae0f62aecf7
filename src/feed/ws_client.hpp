#pragma once
// The exchange-side WebSocket client: ws:// or wss:// (TLS via OpenSSL), automatic pong replies to
// server pings, optional client pings, an idle watchdog, and reconnect with exponential backoff and
// jitter. Adapters resubscribe from on_open, which runs after every (re)connect.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/backoff.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::feed {

struct ws_client_config {
  std::string url;                                     // ws://host:port/path or wss://host:port/path
  std::string name = "feed";                           // label for logs and metrics
  backoff_config backoff{};                            // reconnect delays
  std::chrono::milliseconds connect_timeout{10000};    // TCP + TLS + WebSocket handshake
  std::chrono::milliseconds idle_timeout{60000};       // no frame for this long: reconnect (0: never)
  std::chrono::milliseconds ping_interval{0};          // client-initiated WebSocket pings (0: none)
  std::size_t max_message_bytes = 16u << 20;           // larger frames close the connection
  std::size_t max_send_queue = 1024;                   // queued outgoing messages; beyond it send() fails
  std::chrono::milliseconds backoff_reset_after{10000};  // a connection that lived this long resets the backoff
  // Back-pressure (optional): asked on the client's strand after each read's messages were handled.
  // False pauses reading — the kernel's receive buffer, then TCP's window, hold the rest, so the
  // exchange's sending slows instead of a queue growing behind on_message — and the gate is asked
  // again every read_gate_poll until it opens. The idle watchdog does not count a pause as silence.
  // Counted in mdfan_feed_read_pauses_total; mdfan_feed_read_paused is 1 while paused.
  std::function<bool()> read_gate;
  std::chrono::microseconds read_gate_poll{500};
};

// Callbacks run on the client's strand.
struct ws_handlers {
  // Connected (initially and after every reconnect): send subscriptions here.
  std::function<void()> on_open;
  // A text or binary message. `msg` is valid only during the call, and the
  // 64 bytes after msg.data() + msg.size() are readable (simdjson padding), so parsers need no copy.
  std::function<void(std::string_view msg, std::int64_t receive_ns)> on_message;
  // The connection closed or a connect attempt failed (ec: timed_out for the connect timeout and the
  // idle watchdog); a reconnect is scheduled after a backoff delay. Not called for stop().
  std::function<void(const error_code& ec)> on_close;
};

class ws_client {
 public:
  virtual ~ws_client() = default;
  virtual void start() = 0;
  // Closes the connection (closing handshake bounded by connect_timeout) and stops reconnecting;
  // `done` (optional) runs once closed. After stop(), no handler runs. The client keeps itself alive
  // through its pending operations until stopped: call stop() before dropping the last reference.
  virtual void stop(std::function<void()> done = {}) = 0;
  // Thread-safe. Queues a text message; false when not connected or the send queue is full.
  virtual bool send(std::string text) = 0;
  // Thread-safe. Drops the current connection and reconnects (after backoff).
  virtual void reconnect() = 0;
  virtual bool connected() const = 0;
  // Successful connects so far (1 after the first).
  virtual std::uint64_t connects() const = 0;
};

std::shared_ptr<ws_client> make_ws_client(net::any_io_executor ex, ws_client_config cfg, ws_handlers handlers,
                                          std::shared_ptr<spdlog::logger> log, metrics_registry& metrics);

// One HTTP(S) GET with a timeout (for REST snapshots). `done` runs on `ex` exactly once, with
// the status code and body, or with an error (timeout, connection failure, bad URL).
using http_get_handler = std::function<void(error_code ec, unsigned status, std::string body)>;
void http_get(net::any_io_executor ex, const std::string& url, std::chrono::milliseconds timeout,
              http_get_handler done);

}  // namespace mdfan::feed
