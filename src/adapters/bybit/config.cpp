#include "adapters/bybit/config.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <fmt/format.h>

#include "adapters/common/candle_builder.hpp"

namespace mdfan::adapters {
namespace {

struct interval_name {
  std::string_view name, native;
};
// Bybit kline intervals (kline.{1,3,5,15,30,60,120,240,360,720,D,W,M}) and their common names.
constexpr std::array<interval_name, 13> intervals{{{"1m", "1"},
                                                   {"3m", "3"},
                                                   {"5m", "5"},
                                                   {"15m", "15"},
                                                   {"30m", "30"},
                                                   {"1h", "60"},
                                                   {"2h", "120"},
                                                   {"4h", "240"},
                                                   {"6h", "360"},
                                                   {"12h", "720"},
                                                   {"1d", "D"},
                                                   {"1w", "W"},
                                                   {"1M", "M"}}};

bool has(const std::vector<event_type>& types, event_type t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

}  // namespace

std::string_view to_string(bybit_market m) noexcept { return m == bybit_market::spot ? "spot" : "linear"; }

std::string_view bybit_default_base() noexcept { return "wss://stream.bybit.com"; }

std::string_view bybit_path(bybit_market m) noexcept {
  return m == bybit_market::spot ? "/v5/public/spot" : "/v5/public/linear";
}

bool bybit_depth_supported(bybit_market m, unsigned depth) noexcept {
  (void)m;  // the same depths on both markets; only their push periods differ
  return depth == 1 || depth == 50 || depth == 200 || depth == 1000;
}

std::string bybit_native_interval(std::string_view interval) {
  for (const auto& i : intervals)
    if (i.name == interval || i.native == interval) return std::string(i.native);
  return {};
}

std::string bybit_interval_name(std::string_view native) {
  for (const auto& i : intervals)
    if (i.native == native) return std::string(i.name);
  return std::string(native);
}

std::string bybit_book_topic(unsigned depth, std::string_view symbol) {
  return fmt::format("orderbook.{}.{}", depth, symbol);
}
std::string bybit_ticker_topic(std::string_view symbol) { return fmt::format("tickers.{}", symbol); }
std::string bybit_trade_topic(std::string_view symbol) { return fmt::format("publicTrade.{}", symbol); }
std::string bybit_kline_topic(std::string_view interval, std::string_view symbol) {
  return fmt::format("kline.{}.{}", interval, symbol);
}

bybit_config make_bybit_config(const adapter_options& opts) {
  bybit_config cfg;
  if (opts.market == "spot") {
    cfg.market = bybit_market::spot;
    cfg.max_args_per_request = 10;
  } else if (opts.market == "linear") {
    cfg.market = bybit_market::linear;
    cfg.max_args_per_request = 0;
  } else {
    throw std::invalid_argument(fmt::format("market: bybit serves \"spot\" or \"linear\", not \"{}\"", opts.market));
  }

  std::string base = opts.ws_url.empty() ? std::string(bybit_default_base()) : opts.ws_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!base.starts_with("ws://") && !base.starts_with("wss://"))
    throw std::invalid_argument(
        fmt::format("ws_url: expected ws://host[:port] or wss://host[:port], got \"{}\"", base));
  cfg.ws_url = base + std::string(bybit_path(cfg.market));

  if (opts.symbols.empty()) throw std::invalid_argument("symbols: bybit needs at least one symbol");
  for (const auto& s : opts.symbols) {
    std::string native = cfg.names.add_configured(s);
    if (native.empty()) throw std::invalid_argument(fmt::format("symbols: \"{}\" is not a Bybit symbol", s));
    if (std::find(cfg.symbols.begin(), cfg.symbols.end(), native) == cfg.symbols.end())
      cfg.symbols.push_back(std::move(native));
  }

  cfg.tickers = has(opts.types, event_type::ticker);
  cfg.trades = has(opts.types, event_type::trade);
  cfg.books = has(opts.types, event_type::book);
  cfg.candles = has(opts.types, event_type::candle);

  cfg.depth = opts.book_depth == 0 ? 50 : opts.book_depth;
  if (cfg.books && !bybit_depth_supported(cfg.market, cfg.depth))
    throw std::invalid_argument(
        fmt::format("book_depth: bybit {} serves 1, 50, 200 or 1000 levels, not {}", to_string(cfg.market), cfg.depth));

  if (cfg.candles) {
    cfg.kline_interval = bybit_native_interval(opts.candle_interval);
    if (!cfg.kline_interval.empty()) {
      cfg.candle_interval = bybit_interval_name(cfg.kline_interval);
    } else if (parse_candle_interval(opts.candle_interval, cfg.candle_interval_ns)) {
      cfg.aggregate_candles = true;
      cfg.candle_interval = opts.candle_interval;
    } else {
      throw std::invalid_argument(fmt::format(
          "candle_interval: \"{}\" is neither a Bybit kline interval (1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M) "
          "nor an interval trades can be aggregated into (<n>s, <n>m, <n>h up to 1d)",
          opts.candle_interval));
    }
  }
  return cfg;
}

std::vector<std::string> bybit_topics(const bybit_config& cfg, std::string_view symbol) {
  std::vector<std::string> out;
  if (cfg.tickers) out.push_back(bybit_ticker_topic(symbol));
  if (cfg.trades || (cfg.candles && cfg.aggregate_candles)) out.push_back(bybit_trade_topic(symbol));
  if (cfg.candles && !cfg.aggregate_candles) out.push_back(bybit_kline_topic(cfg.kline_interval, symbol));
  if (cfg.books) out.push_back(bybit_book_topic(cfg.depth, symbol));
  return out;
}

std::vector<std::vector<std::string>> bybit_plan_connections(const bybit_config& cfg) {
  std::vector<std::vector<std::string>> plan;
  std::size_t chars = 0;
  for (const auto& s : cfg.symbols) {
    std::size_t need = 0;
    for (const auto& t : bybit_topics(cfg, s)) need += t.size();
    if (plan.empty() || (cfg.max_arg_chars_per_connection > 0 && !plan.back().empty() &&
                         chars + need > cfg.max_arg_chars_per_connection)) {
      plan.emplace_back();
      chars = 0;
    }
    plan.back().push_back(s);
    chars += need;
  }
  return plan;
}

std::vector<std::string> bybit_requests(std::string_view op, const std::vector<std::string>& args,
                                        std::size_t max_args_per_request, std::string_view req_id) {
  std::vector<std::string> out;
  const std::size_t per = max_args_per_request == 0 ? args.size() : max_args_per_request;
  for (std::size_t i = 0; i < args.size(); i += per) {
    std::string m = fmt::format(R"({{"req_id":"{}","op":"{}","args":[)", req_id, op);
    for (std::size_t j = i; j < std::min(args.size(), i + per); ++j) {
      if (j != i) m += ',';
      m += '"';
      m += args[j];
      m += '"';
    }
    m += "]}";
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace mdfan::adapters
