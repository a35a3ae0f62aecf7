#pragma once
// The downstream server: HTTP (/health, /metrics, /) and the client WebSocket (/ws) on one port.
// Each connection runs on its own strand; market events reach WebSocket sessions as the manager's
// shared, already-encoded frames (see ws_session.hpp for the client protocol).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "core/metrics.hpp"
#include "server/slow_consumer.hpp"

namespace spdlog {
class logger;
}

namespace mdfan {

class manager;

namespace server_detail {
struct server_state;
class listener;
}  // namespace server_detail

// Limits and timeouts of the downstream server. A 0 means "no limit" / "never" unless said otherwise.
struct server_config {
  // Listen address (IPv4 or IPv6 literal) and port; port 0 picks a free one (see server::local_port()).
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;

  // Concurrent connections, HTTP and WebSocket together; beyond it new connections are closed at
  // once and counted in mdfan_server_rejected_connections_total (0: no limit).
  std::size_t max_clients = 10000;
  // Bytes of one HTTP request, header and body each (0: Beast's defaults, 8 KiB header / 1 MiB body).
  std::size_t max_http_request_bytes = std::size_t{16} * 1024;
  // Reading one HTTP request (including the keep-alive wait before it) and writing its response (0: never).
  std::chrono::milliseconds http_timeout{30000};

  // Largest client WebSocket message, in bytes; a larger one closes the connection with code 1009
  // (message too big) (0: no limit).
  std::size_t max_frame_bytes = std::size_t{64} * 1024;
  // Topic patterns one client may hold at once (0: no limit).
  std::size_t max_subscriptions = 1024;
  // Client messages per second, with bursts of the same size; excess ones are answered
  // {"op":"error","reason":"rate limit"} and not processed (0: no limit).
  double max_messages_per_second = 50;
  // Rejected messages, without a whole second free of rejections in between, after which the client
  // is closed with 1008 "rate limit" (0: never close).
  std::size_t rate_limit_close_after = 100;
  // Frames and bytes queued for one client (0: no limit; a frame always fits an empty queue). An
  // event that does not fit is handled by `slow_consumer` for its type; a reply that does not fit,
  // or an event whose action is disconnect, closes the client with 1008 "slow consumer".
  std::size_t queue_max_messages = 16384;
  std::size_t queue_max_bytes = std::size_t{16} * 1024 * 1024;
  // Per event type: conflate (ticker, candle), drop with a gap notice (trade), snapshot (book) or
  // disconnect. See slow_consumer.hpp and docs/architecture.md, "The server".
  slow_consumer_policy slow_consumer{};
  // WebSocket opening handshake and close handshake (0: never time out).
  std::chrono::milliseconds handshake_timeout{10000};
  // A client silent this long (no message, no answer to our pings, which go out every
  // idle_timeout / 2) is disconnected (0: never, and no pings).
  std::chrono::milliseconds idle_timeout{60000};
  // Once we start closing a client (slow consumer, shutdown, abuse), the socket is dropped if the
  // close has not completed within this (0: 5000 ms).
  std::chrono::milliseconds close_timeout{5000};
  // The same when the server is stopping: the close frame is sent, the client's answer is only
  // courtesy, and an instance being restarted should not wait on unresponsive clients (0: close_timeout).
  std::chrono::milliseconds shutdown_close_timeout{1000};
};

// What the application reports on GET /health.
struct health_report {
  bool healthy = true;  // 200 when true, 503 otherwise
  std::string body;     // JSON document (served as application/json); empty: {"healthy":true|false}
};
// Called on a connection's strand, possibly on several threads at once: must be thread-safe.
using health_fn = std::function<health_report()>;

// The listening server. stop() and local_port() may be called from any thread.
class server {
 public:
  // `mgr`, `metrics` and the executor's io_context must outlive every session: stop the server and
  // wait for its `done` before destroying them.
  server(boost::asio::any_io_executor ex, server_config cfg, manager& mgr, metrics_registry& metrics,
         std::shared_ptr<spdlog::logger> log, health_fn health = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts accepting. Throws std::runtime_error naming the address on failure.
  void start();
  // Stops accepting and closes every client (WebSocket close 1001 "server shutting down"; idle
  // HTTP connections are dropped). `done` runs once every connection has ended (on the executor).
  void stop(std::function<void()> done = {});
  // The bound port (useful with port 0); 0 before start().
  std::uint16_t local_port() const noexcept { return port_; }

 private:
  boost::asio::any_io_executor ex_;
  std::shared_ptr<server_detail::server_state> state_;
  std::shared_ptr<server_detail::listener> listener_;
  std::uint16_t port_ = 0;
};

}  // namespace mdfan
