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
  std::string host = "0.0.0.0";  // listen address (IPv4 or IPv6 literal)
  std::uint16_t port = 8080;     // listen port; 0 picks a free port (see server::local_port())

  std::size_t max_clients = 10000;  // concurrent connections, HTTP and WebSocket together; beyond it
                                    // new connections are closed at once (0: no limit)
  std::size_t max_http_request_bytes = 16 * 1024;  // header + body of one HTTP request (0: Beast's
                                                   // defaults, 8 KiB header / 1 MiB body)
  std::chrono::milliseconds http_timeout{30000};   // reading one HTTP request (including keep-alive
                                                   // idle time before it) and writing its response
                                                   // (0: never)

  std::size_t max_frame_bytes = 64 * 1024;  // largest client WebSocket message; larger ones close the
                                            // connection with code 1009 "message too big" (0: no limit)
  std::size_t max_subscriptions = 1024;     // topic patterns one client may hold (0: no limit)
  double max_messages_per_second = 50;      // client messages per second, burst of the same size;
                                            // excess ones get {"op":"error","reason":"rate limit"}
                                            // (0: no limit)
  std::size_t rate_limit_close_after = 100;  // rejected messages without a whole second free of
                                             // rejections after which the client is closed
                                             // (policy_violation "rate limit") (0: never close)
  std::size_t queue_max_messages = 16384;        // frames queued for one client (0: no limit)
  std::size_t queue_max_bytes = 16 * 1024 * 1024;  // bytes queued for one client (0: no limit)
  std::chrono::milliseconds handshake_timeout{10000};  // WebSocket opening/closing handshake (0: never)
  std::chrono::milliseconds idle_timeout{60000};  // a client silent this long (no message, no pong to
                                                  // our pings, sent every idle_timeout/2) is closed
                                                  // (0: never, and no pings)
  std::chrono::milliseconds close_timeout{5000};  // after we start closing a client (slow consumer,
                                                  // shutdown, abuse) the socket is dropped if the close
                                                  // has not completed by then (0: 5000)
};

// What the application reports on GET /health.
struct health_report {
  bool healthy = true;  // 200 when true, 503 otherwise
  std::string body;     // JSON document (served as application/json); empty: {"healthy":true|false}
};
// Called on a connection's strand, possibly on several threads at once: must be thread-safe.
using health_fn = std::function<health_report()>;

// The listening server. Thread-safe: start/stop/local_port may be called from any thread.
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
