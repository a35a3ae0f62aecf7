#pragma once
// The exchange simulator: one venue (an exchange's protocol over the seeded market) served on one
// loopback port, WebSocket and REST, on its own thread, with scriptable faults.
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sim/venue.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::sim {

struct sim_config {
  std::string exchange = "binance";  // which venue make_venue() builds: binance|coinbase|kraken|bybit|okx
  std::string host = "127.0.0.1";    // listen address
  std::uint16_t port = 0;            // 0: an ephemeral port (see simulator::port())
  // Instruments, in the venue's native spelling or as BASE-QUOTE ("BTC-USDT"); empty: the venue's defaults.
  std::vector<std::string> symbols;
  double rate = 1000;              // messages per second across all topics, subscribed or not (0: paused)
  std::uint64_t seed = 1;          // same seed, symbols, rate and start time: same messages
  std::int64_t start_time_ms = 0;  // simulated clock origin, ms since the epoch (0: the wall clock at start())
  std::chrono::milliseconds ping_interval{20000};  // server WebSocket pings, for venues that send them (0: none)
  std::chrono::milliseconds pong_timeout{60000};   // no pong this long after a ping: disconnect (0: never)
  std::size_t max_connections = 256;               // HTTP + WebSocket; beyond it accepted and closed (counted)
  std::size_t max_queue_messages = 100000;         // per connection; beyond it "slow consumer" disconnect
  std::size_t max_queue_bytes = 64u << 20;         // per connection; same policy
  std::size_t max_request_bytes = 64u << 10;       // one incoming WebSocket message or HTTP request
  std::size_t max_streams = 1024;                  // subscriptions per connection (Binance's limit)
};

// Counters since start(); a consistent-enough snapshot readable from any thread.
struct sim_stats {
  std::uint64_t generated = 0;         // messages generated on all topics
  std::uint64_t sent = 0;              // WebSocket frames written (data and replies)
  std::uint64_t sent_bytes = 0;
  std::uint64_t connections = 0;       // WebSocket handshakes accepted
  std::uint64_t open_connections = 0;  // WebSocket connections open now
  std::uint64_t rejected = 0;          // connections refused: max_connections reached
  std::uint64_t slow_disconnects = 0;  // send queue overflowed
  std::uint64_t requests = 0;          // client text messages received (subscribe, ping, ...)
  std::uint64_t http_requests = 0;     // REST requests served
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
};

// Sees each generated message before it is sent, on the simulator thread (fault injection).
// Return false to drop the message; it may replace msg.text (keeping payload_offset right).
using message_hook = std::function<bool(std::string_view topic, sim_message& msg)>;

// A fault in a script: at `at` after start, do `what` (see parse_fault_script).
struct scripted_fault {
  enum class action : std::uint8_t { drop, silent, skip_sequence, bad_checksum, malformed };
  std::chrono::milliseconds at{0};
  action what = action::drop;
  std::string symbol;                     // skip_sequence, bad_checksum, malformed: native or BASE-QUOTE; empty: any
  std::chrono::milliseconds duration{0};  // silent: how long
};

// "2s:drop,5s:skip:BTC-USD,8s:checksum:ETH-USD,10s:silent:3s,12s:malformed" -> faults, or throws
// std::invalid_argument naming the bad item. Times are "<n>ms" or "<n>s" after start.
std::vector<scripted_fault> parse_fault_script(std::string_view script);

class simulator {
 public:
  simulator(sim_config cfg, std::unique_ptr<venue> v, std::shared_ptr<spdlog::logger> log = {});
  ~simulator();  // stop()
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  // Binds (throws std::system_error when the port is taken) and starts serving. Once only.
  void start();
  // Closes the listener and every connection (abruptly), then joins the thread. Idempotent.
  void stop();
  std::uint16_t port() const noexcept;  // the bound port (after start())
  sim_stats stats() const;
  const sim_config& config() const noexcept;

  // Faults. Each applies asynchronously on the simulator thread, in call order.
  void drop_connections();       // close every WebSocket connection abruptly
  void set_paused(bool paused);  // stop/resume generating: a silent exchange (server pings continue)
  void set_message_hook(message_hook hook);
  // Asks the venue to script a book fault for `symbol` (see fault_kind). The future holds "" once the
  // venue accepted it, else the reason it could not.
  std::future<std::string> inject(fault_kind kind, std::string symbol);
  // Runs a fault script (timers on the simulator thread; faults the venue refuses are logged).
  void run_script(std::vector<scripted_fault> script);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The Binance simulator, as the spine's tests know it.
class binance_sim : public simulator {
 public:
  explicit binance_sim(sim_config cfg, std::shared_ptr<spdlog::logger> log = {});
};

// Runs the venue of cfg.exchange until SIGINT or SIGTERM, with an optional fault script. Prints
// "sim listening on ws://HOST:PORT" to stdout once serving. Returns 0, or 1 when it cannot start.
int run_sim(const sim_config& cfg, const std::vector<scripted_fault>& script = {});

}  // namespace mdfan::sim
