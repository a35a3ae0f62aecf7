#include "adapters/binance/config.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

namespace mdfan::adapters {
namespace {

constexpr std::array<std::string_view, 16> kline_intervals{"1s", "1m", "3m", "5m",  "15m", "30m", "1h", "2h",
                                                           "4h", "6h", "8h", "12h", "1d",  "3d",  "1w", "1M"};

bool is_partial_depth_channel(std::string_view ch) {
  for (std::string_view n : {"depth5", "depth10", "depth20"}) {
    if (ch == n) return true;
    if (ch.size() == n.size() + 6 && ch.starts_with(n) && ch.substr(n.size()) == "@100ms") return true;
  }
  return false;
}

std::string_view trim_slash(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

bool valid_symbol_text(std::string_view s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string url_for(std::string_view base, const std::vector<std::string>& streams) {
  std::string url(trim_slash(base));
  url += "/stream?streams=";
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (i) url += '/';
    url += streams[i];
  }
  return url;
}

}  // namespace

bool is_diff_depth_channel(std::string_view ch) { return ch == "depth" || ch == "depth@100ms"; }

bool valid_channel(std::string_view ch) {
  if (ch == "trade" || ch == "aggTrade" || ch == "ticker" || ch == "miniTicker" || ch == "bookTicker") return true;
  if (is_diff_depth_channel(ch) || is_partial_depth_channel(ch)) return true;
  if (ch.starts_with("kline_"))
    return std::find(kline_intervals.begin(), kline_intervals.end(), ch.substr(6)) != kline_intervals.end();
  return false;
}

std::string stream_name(std::string_view native_symbol, std::string_view channel) {
  std::string s = binance_symbols::stream_form(native_symbol);
  s += '@';
  s += channel;
  return s;
}

binance_symbols make_symbols(const binance_config& cfg, std::vector<std::string>* natives) {
  binance_symbols symbols;
  for (const auto& [native, normalized] : cfg.symbol_overrides) symbols.add_override(native, normalized);
  std::set<std::string> seen;
  for (const auto& s : cfg.symbols) {
    std::string n = symbols.add_configured(s);
    if (natives && seen.insert(n).second) natives->push_back(std::move(n));
  }
  return symbols;
}

std::vector<std::string> binance_channels_for(const std::vector<event_type>& types, std::string_view candle_interval) {
  std::vector<std::string> out;
  auto add = [&](const char* c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.emplace_back(c);
  };
  for (const auto t : types) {
    switch (t) {
      case event_type::trade: add("trade"); break;
      case event_type::ticker:
        add("ticker");
        add("bookTicker");
        break;
      case event_type::book: add("depth@100ms"); break;
      case event_type::candle: {
        const std::string kline = "kline_" + std::string(candle_interval);
        add(kline.c_str());
        break;
      }
    }
  }
  return out;
}

std::string validate(const binance_config& cfg) {
  if (!cfg.ws_url.starts_with("ws://") && !cfg.ws_url.starts_with("wss://"))
    return fmt::format("binance.ws_url '{}' must start with ws:// or wss://", cfg.ws_url);
  if (!cfg.rest_url.starts_with("http://") && !cfg.rest_url.starts_with("https://"))
    return fmt::format("binance.rest_url '{}' must start with http:// or https://", cfg.rest_url);
  if (cfg.symbols.empty()) return "binance.symbols is empty";
  for (const auto& s : cfg.symbols)
    if (!valid_symbol_text(s)) return fmt::format("binance.symbols: '{}' is not a symbol (letters, digits, '-')", s);
  for (const auto& [native, normalized] : cfg.symbol_overrides) {
    if (!valid_symbol_text(native) || native.find('-') != std::string::npos)
      return fmt::format("binance.symbol_overrides: '{}' is not a native symbol", native);
    if (!valid_symbol_text(normalized) || normalized.find('-') == std::string::npos)
      return fmt::format("binance.symbol_overrides: '{}' is not a BASE-QUOTE instrument", normalized);
  }
  if (cfg.channels.empty()) return "binance.channels is empty";
  std::set<std::string_view> seen;
  bool diff_depth = false, partial_depth = false;
  for (const auto& c : cfg.channels) {
    if (!valid_channel(c))
      return fmt::format(
          "binance.channels: unknown channel '{}' (trade, aggTrade, ticker, miniTicker, bookTicker, depth, "
          "depth@100ms, depth<5|10|20>[@100ms], kline_<interval>)",
          c);
    if (!seen.insert(c).second) return fmt::format("binance.channels: '{}' is listed twice", c);
    if (is_diff_depth_channel(c)) diff_depth = true;
    if (is_partial_depth_channel(c)) partial_depth = true;
  }
  if (diff_depth && partial_depth)
    return "binance.channels: a diff depth stream and a partial depth stream would both feed the book topic; "
           "choose one";
  if (std::count_if(cfg.channels.begin(), cfg.channels.end(), [](const auto& c) { return is_diff_depth_channel(c); }) >
      1)
    return "binance.channels: choose one of depth and depth@100ms";
  if (cfg.depth_limit < 1 || cfg.depth_limit > 5000)
    return fmt::format("binance.depth_limit {} must be within 1..5000", cfg.depth_limit);
  if (cfg.max_streams_per_connection < 1 || cfg.max_streams_per_connection > 1024)
    return fmt::format("binance.max_streams_per_connection {} must be within 1..1024", cfg.max_streams_per_connection);
  if (cfg.max_url_length < 128) return fmt::format("binance.max_url_length {} is below 128", cfg.max_url_length);
  if (cfg.max_buffered_diffs < 1) return "binance.max_buffered_diffs must be at least 1";
  if (cfg.rest_weight_per_minute < depth_snapshot_weight(cfg.depth_limit))
    return fmt::format("binance.rest_weight_per_minute {} is below the weight of one snapshot ({})",
                       cfg.rest_weight_per_minute, depth_snapshot_weight(cfg.depth_limit));
  if (cfg.rest_timeout.count() <= 0) return "binance.rest_timeout must be positive";
  return {};
}

std::vector<binance_connection_plan> plan_connections(const binance_config& cfg) {
  std::vector<std::string> natives;
  (void)make_symbols(cfg, &natives);
  std::vector<binance_connection_plan> plans;
  binance_connection_plan cur;
  std::size_t url_len = trim_slash(cfg.ws_url).size() + std::string_view("/stream?streams=").size();
  const std::size_t base_len = url_len;
  const std::size_t max_streams = std::max<std::size_t>(1, cfg.max_streams_per_connection);

  for (const auto& sym : natives) {
    std::vector<std::string> streams;
    std::size_t len = 0;
    for (const auto& ch : cfg.channels) {
      streams.push_back(stream_name(sym, ch));
      len += streams.back().size() + 1;  // '/' separator (one too many for the first: harmless slack)
    }
    const bool full = cur.streams.size() + streams.size() > max_streams || url_len + len > cfg.max_url_length;
    if (full && !cur.symbols.empty()) {
      cur.url = url_for(cfg.ws_url, cur.streams);
      plans.push_back(std::move(cur));
      cur = {};
      url_len = base_len;
    }
    cur.symbols.push_back(sym);
    for (auto& s : streams) cur.streams.push_back(std::move(s));
    url_len += len;
  }
  if (!cur.symbols.empty()) {
    cur.url = url_for(cfg.ws_url, cur.streams);
    plans.push_back(std::move(cur));
  }
  return plans;
}

std::string depth_snapshot_url(const binance_config& cfg, std::string_view native_symbol) {
  return fmt::format("{}/api/v3/depth?symbol={}&limit={}", trim_slash(cfg.rest_url), native_symbol, cfg.depth_limit);
}

unsigned depth_snapshot_weight(unsigned limit) {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

}  // namespace mdfan::adapters
