#pragma once
// The Binance Spot exchange simulator: Binance's stream protocol (raw /ws/<stream>, combined
// /stream?streams=a/b, live SUBSCRIBE, server pings) and the REST depth snapshot, on one loopback
// port, fed by a seeded market so that a seed always replays the same messages.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sim/binance_feed.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::sim {

struct sim_config {
  std::string host = "127.0.0.1";  // listen address
  std::uint16_t port = 0;          // 0: an ephemeral port (see binance_sim::port())
  std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT"};  // upper case
  double rate = 1000;              // messages per second across all streams, subscribed or not (0: paused)
  std::uint64_t seed = 1;          // same seed, symbols, rate and start time: same messages
  std::int64_t start_time_ms = 0;  // simulated clock origin, ms since the epoch (0: the wall clock at start())
  std::chrono::milliseconds ping_interval{20000};  // server ping frames, as Binance (0: none)
  std::chrono::milliseconds pong_timeout{60000};   // no pong this long after a ping: disconnect (0: never)
  std::size_t max_connections = 256;               // HTTP + WebSocket; beyond it accepted and closed (counted)
  std::size_t max_queue_messages = 100000;         // per connection; beyond it "slow consumer" disconnect
  std::size_t max_queue_bytes = 64u << 20;         // per connection; same policy
  std::size_t max_request_bytes = 64u << 10;       // one incoming WebSocket message or HTTP request
  std::size_t max_streams = 1024;                  // per connection, as Binance
};

// Counters since start(); a consistent-enough snapshot readable from any thread.
struct sim_stats {
  std::uint64_t generated = 0;         // messages generated on all streams
  std::uint64_t sent = 0;              // WebSocket frames written (data and replies)
  std::uint64_t sent_bytes = 0;
  std::uint64_t connections = 0;       // WebSocket handshakes accepted
  std::uint64_t open_connections = 0;  // WebSocket connections open now
  std::uint64_t rejected = 0;          // connections refused: max_connections reached
  std::uint64_t slow_disconnects = 0;  // send queue overflowed
  std::uint64_t requests = 0;          // control requests (SUBSCRIBE, ...) received
  std::uint64_t http_requests = 0;     // REST requests served
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
};

// Sees each generated message before it is sent, on the simulator thread (fault injection).
// Return false to drop the message; it may replace msg.text (keeping payload_offset right).
using message_hook = std::function<bool(std::string_view stream, sim_message& msg)>;

// One simulated exchange endpoint. Runs on its own thread; the public functions are thread-safe.
class binance_sim {
 public:
  explicit binance_sim(sim_config cfg, std::shared_ptr<spdlog::logger> log = {});
  ~binance_sim();  // stop()
  binance_sim(const binance_sim&) = delete;
  binance_sim& operator=(const binance_sim&) = delete;

  // Binds (throws std::system_error when the port is taken) and starts serving. Once only.
  void start();
  // Closes the listener and every connection (abruptly), then joins the thread. Idempotent.
  void stop();
  // The bound port (after start()).
  std::uint16_t port() const noexcept;
  sim_stats stats() const;

  // Faults. Each applies asynchronously on the simulator thread.
  void drop_connections();           // close every WebSocket connection abruptly
  void set_paused(bool paused);      // stop/resume generating: a silent exchange (pings continue)
  void set_message_hook(message_hook hook);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Runs a simulator until SIGINT or SIGTERM. Prints "sim listening on ws://HOST:PORT" to stdout once
// serving. Returns 0, or 1 when it cannot start (logged).
int run_sim(const sim_config& cfg);

}  // namespace mdfan::sim
