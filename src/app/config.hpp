#pragma once
// The configuration of one mdfan instance, and how it is put together from defaults, a TOML file, the
// environment and command-line flags. Precedence is per setting: flag > environment > file > default.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>

#include "mdfan/event.hpp"
#include "server/slow_consumer.hpp"

namespace mdfan::app {

// What an instance does (see docs/architecture.md, "Roles").
enum class instance_role : std::uint8_t {
  host,      // exchange connections, publishes to Redis, serves its own events
  executor,  // no exchange connections; subscribes through Redis and serves clients
  hybrid,    // both, in one process
};
enum class redis_mode : std::uint8_t { single, sentinel, cluster };

std::string_view to_string(instance_role r) noexcept;
std::string_view to_string(redis_mode m) noexcept;

// A TCP endpoint: a host name or IP literal (IPv6 without brackets) and a port.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};
// "host:port", with an IPv6 literal in brackets.
std::string to_string(const endpoint& e);

// The Redis the bridge talks to, and how its channels are named.
struct redis_settings {
  // The URL as given (redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]), for display only: load_config has
  // already folded its parts into the fields below, which are authoritative. Default: empty (none given).
  std::string url;
  // Server host name or IP. Default: 127.0.0.1.
  std::string host = "127.0.0.1";
  // Server port. Default: 6379.
  std::uint16_t port = 6379;
  // ACL user name for AUTH; empty means the default user. Default: empty.
  std::string username;
  // Password for AUTH; empty means no AUTH. Default: empty.
  std::string password;
  // Database number for SELECT. Default: 0.
  unsigned db = 0;
  // Prefix of every channel and key mdfan uses ("md:trade:binance:BTC-USDT"). Default: "md:".
  std::string key_prefix = "md:";
  // Deployment kind. Only single is accepted for now; sentinel and cluster are rejected at load.
  // Default: single.
  redis_mode mode = redis_mode::single;

  friend bool operator==(const redis_settings&, const redis_settings&) = default;
};

// The exchange a host or hybrid instance connects to (executors ignore it).
struct exchange_settings {
  // Which exchange: binance, coinbase, kraken, bybit or okx. Default: binance.
  exchange_id name = exchange_id::binance;
  // Instead of a live exchange, replay this recording (`--exchange replay:FILE`, made by `mdfan
  // record`); `name` is then the recording's exchange. Default: empty (live).
  std::string replay_file;
  // Replay speed: 1 is the recorded pace, 10 ten times faster, 0 as fast as possible. Default: 1.
  double replay_speed = 1;
  // Instruments to follow, in the exchange's native spelling or as BASE-QUOTE. Default: empty, which
  // means BTC-USDT and ETH-USDT (BTC-USD and ETH-USD on Coinbase and Kraken).
  std::vector<std::string> symbols;
  // Market-data WebSocket base URL (ws:// or wss://). Default: empty, the exchange's own.
  std::string ws_url;
  // REST base URL for book snapshots (http:// or https://; Binance). Default: empty, the exchange's own.
  std::string rest_url;
  // Event types to subscribe to on the exchange. Default: ticker, trade, book.
  std::vector<event_type> channels{event_type::ticker, event_type::trade, event_type::book};
  // Candle interval (1m, 5m, 15m, 1h, 4h, 1d, ...): the exchange's native candles where it has the
  // interval, else built from trades. Default: 1m.
  std::string candle_interval = "1m";
  // Bybit market: spot or linear. Default: spot.
  std::string market = "spot";
  // Events read from the exchange and not yet routed by the manager at which the exchange
  // connections stop reading (TCP then pushes back on the exchange); they read again below half.
  // 0: never pause. Default: 20000.
  std::size_t max_backlog = 20000;

