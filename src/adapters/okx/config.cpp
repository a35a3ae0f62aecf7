#include "adapters/okx/config.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <fmt/format.h>

#include "adapters/okx/symbols.hpp"

namespace mdfan::adapters {
namespace {

// OKX candle bars (docs: candle1s ... candle3M, plus "utc" variants of 6H and longer).
constexpr std::array<std::string_view, 18> bars{"1s", "1m",  "3m", "5m", "15m", "30m", "1H", "2H", "4H",
                                                "6H", "12H", "1D", "2D", "3D",  "5D",  "1W", "1M", "3M"};

std::string_view trim_slash(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

void append_arg(std::string& out, std::string_view channel, std::string_view inst_id) {
  out += R"({"channel":")";
  out += channel;
  out += R"(","instId":")";
  out += inst_id;
  out += R"("})";
}

}  // namespace

std::string okx_candle_bar(std::string_view interval) {
  std::string_view suffix;
  if (interval.size() > 3 && interval.substr(interval.size() - 3) == "utc") {
    suffix = "utc";
    interval.remove_suffix(3);
  }
  if (interval.size() < 2) return {};
  std::string bar(interval);
  char& unit = bar.back();
  if (unit == 'h' || unit == 'd' || unit == 'w') unit = static_cast<char>(unit - 'a' + 'A');
  if (std::find(bars.begin(), bars.end(), bar) == bars.end()) return {};
  if (!suffix.empty()) {
    // Only the bars of 6 hours and longer have a UTC-aligned variant.
    if (unit == 's' || unit == 'm' || bar == "1H" || bar == "2H" || bar == "4H") return {};
    bar += suffix;
  }
  return bar;
}

std::string okx_interval_of_bar(std::string_view bar) {
  std::string out(bar);
  const std::size_t unit = out.size() >= 4 && bar.substr(bar.size() - 3) == "utc" ? out.size() - 4 : out.size() - 1;
  if (unit < out.size()) {
    char& c = out[unit];
    if (c == 'H' || c == 'D' || c == 'W') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

okx_config okx_config_from(const adapter_options& opts) {
  okx_config cfg;
  if (!opts.ws_url.empty()) cfg.ws_url = opts.ws_url;
  if (cfg.ws_url.rfind("ws://", 0) != 0 && cfg.ws_url.rfind("wss://", 0) != 0)
    throw std::invalid_argument(fmt::format("okx: ws_url '{}' must start with ws:// or wss://", cfg.ws_url));
  cfg.tap = opts.tap;
  cfg.read_gate = opts.read_gate;
  if (opts.symbols.empty()) throw std::invalid_argument("okx: symbols: at least one instrument is required");
  for (const auto& s : opts.symbols) {
    std::string native = okx_native_symbol(s);
    if (native.empty())
      throw std::invalid_argument(
          fmt::format("okx: symbols: '{}' is not an OKX instrument id (expected e.g. BTC-USDT)", s));
    if (std::find(cfg.channels.symbols.begin(), cfg.channels.symbols.end(), native) == cfg.channels.symbols.end())
      cfg.channels.symbols.push_back(std::move(native));
  }
  if (opts.types.empty()) throw std::invalid_argument("okx: types: at least one event type is required");
  for (const auto t : opts.types) {
    switch (t) {
      case event_type::ticker: cfg.channels.tickers = true; break;
      case event_type::trade: cfg.channels.trades = true; break;
      case event_type::book:
        switch (opts.book_depth) {
          case 0:
          case 400: cfg.channels.book = "books"; break;
          case 5: cfg.channels.book = "books5"; break;
          case 1: cfg.channels.book = "bbo-tbt"; break;
          default:
            throw std::invalid_argument(
                fmt::format("okx: book_depth {} is not served (OKX books: 400 (or 0), 5, 1)", opts.book_depth));
        }
        break;
      case event_type::candle: {
        cfg.channels.candle = okx_candle_bar(opts.candle_interval);
        if (cfg.channels.candle.empty())
          throw std::invalid_argument(fmt::format(
              "okx: candle_interval '{}' has no OKX candle channel (1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 2d 3d "
              "5d 1w 1M 3M)",
              opts.candle_interval));
        cfg.channels.candle.insert(0, "candle");
        break;
      }
    }
  }
  return cfg;
}

std::vector<okx_connection_plan> plan_connections(const okx_config& cfg) {
  std::vector<okx_connection_plan> out;
  const okx_channels& ch = cfg.channels;
  const std::string base(trim_slash(cfg.ws_url));
  if (ch.tickers || ch.trades || !ch.book.empty()) {
    const std::size_t per = ch.book == "books" ? std::max<std::size_t>(1, cfg.max_books_per_connection)
                                               : std::max<std::size_t>(1, ch.symbols.size());
    for (std::size_t i = 0; i < ch.symbols.size(); i += per) {
      okx_connection_plan p;
      p.url = base + std::string(okx_public_path);
      p.name = fmt::format("okx#{}", out.size());
      p.channels = ch;
      p.channels.candle.clear();
      p.channels.symbols.assign(ch.symbols.begin() + static_cast<std::ptrdiff_t>(i),
                                ch.symbols.begin() + static_cast<std::ptrdiff_t>(std::min(ch.symbols.size(), i + per)));
      out.push_back(std::move(p));
    }
  }
  if (!ch.candle.empty()) {
    okx_connection_plan p;
    p.url = base + std::string(okx_business_path);
    p.name = "okx-business#0";
    p.channels.symbols = ch.symbols;
    p.channels.candle = ch.candle;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> okx_requests(std::string_view op, const okx_channels& channels, std::size_t max_args_bytes) {
  std::vector<std::string> out;
  std::string args;
  auto flush = [&] {
    if (args.empty()) return;
    out.push_back(fmt::format(R"({{"op":"{}","args":[{}]}})", op, args));
    args.clear();
  };
  std::string one;
  auto add = [&](std::string_view channel, std::string_view inst) {
    one.clear();
    append_arg(one, channel, inst);
    // +2: the brackets of the args array, +1: a separating comma.
    if (!args.empty() && args.size() + 1 + one.size() + 2 > max_args_bytes) flush();
    if (!args.empty()) args += ',';
    args += one;
  };
  // A symbol's channels stay together, so one split never separates a book from its trades.
  for (const auto& s : channels.symbols) {
    if (channels.tickers) add("tickers", s);
    if (channels.trades) add("trades", s);
    if (!channels.book.empty()) add(channels.book, s);
    if (!channels.candle.empty()) add(channels.candle, s);
  }
  flush();
  return out;
}

std::string okx_request(std::string_view op, std::string_view channel, std::string_view inst_id) {
  std::string args;
  append_arg(args, channel, inst_id);
  return fmt::format(R"({{"op":"{}","args":[{}]}})", op, args);
}

}  // namespace mdfan::adapters
