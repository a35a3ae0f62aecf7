#include "adapters/coinbase/config.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "adapters/common/candle_builder.hpp"

namespace mdfan::adapters {

std::string coinbase_product_id(std::string_view any_form) {
  std::string out;
  out.reserve(any_form.size());
  bool dash = false;
  char prev = '-';
  for (const char c : any_form) {
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (c == '-' && prev != '-') {
      out.push_back(c);
      dash = true;
    } else {
      return {};
    }
    prev = c;
  }
  if (!dash || out.back() == '-' || out.size() > 40) return {};
  return out;
}

coinbase_config coinbase_config_from(const adapter_options& opts) {
  coinbase_config c;
  if (opts.exchange != exchange_id::coinbase)
    throw std::invalid_argument(fmt::format("exchange: '{}' given to the Coinbase adapter", to_string(opts.exchange)));
  if (!opts.ws_url.empty()) {
    std::string base = opts.ws_url;
    if (!base.starts_with("ws://") && !base.starts_with("wss://"))
      throw std::invalid_argument(fmt::format("ws_url: '{}' is not ws://host[:port] or wss://host[:port]", base));
    while (!base.empty() && base.back() == '/') base.pop_back();
    c.ws_url = base;
  }
  c.ws_url += "/";
  if (opts.symbols.empty()) throw std::invalid_argument("symbols: no Coinbase product given");
  for (const auto& s : opts.symbols) {
    std::string p = coinbase_product_id(s);
    if (p.empty())
      throw std::invalid_argument(
          fmt::format("symbols: '{}' is not a Coinbase product id (BASE-QUOTE, e.g. BTC-USD)", s));
    if (std::find(c.products.begin(), c.products.end(), p) == c.products.end()) c.products.push_back(std::move(p));
  }
  if (opts.types.empty()) throw std::invalid_argument("types: no event type given");
  for (const auto t : opts.types) {
    switch (t) {
      case event_type::ticker: c.tickers = true; break;
      case event_type::trade: c.trades = true; break;
      case event_type::book: c.books = true; break;
      case event_type::candle: c.candles = true; break;
    }
  }
  if (opts.book_depth != 0)
    throw std::invalid_argument(
        fmt::format("book_depth: {} not supported: Coinbase level2 is the full book (use 0)", opts.book_depth));
  c.candle_interval = opts.candle_interval;
  if (!parse_candle_interval(c.candle_interval, c.candle_interval_ns))
    throw std::invalid_argument(
        fmt::format("candle_interval: '{}' is not <n>s, <n>m, <n>h or <n>d of at most one day", opts.candle_interval));
  c.native_candles = c.candle_interval_ns == 300'000'000'000;
  if (c.native_candles) c.candle_interval = "5m";
  c.tap = opts.tap;
  c.read_gate = opts.read_gate;
  return c;
}

std::vector<coinbase_connection_plan> plan_coinbase_connections(const coinbase_config& cfg) {
  std::vector<coinbase_connection_plan> out;
  if (cfg.tickers || cfg.wants_market_trades() || (cfg.candles && cfg.native_candles)) {
    coinbase_connection_plan p{"coinbase#0", cfg};
    p.cfg.books = false;
    p.cfg.name = p.name;
    out.push_back(std::move(p));
  }
  if (cfg.books) {
    for (const auto& product : cfg.products) {
      coinbase_connection_plan p{"coinbase-l2#" + product, cfg};
      p.cfg.products = {product};
      p.cfg.tickers = p.cfg.trades = p.cfg.candles = p.cfg.native_candles = false;
      p.cfg.name = p.name;
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::string coinbase_request(std::string_view type, std::string_view channel,
                             const std::vector<std::string>& products) {
  std::string out;
  out.reserve(48 + channel.size() + products.size() * 12);
  out.append(R"({"type":")").append(type).push_back('"');
  if (!products.empty()) {
    out.append(R"(,"product_ids":[)");
    for (std::size_t i = 0; i < products.size(); ++i) {
      if (i) out.push_back(',');
      out.append("\"").append(products[i]).append("\"");  // product ids are [A-Z0-9-]: no escaping
    }
    out.push_back(']');
  }
  out.append(R"(,"channel":")").append(channel).append("\"}");
  return out;
}

}  // namespace mdfan::adapters
