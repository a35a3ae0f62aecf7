#pragma once
// The whole output of one Bybit parse as text, for comparing the fast path with the general path:
// the error (reason, book attribution) or every bybit_message member the message's kind uses (the
// decoder's events leave out the book's sequence fields and the control replies).
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/bybit/parser.hpp"

namespace mdfan::test {

inline std::string header_text(const event_header& h) {
  return fmt::format("ex={} sym={} inst={} ts={} recv={} seq={}", static_cast<int>(h.exchange), h.symbol, h.instrument,
                     h.exchange_ts_ns, h.receive_ts_ns, h.sequence);
}
inline std::string levels_text(const std::vector<price_level>& l) {
  std::string s = "[";
  for (const auto& x : l) s += fmt::format("[{},{}]", x.price.str(), x.size.str());
  return s + "]";
}

inline std::string outcome_text(bool ok, const adapters::bybit_message& m, const adapters::bybit_parse_error& e) {
  if (!ok) return fmt::format("error: {} symbol={} book={}", e.reason, e.symbol, e.book);
  std::string s = fmt::format("kind={} topic={}", static_cast<int>(m.kind), m.topic);
  switch (m.kind) {
    case adapters::bybit_kind::book: {
      const auto& b = m.book;
      s +=
          fmt::format(" book sym={} depth={} snap={} u={} seq={} ts={} cts={} b={} a={}", b.symbol, b.depth, b.snapshot,
                      b.update_id, b.cross_seq, b.ts_ns, b.cts_ns, levels_text(b.bids), levels_text(b.asks));
      break;
    }
    case adapters::bybit_kind::ticker: {
      const auto& t = m.tick;
      s += fmt::format(" tick {} delta={}", header_text(t), m.ticker_delta);
      for (const decimal* d : {&t.bid_price, &t.bid_size, &t.ask_price, &t.ask_size, &t.last_price, &t.last_size,
                               &t.open_24h, &t.high_24h, &t.low_24h, &t.volume_24h, &t.quote_volume_24h, &t.change_24h})
        s += fmt::format(" '{}'", d->str());
      break;
    }
    case adapters::bybit_kind::trades:
      for (const auto& t : m.trades)
        s += fmt::format(" | trade {} id={} p={} v={} side={}", header_text(t), t.trade_id, t.price.str(), t.size.str(),
                         static_cast<int>(t.aggressor));
      break;
    case adapters::bybit_kind::candles:
      for (const auto& c : m.candles)
        s += fmt::format(" | candle {} iv={} open={} close={} o={} h={} l={} c={} v={} q={} n={} closed={}",
                         header_text(c), c.interval, c.open_time_ns, c.close_time_ns, c.open.str(), c.high.str(),
                         c.low.str(), c.close.str(), c.volume.str(), c.quote_volume.str(), c.trades, c.closed);
      break;
    case adapters::bybit_kind::control: {
      const auto& c = m.control;
      s += fmt::format(" control what={} success={} op={} ret_msg={} req_id={}", static_cast<int>(c.what), c.success,
                       c.op, c.ret_msg, c.req_id);
      break;
    }
    case adapters::bybit_kind::other: break;
  }
  return s;
}

}  // namespace mdfan::test
