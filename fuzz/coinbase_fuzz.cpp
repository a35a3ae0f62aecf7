// libFuzzer target for the Coinbase Advanced Trade parser and protocol session. The input goes through
// the parser with the fast path on and off (the whole output and the error must be the same: see
// check_fast_path_same), through the stateless decoder whole, then through a session (level2 books with
// the connection-wide sequence_num, trades, candles built from trades) twice: whole, and split at
// newlines as a sequence of messages on one connection, with a close and reopen at the end.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/coinbase/factory.hpp"
#include "adapters/coinbase/parser.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

namespace {

void append_levels(std::string& s, const std::vector<price_level>& levels) {
  for (const auto& l : levels) {
    s += l.price.str();
    s += ':';
    s += l.size.str();
    s += ' ';
  }
}

// Everything coinbase_parser gives for a message, as text: the result, the error and what it
// attributes, the envelope, and every book, ticker, trade and candle. (The decoder's events leave out
// the heartbeat counter, the book's event time, the trades' snapshot flag and the error's attribution.)
std::string outcome(bool ok, const adapters::coinbase_message& m, const adapters::coinbase_parse_error& e) {
  std::string s = ok ? "ok" : "error " + e.reason;
  s += '|';
  s += adapters::to_string(e.channel);
  s += '|' + e.product_id + '|' + std::to_string(e.has_sequence) + std::to_string(e.sequence_num);
  if (!ok) return s;
  s += '|';
  s += adapters::to_string(m.channel);
  s += '|' + std::to_string(m.has_sequence) + std::to_string(m.sequence_num) + '|' + std::to_string(m.timestamp_ns) +
       '|' + std::to_string(m.heartbeat_counter) + '|' + m.error_message;
  for (const auto& b : m.books) {
    s += "\nbook " + b.product_id + (b.snapshot ? " s " : " u ") + std::to_string(b.event_time_ns) + " b ";
    append_levels(s, b.bids);
    s += "a ";
    append_levels(s, b.asks);
  }
  for (const auto& t : m.tickers) s += '\n' + encode_json(event(t));
  for (const auto& t : m.trades) s += '\n' + encode_json(event(t.t)) + (t.snapshot ? " s" : " u");
  for (const auto& c : m.candles) s += '\n' + encode_json(event(c));
  return s;
}

// The fast path changes nothing: the same output, or the same error, with it on and off.
void check_fast_path_same(std::string_view msg) {
  static fuzz::fast_path_pair<adapters::coinbase_parser, adapters::coinbase_message, adapters::coinbase_parse_error> pair;
  pair.check(msg, outcome);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
  static auto decoder = adapters::make_coinbase_decoder();

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  check_fast_path_same(padded(input, buf));
  fuzz::for_each_line(input, 64,
                      [&](std::string_view line, std::size_t /*index*/) { check_fast_path_same(padded(line, buf)); });

  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);

  adapters::adapter_options opts;
  opts.exchange = exchange_id::coinbase;
  opts.symbols = {"BTC-USD", "ETH-USD"};
  opts.types = {event_type::book, event_type::trade, event_type::ticker, event_type::candle};
  opts.candle_interval = "1m";  // built from trades
  auto session = adapters::make_coinbase_session(opts, metrics, log);
  discard_io io;
  session->on_open(io);
  session->on_message(padded(input, buf), 1, io);
  fuzz::for_each_line(input, 4096, [&](std::string_view line, std::size_t /*index*/) {
    session->on_message(padded(line, buf), 2, io);
  });
  session->on_close();
  session->on_open(io);
  session->on_message(padded(input, buf), 3, io);
  return 0;
}