  friend bool operator==(const exchange_settings&, const exchange_settings&) = default;
};

// The symbols an instance follows on `e` when none are configured.
std::vector<std::string> default_symbols(exchange_id e);

// The downstream HTTP + WebSocket server and its per-client limits. 0 means "no limit" for every limit.
struct server_settings {
  // Address and port to listen on. Default: 127.0.0.1:8080.
  endpoint listen{"127.0.0.1", 8080};
  // Largest client WebSocket message, in bytes. Default: 65536 (64 KiB).
  std::size_t max_frame_bytes = std::size_t{64} << 10;
  // Topic patterns one client may hold. Default: 1024.
  std::size_t max_subscriptions = 1024;
  // Messages one client may send per second. Default: 50.
  double max_client_rate = 50;
  // Frames queued for one client before it counts as slow. Default: 16384.
  std::size_t session_queue_messages = 16384;
  // Bytes queued for one client before it counts as slow. Default: 16777216 (16 MiB).
  std::size_t session_queue_bytes = std::size_t{16} << 20;
  // What to do, per event type, with an event that does not fit a slow client's queue.
  // Default: ticker=conflate,trade=drop,book=snapshot,candle=conflate.
  slow_consumer_policy slow_consumer{};
  // Concurrent connections (HTTP and WebSocket together). Default: 10000.
  std::size_t max_clients = 10000;

  friend bool operator==(const server_settings&, const server_settings&) = default;
};

// The Redis event bridge.
struct bridge_settings {
  // Events held while Redis is unreachable or slow; beyond it the oldest are dropped (counted).
  // Must be at least 1. Default: 100000.
  std::size_t max_pending = 100000;
  std::size_t max_backlog = 20000;  // received events not yet handled before the subscriber pauses (0: never)

  friend bool operator==(const bridge_settings&, const bridge_settings&) = default;
};

// Order books kept by the manager.
struct book_settings {
  // Levels per side in the snapshot a new subscriber receives; 0 sends the whole book. Default: 100.
  std::size_t snapshot_depth = 100;

  friend bool operator==(const book_settings&, const book_settings&) = default;
};

// Everything an instance needs to start. A default-constructed app_config holds the defaults.
struct app_config {
  // What this instance does. Default: hybrid.
  instance_role role = instance_role::hybrid;
  // Minimum level logged (trace, debug, info, warn, error, critical, off). Default: info.
  spdlog::level::level_enum log_level = spdlog::level::info;
  // I/O threads; 0 means one per hardware thread, which load_config resolves, so a loaded config
  // always holds at least 1. Default: 0.
  unsigned threads = 0;
  // The TOML file the settings were read from; empty when none. Default: empty.
  std::string config_file;

  redis_settings redis;
  exchange_settings exchange;
  server_settings server;
  bridge_settings bridge;
  book_settings book;

  friend bool operator==(const app_config&, const app_config&) = default;
};

// A bad setting or bad usage. what() names the setting and where its value came from, e.g.
// `REDIS_PORT (environment): "abc" is not a port number (1-65535)`. mdfan exits with status 2 on it.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Environment variables by name.
using env_map = std::map<std::string, std::string>;
// The process environment.
env_map current_environment();

// One setting's names in every source, its default and its meaning. The table drives loading, --help and
// docs/configuration.md.
struct setting_info {
  std::string_view key;         // TOML key: "redis.port" is `port` in section `[redis]`
  std::string_view flag;        // "--redis-port"
  std::string_view env;         // "REDIS_PORT"
  std::string_view value_name;  // placeholder in --help: "PORT"
  std::string_view help;        // one line
  std::string default_text;     // the default, as it would be written in a flag
};
// Every setting, in --help order. --config (env MDFAN_CONFIG) is not among them: it names the file.
const std::vector<setting_info>& settings();

// Builds the configuration from flag values (setting key -> text, only for flags that were given), the
// environment and the TOML file named by `config_flag` or else by MDFAN_CONFIG (none when neither).
// Empty environment variables count as unset. Throws config_error.
app_config resolve_config(const std::map<std::string, std::string>& flags,
                          const std::optional<std::string>& config_flag, const env_map& env);

// Value parsers shared with the subcommands. They throw config_error holding the reason only (e.g.
// `"nonsense" is not HOST:PORT`); callers prefix the setting's name and source.
endpoint parse_endpoint(std::string_view text);
std::vector<std::string> parse_symbols(std::string_view text);
std::uint64_t parse_unsigned(std::string_view text, std::uint64_t min, std::uint64_t max);
double parse_rate(std::string_view text);

}  // namespace mdfan::app
