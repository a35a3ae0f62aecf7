// libFuzzer target for the Bybit v5 parser and protocol session. The input goes through the stateless
// decoder whole, then, split at newlines, through a session of each market (books synced first from a
// fixed snapshot so that fuzzed deltas are applied, linear ticker merging, candles built from trades)
// as a sequence of messages on one connection, with a ping, a close and a reopen at the end.
// The whole input and each of its lines also parse to the same output (every bybit_message member
// the kind uses, book sequence fields included) or the same error with the fast path on and off, on
// parsers reused from input to input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "adapters/bybit/parser.hpp"
#include "adapters/bybit/session.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

namespace {

std::string header_text(const event_header& h) {
  return fmt::format("{} {} {} {} {} {}", static_cast<int>(h.exchange), h.symbol, h.instrument, h.exchange_ts_ns,
                     h.receive_ts_ns, h.sequence);
}
void append_levels(std::string& s, const std::vector<price_level>& l) {
  for (const auto& x : l) s += fmt::format("[{},{}]", x.price.str(), x.size.str());
  s += ';';
}

// Everything one parse gave, as text (the decoder's events leave out the book's sequence fields).
std::string outcome_text(bool ok, const adapters::bybit_message& m, const adapters::bybit_parse_error& e) {
  using adapters::bybit_kind;
  if (!ok) return fmt::format("error {} {} {}", e.reason, e.symbol, e.book);
  std::string s = fmt::format("{} {}", static_cast<int>(m.kind), m.topic);
  switch (m.kind) {
    case bybit_kind::book: {
      const auto& b = m.book;
      s += fmt::format(" {} {} {} {} {} {} {} ", b.symbol, b.depth, b.snapshot, b.update_id, b.cross_seq, b.ts_ns,
                       b.cts_ns);
      append_levels(s, b.bids);
      append_levels(s, b.asks);
      break;
    }
    case bybit_kind::ticker: {
      const auto& t = m.tick;
      s += header_text(t) + (m.ticker_delta ? " delta" : " snapshot");
      for (const decimal* d : {&t.bid_price, &t.bid_size, &t.ask_price, &t.ask_size, &t.last_price, &t.last_size,
                               &t.open_24h, &t.high_24h, &t.low_24h, &t.volume_24h, &t.quote_volume_24h, &t.change_24h})
        s += fmt::format(" '{}'", d->str());
      break;
    }
    case bybit_kind::trades:
      for (const auto& t : m.trades)
        s += fmt::format("|{} {} {} {} {}", header_text(t), t.trade_id, t.price.str(), t.size.str(),
                         static_cast<int>(t.aggressor));
      break;
    case bybit_kind::candles:
      for (const auto& c : m.candles)
        s += fmt::format("|{} {} {} {} {} {} {} {} {} {} {} {}", header_text(c), c.interval, c.open_time_ns,
                         c.close_time_ns, c.open.str(), c.high.str(), c.low.str(), c.close.str(), c.volume.str(),
                         c.quote_volume.str(), c.trades, c.closed);
      break;
    case bybit_kind::control: {
      const auto& c = m.control;
      s += fmt::format(" {} {} {} {} {}", static_cast<int>(c.what), c.success, c.op, c.ret_msg, c.req_id);
      break;
    }
    case bybit_kind::other: break;
  }
  return s;
}

// `msg` (padded) parses the same with the fast path on and off. Traps otherwise.
void check_fast_path_same(std::string_view msg) {
  static fuzz::fast_path_pair<adapters::bybit_parser, adapters::bybit_message, adapters::bybit_parse_error> pair;
  pair.check(msg, outcome_text);
}

void run_session(const std::string& input, const char* market, const char* interval) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
  adapters::adapter_options opts;
  opts.exchange = exchange_id::bybit;
  opts.market = market;
  opts.symbols = {"BTCUSDT", "ETHUSDT"};
  opts.types = {event_type::book, event_type::trade, event_type::ticker, event_type::candle};
  opts.candle_interval = interval;
  auto session = adapters::make_bybit_session(opts, metrics, log);
  discard_io io;
  std::string buf;
  session->on_open(io);
  const std::string snapshot =
      R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT",)"
      R"("b":[["16493.50","0.006"],["16493.00","0.100"]],"a":[["16611.00","0.029"],["16612.00","0.213"]],)"
      R"("u":18521288,"seq":7961638724},"cts":1672304484976})";
  session->on_message(padded(snapshot, buf), 1, io);
  fuzz::for_each_line(input, 10000, [&](std::string_view line, std::size_t /*index*/) {
    session->on_message(padded(line, buf), 2, io);
  });
  io.now += 30'000'000'000;  // past the resync retry
  session->on_ping(io);
  session->on_close();
  session->on_open(io);
  session->on_message(padded(input, buf), 3, io);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto decoder = adapters::make_bybit_decoder();
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);
  check_fast_path_same(padded(input, buf));
  fuzz::for_each_line(input, 256,
                      [&](std::string_view line, std::size_t /*index*/) { check_fast_path_same(padded(line, buf)); });
  run_session(input, "linear", "1m");  // native klines
  run_session(input, "spot", "2m");    // candles built from trades
  return 0;
}
