// libFuzzer target for the Kraken WebSocket v2 parser and protocol session. The input goes through the
// stateless decoder whole, then, split at newlines, through a session (books with checksums, candles
// built from trades) as a sequence of messages on one connection, with a close and reopen at the end.
// The parser reads the whole input, and each line on one reused parser, to the same output (events,
// book entries with checksums, control fields) or the same error with the fast path on and off.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/kraken/parser.hpp"
#include "adapters/kraken/session.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

namespace {

// Everything a parse gave, as text. (The decoder shows neither checksums nor control traffic, so
// the parser's own output is compared.)
std::string outcome(bool ok, const adapters::kraken_message& m, const adapters::kraken_parse_error& e) {
  if (!ok) return "error " + e.reason + "|" + e.symbol + "|" + (e.book ? "1" : "0");
  std::string s = "ok " + std::to_string(static_cast<int>(m.what)) + (m.snapshot ? " s" : " u");
  for (const auto& ev : m.events) s += "|" + encode_json(ev);
  for (std::size_t i = 0; i < m.book_count; ++i) {
    const auto& b = m.books[i];
    s += "|book " + b.symbol + " " + b.instrument + " " + std::to_string(b.checksum) + " " +
         std::to_string(b.exchange_ts_ns);
    for (const auto& l : b.bids) s.append(" b ").append(l.price.str()).append(" ").append(l.size.str());
    for (const auto& l : b.asks) s.append(" a ").append(l.price.str()).append(" ").append(l.size.str());
  }
  for (const auto& p : m.pairs)
    s += "|pair " + p.symbol + " " + std::to_string(p.precision.price) + " " + std::to_string(p.precision.qty);
  const auto& c = m.control;
  s += "|control " + std::to_string(static_cast<int>(c.what)) + (c.success ? " 1 " : " 0 ") + c.channel + " " +
       c.symbol + " " + c.error + " " + c.system;
  return s;
}

// `msg` (padded) parses the same with the fast path on and off. Traps otherwise.
void check_fast_path_same(std::string_view msg) {
  static fuzz::fast_path_pair<adapters::kraken_parser, adapters::kraken_message, adapters::kraken_parse_error> pair;
  pair.check(msg, outcome);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
  static auto decoder = adapters::make_kraken_decoder();

  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);

  check_fast_path_same(padded(input, buf));
  fuzz::for_each_line(input, 256, [&](std::string_view line, std::size_t /*index*/) {
    check_fast_path_same(padded(line, buf));
  });

  adapters::adapter_options opts;
  opts.exchange = exchange_id::kraken;
  opts.symbols = {"MATIC/USD", "BTC/USD", "ALGO/USD"};
  opts.types = {event_type::book, event_type::trade, event_type::ticker, event_type::candle};
  opts.candle_interval = "2m";  // built from trades
  auto session = adapters::make_kraken_session(opts, metrics, log);
  discard_io io;
  session->on_open(io);
  const std::string instruments =
      R"({"channel":"instrument","type":"snapshot","data":{"pairs":[{"symbol":"MATIC/USD","price_precision":4,)"
      R"("qty_precision":8},{"symbol":"BTC/USD","price_precision":1,"qty_precision":8}]}})";
  session->on_message(padded(instruments, buf), 1, io);
  fuzz::for_each_line(input, 10000, [&](std::string_view line, std::size_t /*index*/) {
    session->on_message(padded(line, buf), 2, io);
  });
  session->on_ping(io);
  session->on_close();
  session->on_open(io);
  session->on_message(padded(input, buf), 3, io);
  return 0;
}
