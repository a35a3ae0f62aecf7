#include "app/config.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <thread>

#include <fmt/format.h>
#include <toml.hpp>
#include <unistd.h>

#include "redis/config.hpp"

namespace mdfan::app {

std::string_view to_string(instance_role r) noexcept {
  switch (r) {
    case instance_role::host: return "host";
    case instance_role::executor: return "executor";
    case instance_role::hybrid: return "hybrid";
  }
  return "?";
}

std::string_view to_string(redis_mode m) noexcept {
  switch (m) {
    case redis_mode::single: return "single";
    case redis_mode::sentinel: return "sentinel";
    case redis_mode::cluster: return "cluster";
  }
  return "?";
}

std::string to_string(const endpoint& e) {
  if (e.host.find(':') != std::string::npos) return fmt::format("[{}]:{}", e.host, e.port);
  return fmt::format("{}:{}", e.host, e.port);
}

env_map current_environment() {
  env_map env;
  for (char** p = environ; p != nullptr && *p != nullptr; ++p) {
    std::string_view entry(*p);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

namespace {

[[noreturn]] void fail(const std::string& message) { throw config_error(message); }

std::string in_quotes(std::string_view s) { return fmt::format("\"{}\"", s); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool digits_only(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Host names and IP literals: letters, digits, '.', '-', '_' and (IPv6) ':'.
bool valid_host(std::string_view h) {
  return !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_' || c == ':';
  });
}

// 1-65535, digits only; nullopt otherwise.
std::optional<std::uint16_t> port_number(std::string_view text) {
  unsigned v = 0;
  if (!digits_only(text) || text.size() > 5) return std::nullopt;
  std::from_chars(text.data(), text.data() + text.size(), v);
  if (v < 1 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

std::uint16_t parse_port(std::string_view text) {
  auto port = port_number(text);
  if (!port) fail(fmt::format("{} is not a port number (1-65535)", in_quotes(text)));
  return *port;
}

// "host[:port]" or "[v6]:port" into host and port text (empty when absent). False when malformed.
bool split_host_port(std::string_view text, std::string_view& host, std::string_view& port) {
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    port = rest.empty() ? rest : rest.substr(1);
    return valid_host(host) && (rest.empty() || !port.empty());
  }
  auto colon = text.find(':');
  host = text.substr(0, colon);
  port = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  return valid_host(host) && host.find(':') == std::string_view::npos &&
         (colon == std::string_view::npos || !port.empty());
}

// ws://, wss://, http:// and https:// URLs: scheme, a host, an optional port, an optional path.
void check_url(std::string_view text, std::string_view scheme_a, std::string_view scheme_b) {
  auto bad = [&] { fail(fmt::format("{} is not a {}:// or {}:// URL", in_quotes(text), scheme_a, scheme_b)); };
  auto sep = text.find("://");
  if (sep == std::string_view::npos) bad();
  auto scheme = text.substr(0, sep);
  if (scheme != scheme_a && scheme != scheme_b) bad();
  auto rest = text.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  std::string_view host, port;
  if (!split_host_port(authority, host, port) || (!port.empty() && !port_number(port))) bad();
}

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  if (trim(text).empty()) fail("the list is empty");
  while (true) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (item.empty()) fail(fmt::format("{} has an empty item", in_quotes(text)));
    items.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

// The URL with its password replaced, for error messages.
std::string masked_url(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::string(url);
  auto start = sep + 3;
  auto at = url.substr(start, url.find_first_of("/?#", start) - start).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  auto colon = url.substr(start, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return fmt::format("{}***{}", url.substr(0, start + colon + 1), url.substr(start + at));
}

redis::redis_url_parts parse_redis_url(std::string_view text) {
  redis::redis_url_parts parts;
  std::string why;
  if (!redis::parse_redis_url(text, parts, &why)) {
    fail(fmt::format("{} is not a usable Redis URL ({}; expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB])",
                     in_quotes(masked_url(text)), why));
  }
  return parts;
}

constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 8> log_levels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

// Exchanges with a live adapter; `--exchange` accepts these (and replay:FILE).
constexpr std::array<exchange_id, 5> live_exchanges{exchange_id::binance, exchange_id::coinbase, exchange_id::kraken,
                                                    exchange_id::bybit, exchange_id::okx};

constexpr std::uint64_t count_max = std::numeric_limits<std::uint32_t>::max();

std::size_t parse_count(std::string_view text, std::uint64_t min = 0) {
  return static_cast<std::size_t>(parse_unsigned(text, min, count_max));
}

std::size_t parse_size(std::string_view text) {
  constexpr std::array<std::pair<std::string_view, std::uint64_t>, 3> units{
      {{"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}}};
  std::uint64_t scale = 1;
  auto number = text;
  for (const auto& [suffix, factor] : units) {
    if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      number = trim(text.substr(0, text.size() - suffix.size()));
      scale = factor;
    }
  }
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (!digits_only(number) || ec != std::errc() || p != number.data() + number.size() ||
      v > (std::uint64_t{1} << 40) / scale) {
    fail(fmt::format("{} is not a size (a whole number of bytes, optionally with KiB, MiB or GiB, up to 1 TiB)",
                     in_quotes(text)));
  }
  return static_cast<std::size_t>(v * scale);
}

std::string show_size(std::size_t v) {
  if (v != 0 && v % (1U << 30) == 0) return fmt::format("{}GiB", v >> 30);
  if (v != 0 && v % (1U << 20) == 0) return fmt::format("{}MiB", v >> 20);
  if (v != 0 && v % (1U << 10) == 0) return fmt::format("{}KiB", v >> 10);
  return std::to_string(v);
}

std::string show_rate(double v) { return fmt::format("{}", v); }

std::string show_list(const std::vector<std::string>& items) { return fmt::format("{}", fmt::join(items, ",")); }

std::string show_channels(const std::vector<event_type>& items) {
  std::string out;
  for (auto t : items) out += fmt::format("{}{}", out.empty() ? "" : ",", to_string(t));
  return out;
}

// How a TOML value must be written for a setting.
enum class kind : std::uint8_t {
  text,     // a string
  integer,  // an integer
  number,   // an integer or a float
  size,     // an integer (bytes) or a string with a unit ("16MiB")
  list,     // an array of strings, or one comma-separated string
};

// Where a value came from, in rising order of precedence.
enum class source : std::uint8_t { defaults, file, environment, command_line };

struct setting_def {
  std::string_view key, flag, env, value_name, help;
  kind type;
  void (*apply)(app_config&, std::string_view);  // parses text into the config; throws config_error
  std::string (*show)(const app_config&);        // the current value as flag text
};

// Every setting. The order is the order of --help and of docs/configuration.md.
const std::vector<setting_def>& defs() {
  static const std::vector<setting_def> table{
      // General
      {"role", "--role", "MDFAN_ROLE", "ROLE", "what this instance does: host, executor or hybrid", kind::text,
       [](app_config& c, std::string_view v) {
         for (auto r : {instance_role::host, instance_role::executor, instance_role::hybrid}) {
           if (v == to_string(r)) {
             c.role = r;
             return;
           }
         }
         fail(fmt::format("{} is not a role (host, executor, hybrid)", in_quotes(v)));
       },
       [](const app_config& c) { return std::string(to_string(c.role)); }},
      {"log_level", "--log-level", "MDFAN_LOG_LEVEL", "LEVEL",
       "minimum log level: trace, debug, info, warn, error, critical, off", kind::text,
       [](app_config& c, std::string_view v) {
         for (const auto& [name, level] : log_levels) {
           if (v == name) {
             c.log_level = level;
             return;
           }
         }
         fail(fmt::format("{} is not a log level (trace, debug, info, warn, error, critical, off)", in_quotes(v)));
       },
       [](const app_config& c) {
         for (const auto& [name, level] : log_levels) {
           if (level == c.log_level) return std::string(name);
         }
         return std::string("info");
       }},
      {"threads", "--threads", "MDFAN_THREADS", "N", "I/O threads; 0 = one per hardware thread", kind::integer,
       [](app_config& c, std::string_view v) { c.threads = static_cast<unsigned>(parse_unsigned(v, 0, 1024)); },
       [](const app_config& c) { return std::to_string(c.threads); }},

      // Server
      {"server.listen", "--listen", "MDFAN_LISTEN", "HOST:PORT",
       "address of the HTTP + WebSocket server (/ws, /health, /metrics)", kind::text,
       [](app_config& c, std::string_view v) { c.server.listen = parse_endpoint(v); },
       [](const app_config& c) { return to_string(c.server.listen); }},
      {"server.max_frame_bytes", "--max-frame-bytes", "MDFAN_MAX_FRAME_BYTES", "BYTES",
       "largest client WebSocket message (0 = no limit)", kind::size,
       [](app_config& c, std::string_view v) { c.server.max_frame_bytes = parse_size(v); },
       [](const app_config& c) { return show_size(c.server.max_frame_bytes); }},
      {"server.max_subscriptions", "--max-subscriptions", "MDFAN_MAX_SUBSCRIPTIONS", "N",
       "topic patterns one client may hold (0 = no limit)", kind::integer,
       [](app_config& c, std::string_view v) { c.server.max_subscriptions = parse_count(v); },
       [](const app_config& c) { return std::to_string(c.server.max_subscriptions); }},
      {"server.max_client_rate", "--max-client-rate", "MDFAN_MAX_CLIENT_RATE", "MSG/S",
       "messages one client may send per second (0 = no limit)", kind::number,
       [](app_config& c, std::string_view v) { c.server.max_client_rate = parse_rate(v); },
       [](const app_config& c) { return show_rate(c.server.max_client_rate); }},
      {"server.session_queue_messages", "--session-queue-messages", "MDFAN_SESSION_QUEUE_MESSAGES", "N",
       "frames queued for one client; beyond it server.slow_consumer applies (0 = no limit)", kind::integer,
       [](app_config& c, std::string_view v) { c.server.session_queue_messages = parse_count(v); },
       [](const app_config& c) { return std::to_string(c.server.session_queue_messages); }},
      {"server.session_queue_bytes", "--session-queue-bytes", "MDFAN_SESSION_QUEUE_BYTES", "BYTES",
       "bytes queued for one client; beyond it server.slow_consumer applies (0 = no limit)", kind::size,
       [](app_config& c, std::string_view v) { c.server.session_queue_bytes = parse_size(v); },
       [](const app_config& c) { return show_size(c.server.session_queue_bytes); }},
      {"server.slow_consumer", "--slow-consumer", "MDFAN_SLOW_CONSUMER", "LIST",
       "per event type, what to do with an event a slow client's queue cannot take: TYPE=ACTION items, "
       "ticker/candle: conflate, drop or disconnect; trade: drop or disconnect; book: snapshot or disconnect "
       "(types not listed keep their default)",
       kind::list,
       [](app_config& c, std::string_view v) {
         slow_consumer_policy p;  // each level starts from the defaults: the highest level alone decides
         if (auto error = parse_slow_consumer_policy(v, p); !error.empty()) fail(error);
         c.server.slow_consumer = p;
       },
       [](const app_config& c) { return to_string(c.server.slow_consumer); }},
      {"server.max_clients", "--max-clients", "MDFAN_MAX_CLIENTS", "N",
       "concurrent HTTP and WebSocket connections (0 = no limit)", kind::integer,
       [](app_config& c, std::string_view v) { c.server.max_clients = parse_count(v); },
       [](const app_config& c) { return std::to_string(c.server.max_clients); }},

      // Redis
      {"redis.url", "--redis-url", "REDIS_URL", "URL",
       "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]; its parts beat the separate redis settings given at the "
       "same or a lower level",
       kind::text,
       [](app_config& c, std::string_view v) {
         parse_redis_url(v);
         c.redis.url = std::string(v);
       },
       [](const app_config& c) { return c.redis.url; }},
      {"redis.host", "--redis-host", "REDIS_HOST", "HOST", "Redis host name or IP", kind::text,
       [](app_config& c, std::string_view v) {
         std::string_view host, port;
         if (!split_host_port(v, host, port) || !port.empty()) fail(fmt::format("{} is not a host name", in_quotes(v)));
         c.redis.host = std::string(host);
       },
       [](const app_config& c) { return c.redis.host; }},
      {"redis.port", "--redis-port", "REDIS_PORT", "PORT", "Redis port", kind::integer,
       [](app_config& c, std::string_view v) {
         if (v.substr(0, 6) == "tcp://") {
           fail(
               fmt::format("{} is not a port number (Kubernetes and Docker links set REDIS_PORT like this for a "
                           "service named redis; REDIS_URL with a port, or --redis-port, wins over it)",
                           in_quotes(v)));
         }
         c.redis.port = parse_port(v);
       },
       [](const app_config& c) { return std::to_string(c.redis.port); }},
      {"redis.username", "--redis-username", "REDIS_USERNAME", "USER", "Redis ACL user (empty = the default user)",
       kind::text, [](app_config& c, std::string_view v) { c.redis.username = std::string(v); },
       [](const app_config& c) { return c.redis.username; }},
      {"redis.password", "--redis-password", "REDIS_PASSWORD", "PASSWORD",
       "Redis password (empty = no AUTH); prefer the environment to a flag", kind::text,
       [](app_config& c, std::string_view v) { c.redis.password = std::string(v); },
       [](const app_config& c) { return c.redis.password; }},
      {"redis.db", "--redis-db", "REDIS_DB", "N", "Redis database number", kind::integer,
       [](app_config& c, std::string_view v) {
         if (!digits_only(v) || v.size() > 9) fail(fmt::format("{} is not a database number", in_quotes(v)));
         c.redis.db = static_cast<unsigned>(parse_unsigned(v, 0, 999999999));
       },
       [](const app_config& c) { return std::to_string(c.redis.db); }},
      {"redis.key_prefix", "--redis-key-prefix", "REDIS_KEY_PREFIX", "PREFIX", "prefix of every Redis channel and key",
       kind::text,
       [](app_config& c, std::string_view v) {
         if (std::any_of(v.begin(), v.end(), [](char ch) { return static_cast<unsigned char>(ch) <= ' '; })) {
           fail(fmt::format("{} contains a space or control character", in_quotes(v)));
         }
         c.redis.key_prefix = std::string(v);
       },
       [](const app_config& c) { return c.redis.key_prefix; }},
      {"redis.mode", "--redis-mode", "REDIS_MODE", "MODE", "Redis deployment: single (sentinel, cluster: not yet)",
       kind::text,
       [](app_config& c, std::string_view v) {
         if (v == "sentinel" || v == "cluster") {
           fail(fmt::format("{} is not supported yet (only single is)", in_quotes(v)));
         }
         if (v != "single") fail(fmt::format("{} is not a Redis mode (single, sentinel, cluster)", in_quotes(v)));
         c.redis.mode = redis_mode::single;
       },
       [](const app_config& c) { return std::string(to_string(c.redis.mode)); }},

      // Exchange
      {"exchange.name", "--exchange", "MDFAN_EXCHANGE", "NAME",
       "exchange to connect to (host, hybrid): binance, coinbase, kraken, bybit, okx, or replay:FILE to replay a "
       "recording made by 'mdfan record'",
       kind::text,
       [](app_config& c, std::string_view v) {
         if (v.starts_with("replay:")) {
           const auto file = v.substr(7);
           if (file.empty()) fail("replay: needs a file (replay:FILE)");
           std::ifstream probe{std::string(file)};
           if (!probe) fail(fmt::format("cannot open the recording {}", in_quotes(file)));
           c.exchange.replay_file = std::string(file);
           return;
         }
         c.exchange.replay_file.clear();
         exchange_id id{};
         if (!parse_exchange(v, id) ||
             std::find(live_exchanges.begin(), live_exchanges.end(), id) == live_exchanges.end()) {
           std::string known;
           for (auto e : live_exchanges) known += fmt::format("{}{}", known.empty() ? "" : ", ", to_string(e));
           fail(fmt::format("{} is not a supported exchange ({})", in_quotes(v), known));
         }
         c.exchange.name = id;
       },
       [](const app_config& c) {
         return c.exchange.replay_file.empty() ? std::string(to_string(c.exchange.name))
                                               : "replay:" + c.exchange.replay_file;
       }},
      {"exchange.replay_speed", "--replay-speed", "MDFAN_REPLAY_SPEED", "X",
       "replay pace: 1 as recorded, 10 ten times faster, 0 as fast as possible", kind::number,
       [](app_config& c, std::string_view v) {
         double x = 0;
         const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
         if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !(x >= 0) || x > 1e6)
           fail(fmt::format("{} is not a replay speed (0 to 1000000)", in_quotes(v)));
         c.exchange.replay_speed = x;
       },
       [](const app_config& c) { return fmt::format("{}", c.exchange.replay_speed); }},
      {"exchange.candle_interval", "--candle-interval", "MDFAN_CANDLE_INTERVAL", "INTERVAL",
       "candle interval: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d (native candles where the exchange has "
       "the interval, else built from trades)",
       kind::text,
       [](app_config& c, std::string_view v) {
         static constexpr std::array<std::string_view, 11> known{"1m", "3m", "5m", "15m", "30m", "1h",
                                                                 "2h", "4h", "6h", "12h", "1d"};
         if (std::find(known.begin(), known.end(), v) == known.end())
           fail(fmt::format("{} is not a candle interval (1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d)",
                            in_quotes(v)));
         c.exchange.candle_interval = std::string(v);
       },
       [](const app_config& c) { return c.exchange.candle_interval; }},
      {"exchange.market", "--market", "MDFAN_MARKET", "MARKET", "Bybit market: spot or linear", kind::text,
       [](app_config& c, std::string_view v) {
         if (v != "spot" && v != "linear") fail(fmt::format("{} is not a Bybit market (spot, linear)", in_quotes(v)));
         c.exchange.market = std::string(v);
       },
       [](const app_config& c) { return c.exchange.market; }},
      {"exchange.max_backlog", "--exchange-max-backlog", "MDFAN_EXCHANGE_MAX_BACKLOG", "N",
       "events read from the exchange and not yet routed before its connections stop reading (0 = never)",
       kind::integer, [](app_config& c, std::string_view v) { c.exchange.max_backlog = parse_count(v); },
       [](const app_config& c) { return std::to_string(c.exchange.max_backlog); }},
      {"exchange.symbols", "--symbols", "MDFAN_SYMBOLS", "LIST",
       "instruments, in the exchange's spelling or as BASE-QUOTE (default: BTC-USDT, ETH-USDT; BTC-USD, ETH-USD on "
       "coinbase and kraken)",
       kind::list, [](app_config& c, std::string_view v) { c.exchange.symbols = parse_symbols(v); },
       [](const app_config& c) { return show_list(c.exchange.symbols); }},
      {"exchange.ws_url", "--exchange-ws-url", "MDFAN_EXCHANGE_WS_URL", "URL",
       "exchange market-data WebSocket base URL, scheme://host:port (default: the exchange's own)", kind::text,
       [](app_config& c, std::string_view v) {
         check_url(v, "ws", "wss");
         c.exchange.ws_url = std::string(v);
       },
       [](const app_config& c) { return c.exchange.ws_url; }},
      {"exchange.rest_url", "--exchange-rest-url", "MDFAN_EXCHANGE_REST_URL", "URL",
       "exchange REST base URL for book snapshots, Binance (default: the exchange's own)", kind::text,
       [](app_config& c, std::string_view v) {
         check_url(v, "http", "https");
         c.exchange.rest_url = std::string(v);
       },
       [](const app_config& c) { return c.exchange.rest_url; }},
      {"exchange.channels", "--channels", "MDFAN_CHANNELS", "LIST",
       "event types to subscribe to: ticker, trade, book, candle", kind::list,
       [](app_config& c, std::string_view v) {
         std::vector<event_type> out;
         for (auto item : split_list(v)) {
           event_type t{};
           if (!parse_event_type(item, t)) {
             fail(fmt::format("{} is not a channel (ticker, trade, book, candle)", in_quotes(item)));
           }
           if (std::find(out.begin(), out.end(), t) != out.end())
             fail(fmt::format("{} is listed twice", in_quotes(item)));
           out.push_back(t);
         }
         c.exchange.channels = std::move(out);
       },
       [](const app_config& c) { return show_channels(c.exchange.channels); }},

      // Bridge
      {"bridge.max_pending", "--bridge-max-pending", "MDFAN_BRIDGE_MAX_PENDING", "N",
       "events held while Redis is slow or down; the oldest are dropped beyond it (at least 1)", kind::integer,
       [](app_config& c, std::string_view v) { c.bridge.max_pending = parse_count(v, 1); },
       [](const app_config& c) { return std::to_string(c.bridge.max_pending); }},
      {"bridge.max_backlog", "--bridge-max-backlog", "MDFAN_BRIDGE_MAX_BACKLOG", "N",
       "received events not yet handed to clients before the subscriber stops reading Redis (0 = never)",
       kind::integer, [](app_config& c, std::string_view v) { c.bridge.max_backlog = parse_count(v); },
       [](const app_config& c) { return std::to_string(c.bridge.max_backlog); }},

      // Book
      {"book.snapshot_depth", "--book-snapshot-depth", "MDFAN_BOOK_SNAPSHOT_DEPTH", "N",
       "book levels per side sent to a new subscriber (0 = the whole book)", kind::integer,
       [](app_config& c, std::string_view v) { c.book.snapshot_depth = parse_count(v); },
       [](const app_config& c) { return std::to_string(c.book.snapshot_depth); }},
  };
  return table;
}

const setting_def* find_def(std::string_view key) {
  for (const auto& d : defs()) {
    if (d.key == key) return &d;
  }
  return nullptr;
}

std::string_view toml_type_name(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::boolean: return "a boolean";
    case toml::value_t::integer: return "an integer";
    case toml::value_t::floating: return "a float";
    case toml::value_t::string: return "a string";
    case toml::value_t::array: return "an array";
    case toml::value_t::table: return "a table";
    case toml::value_t::empty: return "empty";
    default: return "a date or time";
  }
}

// The text of a TOML value, checked against the type the setting expects.
std::string toml_text(const setting_def& d, const toml::value& v, const std::string& origin) {
  auto expected = [&](std::string_view what) -> std::string {
    fail(fmt::format("{}: expected {}, not {}", origin, what, toml_type_name(v)));
  };
  switch (d.type) {
    case kind::text:
      if (v.is_string()) return v.as_string().str;
      return expected("a string");
    case kind::integer:
      if (v.is_integer()) return std::to_string(v.as_integer());
      return expected("an integer");
    case kind::number:
      if (v.is_integer()) return std::to_string(v.as_integer());
      if (v.is_floating()) return fmt::format("{}", v.as_floating());
      return expected("a number");
    case kind::size:
      if (v.is_integer()) return std::to_string(v.as_integer());
      if (v.is_string()) return v.as_string().str;
      return expected("an integer (bytes) or a string such as \"16MiB\"");
    case kind::list:
      if (v.is_string()) return v.as_string().str;
      if (v.is_array()) {
        std::string out;
        for (const auto& item : v.as_array()) {
          if (!item.is_string()) return expected("an array of strings");
          if (!out.empty()) out += ',';
          out += item.as_string().str;
        }
        return out;
      }
      return expected("an array of strings");
  }
  return {};
}

template <typename Map>
std::vector<std::string> sorted_keys(const Map& m) {
  std::vector<std::string> keys;
  keys.reserve(m.size());
  for (const auto& [k, v] : m) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Reads the TOML file into setting key -> text. `origin` names where the path came from.
std::map<std::string, std::string> read_toml(const std::string& path, const std::string& origin) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(fmt::format("{}: cannot read {}: {}", origin, in_quotes(path), std::strerror(errno)));
  toml::value root;
  try {
    root = toml::parse(in, path);
  } catch (const std::exception& e) {
    fail(fmt::format("{}: {} is not valid TOML:\n{}", origin, in_quotes(path), e.what()));
  }
  std::map<std::string, std::string> values;
  auto take = [&](const std::string& key, const toml::value& v) {
    const auto where = fmt::format("{} (file {})", key, path);
    const auto* d = find_def(key);
    if (d == nullptr) fail(fmt::format("{}: unknown setting", where));
    values[key] = toml_text(*d, v, where);
  };
  const auto& top = root.as_table();
  for (const auto& name : sorted_keys(top)) {
    const auto& v = top.at(name);
    bool section =
        v.is_table() && std::any_of(defs().begin(), defs().end(), [&](const setting_def& d) {
          return d.key.size() > name.size() && d.key.substr(0, name.size()) == name && d.key[name.size()] == '.';
        });
    if (!section) {
      take(name, v);
      continue;
    }
    const auto& inner = v.as_table();
    for (const auto& key : sorted_keys(inner)) take(fmt::format("{}.{}", name, key), inner.at(key));
  }
  return values;
}

std::string origin_name(const setting_def& d, source s, const std::string& file) {
  switch (s) {
    case source::command_line: return fmt::format("{} (command line)", d.flag);
    case source::environment: return fmt::format("{} (environment)", d.env);
    case source::file: return fmt::format("{} (file {})", d.key, file);
    case source::defaults: break;
  }
  return fmt::format("{} (default)", d.key);
}

// Parses `text` into `cfg`; a bad value becomes a config_error naming the setting and its source.
void apply_value(const setting_def& d, source s, const std::string& text, app_config& cfg, const std::string& file) {
  try {
    d.apply(cfg, text);
  } catch (const config_error& e) {
    fail(fmt::format("{}: {}", origin_name(d, s, file), e.what()));
  }
}

}  // namespace

endpoint parse_endpoint(std::string_view text) {
  std::string_view host, port;
  if (!split_host_port(text, host, port) || port.empty()) {
    fail(fmt::format("{} is not HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)", in_quotes(text)));
  }
  return {std::string(host), parse_port(port)};
}

std::vector<std::string> parse_symbols(std::string_view text) {
  std::vector<std::string> out;
  for (auto item : split_list(text)) {
    std::string sym;
    for (char c : item) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '/' || c == '.';
      if (!ok) fail(fmt::format("{} is not a symbol (letters, digits, '-', '_', '/', '.')", in_quotes(item)));
      sym += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    if (std::find(out.begin(), out.end(), sym) != out.end()) fail(fmt::format("{} is listed twice", in_quotes(sym)));
    out.push_back(std::move(sym));
  }
  return out;
}

std::uint64_t parse_unsigned(std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!digits_only(text) || p != text.data() + text.size()) {
    fail(fmt::format("{} is not a whole number (0 or more)", in_quotes(text)));
  }
  if (ec != std::errc() || v < min || v > max)
    fail(fmt::format("{} is out of range ({}-{})", in_quotes(text), min, max));
  return v;
}

double parse_rate(std::string_view text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || v < 0) {
    fail(fmt::format("{} is not a rate (messages per second, 0 or more)", in_quotes(text)));
  }
  return v;
}

std::vector<std::string> default_symbols(exchange_id e) {
  if (e == exchange_id::coinbase || e == exchange_id::kraken) return {"BTC-USD", "ETH-USD"};
  return {"BTC-USDT", "ETH-USDT"};
}

const std::vector<setting_info>& settings() {
  static const std::vector<setting_info> table = [] {
    const app_config defaults;
    std::vector<setting_info> out;
    out.reserve(defs().size());
    for (const auto& d : defs()) out.push_back({d.key, d.flag, d.env, d.value_name, d.help, d.show(defaults)});
    return out;
  }();
  return table;
}

app_config resolve_config(const std::map<std::string, std::string>& flags,
                          const std::optional<std::string>& config_flag, const env_map& env) {
  auto env_value = [&](std::string_view name) -> const std::string* {
    auto it = env.find(std::string(name));
    return it == env.end() || it->second.empty() ? nullptr : &it->second;
  };

  app_config cfg;
  std::map<std::string, std::string> file_values;
  if (config_flag) {
    cfg.config_file = *config_flag;
    file_values = read_toml(cfg.config_file, "--config (command line)");
  } else if (const auto* path = env_value("MDFAN_CONFIG")) {
    cfg.config_file = *path;
    file_values = read_toml(cfg.config_file, "MDFAN_CONFIG (environment)");
  }

  // The file first, whole: even the values a flag or the environment overrides are checked, since the
  // file is written for mdfan. An environment variable or a flag is read only where it wins, so an
  // unrelated variable that happens to share a name (Kubernetes sets REDIS_PORT=tcp://…) does no harm
  // once overridden.
  for (const auto& [key, text] : file_values) apply_value(*find_def(key), source::file, text, cfg, cfg.config_file);

  struct choice {
    source src = source::defaults;
    const std::string* text = nullptr;
  };
  std::map<std::string_view, choice> chosen;
  for (const auto& d : defs()) {
    auto& c = chosen[d.key];
    if (auto it = flags.find(std::string(d.key)); it != flags.end()) {
      c = {source::command_line, &it->second};
    } else if (const auto* e = env_value(d.env)) {
      c = {source::environment, e};
    } else if (file_values.count(std::string(d.key)) > 0) {
      c.src = source::file;  // already applied
    }
  }

  // REDIS_URL: a part the URL spells out wins over the same part given separately at the same or a lower
  // level; a part given separately at a higher level wins over the URL; parts the URL leaves out come from
  // the separate settings.
  const auto& url_choice = chosen.at("redis.url");
  if (url_choice.src > source::file) {
    apply_value(*find_def("redis.url"), url_choice.src, *url_choice.text, cfg, cfg.config_file);
  }
  std::optional<redis::redis_url_parts> url;
  if (!cfg.redis.url.empty()) url = parse_redis_url(cfg.redis.url);
  auto url_sets = [&](std::string_view key) {
    if (!url || chosen.at(key).src > url_choice.src) return false;
    if (key == "redis.host") return true;
    if (key == "redis.port") return url->port.has_value();
    if (key == "redis.username") return url->username.has_value();
    if (key == "redis.password") return url->password.has_value();
    if (key == "redis.db") return url->db.has_value();
    return false;
  };

  for (const auto& d : defs()) {
    const auto& c = chosen.at(d.key);
    if (c.src <= source::file || d.key == "redis.url" || url_sets(d.key)) continue;
    apply_value(d, c.src, *c.text, cfg, cfg.config_file);
  }
  if (url_sets("redis.host")) cfg.redis.host = url->host;
  if (url_sets("redis.port")) cfg.redis.port = *url->port;
  if (url_sets("redis.username")) cfg.redis.username = *url->username;
  if (url_sets("redis.password")) cfg.redis.password = *url->password;
  if (url_sets("redis.db")) cfg.redis.db = static_cast<unsigned>(*url->db);

  if (cfg.threads == 0) cfg.threads = std::max(1U, std::thread::hardware_concurrency());
  return cfg;
}

}  // namespace mdfan::app
